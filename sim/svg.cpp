// Shared SVG drawing for the simulator plots: axes, ticks, lines, bars, labels, escaping.
#include "sim/svg.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace potok::sim::svg {
namespace {

// Plot area inside the 800x500 canvas.
constexpr double kLeft = 80;
constexpr double kRight = Chart::kWidth - 30;
constexpr double kTop = 70;
constexpr double kBottom = Chart::kHeight - 70;

constexpr std::string_view kFont = "font-family=\"sans-serif\"";

// Pixel coordinate with one decimal; clamped so a wild value cannot produce absurd output.
std::string coord(double v) {
  if (!std::isfinite(v)) v = 0;
  v = std::clamp(v, -1e5, 1e5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

void fix_range(Axis& axis) {
  if (!std::isfinite(axis.lo)) axis.lo = 0;
  if (!std::isfinite(axis.hi)) axis.hi = axis.lo + 1;
  if (axis.hi < axis.lo) std::swap(axis.lo, axis.hi);
  if (axis.hi - axis.lo < 1e-12) axis.hi = axis.lo + (axis.lo == 0 ? 1 : std::abs(axis.lo) * 0.1);
}

std::string text_element(double x, double y, std::string_view attrs, std::string_view text) {
  return "<text x=\"" + coord(x) + "\" y=\"" + coord(y) + "\" " + std::string(kFont) + " " +
         std::string(attrs) + ">" + escape(text) + "</text>\n";
}

}  // namespace

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Control characters other than tab/newline are not allowed in XML 1.0.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

double nice_step(double rough) {
  if (!(rough > 0) || !std::isfinite(rough)) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
  const double fraction = rough / magnitude;
  const double nice = fraction <= 1.0 ? 1 : fraction <= 2.0 ? 2 : fraction <= 5.0 ? 5 : 10;
  return nice * magnitude;
}

double nice_upper(double v) {
  if (!(v > 0) || !std::isfinite(v)) return 1;
  const double step = nice_step(v / 5);
  return std::ceil(v / step - 1e-9) * step;
}

std::vector<double> nice_ticks(double lo, double hi, int target, bool integer_only) {
  std::vector<double> ticks;
  if (!std::isfinite(lo) || !std::isfinite(hi) || hi <= lo) return ticks;
  double step = nice_step((hi - lo) / std::max(target, 1));
  if (integer_only) step = std::max(1.0, std::round(step));
  const double first = std::ceil(lo / step - 1e-9) * step;
  for (int i = 0; i < 1000; ++i) {
    const double t = first + i * step;
    if (t > hi + step * 1e-9) break;
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

std::string format_tick(double value, double step) {
  int decimals = 0;
  if (step > 0 && std::isfinite(step) && step < 1) {
    decimals = std::min(6, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  }
  if (step > 0 && std::abs(value) < step * 1e-9) value = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value + 0.0);
  std::string s = buf;
  if (s.rfind("-", 0) == 0 && s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  return s;
}

Chart::Chart(std::string title, Axis x, Axis y)
    : title_(std::move(title)), x_(std::move(x)), y_(std::move(y)) {
  fix_range(x_);
  fix_range(y_);
}

double Chart::px(double x) const {
  return kLeft + (x - x_.lo) / (x_.hi - x_.lo) * (kRight - kLeft);
}
double Chart::py(double y) const {
  return kBottom - (y - y_.lo) / (y_.hi - y_.lo) * (kBottom - kTop);
}

void Chart::polyline(const std::vector<Point>& points, std::string_view color,
                     double stroke_width) {
  std::vector<Point> pixels;
  for (const Point& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    const Point q{std::round(px(p.x) * 10) / 10, std::round(py(p.y) * 10) / 10};
    if (!pixels.empty() && pixels.back().x == q.x && pixels.back().y == q.y) continue;
    if (pixels.size() >= 2) {
      // Drop the middle of three points on one vertical or horizontal segment when it lies
      // between the other two (it adds nothing to the drawing).
      const Point& a = pixels[pixels.size() - 2];
      const Point& b = pixels.back();
      const bool vertical = a.x == b.x && b.x == q.x && (b.y - a.y) * (q.y - b.y) >= 0;
      const bool horizontal = a.y == b.y && b.y == q.y && (b.x - a.x) * (q.x - b.x) >= 0;
      if (vertical || horizontal) pixels.pop_back();
    }
    pixels.push_back(q);
  }
  if (pixels.empty()) return;
  body_ += "<polyline fill=\"none\" stroke=\"" + escape(color) + "\" stroke-width=\"" +
           coord(stroke_width) + "\" stroke-linejoin=\"round\" points=\"";
  for (std::size_t i = 0; i < pixels.size(); ++i) {
    if (i > 0) body_ += ' ';
    body_ += coord(pixels[i].x) + "," + coord(pixels[i].y);
  }
  body_ += "\"/>\n";
}

void Chart::markers(const std::vector<Point>& points, std::string_view color, double radius) {
  for (const Point& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    body_ += "<circle cx=\"" + coord(px(p.x)) + "\" cy=\"" + coord(py(p.y)) + "\" r=\"" +
             coord(radius) + "\" fill=\"" + escape(color) + "\"/>\n";
  }
}

void Chart::bar(double x_lo, double x_hi, double y, std::string_view color) {
  if (!std::isfinite(x_lo) || !std::isfinite(x_hi) || !std::isfinite(y) || y <= y_.lo) return;
  const double left = px(std::min(x_lo, x_hi));
  const double width = std::max(1.0, std::abs(px(x_hi) - px(x_lo)));
  const double top = py(y);
  body_ += "<rect x=\"" + coord(left) + "\" y=\"" + coord(top) + "\" width=\"" + coord(width) +
           "\" height=\"" + coord(std::max(1.0, kBottom - top)) + "\" fill=\"" + escape(color) +
           "\" stroke=\"white\" stroke-width=\"0.5\"/>\n";
}

void Chart::label_at(double x_px, double y_px, std::string_view color, std::string_view text,
                     std::string_view anchor) {
  // A translucent backing box (width estimated at ~7.2 px per character) keeps the label
  // readable where it crosses data.
  const double width = 7.2 * static_cast<double>(text.size()) + 6;
  const double left = anchor == "end" ? x_px - width + 3 : x_px - 3;
  overlay_ += "<rect x=\"" + coord(left) + "\" y=\"" + coord(y_px - 13) + "\" width=\"" +
              coord(width) + "\" height=\"17\" fill=\"white\" fill-opacity=\"0.85\"/>\n";
  overlay_ += text_element(
      x_px, y_px,
      "font-size=\"13\" fill=\"" + escape(color) + "\" text-anchor=\"" + std::string(anchor) + "\"",
      text);
}

void Chart::vline(double x, std::string_view color, std::string_view label) {
  if (!std::isfinite(x) || x < x_.lo || x > x_.hi) return;
  const double X = px(x);
  body_ += "<line x1=\"" + coord(X) + "\" y1=\"" + coord(kTop) + "\" x2=\"" + coord(X) +
           "\" y2=\"" + coord(kBottom) + "\" stroke=\"" + escape(color) +
           "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n";
  if (label.empty()) return;
  const double y = kTop + 18 + 18 * (labels_++ % 8);
  if (X > kRight - 160) {
    label_at(X - 5, y, color, label, "end");
  } else {
    label_at(X + 5, y, color, label, "start");
  }
}

void Chart::hline(double y, std::string_view color, std::string_view label) {
  if (!std::isfinite(y) || y < y_.lo || y > y_.hi) return;
  const double Y = py(y);
  body_ += "<line x1=\"" + coord(kLeft) + "\" y1=\"" + coord(Y) + "\" x2=\"" + coord(kRight) +
           "\" y2=\"" + coord(Y) + "\" stroke=\"" + escape(color) +
           "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n";
  if (label.empty()) return;
  const double label_y = Y - kTop < 20 ? Y + 16 : Y - 6;  // below the line when at the very top
  label_at(kRight - 5, label_y, color, label, "end");
  ++labels_;
}

void Chart::note(std::string_view text) {
  overlay_ += text_element((kLeft + kRight) / 2, (kTop + kBottom) / 2,
                           "font-size=\"16\" fill=\"#666\" text-anchor=\"middle\"", text);
}

std::string Chart::finish() const {
  std::string out;
  out +=
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"500\" "
      "viewBox=\"0 0 800 500\">\n";
  out += "<title>" + escape(title_) + "</title>\n";
  out += "<rect x=\"0\" y=\"0\" width=\"800\" height=\"500\" fill=\"white\"/>\n";
  out += text_element(Chart::kWidth / 2, 28,
                      "font-size=\"18\" font-weight=\"bold\" text-anchor=\"middle\"", title_);
  if (!subtitle_.empty()) {
    out += text_element(Chart::kWidth / 2, 50,
                        "font-size=\"13\" fill=\"#555\" text-anchor=\"middle\"", subtitle_);
  }

  // Grid and tick labels.
  const auto x_ticks = nice_ticks(x_.lo, x_.hi, 8, x_.integer_ticks);
  const auto y_ticks = nice_ticks(y_.lo, y_.hi, 6, y_.integer_ticks);
  const double x_step = x_ticks.size() >= 2 ? x_ticks[1] - x_ticks[0] : nice_step(x_.hi - x_.lo);
  const double y_step = y_ticks.size() >= 2 ? y_ticks[1] - y_ticks[0] : nice_step(y_.hi - y_.lo);
  const std::string grid = "\" stroke=\"#e4e4e4\" stroke-width=\"1\"/>\n";
  for (const double t : x_ticks) {
    const std::string X = coord(px(t));
    out += "<line x1=\"" + X + "\" y1=\"" + coord(kTop) + "\" x2=\"" + X + "\" y2=\"" +
           coord(kBottom) + grid;
    out += "<line x1=\"" + X + "\" y1=\"" + coord(kBottom) + "\" x2=\"" + X + "\" y2=\"" +
           coord(kBottom + 5) + "\" stroke=\"black\"/>\n";
    out += text_element(px(t), kBottom + 20, "font-size=\"12\" text-anchor=\"middle\"",
                        format_tick(t, x_step));
  }
  for (const double t : y_ticks) {
    const std::string Y = coord(py(t));
    out += "<line x1=\"" + coord(kLeft) + "\" y1=\"" + Y + "\" x2=\"" + coord(kRight) + "\" y2=\"" +
           Y + grid;
    out += "<line x1=\"" + coord(kLeft - 5) + "\" y1=\"" + Y + "\" x2=\"" + coord(kLeft) +
           "\" y2=\"" + Y + "\" stroke=\"black\"/>\n";
    out += text_element(kLeft - 8, py(t) + 4, "font-size=\"12\" text-anchor=\"end\"",
                        format_tick(t, y_step));
  }

  // Data, clipped to the plot area (with a little slack so lines on the edge stay whole).
  out += "<defs><clipPath id=\"plot-area\"><rect x=\"" + coord(kLeft - 4) + "\" y=\"" +
         coord(kTop - 4) + "\" width=\"" + coord(kRight - kLeft + 8) + "\" height=\"" +
         coord(kBottom - kTop + 8) + "\"/></clipPath></defs>\n";
  out += "<g clip-path=\"url(#plot-area)\">\n" + body_ + "</g>\n";

  // Axes and their labels.
  out += "<rect x=\"" + coord(kLeft) + "\" y=\"" + coord(kTop) + "\" width=\"" +
         coord(kRight - kLeft) + "\" height=\"" + coord(kBottom - kTop) +
         "\" fill=\"none\" stroke=\"black\" stroke-width=\"1\"/>\n";
  out += text_element((kLeft + kRight) / 2, Chart::kHeight - 22,
                      "font-size=\"14\" text-anchor=\"middle\"", x_.label);
  const double mid_y = (kTop + kBottom) / 2;
  out += text_element(
      22, mid_y,
      "font-size=\"14\" text-anchor=\"middle\" transform=\"rotate(-90 22 " + coord(mid_y) + ")\"",
      y_.label);
  out += overlay_;
  out += "</svg>";
  return out;
}

}  // namespace potok::sim::svg
