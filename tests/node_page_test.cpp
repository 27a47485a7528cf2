// The player page's config: baked into the template once, read back by `potok watch`.
#include <gtest/gtest.h>

#include "node/net/url.hpp"
#include "node/player_page.hpp"

namespace potok::node {
namespace {

PlayerConfig sample() {
  PlayerConfig c;
  c.stream_key = crypto::SigningKey::generate().public_key();
  c.source_peer = source_peer_of(c.stream_key);
  c.bootstrap = {"ws://127.0.0.1:8080/ws"};
  c.ice_servers = {"stun:stun.example.org:3478"};
  c.title = "Evening </script><script>alert(1)</script> show";
  c.welcome = "Hello \"friends\" \\ here";
  return c;
}

TEST(PlayerPage, TheConfigIsBakedInOnceAndReadsBackTheSame) {
  const std::string tmpl = "<html><script>const POTOK_CONFIG = /*POTOK_CONFIG*/null; run({a:1});</script></html>";
  std::string error;
  const auto page = render_player_page(tmpl, sample(), error);
  ASSERT_TRUE(page) << error;
  EXPECT_EQ(page->find("</script><script>"), std::string::npos) << "a title must not end the script";
  const auto back = parse_player_config(*page, error);
  ASSERT_TRUE(back) << error;
  const PlayerConfig want = sample();
  EXPECT_EQ(back->title, want.title);
  EXPECT_EQ(back->welcome, want.welcome);
  EXPECT_EQ(back->bootstrap, want.bootstrap);
  EXPECT_EQ(back->ice_servers, want.ice_servers);
  EXPECT_EQ(back->source_peer, source_peer_of(back->stream_key));
}

TEST(PlayerPage, ATemplateWithoutExactlyOnePlaceholderIsRefused) {
  std::string error;
  EXPECT_FALSE(render_player_page("<html></html>", sample(), error));
  EXPECT_FALSE(render_player_page("/*POTOK_CONFIG*/null /*POTOK_CONFIG*/null", sample(), error));
}

TEST(PlayerPage, PagesThatAreNotPlayersGiveClearErrors) {
  std::string error;
  for (const char* text : {"", "<html>hello</html>", "/*POTOK_CONFIG*/{\"version\":1", "/*POTOK_CONFIG*/{\"version\":9}",
                           "/*POTOK_CONFIG*/{\"version\":1,\"stream_key\":\"xx\",\"source_peer\":\"1\",\"bootstrap\":[]}",
                           "/*POTOK_CONFIG*/{\"version\":1,\"stream_key\":5}"}) {
    error.clear();
    EXPECT_FALSE(parse_player_config(text, error)) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
}

TEST(Url, HttpAndWsUrlsSplitIntoHostPortAndTarget) {
  std::string error;
  auto u = net::parse_url("http://127.0.0.1:8080/", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->target, "/");
  u = net::parse_url("ws://localhost/ws?x=1#frag", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->port, "80");
  EXPECT_EQ(u->target, "/ws?x=1");
  u = net::parse_url("http://[::1]:9000", error);
  ASSERT_TRUE(u) << error;
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->target, "/");
  for (const char* bad : {"", "127.0.0.1:8080", "https://x/", "http://:80/", "http://h:0/", "http://h:99999/",
                          "http://h:8x/", "http://[::1/"})
    EXPECT_FALSE(net::parse_url(bad, error)) << bad;
}

}  // namespace
}  // namespace potok::node
