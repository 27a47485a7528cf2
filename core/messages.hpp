// Every message two peers (or a peer and its bootstrap) exchange. The wire encoding lives in
// core/wire.hpp and is documented in docs/protocol.md.
#pragma once

#include <cstdint>
#include <variant>
#include <vector>

#include "core/ids.hpp"
#include "core/stream.hpp"

namespace potok {

// Network coordinates (Vivaldi, with a height for the access link), in milliseconds of RTT.
struct NetCoord {
  float x = 0, y = 0, height = 0;
  bool operator==(const NetCoord&) const = default;
};

// What a peer learns of its own NAT from STUN behaviour tests (RFC 5780). Standard ICE without
// TURN connects every pair except a symmetric NAT with a port-restricted or symmetric one.
enum class NatClass : std::uint8_t { kOpen = 0, kCone = 1, kPortRestricted = 2, kSymmetric = 3 };

constexpr bool can_connect(NatClass a, NatClass b) {
  auto hard = [](NatClass n) { return n == NatClass::kPortRestricted || n == NatClass::kSymmetric; };
  if (a == NatClass::kSymmetric && hard(b)) return false;
  if (b == NatClass::kSymmetric && hard(a)) return false;
  return true;
}

// Bit i set = stripe i. At most 32 stripes.
using StripeMask = std::uint32_t;

// One upstream candidate as the bootstrap or a neighbour describes it: the "network metric".
struct CandidateInfo {
  PeerId peer;
  std::uint32_t delay_ms = 0;  // how far behind the source this peer receives
  std::uint8_t depth = 0;      // hops from the source (the source is 0)
  std::uint16_t spare_slots = 0;
  StripeMask stripes = 0;      // the stripes it can take a child in now
  NatClass nat = NatClass::kOpen;
  NetCoord coord;
  bool operator==(const CandidateInfo&) const = default;
};

struct JoinRequest {
  std::uint16_t capacity_slots = 0;
  NatClass nat = NatClass::kOpen;
  NetCoord coord;
  bool operator==(const JoinRequest&) const = default;
};

struct Welcome {
  std::int64_t source_time_us = 0;  // source clock when sent, for the joiner's clock offset
  StreamParams params;
  ChunkSeq head_seq;         // newest chunk produced
  ChunkSeq group_start_seq;  // first chunk of the group to start from (welcome_group_start)
  std::uint32_t swarm_size = 0;
  std::vector<CandidateInfo> candidates;
  bool operator==(const Welcome&) const = default;
};

// Asks the bootstrap for fresh candidates: after losing upstreams, or to climb.
struct CandidateQuery {
  std::uint16_t want = 0;
  StripeMask stripes = 0;  // the stripes we look for a parent in; 0: all
  bool climbing = false;   // we have parents and look for better ones: it can wait
  bool operator==(const CandidateQuery&) const = default;
};
struct CandidateList {
  std::vector<CandidateInfo> candidates;
  bool operator==(const CandidateList&) const = default;
};

// How one stripe looks from a relay: what the bootstrap places joiners by.
struct StripeOffer {
  std::uint8_t depth = 255;              // hops from the source; 255: we do not receive it
  std::uint16_t delay_ms = 0;            // capture -> arrival here, in this stripe
  std::uint8_t room = 0;                 // children we can still take in it now (saturates)
  std::uint16_t weakest_child = 0xFFFF;  // when full: a joiner stronger than this gets in
  bool operator==(const StripeOffer&) const = default;
};

// State report to the bootstrap, every few seconds and when our offer changes, so it can place
// joiners well.
struct Report {
  std::uint16_t capacity_slots = 0;
  std::uint16_t spare_slots = 0;
  NetCoord coord;
  std::vector<StripeOffer> stripes;  // one per stripe, at most 32
  bool operator==(const Report&) const = default;
};

// A Ping with this nonce is a keepalive: the receiver only notes that it heard from the sender.
// Any other nonce asks for a Pong.
inline constexpr std::uint32_t kKeepaliveNonce = 0;
struct Ping {
  std::uint32_t nonce = kKeepaliveNonce;
  std::int64_t sent_us = 0;  // sender's clock, echoed back
  bool operator==(const Ping&) const = default;
};
struct Pong {
  std::uint32_t nonce = 0;
  std::int64_t echo_us = 0;
  std::uint32_t delay_ms = 0;
  std::uint8_t depth = 0;
  std::uint16_t spare_slots = 0;
  StripeMask stripes = 0;
  NetCoord coord;
  bool operator==(const Pong&) const = default;
};

// "Push me these stripes, starting at from_seq." depth (0: any) is the deepest parent the
// subscriber takes: its depth before it lost its parent, as a deeper parent could be its own
// descendant, or its depth less one when it climbs.
struct Subscribe {
  StripeMask stripes = 0;
  ChunkSeq from_seq;
  std::uint16_t capacity_slots = 0;
  std::uint8_t depth = 0;
  NatClass nat = NatClass::kOpen;  // whom the parent may refer us to if it refuses
  // With `depth`: a deeper parent will do if it has had a newer chunk live (0: it will not).
  ChunkSeq newest_live_seq{};
  bool operator==(const Subscribe&) const = default;
};
// A parent that is full in a stripe names some of its children that have room there.
struct SubscribeAck {
  StripeMask accepted = 0;
  StripeMask rejected = 0;
  std::vector<CandidateInfo> referrals{};
  bool operator==(const SubscribeAck&) const = default;
};
struct Unsubscribe {
  StripeMask stripes = 0;
  bool operator==(const Unsubscribe&) const = default;
};
// A parent makes room for a stronger child and hands the evicted one a new parent to try.
struct Evict {
  StripeMask stripes = 0;
  PeerId suggested;
  bool operator==(const Evict&) const = default;
};

// Repair: ask a neighbour for one chunk that is about to miss its deadline.
struct Want {
  ChunkSeq seq;
  bool operator==(const Want&) const = default;
};
struct NotHave {
  ChunkSeq seq;
  bool operator==(const NotHave&) const = default;
};

// A chunk in flight. hops is the only relay-written field and is not signed.
struct ChunkData {
  ChunkPtr chunk;
  std::uint8_t hops = 0;
  bool repair = false;
  bool operator==(const ChunkData& o) const {
    if (hops != o.hops || repair != o.repair) return false;
    if (!chunk || !o.chunk) return chunk == o.chunk;
    return chunk->header.seq == o.chunk->header.seq && chunk->header.group == o.chunk->header.group &&
           chunk->header.capture_us == o.chunk->header.capture_us &&
           chunk->header.keyframe == o.chunk->header.keyframe &&
           chunk->signature == o.chunk->signature &&
           (chunk->payload_size() == o.chunk->payload_size()) &&
           (chunk->payload_size() == 0 || *chunk->payload == *o.chunk->payload);
  }
};

struct Leave {
  bool operator==(const Leave&) const = default;
};

using Message = std::variant<JoinRequest, Welcome, CandidateQuery, CandidateList, Report, Ping,
                             Pong, Subscribe, SubscribeAck, Unsubscribe, Evict, Want, NotHave,
                             ChunkData, Leave>;

}  // namespace potok
