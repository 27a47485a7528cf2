// What one simulator run measured, before it is turned into the JSON report and the plots.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace potok::sim {

// Millisecond-resolution histogram; exact enough for percentiles and cheap to fill 10^8 times.
class MsHistogram {
 public:
  static constexpr std::int64_t kMaxMs = 60'000;  // larger values land in the last bucket

  void add(std::int64_t ms) { add_many(ms, 1); }
  void add_many(std::int64_t ms, std::uint64_t n);
  std::uint64_t count() const { return count_; }
  // p in [0,1]; returns 0 when empty.
  double percentile(double p) const;
  const std::vector<std::uint64_t>& buckets() const { return buckets_; }

 private:
  std::vector<std::uint64_t> buckets_ = std::vector<std::uint64_t>(kMaxMs + 1, 0);
  std::uint64_t count_ = 0;
};

// One window of the run (e.g. 10 s): how many chunks were due and how many played on time.
struct ContinuityPoint {
  double t_s = 0;
  std::uint64_t due = 0;
  std::uint64_t on_time = 0;
};

struct RunSummary {
  // Scenario
  std::uint32_t peers = 0;
  double duration_s = 0;
  std::uint32_t bitrate_kbps = 0;
  std::uint64_t seed = 0;
  bool churn = false;
  double wall_s = 0;

  // Playback
  MsHistogram latency_ms;           // capture -> playout, every played chunk
  std::vector<double> startup_ms;   // join -> first chunk played, one per started peer
  std::uint64_t chunks_due = 0;     // after each peer's startup
  std::uint64_t chunks_on_time = 0;
  std::uint64_t late_plays = 0;     // played after their deadline (must stay 0)
  std::vector<ContinuityPoint> continuity_series;

  // Traffic
  std::uint64_t stream_bytes = 0;         // media bytes the source produced
  std::uint64_t source_upload_bytes = 0;  // everything the source sent
  std::uint64_t control_bytes = 0;        // every byte on the wire that is not chunk payload
  // Payload bytes of the media chunks each peer got: first copies received, and chunks rebuilt
  // from parity. A copy that comes after the chunk was rebuilt is a duplicate.
  std::uint64_t media_bytes_useful = 0;
  std::uint64_t media_bytes_duplicate = 0;
  std::uint64_t parity_bytes = 0;         // payload bytes of first copies of parity chunks
  std::uint64_t rebuilt_bytes = 0;        // ...and what they rebuilt
  std::uint64_t chunks_rebuilt = 0;
  // Upload of each peer that was ever in the swarm, as a multiple of the stream bitrate over its
  // time in the swarm.
  std::vector<double> peer_upload_x;

  // Shape
  std::uint32_t max_depth = 0;
  std::vector<std::uint64_t> depth_histogram;  // index = depth, counted over peers at the end

  // Events worth reporting
  std::uint64_t joins = 0;
  std::uint64_t departures = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t parent_switches = 0;
  std::uint64_t repairs_requested = 0;
  std::uint64_t resyncs = 0;
  std::uint64_t wakes = 0;          // timer inputs delivered to engines
  std::uint64_t messages = 0;       // messages delivered

  double continuity() const {
    return chunks_due == 0 ? 0.0 : static_cast<double>(chunks_on_time) / static_cast<double>(chunks_due);
  }
};

}  // namespace potok::sim
