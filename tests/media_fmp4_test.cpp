// The fragmented-MP4 splitter (node/media/fmp4.hpp) on real ffmpeg output, made at test time:
// 2 s of 160x120 test pattern at 30 fps with a 1 s GOP plus a tone, fragmented the way the
// ingest asks ffmpeg to.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "node/media/fmp4.hpp"

namespace potok::media {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Summary {
  std::vector<Bytes> inits;
  std::vector<Bytes> fragments;
  std::vector<FragmentInfo> infos;
  std::string mime;
};

Summary summarize(const std::vector<Fmp4Item>& items) {
  Summary s;
  for (const auto& item : items) {
    if (const auto* init = std::get_if<InitSegment>(&item)) {
      s.inits.push_back(init->bytes);
      s.mime = init->info.mime_codecs;
    } else {
      const auto& fragment = std::get<Fragment>(item);
      s.fragments.push_back(fragment.bytes);
      s.infos.push_back(fragment.info);
    }
  }
  return s;
}

void append(std::vector<Fmp4Item>& to, std::vector<Fmp4Item> items) {
  for (auto& item : items) to.push_back(std::move(item));
}

Bytes box(const char* type, const Bytes& payload) {
  const std::size_t size = payload.size() + 8;
  Bytes out;
  out.reserve(size);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(std::uint8_t(size >> shift));
  for (int i = 0; i < 4; ++i) out.push_back(std::uint8_t(type[i]));
  for (std::uint8_t b : payload) out.push_back(b);
  return out;
}

class Fmp4OnFfmpegOutput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("potok_fmp4_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = dir / "clip.mp4";
    const std::string command =
        "ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i "
        "testsrc2=size=160x120:rate=30 -f lavfi -i sine=frequency=440:sample_rate=48000 -t 2 "
        "-c:v libx264 -preset veryfast -tune zerolatency -g 30 -keyint_min 30 -sc_threshold 0 "
        "-pix_fmt yuv420p -c:a aac -b:a 64k -f mp4 "
        "-movflags frag_keyframe+empty_moov+default_base_moof -frag_duration 200000 " +
        path.string();
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    std::ifstream in(path, std::ios::binary);
    clip_ = new Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::filesystem::remove_all(dir);
  }
  static void TearDownTestSuite() {
    delete clip_;
    clip_ = nullptr;
  }
  static const Bytes& clip() { return *clip_; }
  static Bytes* clip_;
};

Bytes* Fmp4OnFfmpegOutput::clip_ = nullptr;

