// The engine's model of its own uplink: a FIFO at the upload cap.
#include "core/uplink_backlog.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace potok {
namespace {

struct Send {
  std::int64_t at_ms;
  std::uint64_t bytes;
};
struct BacklogCase {
  std::string name;
  std::uint64_t bps;
  std::vector<Send> sends;
  std::int64_t asked_at_ms;
  Duration expected_wait;
};

class UplinkBacklogTable : public ::testing::TestWithParam<BacklogCase> {};

TEST_P(UplinkBacklogTable, WaitIsWhatTheFifoStillHolds) {
  const BacklogCase& c = GetParam();
  UplinkBacklog uplink(c.bps);
  for (const Send& s : c.sends) uplink.sent(at_us(s.at_ms * 1000), s.bytes);
  EXPECT_EQ(uplink.wait(at_us(c.asked_at_ms * 1000)), c.expected_wait);
}

// 1 Mbit/s carries 125 bytes a millisecond.
INSTANTIATE_TEST_SUITE_P(
    Uplink, UplinkBacklogTable,
    ::testing::Values(BacklogCase{"NothingSent", 1'000'000, {}, 5, Duration{}},
                      BacklogCase{"OneSendStillGoing", 1'000'000, {{0, 12'500}}, 40, ms(60)},
                      BacklogCase{"SendsAtOnceQueueUp", 1'000'000, {{0, 12'500}, {0, 12'500}}, 0, ms(200)},
                      BacklogCase{"ALaterSendQueuesBehind", 1'000'000, {{0, 12'500}, {50, 12'500}}, 50, ms(150)},
                      BacklogCase{"DrainedLinkStartsAfresh", 1'000'000, {{0, 12'500}, {300, 12'500}}, 300, ms(100)},
                      BacklogCase{"AllCarried", 1'000'000, {{0, 12'500}}, 150, Duration{}},
                      BacklogCase{"ClockBelowZero", 1'000'000, {{-1000, 1'250}}, -1000, ms(10)},
                      BacklogCase{"LeafModelsNothing", 0, {{0, 1'000'000}}, 0, Duration{}}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace potok
