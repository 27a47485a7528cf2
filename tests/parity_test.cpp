// The parity stripe: the codec (core/parity.hpp), and an engine that rebuilds a stripe whose
// parent went quiet, plays it, and passes it on to its children.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "core/parity.hpp"
#include "tests/support/joiner.hpp"
#include "tests/support/parity_rows.hpp"

namespace potok {
namespace {

using namespace parity_rows;

StreamParams parity_stream() {
  StreamParams p = hand_driven::stream_of_100ms_chunks();
  p.stripe_count = 5;
  p.parity = true;
  return p;
}

TEST(ParityCodec, TheParityChunkClosesItsRowAndIsCapturedWithItsLastDataChunk) {
  const StreamParams p = parity_stream();
  const auto row = data_row(p, 3, {100, 100, 100, 100});
  const ChunkPtr parity = make_parity_chunk(row);
  EXPECT_EQ(parity->header.seq, ChunkSeq{19});
  EXPECT_TRUE(p.is_parity(parity->header.seq));
  EXPECT_EQ(parity->header.capture_us, row.back()->header.capture_us);
  EXPECT_FALSE(parity->header.keyframe);
  EXPECT_EQ(parity->payload_size(), 1 + 4 * kParityEntrySize + 100);
}

TEST(ParityCodec, AnyDataChunkOfARowIsRebuiltWholeFromTheOthers) {
  const StreamParams p = parity_stream();
  const std::vector<std::vector<std::size_t>> cases = {
      {100, 100, 100, 100}, {1, 500, 0, 37}, {0, 0, 0, 0}, {16'000, 3, 9'999, 16'001}};
  for (const auto& sizes : cases) {
    const auto row = data_row(p, 7, sizes);
    const ChunkPtr parity = make_parity_chunk(row);
    for (std::size_t missing = 0; missing < row.size(); ++missing) {
      const auto rebuilt = rebuild_from_parity(p, row[missing]->header.seq, *parity, without(row, missing));
      ASSERT_TRUE(rebuilt) << "sizes " << sizes[0] << "," << sizes[1] << " missing " << missing;
      const Chunk& want = *row[missing];
      const Chunk& got = **rebuilt;
      EXPECT_EQ(got.header.seq, want.header.seq);
      EXPECT_EQ(got.header.group, want.header.group);
      EXPECT_EQ(got.header.capture_us, want.header.capture_us);
      EXPECT_EQ(got.header.keyframe, want.header.keyframe);
      EXPECT_EQ(got.signature, want.signature);
      EXPECT_EQ(*got.payload, *want.payload) << "missing " << missing;
    }
  }
}

TEST(ParityCodec, ARebuiltPayloadEqualToAChunkOfItsRowSharesThatChunksBytes) {
  // The simulator streams one payload throughout: a copy per rebuilt chunk only costs memory.
  const StreamParams p = parity_stream();
  const auto alike = std::make_shared<const Bytes>(300, std::uint8_t{0x5a});
  auto row = data_row(p, 2, {300, 300, 300, 300});
  for (ChunkPtr& c : row) {
    auto same = std::make_shared<Chunk>(*c);
    same->payload = alike;
    c = same;
  }
  const ChunkPtr parity = make_parity_chunk(row);
  const auto shared = rebuild_from_parity(p, row[2]->header.seq, *parity, without(row, 2));
  ASSERT_TRUE(shared);
  EXPECT_EQ((*shared)->payload.get(), alike.get());

  // Real media differs from chunk to chunk: the rebuilt bytes are its own.
  const auto distinct = data_row(p, 2, {300, 300, 300, 300});
  const ChunkPtr distinct_parity = make_parity_chunk(distinct);
  const auto rebuilt = rebuild_from_parity(p, distinct[2]->header.seq, *distinct_parity, without(distinct, 2));
  ASSERT_TRUE(rebuilt);
  EXPECT_EQ(*(*rebuilt)->payload, *distinct[2]->payload);
  for (const ChunkPtr& c : distinct) EXPECT_NE((*rebuilt)->payload.get(), c->payload.get());
}

TEST(ParityCodec, ARowThatDoesNotMatchItsParityRebuildsNothing) {
  const StreamParams p = parity_stream();
  const auto row = data_row(p, 2, {100, 200, 300, 400});
  const ChunkPtr parity = make_parity_chunk(row);
  const ChunkSeq missing = row[1]->header.seq;
  auto with_payload = [&](Bytes payload) {
    Chunk c = *parity;
    c.payload = std::make_shared<const Bytes>(std::move(payload));
    return c;
  };
  Bytes bad_keyframe = *parity->payload;
  bad_keyframe[1 + 20] = 2;
  Bytes no_table = *parity->payload;
  no_table[0] = 0;
  Bytes three_entries = *parity->payload;
  three_entries[0] = 3;
  Bytes short_xor = *parity->payload;
  short_xor.pop_back();
  auto other_row = row;
  other_row[2] = data_chunk(p, 17, 300);  // same size, from the next row
  auto resized = row;
  resized[3] = data_chunk(p, 13, 401);
  const Chunk wrong_row_parity = *make_parity_chunk(data_row(p, 3, {100, 200, 300, 400}));
  struct Case {
    const char* why;
    Chunk parity;
    std::vector<ChunkPtr> others;
    ChunkSeq missing;
  };
  const std::vector<Case> cases = {
      {"empty payload", with_payload({}), without(row, 1), missing},
      {"no entries", with_payload(no_table), without(row, 1), missing},
      {"three entries for four data stripes", with_payload(three_entries), without(row, 1), missing},
      {"keyframe flag 2", with_payload(bad_keyframe), without(row, 1), missing},
      {"XOR one byte short", with_payload(short_xor), without(row, 1), missing},
      {"a chunk of another row among the others", *parity, without(other_row, 1), missing},
      {"a chunk of another size", *parity, without(resized, 1), missing},
      {"the parity of another row", wrong_row_parity, without(row, 1), missing},
      {"two chunks missing", *parity, without(without(row, 1), 0), missing},
      {"the parity chunk asked for", *parity, row, parity->header.seq},
  };
  for (const Case& c : cases) EXPECT_FALSE(rebuild_from_parity(p, c.missing, c.parity, c.others)) << c.why;
  StreamParams plain = p;
  plain.parity = false;
  EXPECT_FALSE(rebuild_from_parity(plain, missing, *parity, without(row, 1))) << "a stream without parity";
}

TEST(ParityStream, ParityTakesNoMediaTimeAndAStripeBringsAChunkARow) {
  const StreamParams p = parity_stream();
  EXPECT_EQ(p.data_stripes(), 4);
  EXPECT_EQ(p.stripe_period(), ms(400));
  EXPECT_DOUBLE_EQ(p.stripe_bps(), 625'000.0);
  // Row 0 is 0..4 (4 the parity), row 1 is 5..9.
  const std::vector<std::pair<std::uint64_t, std::int64_t>> index = {{0, 0}, {3, 3}, {4, 3}, {5, 4}, {9, 7}, {10, 8}};
  for (const auto& [seq, want] : index) EXPECT_EQ(p.media_index(ChunkSeq{seq}), want) << "seq " << seq;
  EXPECT_EQ(p.seq_span(10), 13u);
  StreamParams plain;
  EXPECT_EQ(plain.media_index(ChunkSeq{9}), 9);
  EXPECT_EQ(plain.seq_span(10), 10u);
}

// ---- The engine ----------------------------------------------------------------------------

using namespace hand_driven;

// A relay in a parity stream, playing at depth 2, with a child in stripe 2 (a 4x peer).
struct ParityRelay {
  StreamParams p = parity_stream();
  Joiner j{4 * 2'500'000};
  const PeerId child{50};

  // Joins at 10 s, when the stream is at chunk 125: row 25, media index 100, a keyframe
  // captured at 10 s (the source's clock is ours).
  explicit ParityRelay(bool guards_only = false) {
    p.parity_guards = guards_only;
    Welcome w = start_and_welcome(j, at_us(10'000'000), p);
    w.head_seq = ChunkSeq{125};
    w.group_start_seq = ChunkSeq{125};
    for (std::uint8_t s = 0; s < p.stripe_count; ++s)
      w.candidates.push_back(CandidateInfo{parent_of(s), 100, 1, 1, StripeMask{1} << s, NatClass::kOpen, NetCoord{}});
    j.feed(at_us(10'000'000), in::Received{kBootstrap, w});
    for (std::uint8_t s = 0; s < p.stripe_count; ++s) {
      if (guards_only && p.is_parity_stripe(StripeIndex{s})) continue;  // not asked for
      j.feed(at_us(10'040'000), in::Connected{parent_of(s)});
      j.feed(at_us(10'060'000), in::Received{parent_of(s), SubscribeAck{StripeMask{1} << s, 0}});
    }
  }

  // Row `row`'s chunks from their parents 200 ms after capture, except from the parents in
  // `silent` (whose stripes then bring nothing).
  void push_row(std::uint64_t row, const std::set<std::uint8_t>& silent = {}) {
    auto chunks = data_row(p, row, {1000, 1000, 1000, 1000});
    chunks.push_back(make_parity_chunk(chunks));
    for (const ChunkPtr& c : chunks) {
      const std::uint8_t stripe = p.stripe_of(c->header.seq).value;
      const Instant at = at_us(c->header.capture_us + 200'000);
      const bool off = j.engine().upstreams()[stripe].state == StripeUpstream::State::kOff;
      if (silent.count(stripe) || off) {
        j.feed(at, in::Tick{});
        continue;
      }
      j.feed(at, in::Received{parent_of(stripe), ChunkData{c, 2, false}});
    }
  }
};

TEST(ParityEngine, PlaysEveryDataChunkAndShowsNoParity) {
  ParityRelay r;
  for (std::uint64_t row = 25; row < 40; ++row) r.push_row(row);
  r.j.run_timers_until(at_us(16'000'000));
  ASSERT_FALSE(r.j.delivered.empty());
  for (const auto& d : r.j.delivered) EXPECT_FALSE(r.p.is_parity(d.seq)) << "showed parity chunk " << d.seq.value;
  EXPECT_EQ(r.j.skipped, 0);
  EXPECT_EQ(r.j.engine().accounting().total().chunks_rebuilt, 0u) << "nothing was missing";
  EXPECT_GT(r.j.engine().accounting().total().media_down_parity, 0u);
}

// Stripe 2's parent falls silent (it stalled, or left): its chunks are rebuilt from the other
// four stripes, played, and pushed on to the child in stripe 2 as if from the parent.
TEST(ParityEngine, AStripeWhoseParentFallsSilentIsRebuiltPlayedAndPassedOn) {
  ParityRelay r;
  for (std::uint64_t row = 25; row < 32; ++row) r.push_row(row);  // captured up to 12.7 s
  r.j.feed(at_us(13'000'000), in::Connected{r.child});
  r.j.feed(at_us(13'000'000), in::Received{r.child, Subscribe{StripeMask{1} << 2, ChunkSeq{160}, 0, 0}});
  ASSERT_FALSE(r.j.acks.empty());
  ASSERT_EQ(r.j.acks.back().second.accepted, StripeMask{1} << 2);
  const int skipped_before = r.j.skipped;
  r.j.sent_chunks.clear();
  for (std::uint64_t row = 32; row < 40; ++row) r.push_row(row, {2});  // captured 12.8-15.9 s
  r.j.run_timers_until(at_us(16'200'000));
  EXPECT_EQ(r.j.skipped, skipped_before) << "a stripe's chunks skipped although the rest of each row came";
  std::set<std::uint64_t> played;
  for (const auto& d : r.j.delivered) played.insert(d.seq.value);
  std::set<std::uint64_t> to_child;
  for (const auto& s : r.j.sent_chunks)
    if (s.to == r.child) to_child.insert(s.seq);
  for (std::uint64_t row = 32; row < 38; ++row) {
    const std::uint64_t seq = row * 5 + 2;
    EXPECT_TRUE(played.count(seq)) << "chunk " << seq << " not played";
    EXPECT_TRUE(to_child.count(seq)) << "chunk " << seq << " not passed on";
  }
  EXPECT_GE(r.j.engine().accounting().total().chunks_rebuilt, 6u);
}

// Parity for guards only: a relay takes the parity stripe while it has a child near the top of
// some data stripe's tree (here at depth 3), and gives it up once it has had none for the hold.
TEST(ParityEngine, OnlyARelayWithAChildNearTheTopTakesTheParityStripeAndItLetsItGoLater) {
  ParityRelay r(/*guards_only=*/true);
  const StripeIndex parity_stripe{4};
  auto takes_parity = [&] { return r.j.engine().upstreams()[parity_stripe.value].state != StripeUpstream::State::kOff; };
  auto asked_for_parity = [&] {
    return std::count_if(r.j.subscriptions.begin(), r.j.subscriptions.end(),
                         [&](const auto& s) { return (s.second.stripes & (StripeMask{1} << parity_stripe.value)) != 0; });
  };
  for (std::uint64_t row = 25; row < 32; ++row) r.push_row(row);
  EXPECT_FALSE(takes_parity()) << "a relay without children guards nothing";
  EXPECT_EQ(asked_for_parity(), 0);
  EXPECT_EQ(r.j.engine().downstream().stripe_quota(parity_stripe), 0u) << "nor offers places in parity";

  r.j.feed(at_us(12'920'000), in::Connected{r.child});
  r.j.feed(at_us(12'920'000), in::Received{r.child, Subscribe{StripeMask{1} << 2, ChunkSeq{160}, 0, 0}});
  r.push_row(32, {parity_stripe.value});
  EXPECT_TRUE(takes_parity()) << "a child at depth 3 makes us a guard";
  r.j.feed(at_us(13'350'000), in::Connected{parent_of(parity_stripe.value)});
  ASSERT_EQ(asked_for_parity(), 1);
  EXPECT_EQ(r.j.subscriptions.back().first, parent_of(parity_stripe.value));
  EXPECT_GE(r.j.engine().downstream().stripe_quota(parity_stripe), 1u) << "a guard offers a place in parity";
  r.j.feed(at_us(13'400'000), in::Received{parent_of(parity_stripe.value), SubscribeAck{StripeMask{1} << parity_stripe.value, 0}});
  r.push_row(33);

  r.j.feed(at_us(13'750'000), in::Received{r.child, Unsubscribe{StripeMask{1} << 2}});
  const Duration hold = r.j.engine().config().tuning.parity_guard_hold;
  // Row k is captured from k x 400 ms on and pushed 200 ms later: these all come within the hold.
  const std::uint64_t last_row = static_cast<std::uint64_t>((ms(13'750) + hold) / r.p.stripe_period()) - 2;
  for (std::uint64_t row = 34; row < last_row; ++row) r.push_row(row);
  EXPECT_TRUE(takes_parity()) << "given up before the hold ran out";
  for (std::uint64_t row = last_row; row < last_row + 5; ++row) r.push_row(row);
  EXPECT_FALSE(takes_parity()) << "kept " << seconds_of(hold) << " s after the last child left";
  ASSERT_FALSE(r.j.unsubscriptions.empty());
  EXPECT_EQ(r.j.unsubscriptions.back().first, parent_of(parity_stripe.value));
  EXPECT_EQ(r.j.unsubscriptions.back().second.stripes, StripeMask{1} << parity_stripe.value);
  EXPECT_EQ(asked_for_parity(), 1) << "asked again after giving it up";
  EXPECT_EQ(r.j.skipped, 0) << "the data stripes alone play everything";
}

}  // namespace
}  // namespace potok
