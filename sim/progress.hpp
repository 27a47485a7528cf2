// A one-line terminal progress bar for long simulator runs.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace potok::sim {

class ProgressBar {
 public:
  // Whether to draw: Auto draws only when the stream is a terminal (isatty(fileno(out))).
  enum class Mode { Auto, Always, Never };

  // `total` is the amount update() counts towards (e.g. simulated seconds). The stream is not
  // owned and must outlive the bar (the destructor may write to it, see ~ProgressBar).
  ProgressBar(std::string label, double total, std::FILE* out = stderr, Mode mode = Mode::Auto);
  // Calls finish() when something was drawn and finish() was not called.
  ~ProgressBar();

  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Records progress and redraws the line, at most every kMinRedraw of wall time (the first call
  // always draws). Prints nothing when the bar is disabled or already finished.
  void update(double done);
  // Draws the final state and ends the line. Idempotent; prints nothing when disabled or when
  // nothing was drawn yet and there is nothing to report (no update() call).
  void finish();

  bool enabled() const { return enabled_; }

  static constexpr std::chrono::milliseconds kMinRedraw{100};

  // The text of one redraw (without the leading '\r'), e.g.
  // "sim [##########----------]  50.0%  elapsed 0:12  ETA 0:12". Exposed for tests.
  static std::string render(const std::string& label, double done, double total, double elapsed_s);

 private:
  using Clock = std::chrono::steady_clock;

  void draw();

  std::string label_;
  double total_;
  std::FILE* out_;
  bool enabled_;
  Clock::time_point start_;
  Clock::time_point last_draw_{};
  bool drawn_ = false;
  bool updated_ = false;
  bool finished_ = false;
  double done_ = 0;
  std::size_t last_width_ = 0;
};

}  // namespace potok::sim
