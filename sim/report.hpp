// The machine-readable report of one simulator run (JSON), plus the percentile rule it uses.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/summary.hpp"

namespace potok::sim {

// Nearest-rank percentile rule shared by MsHistogram::percentile and percentile_nearest_rank:
// among n >= 1 values sorted ascending, the p-th percentile is the value of (1-based) rank
// ceil(p * n), clamped to [1, n]. p = 0 is the minimum, p = 1 the maximum, p = 0.5 with n = 4 is
// the 2nd value. p outside [0,1] (or NaN) is clamped into it. A relative tolerance of 1e-12 keeps
// rounding noise from bumping an exact rank (0.07 * 100 = 7.000000000000001 is rank 7, not 8).
// Returns 0 when n == 0.
std::uint64_t nearest_rank(double p, std::uint64_t n);

// Nearest-rank percentile of arbitrary samples (copied and partially sorted). NaN samples are
// ignored. Returns 0 when there is nothing left.
double percentile_nearest_rank(std::vector<double> values, double p);

// Pretty-printed (2-space) JSON object describing the run. Every number is finite: NaN and
// infinities are written as null, and ratios with a zero denominator are 0.
//
// Keys: peers, duration_s, bitrate_kbps, seed, wall_s, churn,
//       startup_ms {count, p50, p95}, latency_ms {count, p50, p95, p99},
//       continuity, chunks_due, chunks_on_time, late_plays,
//       source_upload_x (source_upload_bytes / stream_bytes),
//       control_overhead (control_bytes / media_bytes_useful),
//       duplicate_ratio (media_bytes_duplicate / media_bytes_useful),
//       parity_overhead ((parity_bytes - rebuilt_bytes) / media_bytes_useful; 0 without --parity),
//       bytes {stream, source_upload, control, media_useful, media_duplicate, parity, rebuilt},
//       max_depth, depth_histogram [..],
//       peer_upload_x {count, p50, p95, max, mean},
//       events {joins, departures, connect_failures, parent_switches, repairs_requested, resyncs,
//               chunks_rebuilt},
//       continuity_series [{t_s, due, on_time}, ..].
std::string report_json(const RunSummary& summary);

// Writes report_json(summary) to `path` (replacing it). On failure returns false and, when
// `error` is non-null, stores a message naming the path and the system error. Never throws.
bool write_report(const std::string& path, const RunSummary& summary, std::string* error);

}  // namespace potok::sim
