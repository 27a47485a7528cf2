// The progress bar `potok sim` draws on a terminal.
#include "sim/progress.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

namespace potok::sim {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(ProgressTest, AlwaysDrawsPercentage) {
  File f(std::tmpfile());
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar("simulating", 200, f.get(), ProgressBar::Mode::Always);
    EXPECT_TRUE(bar.enabled());
    bar.update(50);
    const std::string first = contents(f.get());
    EXPECT_NE(first.find("simulating"), std::string::npos) << first;
    EXPECT_NE(first.find("25.0%"), std::string::npos) << first;
    EXPECT_NE(first.find("ETA"), std::string::npos) << first;
    std::fseek(f.get(), 0, SEEK_END);
    bar.update(200);
    bar.finish();
    bar.finish();  // idempotent
  }
  const std::string out = contents(f.get());
  EXPECT_NE(out.find("100.0%"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(ProgressTest, RedrawsAreRateLimited) {
  File f(std::tmpfile());
  ASSERT_NE(f, nullptr);
  ProgressBar bar("run", 1000, f.get(), ProgressBar::Mode::Always);
  for (int i = 0; i < 1000; ++i) bar.update(i);
  bar.finish();
  const std::string out = contents(f.get());
  EXPECT_LT(std::count(out.begin(), out.end(), '\r'), 100) << out;
  EXPECT_NE(out.find("99.9%"), std::string::npos);  // finish() shows the latest state
}

TEST(ProgressTest, DestructorEndsTheLine) {
  File f(std::tmpfile());
  ASSERT_NE(f, nullptr);
  { ProgressBar("run", 10, f.get(), ProgressBar::Mode::Always).update(5); }
  const std::string out = contents(f.get());
  EXPECT_NE(out.find("50.0%"), std::string::npos);
  EXPECT_EQ(out.back(), '\n');
}

TEST(ProgressTest, NeverAndAutoOnFileWriteNothing) {
  for (const ProgressBar::Mode mode : {ProgressBar::Mode::Never, ProgressBar::Mode::Auto}) {
    File f(std::tmpfile());
    ASSERT_NE(f, nullptr);
    {
      ProgressBar bar("quiet", 10, f.get(), mode);
      EXPECT_FALSE(bar.enabled());
      bar.update(1);
      bar.update(10);
      bar.finish();
    }
    EXPECT_EQ(contents(f.get()), "");
  }
}

TEST(ProgressTest, RenderShowsBarElapsedAndEta) {
  const std::string line = ProgressBar::render("sim", 25, 100, 10);
  EXPECT_NE(line.find(" 25.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("elapsed 0:10"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 0:30"), std::string::npos) << line;
  EXPECT_NE(line.find("[#######-"), std::string::npos) << line;
  EXPECT_NE(ProgressBar::render("sim", 1, 2, 4000).find("elapsed 1:06:40"), std::string::npos);
  // Degenerate totals and inputs never produce nan.
  for (const std::string& l :
       {ProgressBar::render("x", 5, 0, 1), ProgressBar::render("x", NAN, 10, 1),
        ProgressBar::render("x", 50, 10, 1)}) {
    EXPECT_EQ(l.find("nan"), std::string::npos) << l;
  }
  EXPECT_NE(ProgressBar::render("x", 50, 10, 1).find("100.0%"), std::string::npos);
  EXPECT_NE(ProgressBar::render("x", 0, 10, 1).find("ETA --:--"), std::string::npos);
}

}  // namespace
}  // namespace potok::sim
