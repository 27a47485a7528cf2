// ChunkBuffer, as a specification: a ring of the last `window` sequence numbers behind the
// newest chunk held. Anything older is gone for good; a live stream never needs it again.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/chunk_buffer.hpp"

namespace potok {
namespace {

ChunkPtr chunk(std::uint64_t seq, std::uint8_t marker = 0) {
  Chunk c;
  c.header = ChunkHeader{ChunkSeq{seq}, GroupId{seq / 5}, static_cast<std::int64_t>(seq) * 200'000, seq % 5 == 0};
  c.payload = std::make_shared<const Bytes>(Bytes{marker});
  return std::make_shared<const Chunk>(std::move(c));
}

TEST(ChunkBuffer, StartsEmptyAndFindsNothing) {
  ChunkBuffer buf(8);
  EXPECT_TRUE(buf.empty());
  EXPECT_EQ(buf.window(), 8u);
  EXPECT_FALSE(buf.has(ChunkSeq{0}));
  EXPECT_EQ(buf.find(ChunkSeq{0}), nullptr);
}

TEST(ChunkBuffer, NewChunkIsStoredAndFoundByItsSequence) {
  ChunkBuffer buf(8);
  const ChunkPtr c = chunk(3);
  EXPECT_EQ(buf.insert(c), ChunkBuffer::Insert::kNew);
  EXPECT_FALSE(buf.empty());
  ASSERT_NE(buf.find(ChunkSeq{3}), nullptr);
  EXPECT_EQ(*buf.find(ChunkSeq{3}), c);
  EXPECT_FALSE(buf.has(ChunkSeq{2}));
  EXPECT_FALSE(buf.has(ChunkSeq{4}));
}

TEST(ChunkBuffer, SecondCopyOfAChunkIsADuplicateAndKeepsTheFirst) {
  ChunkBuffer buf(8);
  const ChunkPtr first = chunk(5, 1);
  ASSERT_EQ(buf.insert(first), ChunkBuffer::Insert::kNew);
  EXPECT_EQ(buf.insert(chunk(5, 2)), ChunkBuffer::Insert::kDuplicate);
  EXPECT_EQ(buf.insert(first), ChunkBuffer::Insert::kDuplicate);
  ASSERT_TRUE(buf.has(ChunkSeq{5}));
  EXPECT_EQ(*buf.find(ChunkSeq{5}), first);
}

// A chunk is too old when it is `window` or more behind the newest one held.
struct AgeCase {
  std::uint64_t seq;
  ChunkBuffer::Insert expected;
};

class ChunkBufferAge : public ::testing::TestWithParam<AgeCase> {};

TEST_P(ChunkBufferAge, ChunkAWindowOrMoreBehindTheNewestIsTooOld) {
  ChunkBuffer buf(8);
  ASSERT_EQ(buf.insert(chunk(20)), ChunkBuffer::Insert::kNew);
  const AgeCase& c = GetParam();
  EXPECT_EQ(buf.insert(chunk(c.seq)), c.expected) << "seq " << c.seq;
  EXPECT_EQ(buf.has(ChunkSeq{c.seq}), c.expected != ChunkBuffer::Insert::kTooOld);
  EXPECT_EQ(buf.newest(), ChunkSeq{c.seq > 20 ? c.seq : 20});
}

INSTANTIATE_TEST_SUITE_P(ChunkBuffer, ChunkBufferAge,
                         ::testing::Values(AgeCase{0, ChunkBuffer::Insert::kTooOld},
                                           AgeCase{11, ChunkBuffer::Insert::kTooOld},
                                           AgeCase{12, ChunkBuffer::Insert::kTooOld},  // exactly window behind
                                           AgeCase{13, ChunkBuffer::Insert::kNew},     // oldest still held
                                           AgeCase{19, ChunkBuffer::Insert::kNew},
                                           AgeCase{20, ChunkBuffer::Insert::kDuplicate},
                                           AgeCase{21, ChunkBuffer::Insert::kNew},
                                           AgeCase{1000, ChunkBuffer::Insert::kNew}));

TEST(ChunkBuffer, NewestIsTheHighestSequenceNotTheLastInserted) {
  ChunkBuffer buf(8);
  buf.insert(chunk(10));
  EXPECT_EQ(buf.newest(), ChunkSeq{10});
  buf.insert(chunk(7));  // late, still within the window
  EXPECT_EQ(buf.newest(), ChunkSeq{10});
  buf.insert(chunk(14));
  EXPECT_EQ(buf.newest(), ChunkSeq{14});
  buf.insert(chunk(12));
  EXPECT_EQ(buf.newest(), ChunkSeq{14});
}

TEST(ChunkBuffer, FindAcrossRingWrapAroundSeesOnlyTheLastWindow) {
  ChunkBuffer buf(4);
  std::vector<ChunkPtr> held;
  for (std::uint64_t s = 0; s < 10; ++s) {
    held.push_back(chunk(s));
    ASSERT_EQ(buf.insert(held.back()), ChunkBuffer::Insert::kNew) << s;
  }
  for (std::uint64_t s = 0; s < 6; ++s) EXPECT_EQ(buf.find(ChunkSeq{s}), nullptr) << "evicted " << s;
  for (std::uint64_t s = 6; s < 10; ++s) {
    ASSERT_NE(buf.find(ChunkSeq{s}), nullptr) << s;
    EXPECT_EQ(*buf.find(ChunkSeq{s}), held[s]);
  }
  EXPECT_EQ(buf.find(ChunkSeq{10}), nullptr) << "ahead of the newest";
  EXPECT_EQ(buf.find(ChunkSeq{14}), nullptr) << "same slot as 10, 6, 2";
}

TEST(ChunkBuffer, SlotStillHoldingAnOlderChunkDoesNotAnswerForANewerSequence) {
  ChunkBuffer buf(4);
  buf.insert(chunk(2));  // slot 2
  buf.insert(chunk(7));  // slot 3; 2 is now out of the window
  EXPECT_FALSE(buf.has(ChunkSeq{6})) << "slot 2 holds seq 2, not 6";
  EXPECT_FALSE(buf.has(ChunkSeq{2})) << "out of the window";
  EXPECT_FALSE(buf.has(ChunkSeq{3}));
  EXPECT_EQ(buf.insert(chunk(6)), ChunkBuffer::Insert::kNew) << "a stale slot is overwritten";
  EXPECT_TRUE(buf.has(ChunkSeq{6}));
}

TEST(ChunkBuffer, JumpAheadLeavesGapsThatCanStillBeFilled) {
  ChunkBuffer buf(8);
  buf.insert(chunk(100));
  buf.insert(chunk(104));
  for (std::uint64_t s : {101, 102, 103}) {
    EXPECT_FALSE(buf.has(ChunkSeq{s}));
    EXPECT_EQ(buf.insert(chunk(s)), ChunkBuffer::Insert::kNew) << s;
  }
  for (std::uint64_t s = 100; s <= 104; ++s) EXPECT_TRUE(buf.has(ChunkSeq{s})) << s;
}

TEST(ChunkBuffer, ClearForgetsEverythingIncludingTheNewest) {
  ChunkBuffer buf(4);
  for (std::uint64_t s = 50; s < 54; ++s) buf.insert(chunk(s));
  buf.clear();
  EXPECT_TRUE(buf.empty());
  EXPECT_EQ(buf.newest(), ChunkSeq{0});
  for (std::uint64_t s = 50; s < 54; ++s) EXPECT_FALSE(buf.has(ChunkSeq{s})) << s;
  // With no newest, nothing is too old: an earlier stream position is accepted again.
  EXPECT_EQ(buf.insert(chunk(3)), ChunkBuffer::Insert::kNew);
  EXPECT_EQ(buf.newest(), ChunkSeq{3});
  EXPECT_EQ(buf.window(), 4u);
}

TEST(ChunkBuffer, WindowIsRoundedUpToAPowerOfTwo) {
  for (const auto& [asked, got] : {std::pair<std::size_t, std::size_t>{0, 1}, {1, 1}, {5, 8}, {8, 8}, {100, 128}}) {
    ChunkBuffer buf(asked);
    EXPECT_EQ(buf.window(), got) << asked;
    // Every seat of the ring holds its own chunk: the whole window is kept, no more.
    for (std::uint64_t s = 1000; s < 1000 + got; ++s) EXPECT_EQ(buf.insert(chunk(s)), ChunkBuffer::Insert::kNew) << s;
    for (std::uint64_t s = 1000; s < 1000 + got; ++s) EXPECT_TRUE(buf.has(ChunkSeq{s})) << s;
    EXPECT_EQ(buf.insert(chunk(999)), ChunkBuffer::Insert::kTooOld);
  }
}

}  // namespace
}  // namespace potok
