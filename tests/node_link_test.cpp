// Two real engines over a real WebSocket on 127.0.0.1: a source node (HttpServer + accepted
// links) and a watcher that dials it, both on one io_context. Chunks are synthetic but signed
// with a real Ed25519 key, and the watcher verifies each with OpenSSL.
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <functional>

#include "core/chunk_signing.hpp"
#include "node/engine_driver.hpp"
#include "node/net/http_server.hpp"

namespace potok::node {
namespace {

constexpr PeerId kSource{77};
constexpr PeerId kWatcher{1234};

struct LinkWorld {
  boost::asio::io_context io;
  crypto::SigningKey key = crypto::SigningKey::generate();     // the stream's, trusted by the watcher
  crypto::SigningKey forger = crypto::SigningKey::generate();  // what a lying source signs with
  bool honest = true;
  std::unique_ptr<EngineDriver> source, watcher;
  std::unique_ptr<net::HttpServer> http;
  boost::asio::steady_timer produce_timer{io};
  std::uint64_t next_seq = 0;
  std::vector<out::Deliver> delivered;
  std::vector<out::Event> watcher_events;
  std::uint16_t port = 0;

  explicit LinkWorld(bool honest_source) : honest(honest_source) {
    EngineConfig sc;
    sc.role = Role::kSource;
    sc.self = kSource;
    sc.upload_cap_bps = 100'000'000;
    source = std::make_unique<EngineDriver>(io, sc, std::nullopt, DriverCallbacks{});
    http = std::make_unique<net::HttpServer>(
        io, [](const auto&) { return net::HttpResponse{404, "text/plain", ""}; },
        [this](net::beast::tcp_stream s, net::http::request<net::http::string_body> r) {
          net::WsLink::accept(std::move(s), std::move(r), kSource, source->link_callbacks());
        });
    std::string error;
    EXPECT_TRUE(http->listen("127.0.0.1", 0, error)) << error;
    port = http->local_endpoint().port();

    EngineConfig wc;
    wc.role = Role::kPeer;
    wc.self = kWatcher;
    wc.bootstrap = kSource;
    DriverCallbacks cb;
    cb.on_deliver = [this](const out::Deliver& d) { delivered.push_back(d); };
    cb.on_event = [this](const out::Event& e) { watcher_events.push_back(e); };
    cb.dial = [this](PeerId peer) -> std::shared_ptr<net::WsLink> {
      if (peer != kSource) return nullptr;
      return net::WsLink::connect(io, "127.0.0.1", std::to_string(port), "/ws", kWatcher, kSource,
                                  watcher->link_callbacks());
    };
    watcher = std::make_unique<EngineDriver>(io, wc, key.public_key(), std::move(cb));
  }

  void produce() {
    auto chunk = std::make_shared<Chunk>();
    chunk->header.seq = ChunkSeq{next_seq};
    chunk->header.group = GroupId{next_seq / 5};
    chunk->header.keyframe = next_seq % 5 == 0;
    chunk->header.capture_us = us_of(source->clock().now());
    chunk->payload = std::make_shared<const Bytes>(40'000, static_cast<std::uint8_t>(next_seq));
    chunk->signature = (honest ? key : forger).sign(chunk_signed_message(chunk->header, *chunk->payload));
    ++next_seq;
    source->produce(chunk);
    produce_timer.expires_after(std::chrono::milliseconds(200));
    produce_timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) produce();
    });
  }

  void run_for(std::chrono::milliseconds d) {
    source->start();
    produce();
    watcher->start();
    io.run_for(d);
  }
  int count(out::EventKind kind) const {
    int n = 0;
    for (const auto& e : watcher_events) n += e.kind == kind ? 1 : 0;
    return n;
  }
};

TEST(NodeLink, AWatcherJoinsOverWebSocketVerifiesAndPlaysInOrder) {
  LinkWorld world(/*honest=*/true);
  world.run_for(std::chrono::milliseconds(5000));
  const auto& totals = world.watcher->engine().accounting().total();
  EXPECT_GE(world.delivered.size(), 10u) << "about 20 chunks were produced";
  EXPECT_EQ(totals.chunks_rejected, 0u);
  EXPECT_GE(totals.chunks_verified, world.delivered.size());
  for (std::size_t i = 1; i < world.delivered.size(); ++i)
    EXPECT_LT(world.delivered[i - 1].chunk->header.seq, world.delivered[i].chunk->header.seq);
  ASSERT_FALSE(world.delivered.empty());
  EXPECT_EQ(*world.delivered.back().chunk->payload,
            Bytes(40'000, static_cast<std::uint8_t>(world.delivered.back().chunk->header.seq.value)));
  EXPECT_EQ(world.source->links(), 1u);
  EXPECT_EQ(world.count(out::EventKind::kPlaybackStarted), 1);
}

TEST(NodeLink, ASourceSigningWithTheWrongKeyIsNeverPlayedAndIsCutOff) {
  LinkWorld world(/*honest=*/false);
  world.run_for(std::chrono::milliseconds(3000));
  EXPECT_TRUE(world.delivered.empty());
  EXPECT_GE(world.watcher->engine().accounting().total().chunks_rejected, 3u);
  EXPECT_GE(world.count(out::EventKind::kPeerBanned), 1);
  EXPECT_EQ(world.count(out::EventKind::kPlaybackStarted), 0);
}

}  // namespace
}  // namespace potok::node
