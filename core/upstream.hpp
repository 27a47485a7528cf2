// Where a peer receives each stripe from, and who else it could receive it from.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/delay_estimator.hpp"
#include "core/messages.hpp"
#include "core/peer_map.hpp"
#include "core/time.hpp"

namespace potok {

// The parents (or parents-to-be) a stripe just left: what they had already sent is still on its
// way, and is no lie. Two, because a peer may leave a parent and the one it was moving to at
// once, or switch twice within a round trip; with 50 ms chunks, one remembered peer let such
// races through as protocol violations (session 32).
class FormerParents {
 public:
  void remember(PeerId peer, Instant until) {
    if (peer == PeerId{}) return;
    next_ = next_ == 0 ? 1 : 0;
    peer_[next_] = peer;
    until_[next_] = until;
  }
  bool in_flight(PeerId peer, Instant now) const {
    for (int i = 0; i < 2; ++i)
      if (peer_[i] == peer && now < until_[i]) return true;
    return false;
  }

 private:
  PeerId peer_[2]{};
  Instant until_[2]{kLongAgo, kLongAgo};
  int next_ = 0;
};

struct StripeUpstream {
  // kOff: not wanted, so not looked for (the parity stripe of a peer that guards no subtree).
  enum class State : std::uint8_t { kNone, kPending, kActive, kOff };
  State state = State::kNone;
  PeerId parent{};
  Instant since{};         // when the current state began
  Instant last_arrival{};  // last chunk of this stripe from the parent
  ChunkSeq last_pushed{};  // ...and its sequence number
  // The newest chunk this parent pushed us live; reset with every change of parent. A live push
  // comes only down the tree, so anyone below us has nothing newer (relay.cpp on_subscribe).
  ChunkSeq newest_live{};
  ChunkSeq newest_rebuilt{};  // ...and the newest we rebuilt and pushed on ourselves (parity)
  DelayEstimator delay;    // source capture -> arrival here, live pushes only
  std::uint8_t depth = 0;  // hops from the source, from the last chunk
  std::uint8_t depth_before_loss = 0;  // kept while re-parenting, to refuse our own descendants
  Instant orphaned_since{};            // when we last lost this stripe's parent
  // A top relay below a lost child of the source may move up to that child's place until then,
  // though it has found another parent meanwhile (Engine::ask_source_for_kept_place).
  Instant heir_hope_until = kLongAgo;
  PeerId moving_to{};  // evicted or climbing: subscribing here while the old parent still feeds us
  Instant evicted_at = kNever;  // the old parent evicted us: it feeds us only for a grace period
  FormerParents former;
  int late_streak = 0;
};

struct Candidate {
  CandidateInfo info;
  double rtt_ms = -1;  // measured by Ping/Pong; -1 until then
  bool probing = false;
  std::uint32_t nonce = 0;
  Instant unusable_until = kLongAgo;  // after a connect failure or a rejection
  Instant heard_at = kLongAgo;        // when the bootstrap named it or it answered us
};

// The peers this peer knows as possible upstreams, with what it last heard of them.
class CandidatePool {
 public:
  explicit CandidatePool(std::size_t limit) : limit_(limit) {}

  // Adds or refreshes; keeps our own measured RTT.
  void offer(const CandidateInfo& info, Instant now);
  Candidate* find(PeerId peer);
  const Candidate* find(PeerId peer) const;
  void erase(PeerId peer) { pool_.erase(peer); }
  std::size_t size() const { return pool_.size(); }
  PeerMap<Candidate>& all() { return pool_; }
  const PeerMap<Candidate>& all() const { return pool_; }

 private:
  std::size_t limit_;
  PeerMap<Candidate> pool_;
};

// One stripe assignment decided by choose_upstreams().
struct Assignment {
  PeerId parent;
  StripeMask stripes = 0;
};

struct ChoiceInputs {
  const std::vector<StripeUpstream>* stripes = nullptr;
  NatClass self_nat = NatClass::kOpen;
  NetCoord self_coord;
  Instant now;
  Duration chunk_transfer{};  // allowance for the parent to get one chunk out to us
  Instant stale_before = kLongAgo;  // candidates last heard of before this may have left
};

// Picks a parent for every stripe in state kNone: the candidate that minimises the expected
// delay behind the source through it (its own delay + half the RTT + one chunk transfer),
// spreading stripes over different parents and never exceeding anyone's spare slots. A
// re-parenting stripe only takes parents shallower than it was, so it cannot adopt a
// descendant.
std::vector<Assignment> choose_upstreams(CandidatePool& pool, const ChoiceInputs& in);

// Expected delay behind the source if we received through `c`, in milliseconds.
double expected_delay_ms(const Candidate& c, const NetCoord& self_coord, Duration chunk_transfer);

}  // namespace potok