TEST_F(Fmp4OnFfmpegOutput, YieldsTheInitThenFragmentsOfAbout200ms) {
  Fmp4Parser parser;
  const auto items = parser.feed(clip());
  ASSERT_FALSE(parser.error());
  ASSERT_FALSE(items.empty());
  ASSERT_TRUE(std::holds_alternative<InitSegment>(items.front()));
  const Summary s = summarize(items);
  EXPECT_EQ(s.inits.size(), 1u);
  EXPECT_EQ(s.mime.rfind("video/mp4; codecs=\"avc1.", 0), 0u) << s.mime;
  EXPECT_NE(s.mime.find("mp4a.40.2"), std::string::npos) << s.mime;
  // 2 s in fragments of 200 ms (give or take the audio's frame grid at the cuts).
  EXPECT_GE(s.fragments.size(), 9u);
  EXPECT_LE(s.fragments.size(), 13u);
  for (std::size_t i = 0; i + 1 < s.infos.size(); ++i) {
    EXPECT_GE(s.infos[i].duration_us, 100'000u) << i;
    EXPECT_LE(s.infos[i].duration_us, 250'000u) << i;
  }
  // The whole stream is covered, and nothing is left over.
  EXPECT_EQ(parser.buffered_bytes(), 0u);
  std::size_t total = s.inits[0].size();
  for (const auto& f : s.fragments) total += f.size();
  // Only the file's closing mfra (random access index, written to seekable files) is dropped.
  ASSERT_LT(total + 8, clip().size());
  EXPECT_EQ(std::string(clip().begin() + long(total) + 4, clip().begin() + long(total) + 8),
            "mfra");
}

TEST_F(Fmp4OnFfmpegOutput, KeyframesOpenExactlyTheOneSecondGroups) {
  Fmp4Parser parser;
  const Summary s = summarize(parser.feed(clip()));
  ASSERT_FALSE(s.infos.empty());
  int keyframes = 0;
  for (std::size_t i = 0; i < s.infos.size(); ++i) {
    const auto& info = s.infos[i];
    ASSERT_TRUE(info.has_media_time);
    // The first frame lasts a little longer (ffmpeg stretches it over the AAC priming delay,
    // 1024 samples = 21 ms), so the second group starts at 1.021 s, not 1.000 s.
    const bool at_group_start = info.media_time_us % 1'000'000 < 50'000;
    EXPECT_EQ(info.keyframe, at_group_start) << "fragment " << i << " at " << info.media_time_us;
    keyframes += info.keyframe;
  }
  EXPECT_TRUE(s.infos.front().keyframe);
  EXPECT_EQ(keyframes, 2);
}

TEST_F(Fmp4OnFfmpegOutput, MediaTimeRunsOnWithoutGaps) {
  Fmp4Parser parser;
  const Summary s = summarize(parser.feed(clip()));
  ASSERT_GE(s.infos.size(), 2u);
  EXPECT_EQ(s.infos.front().media_time_us, 0);
  for (std::size_t i = 0; i + 1 < s.infos.size(); ++i) {
    const std::int64_t end = s.infos[i].media_time_us + std::int64_t(s.infos[i].duration_us);
    EXPECT_GT(s.infos[i + 1].media_time_us, s.infos[i].media_time_us);
    EXPECT_NEAR(double(s.infos[i + 1].media_time_us), double(end), 1'000.0) << i;
  }
}

TEST_F(Fmp4OnFfmpegOutput, AnySplitOfTheBytesGivesTheSameItems) {
  Fmp4Parser whole;
  const Summary expected = summarize(whole.feed(clip()));

  Fmp4Parser bytewise;
  std::vector<Fmp4Item> items;
  for (std::uint8_t byte : clip()) append(items, bytewise.feed(std::span(&byte, 1)));
  ASSERT_FALSE(bytewise.error());
  Summary got = summarize(items);
  EXPECT_EQ(got.inits, expected.inits);
  EXPECT_EQ(got.fragments, expected.fragments);

  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    Fmp4Parser split;
    items.clear();
    std::size_t pos = 0;
    while (pos < clip().size()) {
      const std::size_t n = std::min<std::size_t>(clip().size() - pos, rng() % 5000 + 1);
      append(items, split.feed(std::span(clip().data() + pos, n)));
      pos += n;
    }
    got = summarize(items);
    EXPECT_EQ(got.inits, expected.inits);
    EXPECT_EQ(got.fragments, expected.fragments);
    ASSERT_EQ(got.infos.size(), expected.infos.size());
    for (std::size_t i = 0; i < got.infos.size(); ++i) {
      EXPECT_EQ(got.infos[i].keyframe, expected.infos[i].keyframe);
      EXPECT_EQ(got.infos[i].media_time_us, expected.infos[i].media_time_us);
      EXPECT_EQ(got.infos[i].duration_us, expected.infos[i].duration_us);
    }
  }
}

TEST_F(Fmp4OnFfmpegOutput, ATruncatedStreamYieldsOnlyWhatIsComplete) {
  Fmp4Parser whole;
  const Summary expected = summarize(whole.feed(clip()));
  for (std::size_t cut = 0; cut < clip().size(); cut += 997) {
    Fmp4Parser parser;
    const Summary got = summarize(parser.feed(std::span(clip().data(), cut)));
    EXPECT_FALSE(parser.error());
    ASSERT_LE(got.fragments.size(), expected.fragments.size());
    for (std::size_t i = 0; i < got.fragments.size(); ++i) {
      EXPECT_EQ(got.fragments[i], expected.fragments[i]);
    }
    EXPECT_LE(parser.buffered_bytes(), cut);
  }
}

TEST_F(Fmp4OnFfmpegOutput, CorruptedBytesGiveErrorsNotCrashes) {
  std::mt19937 rng(11);
  for (int round = 0; round < 300; ++round) {
    Bytes bytes = clip();
    const int flips = 1 + int(rng() % 8);
    for (int i = 0; i < flips; ++i) bytes[rng() % bytes.size()] = std::uint8_t(rng());
    Fmp4Parser parser;
    const auto items = parser.feed(bytes);
    EXPECT_LE(parser.buffered_bytes(), bytes.size());
    if (parser.error()) {
      EXPECT_NE(to_string(*parser.error()), nullptr);
    }
  }
}

TEST(Fmp4Parser, RejectsSizesThatCannotBeRight) {
  const Bytes zero = {0, 0, 0, 0, 'm', 'd', 'a', 't'};
  Fmp4Parser unbounded;
  unbounded.feed(zero);
  EXPECT_EQ(unbounded.error(), Fmp4Error::kUnboundedBox);

  const Bytes tiny = {0, 0, 0, 7, 'f', 'r', 'e', 'e'};
  Fmp4Parser bad;
  bad.feed(tiny);
  EXPECT_EQ(bad.error(), Fmp4Error::kBadBoxSize);

  // 1 GiB declared: refused at once rather than buffered.
  const Bytes huge = {0x40, 0, 0, 0, 'm', 'd', 'a', 't', 1, 2, 3};
  Fmp4Parser large;
  large.feed(huge);
  EXPECT_EQ(large.error(), Fmp4Error::kBoxTooLarge);
  EXPECT_EQ(large.buffered_bytes(), 0u);

  // The 64-bit size form, with an absurd size.
  const Bytes huge64 = {0, 0, 0, 1, 'f', 'r', 'e', 'e', 0, 0, 1, 0, 0, 0, 0, 0};
  Fmp4Parser large64;
  large64.feed(huge64);
  EXPECT_EQ(large64.error(), Fmp4Error::kBoxTooLarge);

  // After an error nothing more comes out.
  EXPECT_TRUE(large64.feed(box("free", {})).empty());
}

TEST(Fmp4Parser, AcceptsThe64BitSizeFormAndSkipsUnknownBoxes) {
  const Bytes free64 = {0, 0, 0, 1, 'f', 'r', 'e', 'e', 0, 0, 0, 0, 0, 0, 0, 18, 0xaa, 0xbb};
  Fmp4Parser parser;
  EXPECT_TRUE(parser.feed(free64).empty());
  EXPECT_TRUE(parser.feed(box("skip", {1, 2, 3})).empty());
  EXPECT_FALSE(parser.error());
  EXPECT_EQ(parser.buffered_bytes(), 0u);
}

TEST(Fmp4Parser, FragmentsBeforeAnInitAreAnError) {
  Fmp4Parser parser;
  parser.feed(box("moof", {}));
  EXPECT_EQ(parser.error(), Fmp4Error::kMissingInit);

  Fmp4Parser mdat_first;
  mdat_first.feed(box("mdat", {1, 2}));
  EXPECT_EQ(mdat_first.error(), Fmp4Error::kMissingInit);
}

TEST(Fmp4Parser, AMoovWithoutTracksIsAnError) {
  Fmp4Parser parser;
  parser.feed(box("ftyp", {'i', 's', 'o', 'm', 0, 0, 2, 0}));
  parser.feed(box("moov", box("mvhd", Bytes(100, 0))));
  EXPECT_EQ(parser.error(), Fmp4Error::kBadInit);

  Fmp4Parser nested;
  nested.feed(box("moov", {0, 0, 0, 99, 't', 'r', 'a', 'k'}));  // child larger than its parent
  EXPECT_EQ(nested.error(), Fmp4Error::kBadInit);
}

TEST(Fmp4Parser, GarbageNeverCrashesAndStaysBounded) {
  std::mt19937 rng(3);
  for (int round = 0; round < 2000; ++round) {
    Bytes bytes(rng() % 300);
    for (auto& b : bytes) b = std::uint8_t(rng());
    Fmp4Parser parser;
    parser.feed(bytes);
    EXPECT_LE(parser.buffered_bytes(), bytes.size());
  }
}

}  // namespace
}  // namespace potok::media
