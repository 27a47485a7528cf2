// potok::cli::Args, as a specification: every option is declared and consumed, every value is
// checked, and the first problem is the one reported.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "node/args.hpp"

namespace potok::cli {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Args, FlagIsTrueOnceWhenPresentAndConsumed) {
  Args a({"--quiet"});
  EXPECT_TRUE(a.flag("--quiet"));
  EXPECT_FALSE(a.flag("--quiet")) << "consumed";
  EXPECT_FALSE(a.flag("--churn"));
  EXPECT_TRUE(a.finish());
  EXPECT_TRUE(a.ok());
}

TEST(Args, AbsentOptionsYieldNothingAndNoError) {
  Args a({});
  EXPECT_FALSE(a.text("--report"));
  EXPECT_FALSE(a.integer("--peers", 1, 10));
  EXPECT_FALSE(a.number("--duration", 1, 10));
  EXPECT_TRUE(a.finish());
  EXPECT_EQ(a.error(), "");
}

TEST(Args, ValueMayFollowAsTheNextArgumentOrAfterAnEqualsSign) {
  for (const auto& argv : std::vector<std::vector<std::string>>{
           {"--report", "out.html", "--peers", "12", "--duration", "2.5"},
           {"--report=out.html", "--peers=12", "--duration=2.5"},
           {"--duration=2.5", "--report", "out.html", "--peers=12"}}) {
    Args a(argv);
    EXPECT_EQ(a.text("--report"), "out.html");
    EXPECT_EQ(a.integer("--peers", 1, 100), 12u);
    EXPECT_EQ(a.number("--duration", 0, 10), 2.5);
    EXPECT_TRUE(a.finish()) << a.error();
  }
}

TEST(Args, EqualsFormKeepsFurtherEqualsSignsInTheValue) {
  Args a({"--report=a=b.html"});
  EXPECT_EQ(a.text("--report"), "a=b.html");
}

TEST(Args, OptionNameMustMatchWhollyNotAsAPrefix) {
  Args a({"--peersx", "5"});
  EXPECT_FALSE(a.integer("--peers", 0, 10));
  EXPECT_FALSE(a.finish());
  EXPECT_TRUE(contains(a.error(), "--peersx")) << a.error();
}

TEST(Args, EmptyTextIsAnError) {
  for (const auto& argv : std::vector<std::vector<std::string>>{{"--report="}, {"--report", ""}}) {
    Args a(argv);
    EXPECT_FALSE(a.text("--report"));
    EXPECT_FALSE(a.ok());
    EXPECT_TRUE(contains(a.error(), "--report")) << a.error();
    EXPECT_FALSE(a.finish());
  }
}

struct IntegerCase {
  std::string value;
  std::uint64_t min, max;
  std::optional<std::uint64_t> expected;  // nullopt: an error
};

class ArgsInteger : public ::testing::TestWithParam<IntegerCase> {};

