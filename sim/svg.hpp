// Minimal hand-written SVG charts for the simulator's plots: one fixed-size canvas with a title,
// a framed plot area, labelled axes with tick labels, and data drawn in data coordinates.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace potok::sim::svg {

// Escapes text for SVG/XML content and attribute values (& < > " ').
std::string escape(std::string_view text);

// A "nice" step (1, 2 or 5 times a power of ten) close to `rough` (> 0).
double nice_step(double rough);
// The smallest multiple of a nice step (about a fifth of v) that is >= v; 1 for v <= 0 or
// non-finite.
double nice_upper(double v);
// Tick positions in [lo, hi] at a nice step giving roughly `target` ticks. With `integer_only`
// the step is a whole number >= 1.
std::vector<double> nice_ticks(double lo, double hi, int target = 6, bool integer_only = false);
// Formats a tick value with just enough decimals for `step` (never "-0").
std::string format_tick(double value, double step);

struct Point {
  double x = 0;
  double y = 0;
};

struct Axis {
  std::string label;
  double lo = 0;
  double hi = 1;
  bool integer_ticks = false;  // ticks only at whole numbers (categories, counts)
};

class Chart {
 public:
  static constexpr double kWidth = 800;
  static constexpr double kHeight = 500;

  // A degenerate or non-finite axis range is widened to something drawable.
  Chart(std::string title, Axis x, Axis y);

  // Smaller line under the title, e.g. the sample count.
  void set_subtitle(std::string subtitle) { subtitle_ = std::move(subtitle); }

  // Data -> pixel coordinates.
  double px(double x) const;
  double py(double y) const;

  // A connected line; points that fall on the same pixel are merged, so dense data stays small.
  void polyline(const std::vector<Point>& points, std::string_view color, double stroke_width = 2);
  // A dot at each point.
  void markers(const std::vector<Point>& points, std::string_view color, double radius = 3);
  // A filled bar spanning [x_lo, x_hi] from the bottom of the y axis up to y.
  void bar(double x_lo, double x_hi, double y, std::string_view color);
  // Dashed reference lines with a label; successive labels are staggered so they do not overlap.
  void vline(double x, std::string_view color, std::string_view label);
  void hline(double y, std::string_view color, std::string_view label);
  // A message centred in the plot area (e.g. "no data").
  void note(std::string_view text);

  // The complete, self-contained document, from "<svg" to "</svg>".
  std::string finish() const;

 private:
  void label_at(double x_px, double y_px, std::string_view color, std::string_view text,
                std::string_view anchor);

  std::string title_;
  std::string subtitle_;
  Axis x_;
  Axis y_;
  std::string body_;     // data layer, clipped to the plot area
  std::string overlay_;  // labels drawn above the data, not clipped
  int labels_ = 0;       // reference-line labels drawn so far (for staggering)
};

}  // namespace potok::sim::svg
