// Two real engines over a real WebSocket on 127.0.0.1: a source node (HttpServer + accepted
// links) and a watcher that dials it, both on one io_context. Chunks are synthetic but signed
// with a real Ed25519 key, and the watcher verifies each with OpenSSL.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>

#include "core/chunk_signing.hpp"
#include "node/engine_driver.hpp"
#include "core/wire.hpp"
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
    cb.dial = [this](PeerId peer, Bytes first_frame) -> std::shared_ptr<net::WsLink> {
      if (peer != kSource) return nullptr;
      return net::WsLink::connect(io, "127.0.0.1", std::to_string(port), "/ws", kWatcher, kSource,
                                  watcher->link_callbacks(), std::move(first_frame));
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

// A bare WebSocket client on the world's io_context: upgrades to `target` on the source, then
// reads what comes without sending anything unless told to.
struct RawClient {
  std::vector<Bytes> received;
  std::string failure;  // why the link ended (empty while it lasts)
  std::string close_reason;

  boost::asio::awaitable<void> run(LinkWorld& world, std::string target, std::optional<Bytes> send_after_first) {
    net::websocket::stream<net::beast::tcp_stream> ws(co_await boost::asio::this_coro::executor);
    net::beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(3));
    try {
      co_await net::beast::get_lowest_layer(ws).async_connect(
          net::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), world.port), boost::asio::use_awaitable);
      co_await ws.async_handshake("127.0.0.1", target, boost::asio::use_awaitable);
      for (int i = 0; i < 20; ++i) {
        net::beast::flat_buffer buffer;
        co_await ws.async_read(buffer, boost::asio::use_awaitable);
        const auto* data = static_cast<const std::uint8_t*>(buffer.cdata().data());
        received.emplace_back(data, data + buffer.size());
        if (received.size() == 1 && send_after_first) co_await ws.async_write(boost::asio::buffer(*send_after_first), boost::asio::use_awaitable);
      }
    } catch (const boost::system::system_error& e) {
      failure = e.code().message();
      close_reason = std::string(ws.reason().reason.c_str());
    }
  }
};

RawClient run_raw_client(LinkWorld& world, std::string target, std::optional<Bytes> send_after_first = {}) {
  RawClient client;
  world.source->start();
  world.produce();
  boost::asio::co_spawn(world.io, client.run(world, std::move(target), std::move(send_after_first)),
                        boost::asio::detached);
  world.io.run_for(std::chrono::milliseconds(1500));
  return client;
}

std::string join_hex() {
  const Bytes frame = wire::encode(JoinRequest{0, NatClass::kOpen, NetCoord{}}).front();
  return net::greeting_query(net::LinkGreeting{kWatcher, frame});
}

TEST(NodeLink, AJoinRequestInTheUpgradeUrlIsWelcomedBeforeTheDiallerSaysAnything) {
  LinkWorld world(/*honest=*/true);
  const RawClient client = run_raw_client(world, "/ws?" + join_hex());
  ASSERT_GE(client.received.size(), 2u) << client.failure;
  EXPECT_EQ(net::parse_preface(client.received[0]), kSource);
  const auto welcome = wire::decode_frame(client.received[1]);
  ASSERT_TRUE(welcome);
  ASSERT_GE(client.received[1].size(), 2u);
  EXPECT_EQ(client.received[1][1], static_cast<std::uint8_t>(wire::MessageType::kWelcome));
  EXPECT_EQ(world.source->links(), 1u) << "the link counts as open without the dialler's preface";
}

TEST(NodeLink, APrefaceThatContradictsTheGreetingClosesTheLink) {
  LinkWorld world(/*honest=*/true);
  const RawClient client = run_raw_client(world, "/ws?" + join_hex(), net::make_preface(PeerId{999}));
  ASSERT_GE(client.received.size(), 2u) << client.failure;
  EXPECT_EQ(client.received[1][1], static_cast<std::uint8_t>(wire::MessageType::kWelcome)) << "the greeting was answered";
  EXPECT_FALSE(client.failure.empty()) << "the source kept talking to a peer that named itself twice";
  EXPECT_LE(client.received.size(), 3u) << "preface and Welcome, perhaps a chunk, then nothing";
  EXPECT_EQ(world.source->links(), 0u);
}

TEST(NodeLink, AMalformedGreetingIsRefusedWithItsReasonAndNothingElse) {
  LinkWorld world(/*honest=*/true);
  const RawClient client = run_raw_client(world, "/ws?peer=5&join=zz");
  EXPECT_EQ(client.received.size(), 1u) << "only the source's preface";
  EXPECT_EQ(client.close_reason, "bad greeting in the URL: join is not hex");
  EXPECT_EQ(world.source->links(), 0u);
}

}  // namespace
}  // namespace potok::node
