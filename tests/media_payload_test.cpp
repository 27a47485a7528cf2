// The media payload (node/media/media_payload.hpp, docs/media.md): the exact bytes browsers
// parse, so the layout is pinned down byte by byte here.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "node/media/media_payload.hpp"

namespace potok::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

const MediaPayloadView* ok(const std::variant<MediaPayloadView, MediaPayloadError>& decoded) {
  return std::get_if<MediaPayloadView>(&decoded);
}

MediaPayloadError error_of(const Bytes& bytes) {
  const auto decoded = decode_media_payload(bytes);
  EXPECT_TRUE(std::holds_alternative<MediaPayloadError>(decoded));
  return std::holds_alternative<MediaPayloadError>(decoded) ? std::get<MediaPayloadError>(decoded)
                                                            : MediaPayloadError{};
}

const Bytes kInit = {'f', 't', 'y', 'p', 'm', 'o', 'o', 'v'};
const Bytes kFragment = {'m', 'o', 'o', 'f', 'm', 'd', 'a', 't', 9};
const std::string kCodecs = "video/mp4; codecs=\"avc1.64001e,mp4a.40.2\"";

Bytes keyframe_payload() {
  MediaPayloadView view;
  view.has_init = true;
  view.discontinuity = true;
  view.media_time_us = 0x0102030405060708;
  view.duration_us = 200'000;
  view.mime_codecs = kCodecs;
  view.init = kInit;
  view.fragment = kFragment;
  return encode_media_payload(view);
}

TEST(MediaPayload, HasTheDocumentedLayout) {
  const Bytes bytes = keyframe_payload();
  ASSERT_EQ(bytes.size(), 20 + kCodecs.size() + kInit.size() + kFragment.size());
  EXPECT_EQ(bytes[0], 1);     // version
  EXPECT_EQ(bytes[1], 0x03);  // has_init | discontinuity
  EXPECT_EQ(Bytes(bytes.begin() + 2, bytes.begin() + 6), (Bytes{8, 0, 0, 0}));  // init_size LE
  EXPECT_EQ(Bytes(bytes.begin() + 6, bytes.begin() + 14),
            (Bytes{8, 7, 6, 5, 4, 3, 2, 1}));  // media_time_us LE
  EXPECT_EQ(Bytes(bytes.begin() + 14, bytes.begin() + 18),
            (Bytes{0x40, 0x0d, 0x03, 0x00}));  // 200000 LE
  EXPECT_EQ(bytes[18], kCodecs.size());
  EXPECT_EQ(bytes[19], 0);
  EXPECT_EQ(std::string(bytes.begin() + 20, bytes.begin() + 20 + long(kCodecs.size())), kCodecs);
  const auto init_at = bytes.begin() + 20 + long(kCodecs.size());
  EXPECT_EQ(Bytes(init_at, init_at + long(kInit.size())), kInit);
  EXPECT_EQ(Bytes(init_at + long(kInit.size()), bytes.end()), kFragment);
}

TEST(MediaPayload, RoundTripsWithAndWithoutInit) {
  const Bytes with_init = keyframe_payload();
  const auto decoded = decode_media_payload(with_init);
  ASSERT_TRUE(ok(decoded));
  const MediaPayloadView& view = *ok(decoded);
  EXPECT_TRUE(view.has_init);
  EXPECT_TRUE(view.discontinuity);
  EXPECT_EQ(view.media_time_us, 0x0102030405060708);
  EXPECT_EQ(view.duration_us, 200'000u);
  EXPECT_EQ(view.mime_codecs, kCodecs);
  EXPECT_EQ(Bytes(view.init.begin(), view.init.end()), kInit);
  EXPECT_EQ(Bytes(view.fragment.begin(), view.fragment.end()), kFragment);

  MediaPayloadView delta;
  delta.media_time_us = -5;  // signed: a timeline may start before 0
  delta.duration_us = 1;
  delta.fragment = kFragment;
  const Bytes plain = encode_media_payload(delta);
  ASSERT_EQ(plain.size(), 20 + kFragment.size());
  const auto again = decode_media_payload(plain);
  ASSERT_TRUE(ok(again));
  EXPECT_FALSE(ok(again)->has_init);
  EXPECT_FALSE(ok(again)->discontinuity);
  EXPECT_EQ(ok(again)->media_time_us, -5);
  EXPECT_TRUE(ok(again)->mime_codecs.empty());
  EXPECT_TRUE(ok(again)->init.empty());
  EXPECT_EQ(Bytes(ok(again)->fragment.begin(), ok(again)->fragment.end()), kFragment);
}

TEST(MediaPayload, RejectsMalformedPayloads) {
  const Bytes good = keyframe_payload();
  EXPECT_EQ(error_of({}), MediaPayloadError::kTruncated);
  EXPECT_EQ(error_of(Bytes(good.begin(), good.begin() + 19)), MediaPayloadError::kTruncated);
  // Cut inside the init: the declared sizes no longer fit.
  EXPECT_EQ(error_of(Bytes(good.begin(), good.begin() + 20 + long(kCodecs.size()) + 3)),
            MediaPayloadError::kTruncated);
  // Cut right after the init: no fragment.
  EXPECT_EQ(error_of(Bytes(good.begin(), good.end() - long(kFragment.size()))),
            MediaPayloadError::kEmptyFragment);

  Bytes bad = good;
  bad[0] = 2;
  EXPECT_EQ(error_of(bad), MediaPayloadError::kBadVersion);
  bad = good;
  bad[1] |= 0x04;
  EXPECT_EQ(error_of(bad), MediaPayloadError::kBadFlags);
  bad = good;
  bad[1] = 0;  // init and codecs without has_init
  EXPECT_EQ(error_of(bad), MediaPayloadError::kInconsistentInit);
  bad = good;
  bad[2] = bad[3] = bad[4] = bad[5] = 0;  // has_init with init_size 0
  EXPECT_EQ(error_of(bad), MediaPayloadError::kInconsistentInit);
  bad = good;
  bad[5] = 0xff;  // init_size far past the end
  EXPECT_EQ(error_of(bad), MediaPayloadError::kTruncated);
  bad = good;
  bad[19] = 0xff;  // codecs_len past the end
  EXPECT_EQ(error_of(bad), MediaPayloadError::kTruncated);
}

TEST(MediaPayload, EncodeRefusesWhatCannotBeDecoded) {
  MediaPayloadView view;
  view.fragment = kFragment;
  view.init = kInit;  // without has_init
  EXPECT_TRUE(encode_media_payload(view).empty());
  view.init = {};
  view.mime_codecs = kCodecs;
  EXPECT_TRUE(encode_media_payload(view).empty());
  view.mime_codecs = {};
  view.has_init = true;  // with an empty init
  EXPECT_TRUE(encode_media_payload(view).empty());
}

TEST(MediaPayload, EveryErrorHasAName) {
  for (auto e : {MediaPayloadError::kTruncated, MediaPayloadError::kBadVersion,
                 MediaPayloadError::kBadFlags, MediaPayloadError::kInconsistentInit,
                 MediaPayloadError::kEmptyFragment}) {
    EXPECT_STRNE(to_string(e), "unknown media payload error");
  }
}

}  // namespace
}  // namespace potok::media
