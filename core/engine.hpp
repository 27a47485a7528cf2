// The protocol engine: one per peer (or source). Sans-IO, after str0m: a driver hands it one
// Input at a time and drains poll_output() until WakeAt. It owns no sockets, threads or clocks,
// so the simulator, the native node and the browser all run exactly this code.
//
// The engine orchestrates; the decisions live in small components: Membership (bootstrap
// registry), CandidatePool + choose_upstreams (whom to receive from), Downstream (whom to push
// to), ChunkBuffer (recent chunks), Playout (when to show what), Accounting (bytes).
#pragma once

#include <algorithm>
#include <array>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/accounting.hpp"
#include "core/chunk_buffer.hpp"
#include "core/config.hpp"
#include "core/downstream.hpp"
#include "core/io.hpp"
#include "core/membership.hpp"
#include "core/peer_map.hpp"
#include "core/playout.hpp"
#include "core/referrals.hpp"
#include "core/rng.hpp"
#include "core/token_bucket.hpp"
#include "core/uplink_backlog.hpp"
#include "core/upstream.hpp"
#include "core/vivaldi.hpp"

namespace potok {

// A snapshot for stats pages, plots and tests.
struct EngineStatus {
  bool joined = false;
  bool playing = false;
  Duration playout_delay{};
  std::uint8_t max_depth = 0;
  int active_upstreams = 0;      // stripes with a live parent
  int distinct_upstreams = 0;    // different parents
  std::uint16_t children = 0;    // slots in use
  std::uint16_t capacity_slots = 0;
  ChunkSeq next_to_play{};
};

class Engine {
 public:
  explicit Engine(EngineConfig config);

  void handle_input(Input input);
  Output poll_output();

  EngineStatus status() const;
  const Accounting& accounting() const { return accounting_; }
  Accounting& accounting() { return accounting_; }
  const EngineConfig& config() const { return config_; }
  const StreamParams& stream() const { return params_; }
  const std::vector<StripeUpstream>& upstreams() const { return stripes_; }
  const Downstream& downstream() const { return downstream_; }

 private:
  enum class JoinState : std::uint8_t { kIdle, kAwaitingWelcome, kJoined, kLeft };
  struct Link {
    bool up = false;
    Instant up_since = kLongAgo;    // when the transport came up
    Instant last_heard = kLongAgo;  // any message from the peer: it is alive
    Instant last_ping = kLongAgo;   // our last liveness probe
    Instant last_sent = kLongAgo;   // anything we sent: a child that sends nothing is gone
    std::vector<Message> pending;   // queued until the transport is up
  };
  struct RepairState {
    static constexpr int kMaxAttempts = 3;
    int attempts = 0;
    std::array<PeerId, kMaxAttempts> asked{};  // one per attempt: any of them may still answer
    PeerId last_asked() const { return attempts == 0 ? PeerId{} : asked[attempts - 1]; }
    bool was_asked(PeerId peer) const {
      const auto end = asked.begin() + attempts;
      return std::find(asked.begin(), end, peer) != end;
    }
    Instant asked_at = kLongAgo;
    bool refused = false;  // the helper answered NotHave
    Instant not_before = kLongAgo;  // nobody could be asked; try again then
  };

  // engine.cpp: dispatch, links, outputs, timers
  void on_message(PeerId from, Message&& message);
  void on_connected(PeerId peer);
  void on_connect_failed(PeerId peer);
  void on_disconnected(PeerId peer);
  void send(PeerId to, Message message);
  void emit(Output output) { outputs_.push_back(std::move(output)); }
  void event(out::EventKind kind, PeerId peer = {}, ChunkSeq seq = {}, Duration value = {});
  void on_timer();
  Instant next_wake() const;
  void forgive_absence(Duration absence);
  void leave();
  bool is_source() const { return config_.role == Role::kSource; }
  StripeMask all_stripes() const {
    return params_.stripe_count >= 32 ? ~StripeMask{0} : (StripeMask{1} << params_.stripe_count) - 1;
  }
  // The source sweeps its children this often (keep_links_alive).
  Duration source_sweep_period() const { return config_.tuning.keepalive / 4; }

  // source.cpp: the source's and bootstrap's side
  void start_source();
  void on_produce(ChunkPtr chunk);
  void on_join_request(PeerId from, const JoinRequest& join);
  void on_candidate_query(PeerId from, const CandidateQuery& query);
  std::vector<CandidateInfo> candidates_for(PeerId asker, int count, StripeMask wanted = ~StripeMask{0});
  ChunkSeq welcome_group_start() const;  // the group a joiner should start from
  bool bootstrap_affords(TokenBucket& bucket, double budget_x, std::size_t candidates, double keep);
  StripeMask reserved_for_orphans() const;
  // The depth limit of a Subscribe from a relay whose parent was one of the source's children.
  static constexpr std::uint8_t kSourceGrandchildDepth = 2;

