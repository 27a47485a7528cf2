// The greeting a dialler puts in its WebSocket upgrade URL (node/net/link_greeting.hpp).
#include <gtest/gtest.h>

#include "node/net/link_greeting.hpp"

namespace potok::net {
namespace {

TEST(LinkGreeting, RidesTheQueryAndReadsBack) {
  const LinkGreeting greeting{PeerId{18446744073709551615ULL}, Bytes{0x05, 0x01, 0x00, 0xab, 0xff}};
  const std::string target = with_greeting("/ws", greeting);
  EXPECT_EQ(target, "/ws?peer=18446744073709551615&join=050100abff");
  EXPECT_EQ(target_path(target), "/ws");
  std::string error;
  const auto back = parse_greeting(target, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->peer, greeting.peer);
  EXPECT_EQ(back->first_frame, greeting.first_frame);
}

TEST(LinkGreeting, JoinsAQueryAlreadyThereAndIgnoresOtherParameters) {
  const std::string target = with_greeting("/ws?room=a", LinkGreeting{PeerId{9}, Bytes{}});
  EXPECT_EQ(target, "/ws?room=a&peer=9");
  std::string error;
  const auto back = parse_greeting(target, error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->peer, PeerId{9});
  EXPECT_TRUE(back->first_frame.empty());
  EXPECT_TRUE(parse_greeting("/ws?JOIN=zz&Peer=0", error) == std::nullopt);
  EXPECT_EQ(error, "") << "other names (case counts) are not the greeting's";
}

TEST(LinkGreeting, NoQueryIsNoGreetingAndNoError) {
  std::string error = "stale";
  EXPECT_FALSE(parse_greeting("/ws", error));
  EXPECT_EQ(error, "");
  EXPECT_EQ(target_path("/ws"), "/ws");
}

TEST(LinkGreeting, EveryMalformedGreetingIsRefusedWithItsReason) {
  const std::pair<std::string, std::string> cases[] = {
      {"/ws?peer=0", "peer 0 is not a PeerId"},
      {"/ws?peer=", "peer is not a decimal PeerId"},
      {"/ws?peer=-1", "peer is not a decimal PeerId"},
      {"/ws?peer=12a", "peer is not a decimal PeerId"},
      {"/ws?peer=18446744073709551616", "peer is not a decimal PeerId"},
      {"/ws?peer=1&peer=2", "peer is given twice"},
      {"/ws?peer=1&join=00&join=00", "join is given twice"},
      {"/ws?join=00", "join without peer"},
      {"/ws?peer=1&join=0", "join is not whole bytes of hex"},
      {"/ws?peer=1&join=0x", "join is not hex"},
      {"/ws?peer=1&join=" + std::string(2 * kMaxGreetingFrame + 2, 'a'), "join is longer than 256 bytes"},
      {"/ws?" + std::string(40, '&') + "peer=1", "too many query parameters"},
  };
  for (const auto& [target, reason] : cases) {
    SCOPED_TRACE(target.substr(0, 60));
    std::string error;
    EXPECT_FALSE(parse_greeting(target, error));
    EXPECT_EQ(error, reason);
  }
}

}  // namespace
}  // namespace potok::net