TEST_P(ArgsInteger, AcceptsOnlyPlainDigitsWithinRange) {
  const IntegerCase& c = GetParam();
  for (const auto& argv : std::vector<std::vector<std::string>>{{"--n", c.value}, {"--n=" + c.value}}) {
    Args a(argv);
    EXPECT_EQ(a.integer("--n", c.min, c.max), c.expected) << "'" << c.value << "'";
    EXPECT_EQ(a.ok(), c.expected.has_value()) << "'" << c.value << "': " << a.error();
    if (!c.expected) {
      EXPECT_TRUE(contains(a.error(), "--n")) << a.error();
      EXPECT_TRUE(contains(a.error(), "'" + c.value + "'")) << a.error();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Args, ArgsInteger,
    ::testing::Values(IntegerCase{"42", 0, 100, 42}, IntegerCase{"0", 0, 100, 0}, IntegerCase{"100", 0, 100, 100},
                      IntegerCase{"007", 0, 100, 7}, IntegerCase{"101", 0, 100, std::nullopt},
                      IntegerCase{"0", 1, 100, std::nullopt}, IntegerCase{"abc", 0, 100, std::nullopt},
                      IntegerCase{"-5", 0, 100, std::nullopt}, IntegerCase{"+5", 0, 100, std::nullopt},
                      IntegerCase{"1e999", 0, UINT64_MAX, std::nullopt}, IntegerCase{"1e3", 0, 10000, std::nullopt},
                      IntegerCase{"", 0, 100, std::nullopt}, IntegerCase{"12abc", 0, 100, std::nullopt},
                      IntegerCase{" 12", 0, 100, std::nullopt}, IntegerCase{"12 ", 0, 100, std::nullopt},
                      IntegerCase{"1.5", 0, 100, std::nullopt}, IntegerCase{"0x10", 0, 100, std::nullopt},
                      IntegerCase{"18446744073709551615", 0, UINT64_MAX, UINT64_MAX},
                      IntegerCase{"18446744073709551616", 0, UINT64_MAX, std::nullopt},
                      IntegerCase{"99999999999999999999999", 0, UINT64_MAX, std::nullopt}));

struct NumberCase {
  std::string value;
  double min, max;
  std::optional<double> expected;
};

class ArgsNumber : public ::testing::TestWithParam<NumberCase> {};

TEST_P(ArgsNumber, AcceptsOnlyAFiniteNumberWithinRange) {
  const NumberCase& c = GetParam();
  Args a({"--x", c.value});
  EXPECT_EQ(a.number("--x", c.min, c.max), c.expected) << "'" << c.value << "'";
  EXPECT_EQ(a.ok(), c.expected.has_value()) << "'" << c.value << "': " << a.error();
  if (!c.expected) {
    EXPECT_TRUE(contains(a.error(), "--x")) << a.error();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Args, ArgsNumber,
    ::testing::Values(NumberCase{"1.5", 0, 10, 1.5}, NumberCase{"10", 0, 10, 10.0}, NumberCase{"0", 0, 10, 0.0},
                      NumberCase{"1e3", 0, 1e4, 1000.0}, NumberCase{"-5", -10, 10, -5.0},
                      NumberCase{"-5", 0, 10, std::nullopt}, NumberCase{"10.001", 0, 10, std::nullopt},
                      NumberCase{"abc", 0, 10, std::nullopt}, NumberCase{"", 0, 10, std::nullopt},
                      NumberCase{"12abc", 0, 100, std::nullopt}, NumberCase{"1e999", 0, 1e308, std::nullopt},
                      NumberCase{"-1e999", -1e308, 0, std::nullopt}, NumberCase{"inf", 0, 1e308, std::nullopt},
                      NumberCase{"nan", -1e308, 1e308, std::nullopt}, NumberCase{"2.5 ", 0, 10, std::nullopt}));

TEST(Args, ChoiceAcceptsOnlyTheNamedWords) {
  const std::vector<std::string> modes = {"none", "guards", "all"};
  struct Case {
    std::vector<std::string> argv;
    std::optional<std::string> value;
    std::string error;  // a part of it; empty: no error
  };
  const std::vector<Case> cases = {
      {{"--parity", "guards"}, "guards", ""},
      {{"--parity=none"}, "none", ""},
      {{}, std::nullopt, ""},
      {{"--parity", "Guards"}, std::nullopt, "--parity must be one of none, guards, all, not 'Guards'"},
      {{"--parity", "guard"}, std::nullopt, "not 'guard'"},
      {{"--parity="}, std::nullopt, "--parity needs a non-empty value"},
  };
  for (const Case& c : cases) {
    Args a(c.argv);
    EXPECT_EQ(a.choice("--parity", modes), c.value) << ::testing::PrintToString(c.argv);
    EXPECT_EQ(a.ok(), c.error.empty()) << ::testing::PrintToString(c.argv);
    EXPECT_NE(a.error().find(c.error), std::string::npos) << a.error();
  }
}

TEST(Args, MissingValueIsAnErrorNamingTheOption) {
  Args a({"--quiet", "--peers"});
  EXPECT_FALSE(a.integer("--peers", 1, 10));
  EXPECT_FALSE(a.ok());
  EXPECT_TRUE(contains(a.error(), "--peers")) << a.error();
  EXPECT_TRUE(contains(a.error(), "value")) << a.error();
  EXPECT_TRUE(a.flag("--quiet"));
  EXPECT_FALSE(a.finish());
}

TEST(Args, FinishReportsAnUnknownOption) {
  Args a({"--peers", "5", "--bogus"});
  EXPECT_EQ(a.integer("--peers", 1, 10), 5u);
  EXPECT_TRUE(a.ok()) << "unknown options are found only by finish()";
  EXPECT_FALSE(a.finish());
  EXPECT_TRUE(contains(a.error(), "unknown option '--bogus'")) << a.error();
}

TEST(Args, FinishReportsAStrayArgument) {
  Args a({"stray", "--quiet"});
  EXPECT_TRUE(a.flag("--quiet"));
  EXPECT_FALSE(a.finish());
  EXPECT_TRUE(contains(a.error(), "unexpected argument 'stray'")) << a.error();
}

TEST(Args, FlagWithAValueIsNotTheFlag) {
  Args a({"--quiet=yes"});
  EXPECT_FALSE(a.flag("--quiet"));
  EXPECT_FALSE(a.finish());
  EXPECT_TRUE(contains(a.error(), "--quiet=yes")) << a.error();
}

TEST(Args, RepeatedOptionLeavesTheSecondForFinishToReport) {
  Args a({"--peers", "5", "--peers", "6"});
  EXPECT_EQ(a.integer("--peers", 1, 10), 5u);
  EXPECT_FALSE(a.finish());
  EXPECT_TRUE(contains(a.error(), "--peers")) << a.error();
}

TEST(Args, TheFirstErrorWins) {
  Args a({"--peers", "abc", "--duration", "xyz", "--bogus"});
  EXPECT_FALSE(a.integer("--peers", 1, 10));
  const std::string first = a.error();
  EXPECT_TRUE(contains(first, "--peers")) << first;
  EXPECT_FALSE(a.number("--duration", 1, 10));
  EXPECT_EQ(a.error(), first);
  EXPECT_FALSE(a.finish());
  EXPECT_EQ(a.error(), first) << "finish() does not replace an earlier error";
}

}  // namespace
}  // namespace potok::cli

namespace potok::cli {
namespace {

TEST(Args, AnOptionWhereAValueShouldBeIsAForgottenValueNotTheValue) {
  Args a({"--report", "--quiet"});
  EXPECT_FALSE(a.text("--report").has_value());
  EXPECT_NE(a.error().find("--report needs a value"), std::string::npos) << a.error();
}

TEST(Args, AnOptionGivenTwiceIsAnErrorNamingIt) {
  Args a({"--peers", "5", "--peers", "6"});
  a.integer("--peers", 1, 100);
  EXPECT_NE(a.error().find("--peers given twice"), std::string::npos) << a.error();
  EXPECT_FALSE(a.finish());
}

TEST(Args, ANegativeNumberIsAValueAndIsRangeChecked) {
  Args a({"--peers", "-5"});
  EXPECT_FALSE(a.integer("--peers", 1, 100).has_value());
  EXPECT_NE(a.error().find("got '-5'"), std::string::npos) << a.error();
}

}  // namespace
}  // namespace potok::cli
