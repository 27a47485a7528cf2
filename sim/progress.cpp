// ProgressBar: "\r"-redrawn status line with bar, percentage, elapsed time and ETA.
#include "sim/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace potok::sim {
namespace {

constexpr int kBarWidth = 30;

bool is_terminal(std::FILE* f) {
  return f != nullptr && isatty(fileno(f)) == 1;
}

// "m:ss" or "h:mm:ss".
std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto total = static_cast<long long>(std::min(seconds, 1e8) + 0.5);
  const long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  char buf[48];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", m, s);
  }
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(std::string label, double total, std::FILE* out, Mode mode)
    : label_(std::move(label)),
      total_(total),
      out_(out),
      enabled_(out != nullptr &&
               (mode == Mode::Always || (mode == Mode::Auto && is_terminal(out)))),
      start_(Clock::now()) {}

ProgressBar::~ProgressBar() {
  if (drawn_ && !finished_) finish();
}

std::string ProgressBar::render(const std::string& label, double done, double total,
                                double elapsed_s) {
  double fraction = 0;
  if (total > 0 && std::isfinite(done) && std::isfinite(total)) {
    fraction = std::clamp(done / total, 0.0, 1.0);
  }
  const int filled = static_cast<int>(fraction * kBarWidth);
  std::string line = label;
  line += " [";
  line.append(static_cast<std::size_t>(filled), '#');
  line.append(static_cast<std::size_t>(kBarWidth - filled), '-');
  char pct[16];
  std::snprintf(pct, sizeof pct, "] %5.1f%%", fraction * 100);
  line += pct;
  line += "  elapsed " + format_duration(elapsed_s);
  line += "  ETA ";
  if (fraction >= 1.0) {
    line += format_duration(0);
  } else if (fraction > 0) {
    line += format_duration(elapsed_s * (1 - fraction) / fraction);
  } else {
    line += "--:--";
  }
  return line;
}

void ProgressBar::update(double done) {
  if (!enabled_ || finished_) return;
  done_ = done;
  updated_ = true;
  const Clock::time_point now = Clock::now();
  if (drawn_ && now - last_draw_ < kMinRedraw) return;
  last_draw_ = now;
  draw();
}

void ProgressBar::finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  if (!updated_ && !drawn_) return;
  draw();
  std::fputc('\n', out_);
  std::fflush(out_);
}

void ProgressBar::draw() {
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  std::string line = render(label_, done_, total_, elapsed);
  const std::size_t width = line.size();
  // Blank out whatever the previous, longer line left behind.
  if (width < last_width_) line.append(last_width_ - width, ' ');
  last_width_ = width;
  std::fputc('\r', out_);
  std::fputs(line.c_str(), out_);
  std::fflush(out_);
  drawn_ = true;
}

}  // namespace potok::sim
