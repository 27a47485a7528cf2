// JSON report of one run: a tiny hand-written pretty-printing writer and the report layout.
#include "sim/report.hpp"

#include "sim/text_file.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <numeric>
#include <string_view>

namespace potok::sim {

std::uint64_t nearest_rank(double p, std::uint64_t n) {
  if (n == 0) return 0;
  if (!(p > 0.0)) p = 0.0;  // also catches NaN
  if (p > 1.0) p = 1.0;
  const double exact = p * static_cast<double>(n);
  const double rank = std::ceil(exact * (1.0 - 1e-12));
  if (rank <= 1.0) return 1;
  if (rank >= static_cast<double>(n)) return n;
  return static_cast<std::uint64_t>(rank);
}

double percentile_nearest_rank(std::vector<double> values, double p) {
  std::erase_if(values, [](double v) { return std::isnan(v); });
  if (values.empty()) return 0.0;
  const std::uint64_t rank = nearest_rank(p, values.size());
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(rank - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

namespace {

double ratio(std::uint64_t num, std::uint64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

// Streaming JSON writer. Containers opened with `inline_layout` (and everything inside them) are
// written on one line; all others put each member on its own line, indented by 2 spaces per level.
class JsonWriter {
 public:
  void begin_object(bool inline_layout = false) { open('{', inline_layout); }
  void end_object() { close('}'); }
  void begin_array(bool inline_layout = false) { open('[', inline_layout); }
  void end_array() { close(']'); }

  // Names the next member of the current object.
  JsonWriter& key(std::string_view name) {
    separate();
    write_string(name);
    out_ += ": ";
    after_key_ = true;
    return *this;
  }

  void value(double v) {
    separate();
    if (!std::isfinite(v)) {
      out_ += "null";
      return;
    }
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, res.ptr);
  }
  void value(std::uint64_t v) {
    separate();
    char buf[32];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, res.ptr);
  }
  void value(std::uint32_t v) { value(static_cast<std::uint64_t>(v)); }
  void value(bool v) {
    separate();
    out_ += v ? "true" : "false";
  }
  void value(std::string_view v) {
    separate();
    write_string(v);
  }
  void value(const char* v) { value(std::string_view(v)); }  // not the bool overload

  std::string take() {
    out_ += '\n';
    return std::move(out_);
  }

 private:
  struct Level {
    bool inline_layout;
    std::size_t members = 0;
  };

  void open(char bracket, bool inline_layout) {
    separate();
    const bool parent_inline = !stack_.empty() && stack_.back().inline_layout;
    stack_.push_back(Level{inline_layout || parent_inline});
    out_ += bracket;
  }

  void close(char bracket) {
    const Level level = stack_.back();
    stack_.pop_back();
    if (level.members > 0 && !level.inline_layout) newline();
    out_ += bracket;
  }

  // Emits what must precede a new member: a comma after the previous one and the line break.
  // A value right after its key needs nothing.
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (stack_.empty()) return;
    Level& level = stack_.back();
    if (level.members++ > 0) out_ += level.inline_layout ? ", " : ",";
    if (!level.inline_layout) newline();
  }

  void newline() {
    out_ += '\n';
    out_.append(2 * stack_.size(), ' ');
  }

  void write_string(std::string_view s) {
    out_ += '"';
    for (const char c : s) {
      switch (c) {
        case '"':
          out_ += "\\\"";
          break;
        case '\\':
          out_ += "\\\\";
          break;
        case '\b':
          out_ += "\\b";
          break;
        case '\f':
          out_ += "\\f";
          break;
        case '\n':
          out_ += "\\n";
          break;
        case '\r':
          out_ += "\\r";
          break;
        case '\t':
          out_ += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
            out_ += buf;
          } else {
            out_ += c;
          }
      }
    }
    out_ += '"';
  }

  std::string out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

}  // namespace

std::string report_json(const RunSummary& s) {
  JsonWriter w;
  w.begin_object();

  w.key("peers").value(s.peers);
  w.key("duration_s").value(s.duration_s);
  w.key("bitrate_kbps").value(s.bitrate_kbps);
  w.key("seed").value(s.seed);
  w.key("wall_s").value(s.wall_s);
  w.key("churn").value(s.churn);

  w.key("startup_ms");
  w.begin_object(true);
  w.key("count").value(static_cast<std::uint64_t>(s.startup_ms.size()));
  w.key("p50").value(percentile_nearest_rank(s.startup_ms, 0.50));
  w.key("p95").value(percentile_nearest_rank(s.startup_ms, 0.95));
  w.end_object();

  w.key("latency_ms");
  w.begin_object(true);
  w.key("count").value(s.latency_ms.count());
  w.key("p50").value(s.latency_ms.percentile(0.50));
  w.key("p95").value(s.latency_ms.percentile(0.95));
  w.key("p99").value(s.latency_ms.percentile(0.99));
  w.end_object();

  w.key("continuity").value(ratio(s.chunks_on_time, s.chunks_due));
  w.key("chunks_due").value(s.chunks_due);
  w.key("chunks_on_time").value(s.chunks_on_time);
  w.key("late_plays").value(s.late_plays);

  w.key("source_upload_x").value(ratio(s.source_upload_bytes, s.stream_bytes));
  w.key("control_overhead").value(ratio(s.control_bytes, s.media_bytes_useful));
  w.key("duplicate_ratio").value(ratio(s.media_bytes_duplicate, s.media_bytes_useful));
  // Parity that rebuilt a chunk took the place of a copy of it; the rest is overhead.
  w.key("parity_overhead").value(ratio(s.parity_bytes - std::min(s.parity_bytes, s.rebuilt_bytes), s.media_bytes_useful));
  w.key("bytes");
  w.begin_object();
  w.key("stream").value(s.stream_bytes);
  w.key("source_upload").value(s.source_upload_bytes);
  w.key("control").value(s.control_bytes);
  w.key("media_useful").value(s.media_bytes_useful);
  w.key("media_duplicate").value(s.media_bytes_duplicate);
  w.key("parity").value(s.parity_bytes);
  w.key("rebuilt").value(s.rebuilt_bytes);
  w.end_object();

  w.key("max_depth").value(s.max_depth);
  w.key("depth_histogram");
  w.begin_array(true);
  for (const std::uint64_t n : s.depth_histogram) w.value(n);
  w.end_array();

  const std::vector<double>& up = s.peer_upload_x;
  const double up_sum = std::accumulate(up.begin(), up.end(), 0.0);
  w.key("peer_upload_x");
  w.begin_object(true);
  w.key("count").value(static_cast<std::uint64_t>(up.size()));
  w.key("p50").value(percentile_nearest_rank(up, 0.50));
  w.key("p95").value(percentile_nearest_rank(up, 0.95));
  w.key("max").value(up.empty() ? 0.0 : *std::max_element(up.begin(), up.end()));
  w.key("mean").value(up.empty() ? 0.0 : up_sum / static_cast<double>(up.size()));
  w.end_object();

  w.key("events");
  w.begin_object();
  w.key("joins").value(s.joins);
  w.key("departures").value(s.departures);
  w.key("connect_failures").value(s.connect_failures);
  w.key("parent_switches").value(s.parent_switches);
  w.key("repairs_requested").value(s.repairs_requested);
  w.key("resyncs").value(s.resyncs);
  w.key("chunks_rebuilt").value(s.chunks_rebuilt);
  w.key("wakes").value(s.wakes);
  w.key("messages").value(s.messages);
  w.end_object();

  w.key("continuity_series");
  w.begin_array();
  for (const ContinuityPoint& point : s.continuity_series) {
    w.begin_object(true);
    w.key("t_s").value(point.t_s);
    w.key("due").value(point.due);
    w.key("on_time").value(point.on_time);
    w.end_object();
  }
  w.end_array();

  w.end_object();
  return w.take();
}

bool write_report(const std::string& path, const RunSummary& summary, std::string* error) {
  std::string json;
  try {
    json = report_json(summary);
  } catch (const std::exception&) {
    if (error != nullptr) *error = "cannot build report '" + path + "': " + std::strerror(ENOMEM);
    return false;
  }
  return write_text_file(path, json, "report", error);
}

}  // namespace potok::sim
