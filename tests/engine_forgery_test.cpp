// Forged chunks: the engine shows or forwards a chunk only after its driver has checked the
// source's signature (out::Verify -> in::Verified). In the mini swarm a chunk is genuine iff its
// signature is all zeros, so a test forges by setting one byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "tests/support/log_checks.hpp"
#include "tests/support/mini_swarm.hpp"

namespace potok::mini {
namespace {

using out::EventKind;

constexpr std::int64_t kForgedCapture = 123'456'789;  // marks the forged copy in deliveries

// A chunk the source is about to produce, with content of the forger's choosing.
ChunkData forged_chunk(const MiniSwarm& swarm, std::uint64_t seq) {
  auto chunk = std::make_shared<Chunk>();
  chunk->header.seq = ChunkSeq{seq};
  chunk->header.group = GroupId{seq / swarm.config().stream.chunks_per_group};
  chunk->header.capture_us = kForgedCapture;
  chunk->payload = std::make_shared<const Bytes>(1000, std::uint8_t{0xEE});
  chunk->signature[0] = 1;
  ChunkData data;
  data.chunk = chunk;
  data.hops = 1;
  return data;
}

// A peer, one of its parents that is not the source, and the next seq on that parent's stripe.
struct ForgeryVictim {
  PeerId peer;
  PeerId parent;
};
std::optional<ForgeryVictim> find_peer_fed_by_a_relay(MiniSwarm& swarm) {
  for (PeerId p : swarm.peers())
    for (const StripeUpstream& up : swarm.engine(p).upstreams())
      if (up.state == StripeUpstream::State::kActive && up.parent != MiniSwarm::source()) return ForgeryVictim{p, up.parent};
  return std::nullopt;
}
std::uint64_t next_seq_on_parent_stripe(MiniSwarm& swarm, const ForgeryVictim& v, std::uint64_t after) {
  const StreamParams& stream = swarm.engine(v.peer).stream();
  const auto& ups = swarm.engine(v.peer).upstreams();
  for (std::uint64_t seq = after;; ++seq) {
    const auto& up = ups[stream.stripe_of(ChunkSeq{seq}).value];
    if (up.parent == v.parent) return seq;
  }
}

class EngineForgery : public ::testing::Test {
 protected:
  void SetUp() override {
    MiniSwarmConfig config;
    config.peers = 8;
    config.seed = 3;
    swarm_ = std::make_unique<MiniSwarm>(config);
    swarm_->run_until(at_s(12));
    auto v = find_peer_fed_by_a_relay(*swarm_);
    ASSERT_TRUE(v.has_value()) << "with 8 peers and a 2x source, someone is fed by a relay";
    victim_ = *v;
    ASSERT_TRUE(swarm_->engine(victim_.peer).status().playing);
  }
  // Injects one forged chunk from the victim's relay parent, ahead of the genuine one.
  std::uint64_t forge_once() {
    const std::uint64_t seq = next_seq_on_parent_stripe(*swarm_, victim_, swarm_->chunks_produced());
    swarm_->inject(victim_.peer, victim_.parent, forged_chunk(*swarm_, seq));
    return seq;
  }
  std::unique_ptr<MiniSwarm> swarm_;
  ForgeryVictim victim_{};
};

TEST_F(EngineForgery, AForgedChunkIsRejectedCountedAndTheGenuineOneIsShown) {
  const std::uint64_t seq = forge_once();
  swarm_->run_until(at_s(20));
  const NodeLog& log = swarm_->log(victim_.peer);
  EXPECT_EQ(log.count(EventKind::kForgedChunk), 1);
  EXPECT_EQ(log.count(EventKind::kPeerBanned), 0);
  EXPECT_EQ(swarm_->engine(victim_.peer).accounting().total().chunks_rejected, 1u);
  EXPECT_GT(swarm_->engine(victim_.peer).accounting().total().chunks_verified, 0u);
  const auto shown = std::find_if(log.deliveries.begin(), log.deliveries.end(),
                                  [&](const Delivery& d) { return d.seq == ChunkSeq{seq}; });
  ASSERT_NE(shown, log.deliveries.end()) << "the genuine chunk still arrives and is shown";
  EXPECT_NE(shown->capture_us, kForgedCapture);
  for (const Delivery& d : log.deliveries) EXPECT_NE(d.capture_us, kForgedCapture);
  EXPECT_GE(continuity(log, at_s(12)), 0.99);
}

TEST_F(EngineForgery, ForgedChunksAreNeverForwardedToChildren) {
  forge_once();
  swarm_->run_until(at_s(20));
  for (PeerId p : swarm_->peers())
    for (const Delivery& d : swarm_->log(p).deliveries) EXPECT_NE(d.capture_us, kForgedCapture) << name_of(p);
}

TEST_F(EngineForgery, ARepeatLiarIsCutOffAndItsChildPlaysOn) {
  for (int i = 0; i < 3; ++i) {
    forge_once();
    swarm_->run_for(ms(250));
  }
  const NodeLog& log = swarm_->log(victim_.peer);
  EXPECT_EQ(log.count(EventKind::kForgedChunk), 3);
  ASSERT_EQ(log.count(EventKind::kPeerBanned), 1);
  EXPECT_EQ(log.first(EventKind::kPeerBanned)->event.peer, victim_.parent);
  swarm_->run_until(at_s(30));
  for (const StripeUpstream& up : swarm_->engine(victim_.peer).upstreams())
    EXPECT_NE(up.parent, victim_.parent) << "the liar is no parent any more";
  EXPECT_TRUE(plays_at(log, at_s(30)));
  EXPECT_GE(continuity(log, at_s(20)), 0.99);
}

}  // namespace
}  // namespace potok::mini
