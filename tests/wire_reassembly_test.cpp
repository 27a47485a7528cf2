// Reassembly of fragmented chunks (core/reassembler.hpp): order, duplicates, limits.
#include <gtest/gtest.h>

#include <vector>

#include "core/reassembler.hpp"
#include "core/wire.hpp"
#include "tests/support/wire_samples.hpp"

namespace potok::wire {
namespace {

using namespace fixtures;
// ---- Reassembly ----------------------------------------------------------------------------

TEST(WireReassembly, FragmentsInOrderYieldTheChunkOnTheLastOne) {
  const Message m = chunk_data(20, 62'500);
  auto frames = encode(m);
  ASSERT_EQ(frames.size(), 4u);
  Reassembler r;
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
    auto got = r.receive(frames[i]);
    ASSERT_TRUE(got);
    EXPECT_FALSE(*got) << "fragment " << i << " alone completes nothing";
  }
  EXPECT_EQ(r.partial_chunks(), 1u);
  EXPECT_EQ(r.buffered_bytes(), 3 * P);
  auto got = r.receive(frames.back());
  ASSERT_TRUE(got && *got);
  EXPECT_TRUE(**got == m);
  EXPECT_EQ(r.partial_chunks(), 0u);
  EXPECT_EQ(r.buffered_bytes(), 0u);
}

TEST(WireReassembly, FragmentsInAnyOrderYieldTheSameChunk) {
  const Message m = chunk_data(21, 62'500);
  auto frames = encode(m);
  std::vector<Bytes> reversed(frames.rbegin(), frames.rend());
  std::vector<Bytes> shuffled = {frames[2], frames[0], frames[3], frames[1]};
  for (const auto& order : {reversed, shuffled}) {
    Reassembler r;
    auto out = reassemble(order, r);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0] == m);
  }
}

TEST(WireReassembly, InterleavedChunksAndControlMessagesAreKeptApart) {
  const Message a = chunk_data(30, 3 * P);
  const Message b = chunk_data(31, 2 * P + 5, true);
  const Message ping = Ping{1, 2};
  auto fa = encode(a), fb = encode(b);
  Reassembler r;
  auto out = reassemble({fb[1], fa[0], only_frame(ping), fb[0], fa[2], fa[1], fb[2]}, r);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(out[0] == ping);
  EXPECT_TRUE(out[1] == a);
  EXPECT_TRUE(out[2] == b);
}

TEST(WireReassembly, DuplicateFragmentsAreIgnored) {
  const Message m = chunk_data(40, 2 * P + 1);
  auto f = encode(m);
  Reassembler r;
  auto out = reassemble({f[0], f[0], f[1], f[1], f[2]}, r);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0] == m);
}

TEST(WireReassembly, ASingleFragmentChunkIsNeverBuffered) {
  Reassembler r;
  auto out = reassemble(encode(chunk_data(41, 1000)), r);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(r.partial_chunks(), 0u);
}

TEST(WireReassembly, AFragmentDisagreeingWithTheFirstDropsTheChunk) {
  auto f = encode(chunk_data(50, 2 * P + 1));
  struct Lie {
    const char* what;
    std::size_t offset;
    std::uint8_t value;
  };
  for (const Lie& lie : {Lie{"group", 10, 0xEE}, Lie{"capture time", 18, 0xEE},
                         Lie{"keyframe flag", kOffFlags, 1}, Lie{"hops", 27, 0xEE}}) {
    SCOPED_TRACE(lie.what);
    Reassembler r;
    ASSERT_TRUE(r.receive(f[0]));
    auto got = r.receive(with_byte(f[1], lie.offset, lie.value));
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error(), WireError::kInconsistentFragment);
    EXPECT_EQ(r.partial_chunks(), 0u);
    EXPECT_EQ(r.buffered_bytes(), 0u);
  }
}

TEST(WireReassembly, AFragmentClaimingAnotherPayloadSizeDropsTheChunk) {
  auto three = encode(chunk_data(51, 2 * P + 1));
  auto two = encode(chunk_data(51, 2 * P));  // same seq, different size and count
  Reassembler r;
  ASSERT_TRUE(r.receive(three[0]));
  auto got = r.receive(two[1]);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error(), WireError::kInconsistentFragment);
  EXPECT_EQ(r.partial_chunks(), 0u);
  // A single-fragment chunk reusing a partial's seq is a lie too.
  ASSERT_TRUE(r.receive(three[0]));
  got = r.receive(only_frame(chunk_data(51, 10)));
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error(), WireError::kInconsistentFragment);
}

TEST(WireReassembly, AtMostEightChunksAreInProgressAndTheOldestIsEvicted) {
  Reassembler r;
  std::vector<std::vector<Bytes>> chunks;
  for (std::uint64_t seq = 0; seq < Reassembler::kMaxPartialChunks + 1; ++seq) {
    chunks.push_back(encode(chunk_data(seq, 2 * P)));
    ASSERT_TRUE(r.receive(chunks.back()[0]));
  }
  EXPECT_EQ(r.partial_chunks(), Reassembler::kMaxPartialChunks);
  EXPECT_EQ(r.evicted_chunks(), 1u);
  // seq 0 was evicted: its second fragment starts over instead of completing it.
  auto got = r.receive(chunks[0][1]);
  ASSERT_TRUE(got);
  EXPECT_FALSE(*got);
  EXPECT_EQ(r.evicted_chunks(), 2u);  // ... which pushed out seq 1
  // seq 2 is still there.
  got = r.receive(chunks[2][1]);
  ASSERT_TRUE(got && *got);
  EXPECT_TRUE(**got == Message{chunk_data(2, 2 * P)});
}

TEST(WireReassembly, BufferedBytesNeverExceedTheCap) {
  // Peers that send all but the last fragment of the largest chunks can pin at most
  // kMaxBufferedBytes, not kMaxPartialChunks * kMaxChunkPayload.
  Reassembler r;
  for (std::uint64_t seq = 0; seq < 4; ++seq) {
    auto frames = encode(chunk_data(seq, kMaxChunkPayload));
    frames.pop_back();
    for (const auto& f : frames) {
      ASSERT_TRUE(r.receive(f));
      ASSERT_LE(r.buffered_bytes(), Reassembler::kMaxBufferedBytes);
    }
  }
  EXPECT_GE(r.evicted_chunks(), 2u);
  EXPECT_LE(r.partial_chunks(), 2u);
}

TEST(WireReassembly, OnlyBytesActuallyReceivedAreBuffered) {
  Reassembler r;
  for (std::uint64_t seq = 0; seq < 100; ++seq) {
    auto frames = encode(chunk_data(seq, kMaxChunkPayload - seq));
    ASSERT_TRUE(r.receive(frames.back()));
  }
  EXPECT_EQ(r.partial_chunks(), Reassembler::kMaxPartialChunks);
  EXPECT_LT(r.buffered_bytes(), Reassembler::kMaxPartialChunks * P);
}

}  // namespace
}  // namespace potok::wire