  // relay.cpp: what every node does for its children and neighbours
  void on_subscribe(PeerId from, const Subscribe& sub);
  void on_unsubscribe(PeerId from, const Unsubscribe& unsub);
  // Source: names the top relay that took a lost child's place to another one refused there.
  void refer_to_heir(StripeIndex stripe, PeerId asker, NatClass asker_nat, SubscribeAck& ack) const;
  void on_want(PeerId from, const Want& want);
  void on_ping(PeerId from, const Ping& ping);
  void forward(const ChunkPtr& chunk, std::uint8_t hops, bool repair);
  bool take_backfill_budget(std::uint64_t bytes);
  bool affords_want_answer(std::uint64_t bytes);  // a repair: our uplink, not our slots, decides
  // Sizes our children's slots (and the evicted ones we may feed) from the upload cap, once
  // the stream's parameters are known.
  void reset_downstream(std::uint8_t rotation);
  std::uint8_t depth_of(StripeIndex stripe) const;
  std::uint32_t reported_delay_ms() const;
  StripeMask relayable_stripes() const;  // stripes that flow in, so we can pass on

  // join.cpp: bootstrap client, probing, choosing and replacing upstreams; upstream_health.cpp:
  // check_upstreams and the checks it makes (subscribe_overdue ... fastest_other_stripe)
  void start_peer();
  JoinRequest join_request();
  void send_join_request();
  void on_welcome(const Welcome& welcome);
  void on_candidate_list(const CandidateList& list);
  void on_pong(PeerId from, const Pong& pong);
  void on_subscribe_ack(PeerId from, const SubscribeAck& ack);
  void on_evict(PeerId from, const Evict& evict);
  void probe(int count);
  void choose_parents();
  // A Subscribe for a move (the old parent still feeds us): from the chunk after the newest we
  // know, taking parents no deeper than `depth` (0: any). choose_parents sets its own from_seq.
  Subscribe subscription(StripeMask stripes, std::uint8_t depth) const;
  void consider_current_parents();
  void ask_source_first();
  void hope_for_kept_place(StripeUpstream& up, const SubscribeAck& ack);
  void ask_source_for_kept_place();
  void lose_parent(StripeIndex stripe, bool tell_parent, out::LossReason reason);
  void check_upstreams();
  Instant next_query_at() const;
  void keep_links_alive();  // keepalives to parents, and forget children that went silent
  void forget_silent_child(PeerId child);
  void drop_silent_source_child(StripeIndex stripe);  // source: told by a grandchild
  Instant subscribe_due(const StripeUpstream& up) const;
  Instant depth_rule_ends(const StripeUpstream& up) const;  // from then on, an orphan takes anyone
  void remember_former_parent(StripeUpstream& up, PeerId peer) const;
  bool seems_gone(PeerId parent, out::LossReason reason) const;  // evidence that it left
  bool abandon_move(StripeIndex stripe);
  bool parent_alive(PeerId parent) const;
  void ping_if_quiet(PeerId parent);
  bool slower_than_others(StripeIndex stripe) const;
  // Chunks came on in other stripes while this one missed two turns.
  bool news_elsewhere(StripeIndex stripe) const;
  // The smallest mean delay among the other stripes that have measured one (max() if none).
  Duration fastest_other_stripe(StripeIndex stripe) const;
  void send_report();
  std::uint32_t fresh_nonce() {  // never the keepalive's
    if (next_nonce_ == kKeepaliveNonce) ++next_nonce_;
    return next_nonce_++;
  }
  void maybe_start_climb();
  void climb(const std::vector<CandidateInfo>& offered);
  std::optional<StripeIndex> climb_stripe() const;
  Duration chunk_transfer_time() const;

