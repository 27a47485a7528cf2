// SVG plots of one simulator run (800x500, self-contained, no external resources).
#pragma once

#include <string>

#include "sim/summary.hpp"

namespace potok::sim {

// File names write_plots creates inside its directory.
inline constexpr const char* kLatencyCdfFile = "latency_cdf.svg";
inline constexpr const char* kUploadDistributionFile = "upload_distribution.svg";
inline constexpr const char* kDepthHistogramFile = "depth_histogram.svg";
inline constexpr const char* kContinuityFile = "continuity.svg";

// The individual plots as SVG documents (each starts with "<svg" and ends with "</svg>"):
// CDF of playback latency with p50/p95/p99 marked.
std::string latency_cdf_svg(const RunSummary& summary);
// Histogram of per-peer upload as a multiple of the stream bitrate, mean and p95 marked.
std::string upload_distribution_svg(const RunSummary& summary);
// Bars of peers per tree depth.
std::string depth_histogram_svg(const RunSummary& summary);
// Continuity (on_time / due) per window over simulated time.
std::string continuity_svg(const RunSummary& summary);

// Creates `dir` (and parents) if missing and writes the four plots into it. On failure returns
// false and, when `error` is non-null, says which path failed and why. Never throws.
bool write_plots(const std::string& dir, const RunSummary& summary, std::string* error);

}  // namespace potok::sim
