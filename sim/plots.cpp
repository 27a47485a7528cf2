// The four SVG plots of a run, drawn with the shared helpers in sim/svg.hpp.
#include "sim/plots.hpp"

#include "sim/text_file.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <numeric>
#include <system_error>
#include <vector>

#include "sim/report.hpp"
#include "sim/svg.hpp"

namespace potok::sim {
namespace {

constexpr std::string_view kBlue = "#1f77b4";
constexpr std::string_view kOrange = "#ff7f0e";
constexpr std::string_view kRed = "#d62728";
constexpr std::string_view kGreen = "#2ca02c";

template <typename... Args>
std::string fmt(const char* format, Args... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

unsigned long long ull(std::uint64_t v) {
  return static_cast<unsigned long long>(v);
}

}  // namespace

std::string latency_cdf_svg(const RunSummary& s) {
  const MsHistogram& h = s.latency_ms;
  const std::vector<std::uint64_t>& buckets = h.buckets();
  std::size_t max_ms = 0;
  for (std::size_t ms = 0; ms < buckets.size(); ++ms) {
    if (buckets[ms] != 0) max_ms = ms;
  }
  const double x_hi = svg::nice_upper(static_cast<double>(max_ms));
  svg::Chart chart("Playback latency CDF (capture to playout)", {"latency (ms)", 0, x_hi},
                   {"fraction of played chunks", 0, 1});
  if (h.count() == 0) {
    chart.set_subtitle("no chunks played");
    chart.note("no data");
    return chart.finish();
  }
  std::string subtitle = fmt("%llu chunks played", ull(h.count()));
  if (buckets.back() != 0) {
    subtitle += fmt("; %llu at %lld ms or more", ull(buckets.back()),
                    static_cast<long long>(MsHistogram::kMaxMs));
  }
  chart.set_subtitle(subtitle);

  // Exact step function: at each recorded ms the CDF jumps by that bucket's share.
  std::vector<svg::Point> points{{0, 0}};
  const double total = static_cast<double>(h.count());
  std::uint64_t cumulative = 0;
  for (std::size_t ms = 0; ms <= max_ms; ++ms) {
    if (buckets[ms] == 0) continue;
    const double before = static_cast<double>(cumulative) / total;
    cumulative += buckets[ms];
    points.push_back({static_cast<double>(ms), before});
    points.push_back({static_cast<double>(ms), static_cast<double>(cumulative) / total});
  }
  points.push_back({x_hi, 1});
  chart.polyline(points, kBlue);

  const double p50 = h.percentile(0.50), p95 = h.percentile(0.95), p99 = h.percentile(0.99);
  chart.vline(p50, kGreen, fmt("p50 = %.0f ms", p50));
  chart.vline(p95, kOrange, fmt("p95 = %.0f ms", p95));
  chart.vline(p99, kRed, fmt("p99 = %.0f ms", p99));
  return chart.finish();
}

std::string upload_distribution_svg(const RunSummary& s) {
  std::vector<double> values;
  for (const double v : s.peer_upload_x) {
    if (std::isfinite(v)) values.push_back(std::max(0.0, v));
  }
  const double max_v = values.empty() ? 0.0 : *std::max_element(values.begin(), values.end());
  const double x_hi = svg::nice_upper(std::max(max_v, 1.0));
  const double width = svg::nice_step(x_hi / 40);
  const auto bins = static_cast<std::size_t>(std::ceil(x_hi / width - 1e-9));
  std::vector<std::uint64_t> counts(std::max<std::size_t>(bins, 1), 0);
  for (const double v : values) {
    const auto bin = static_cast<std::size_t>(v / width);
    ++counts[std::min(bin, counts.size() - 1)];
  }
  const std::uint64_t tallest = *std::max_element(counts.begin(), counts.end());

  svg::Chart chart("Per-peer upload", {"multiple of stream bitrate", 0, x_hi},
                   {"peers", 0, svg::nice_upper(static_cast<double>(tallest)), true});
  if (values.empty()) {
    chart.set_subtitle("no peers");
    chart.note("no data");
    return chart.finish();
  }
  const double mean =
      std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  const auto idle = std::count(values.begin(), values.end(), 0.0);
  chart.set_subtitle(fmt("%zu peers, bins of %gx; mean %.2fx, max %.2fx; %lld uploaded nothing",
                         values.size(), width, mean, max_v, static_cast<long long>(idle)));
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double lo = static_cast<double>(i) * width;
    chart.bar(lo, lo + width, static_cast<double>(counts[i]), kBlue);
  }
  chart.vline(mean, kRed, fmt("mean = %.2fx", mean));
  const double p95 = percentile_nearest_rank(values, 0.95);
  chart.vline(p95, kOrange, fmt("p95 = %.2fx", p95));
  return chart.finish();
}

std::string depth_histogram_svg(const RunSummary& s) {
  const std::vector<std::uint64_t>& hist = s.depth_histogram;
  const std::uint64_t tallest = hist.empty() ? 0 : *std::max_element(hist.begin(), hist.end());
  const double n = static_cast<double>(std::max<std::size_t>(hist.size(), 1));
  svg::Chart chart("Tree depth distribution", {"depth (hops from source)", -0.5, n - 0.5, true},
                   {"peers", 0, svg::nice_upper(static_cast<double>(tallest)), true});
  const std::uint64_t peers = std::accumulate(hist.begin(), hist.end(), std::uint64_t{0});
  if (peers == 0) {
    chart.set_subtitle("no peers at the end of the run");
    chart.note("no data");
    return chart.finish();
  }
  chart.set_subtitle(
      fmt("%llu peers at the end of the run; max depth %u", ull(peers), s.max_depth));
  for (std::size_t depth = 0; depth < hist.size(); ++depth) {
    const double d = static_cast<double>(depth);
    chart.bar(d - 0.4, d + 0.4, static_cast<double>(hist[depth]), kBlue);
  }
  return chart.finish();
}

std::string continuity_svg(const RunSummary& s) {
  std::vector<svg::Point> points;
  for (const ContinuityPoint& c : s.continuity_series) {
    if (c.due == 0 || !std::isfinite(c.t_s)) continue;
    points.push_back({c.t_s, static_cast<double>(c.on_time) / static_cast<double>(c.due)});
  }
  double lowest = 1, t_lo = 0, t_hi = 1;
  if (!points.empty()) {
    t_lo = std::min(0.0, points.front().x);
    t_hi = points.front().x;
    for (const svg::Point& p : points) {
      lowest = std::min(lowest, p.y);
      t_lo = std::min(t_lo, p.x);
      t_hi = std::max(t_hi, p.x);
    }
  }
  svg::Chart chart("Playback continuity over time", {"simulated time (s)", t_lo, t_hi},
                   {"continuity (on-time / due chunks)", std::min(0.9, lowest), 1.0});
  if (points.empty()) {
    chart.set_subtitle("no chunks were due");
    chart.note("no data");
    return chart.finish();
  }
  const double overall = s.continuity();
  chart.set_subtitle(
      fmt("%zu windows; overall %.4f, worst window %.4f", points.size(), overall, lowest));
  chart.hline(overall, kRed, fmt("overall %.4f", overall));
  chart.polyline(points, kBlue);
  if (points.size() <= 60) chart.markers(points, kBlue);
  return chart.finish();
}

bool write_plots(const std::string& dir, const RunSummary& summary, std::string* error) {
  try {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
      if (error != nullptr) *error = "cannot create plot directory '" + dir + "': " + ec.message();
      return false;
    }
    const std::pair<const char*, std::string (*)(const RunSummary&)> plots[] = {
        {kLatencyCdfFile, &latency_cdf_svg},
        {kUploadDistributionFile, &upload_distribution_svg},
        {kDepthHistogramFile, &depth_histogram_svg},
        {kContinuityFile, &continuity_svg},
    };
    for (const auto& [name, draw] : plots) {
      const std::string path = (fs::path(dir) / name).string();
      if (!write_text_file(path, draw(summary), "", error)) return false;
    }
    return true;
  } catch (const std::exception& e) {
    if (error != nullptr) {
      try {
        *error = "cannot write plots to '" + dir + "': " + e.what();
      } catch (...) {
      }
    }
    return false;
  }
}

}  // namespace potok::sim