  // stream.cpp: receiving, playing and repairing chunks
  void on_chunk(PeerId from, const ChunkData& data);
  void on_verified(const in::Verified& verdict);
  void accept_chunk(PeerId from, const ChunkData& data);  // signature known good (or not checked)
  void penalise_forgery(PeerId from, ChunkSeq seq);
  void maybe_start_playout();
  void advance_playout();
  void check_repairs();
  void note_new_chunk(const ChunkHeader& h);  // newest, group start: received or rebuilt
  // Parity streams: rebuild a data chunk from the rest of its row (core/parity.hpp).
  bool rebuild(ChunkSeq missing);
  void complete_row(ChunkSeq arrived);
  // parity_guard.cpp: with StreamParams::parity_guards, who takes the parity stripe.
  bool guards_subtree() const;
  void update_parity_wish();
  std::uint16_t parity_quota() const;
  // Whether we receive the parity stripe: not a peer that guards nothing (it does not ask for
  // it, and its chunks are no gap there), nor one that has no stripes yet.
  bool takes_parity_stripe() const {
    return params_.parity && !stripes_.empty() && stripes_.back().state != StripeUpstream::State::kOff;
  }
  bool holds_another_source_place(PeerId peer, StripeIndex stripe, StripeMask accepting) const;
  PeerId repair_helper(StripeIndex stripe, const RepairState& r) const;
  PeerId strongest_child_helper(StripeIndex stripe, const RepairState& r) const;
  Duration target_delay() const;
  // The highest measured delay among stripes that `parent` feeds us live, if any.
  std::optional<Duration> measured_via(PeerId parent) const;
  std::uint64_t chunks_produced_since_newest() const;
  std::int64_t estimated_capture_us(ChunkSeq seq) const;
  Instant repair_trigger(ChunkSeq seq) const;
  Instant next_repair_at(ChunkSeq seq) const;
  Instant repair_wake(ChunkSeq seq) const;  // when to be woken for it: not in a loop
  ChunkSeq first_gap() const;  // the first chunk from the playhead on that we lack
  Instant head_deadline() const;
  // A chunk we lack that holds back the start of playback (see maybe_start_playout).
  bool overdue(ChunkSeq seq, bool hole) const;
  // Until then, playback waits for a first live measurement of the delay (maybe_start_playout).
  Instant measure_wait_until() const {
    return first_chunk_at_ == kNever ? kNever : first_chunk_at_ + 2 * params_.chunk_duration;
  }

  EngineConfig config_;
  Rng rng_;
  Instant now_{};
  Instant wake_requested_ = kNever;  // the last WakeAt we handed the driver
  // Handed out in order from next_output_; emptied once all are out, so its storage is reused
  // by the next input (a deque allocated and freed blocks for every burst of sends).
  std::vector<Output> outputs_;
  std::size_t next_output_ = 0;
  PeerMap<Link> links_;
  std::unordered_map<PeerId, int> forgeries_;  // forged chunks received, per sender
  std::unordered_set<PeerId> banned_;          // liars we no longer talk to
  Accounting accounting_;
  UplinkBacklog uplink_;  // what we sent that our uplink still holds

  // Stream knowledge
  StreamParams params_;
  bool have_params_ = false;
  SourceClock clock_;
  ChunkBuffer buffer_;
  ChunkSeq newest_seen_{};
  bool seen_any_ = false;
  ChunkSeq group_start_{};        // newest keyframe chunk known
  Instant first_chunk_at_ = kNever;  // when the first chunk arrived
  Instant start_wait_until_ = kNever;  // playback waits for a keyframe's group until then
  std::int64_t ref_capture_us_ = 0;  // capture time of newest_seen_
  std::uint64_t produced_ = 0;

  // Membership and topology
  Membership membership_;  // used by the bootstrap (source) only
  CandidatePool candidates_;
  std::vector<StripeUpstream> stripes_;
  Downstream downstream_;
  ChildOffers child_offers_;  // our children's own room, for referrals
  Vivaldi vivaldi_;
  JoinState join_state_ = JoinState::kIdle;
  Instant started_at_{};
  Instant join_sent_at_{};
  bool join_rode_connect_ = false;  // the pending JoinRequest went out with the link's opening
  Instant next_report_at_ = kNever;
  Instant last_query_at_ = kLongAgo;
  bool query_outstanding_ = false;
  bool climbing_ = false;  // the outstanding query is for a climb
  Instant next_climb_at_ = kNever;
  // When to ask the source again for a place it kept for our subtree but has not freed yet
  // (on_subscribe_ack); kNever when we are not waiting for one.
  Instant ask_source_again_at_ = kNever;
  Instant guard_until_ = kLongAgo;  // parity_guards: we take the parity stripe until then
  StripeMask offer_reported_ = 0;  // stripes our last report offered slots in
  std::uint16_t used_reported_ = 0;  // ...and the children we had then
  Instant last_report_at_ = kLongAgo;
  Instant last_offer_check_ = kLongAgo;
  Instant next_liveness_sweep_ = kLongAgo;
  // Source, per stripe: a place freed by a child that vanished, kept for the subtree it leaves
  // (a Subscribe with depth limit 2) until `reserved_until`; then who took it, named to the
  // subtree's other top relays until `heir_until` (on_subscribe).
  struct OrphanPlace {
    Instant reserved_until = kLongAgo;
    PeerId heir{};
    Instant heir_until = kLongAgo;
  };
  std::vector<OrphanPlace> orphan_places_;
  std::uint32_t next_nonce_ = 1;

  // Playback and repair
  Playout playout_;
  bool reported_start_ = false;
  std::unordered_map<std::uint64_t, RepairState> repairs_;
  mutable ChunkSeq scan_from_{};  // cache for first_gap()
  TokenBucket backfill_tokens_;  // upload we may spend on backfill (the source: on repairs too)
  TokenBucket welcome_tokens_;  // source: upload for answering joiners
  TokenBucket query_tokens_;    // source: upload for answering candidate queries
  int query_backoff_ = 0;  // unanswered or fruitless queries in a row
};

}  // namespace potok
