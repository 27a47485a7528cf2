// From fragments to MediaChunks (node/media/media_chunk.hpp): which chunks carry the init, and
// the capture clock rules, with the wall clock given by the test.
#include <gtest/gtest.h>

#include <variant>

#include "node/media/media_chunk.hpp"
#include "node/media/media_payload.hpp"

namespace potok::media {
namespace {

InitSegment test_init() {
  InitSegment init;
  init.bytes = {1, 2, 3, 4};
  init.info.mime_codecs = "video/mp4; codecs=\"avc1.64001e\"";
  return init;
}

Fragment fragment(std::int64_t media_time_us, bool keyframe, std::uint64_t duration_us = 200'000) {
  Fragment f;
  f.bytes = {9, 9, 9};
  f.info.keyframe = keyframe;
  f.info.has_media_time = true;
  f.info.media_time_us = media_time_us;
  f.info.duration_us = duration_us;
  f.info.timing_samples = 6;
  return f;
}

MediaPayloadView decoded(const MediaChunk& chunk) {
  auto result = decode_media_payload(chunk.payload);
  EXPECT_TRUE(std::holds_alternative<MediaPayloadView>(result));
  return std::get<MediaPayloadView>(result);
}

constexpr std::int64_t kT0 = 1'700'000'000'000'000;  // a wall clock in µs

TEST(ChunkBuilder, KeyframeChunksCarryTheInitOthersDoNot) {
  ChunkBuilder builder;
  builder.start_run();
  const InitSegment init = test_init();
  const auto key = builder.build(init, fragment(0, true), kT0);
  const auto delta = builder.build(init, fragment(200'000, false), kT0 + 200'000);
  ASSERT_TRUE(key && delta);
  EXPECT_TRUE(key->keyframe);
  EXPECT_TRUE(decoded(*key).has_init);
  EXPECT_EQ(decoded(*key).mime_codecs, init.info.mime_codecs);
  EXPECT_FALSE(delta->keyframe);
  EXPECT_FALSE(decoded(*delta).has_init);
  EXPECT_EQ(delta->media_time_us, 200'000);
  EXPECT_EQ(delta->duration_us, 200'000u);
}

TEST(ChunkBuilder, CaptureTimeIsTheRunEpochPlusMediaTime) {
  ChunkBuilder builder;
  builder.start_run();
  const InitSegment init = test_init();
  // The first fragment (0..200 ms) arrives at kT0: its first frame was captured 200 ms earlier.
  const auto first = builder.build(init, fragment(0, true), kT0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->capture_us, kT0 - 200'000);
  EXPECT_FALSE(first->discontinuity);  // the first run is not a discontinuity
  // Later fragments arrive with jitter, but capture − media_time stays fixed.
  for (int i = 1; i < 20; ++i) {
    const std::int64_t media = i * 200'000;
    const std::int64_t jitter = (i % 3) * 150'000;
    const auto chunk = builder.build(init, fragment(media, i % 5 == 0), kT0 + media + jitter);
    ASSERT_TRUE(chunk);
    EXPECT_EQ(chunk->capture_us - chunk->media_time_us, kT0 - 200'000) << i;
    EXPECT_FALSE(chunk->discontinuity);
  }
}

TEST(ChunkBuilder, ReanchorsOnlyAtAKeyframeAfterMoreThanASecondOfDrift) {
  ChunkBuilder builder;
  builder.start_run();
  const InitSegment init = test_init();
  ASSERT_TRUE(builder.build(init, fragment(0, true), kT0 + 200'000));
  // A 3 s stall: the delta chunk keeps the old epoch, the next keyframe re-anchors.
  const auto late = builder.build(init, fragment(200'000, false), kT0 + 3'400'000);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->capture_us, kT0 + 200'000);
  EXPECT_FALSE(late->discontinuity);
  const auto key = builder.build(init, fragment(400'000, true), kT0 + 3'600'000);
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->discontinuity);
  EXPECT_TRUE(decoded(*key).discontinuity);
  EXPECT_EQ(key->capture_us, kT0 + 3'400'000);
}

TEST(ChunkBuilder, ANewRunStartsAtAKeyframeFlaggedDiscontinuity) {
  ChunkBuilder builder;
  builder.start_run();
  const InitSegment init = test_init();
  ASSERT_TRUE(builder.build(init, fragment(0, true), kT0));
  builder.start_run();
  // A run that starts mid-group: undecodable, so dropped.
  EXPECT_FALSE(builder.build(init, fragment(0, false), kT0 + 10'000'000));
  EXPECT_EQ(builder.dropped_before_keyframe(), 1u);
  const auto key = builder.build(init, fragment(200'000, true), kT0 + 10'400'000);
  ASSERT_TRUE(key);
  EXPECT_TRUE(key->keyframe);
  EXPECT_TRUE(key->discontinuity);
  EXPECT_EQ(key->capture_us, kT0 + 10'200'000);  // epoch kT0 + 10 s, media time 200 ms
  const auto next = builder.build(init, fragment(400'000, false), kT0 + 10'600'000);
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->discontinuity);
}

TEST(ChunkBuilder, FragmentsWithoutTfdtContinueTheTimeline) {
  ChunkBuilder builder;
  builder.start_run();
  const InitSegment init = test_init();
  ASSERT_TRUE(builder.build(init, fragment(1'000'000, true), kT0));
  Fragment untimed = fragment(0, false);
  untimed.info.has_media_time = false;
  const auto chunk = builder.build(init, untimed, kT0 + 200'000);
  ASSERT_TRUE(chunk);
  EXPECT_EQ(chunk->media_time_us, 1'200'000);
}

}  // namespace
}  // namespace potok::media
