// Everything a driver decides about one engine before it starts.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/ids.hpp"
#include "core/messages.hpp"
#include "core/stream.hpp"
#include "core/time.hpp"

namespace potok {

enum class Role : std::uint8_t { kSource, kPeer };

// Protocol timings and limits. The defaults are what the simulator's standard scenario runs.
struct Tuning {
  int probe_count = 6;                  // candidates probed in parallel on join
  Duration subscribe_timeout = ms(1500);  // for a transport to a chosen parent, then for its answer
  Duration report_interval = ms(5000);  // state report to the bootstrap
  Duration min_report_gap = ms(1000);   // extra reports when our offer of slots changes
  Duration silence_grace = ms(400);     // beyond one stripe period, before a parent is suspect
  Duration liveness_window = ms(1000);  // at most one "are you there" Ping per quiet parent per window
  Duration stall_limit = ms(3000);      // how long a live but silent parent may stall a stripe
  Duration keepalive = ms(1000);        // liveness sweep period: a child quiet toward a parent for half of it pings
  Duration child_timeout = ms(3000);    // a child heard nothing from for this long is gone
  Duration source_child_timeout = ms(1500);  // ...of the source, which pings its children (failure-handling.md)
  // ...or this long, once a relay below it asks for the kept place (a grandchild's word)
  Duration source_child_timeout_when_told = ms(1000);
  Duration orphan_reserve = ms(2000);   // the source keeps a lost child's place for its orphans
  int late_streak_limit = 6;            // chunks in a row (1.2 s of a stripe) that missed our deadline via one parent
  Duration slow_parent_gap = ms(500);   // ...and lag our fastest stripe by this much: replace it
  Duration playout_margin = ms(150);    // jitter room above the slowest stripe's arrival delay
  Duration repair_room = ms(250);       // extra room so a missing chunk can still be repaired
  Duration unmeasured_margin = ms(150); // extra start delay while a stripe's delay is only announced
  Duration start_patience = ms(4000);   // wait this long for a parent on every stripe before playing
  Duration start_stretch = ms(700);     // start at a keyframe this far past D rather than wait for the next
  Duration start_repair_room = ms(0);   // of repair_room, what D has at the start (the rest comes within 1 s)...
  Duration start_room_floor = ms(1000); // ...unless that takes D below this: a short D keeps all of it
  Duration min_delay = ms(400);
  Duration max_delay = ms(8000);
  Duration repair_grace = ms(120);      // past the expected arrival, before asking a neighbour
  Duration repair_backlog = ms(150);    // answer a Want only while our uplink holds less than this
  double slot_headroom = 0.9;           // share of the upload cap promised to children
  double welcome_budget = 0.18;         // source: upload for Welcomes to joiners, x bitrate
  double query_budget = 0.04;           // source: upload for candidate lists, x bitrate
  Duration join_retry = ms(2000);       // resend JoinRequest if no Welcome came by then
  Duration welcome_group_age = ms(800); // the group a Welcome names has a keyframe at least this old
  Duration eviction_grace = ms(3000);   // an evicted child is still fed this long, to move
  Duration eviction_margin = ms(1000);  // ...and looks elsewhere this long before the grace ends
  Duration climb_interval = ms(10000);  // how often a relay looks for a place nearer the source
  Duration climb_gain = ms(150);        // ...and moves only if it saves at least this much
  int candidates_per_answer = 12;
  Duration candidate_query_interval = ms(1000);
  int backfill_limit = 24;              // chunks a new parent sends from its buffer (1.2 s)
  int candidate_pool_limit = 24;
  int forgery_limit = 3;                // forged chunks from one peer before we cut it off
  // Parity for guards only (docs/parity.md): a relay with children this near the source in
  // some stripe takes the parity stripe, and keeps it this long after it stops being one.
  std::uint8_t parity_guard_depth = 3;
  Duration parity_guard_hold = ms(30000);
};

struct EngineConfig {
  Role role = Role::kPeer;
  PeerId self;
  PeerId bootstrap;             // peers only: whom to ask for candidates
  StreamParams stream;          // source only; peers learn it from Welcome
  std::uint64_t upload_cap_bps = 0;  // what this peer lets the swarm use; 0 = leaf (mobile, metered)
  NatClass nat = NatClass::kOpen;
  std::uint64_t seed = 1;
  // Real drivers verify every received chunk's signature (out::Verify). The simulator, whose
  // peers cannot forge, turns this off to save the round trip.
  bool verify_chunks = true;
  Tuning tuning;
};

// Children one peer can feed: each takes one stripe, i.e. bitrate / stripe_count.
inline std::uint16_t capacity_slots(std::uint64_t upload_cap_bps, const StreamParams& stream,
                                    double headroom) {
  const double slots = static_cast<double>(upload_cap_bps) * headroom / stream.stripe_bps();
  if (slots <= 0) return 0;
  return static_cast<std::uint16_t>(slots > 4000 ? 4000 : slots);
}

// Evicted children a peer can keep feeding while they move (Downstream::reset): what the uplink
// carries beyond the promised slots, and at least one, so strong newcomers can still push down.
inline std::uint16_t leaving_slots(std::uint64_t upload_cap_bps, const StreamParams& stream,
                                   double headroom) {
  const std::uint16_t all = capacity_slots(upload_cap_bps, stream, 1.0);
  const std::uint16_t promised = capacity_slots(upload_cap_bps, stream, headroom);
  return std::max<std::uint16_t>(1, all > promised ? all - promised : 0);
}

}  // namespace potok
