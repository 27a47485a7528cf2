// The wire format, as a specification: docs/protocol.md describes the same bytes in prose.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "core/reassembler.hpp"
#include "core/wire.hpp"
#include "tests/support/wire_samples.hpp"

namespace potok::wire {
namespace {

using namespace fixtures;

// ---- Round trips ---------------------------------------------------------------------------

TEST(WireRoundTrip, EveryMessageTypeHasASample) {
  std::vector<bool> seen(std::variant_size_v<Message>, false);
  for (const auto& s : samples()) seen[s.message.index()] = true;
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_TRUE(seen[i]) << "variant index " << i;
}

TEST(WireRoundTrip, EverySampleDecodesToItself) {
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    auto frames = encode(s.message);
    ASSERT_FALSE(frames.empty());
    Reassembler r;
    auto out = reassemble(frames, r);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(out[0] == s.message);
    EXPECT_EQ(type_of(out[0]), type_of(s.message));
    EXPECT_EQ(r.partial_chunks(), 0u);
    EXPECT_EQ(r.buffered_bytes(), 0u);
  }
}

TEST(WireRoundTrip, ADecodedControlMessageReencodesToTheSameBytes) {
  for (const auto& s : samples()) {
    if (std::holds_alternative<ChunkData>(s.message)) continue;
    SCOPED_TRACE(s.name);
    const Bytes frame = only_frame(s.message);
    auto decoded = decode_frame(frame);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(only_frame(std::get<Message>(*decoded)), frame);
  }
}

TEST(WireRoundTrip, CandidateFieldsSaturateAndCoordinatesRoundToAnEighthOfAMillisecond) {
  struct Case {
    std::uint32_t delay_ms;
    std::uint16_t spare;
    NetCoord coord;
    std::uint32_t want_delay;
    std::uint16_t want_spare;
    NetCoord want_coord;
  };
  const std::vector<Case> cases = {
      {65535, 255, {4095.875f, -4096.0f, 0}, 65535, 255, {4095.875f, -4096.0f, 0}},
      {65536, 256, {5000, -5000, 1e9f}, 65535, 255, {4095.875f, -4096.0f, 4095.875f}},
      {4'000'000'000u, 65535, {1.06f, -1.06f, 0.07f}, 65535, 255, {1.0f, -1.0f, 0.125f}},
  };
  for (const Case& c : cases) {
    CandidateList sent{{CandidateInfo{PeerId{9}, c.delay_ms, 3, c.spare, 0x5, NatClass::kCone, c.coord}}};
    auto decoded = decode_frame(only_frame(sent));
    ASSERT_TRUE(decoded);
    const CandidateInfo& got = std::get<CandidateList>(std::get<Message>(*decoded)).candidates.at(0);
    EXPECT_EQ(got.delay_ms, c.want_delay) << c.delay_ms;
    EXPECT_EQ(got.spare_slots, c.want_spare) << c.spare;
    EXPECT_EQ(got.coord, c.want_coord) << c.coord.x;
    EXPECT_EQ(got.peer, PeerId{9});
    EXPECT_EQ(got.stripes, 0x5u);
  }
}

TEST(WireRoundTrip, AChunkWithoutPayloadPointerIsAnEmptyChunk) {
  Chunk chunk;
  chunk.header.seq = ChunkSeq{5};
  Message m = ChunkData{std::make_shared<const Chunk>(chunk), 0, false};
  Reassembler r;
  auto out = reassemble(encode(m), r);
  ASSERT_EQ(out.size(), 1u);
  const auto& got = std::get<ChunkData>(out[0]);
  ASSERT_TRUE(got.chunk && got.chunk->payload);
  EXPECT_EQ(got.chunk->payload->size(), 0u);
  EXPECT_TRUE(out[0] == m);
}

// ---- Sizes ---------------------------------------------------------------------------------

TEST(WireSize, EqualsTheBytesEncodeProducesForEverySample) {
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    EXPECT_EQ(wire_size(s.message), total_size(encode(s.message)));
  }
}

TEST(WireSize, EqualsTheBytesEncodeProducesForChunksOfAnySize) {
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, P - 1, P, P + 1, 2 * P - 1, 2 * P,
                        2 * P + 1, std::size_t{62'500}, std::size_t{kMaxChunkPayload}}) {
    SCOPED_TRACE(n);
    Message m = chunk_data(1, n);
    auto frames = encode(m);
    EXPECT_EQ(frames.size(), chunk_fragment_count(n));
    EXPECT_EQ(wire_size(m), total_size(frames));
    EXPECT_EQ(wire_size(m), chunk_wire_size(n));
    EXPECT_EQ(payload_bytes(m), n);
  }
}

TEST(WireSize, ControlMessagesCarryNoPayload) {
  for (const auto& s : samples()) {
    if (std::holds_alternative<ChunkData>(s.message)) continue;
    EXPECT_EQ(payload_bytes(s.message), 0u) << s.name;
  }
}

TEST(WireLayout, ControlMessageSizesAreThoseOfTheSpecification) {
  const std::size_t c = kCandidateWireSize;
  EXPECT_EQ(c, 23u);
  const std::vector<std::pair<Message, std::size_t>> table = {
      {JoinRequest{}, 17},   {welcome(0), 48},      {welcome(2), 48 + 2 * c},
      {CandidateQuery{}, 9}, {CandidateList{}, 4},  {CandidateList{candidates(5)}, 4 + 5 * c},
      {Report{}, 19},        {Ping{}, 14},          {Pong{}, 37},
      {Subscribe{}, 26},     {SubscribeAck{}, 12},  {Unsubscribe{}, 6},
      {SubscribeAck{0, 1, candidates(3)}, 12 + 3 * c},
      {Evict{}, 14},         {Want{}, 10},          {NotHave{}, 10},
      {Leave{}, 2},
  };
  for (const auto& [message, size] : table) {
    EXPECT_EQ(wire_size(message), size) << to_string(type_of(message));
    EXPECT_EQ(only_frame(message).size(), size) << to_string(type_of(message));
  }
}

TEST(WireLayout, ChunkFragmentsAre36BytesOfHeaderAndFragmentZeroAddsTheSignature) {
  EXPECT_EQ(kFragmentHeaderSize, 36u);
  EXPECT_EQ(kFragmentPayload, 16384u - 36u - 64u);
  EXPECT_EQ(wire_size(chunk_data(1, 0)), 100u);
  EXPECT_EQ(wire_size(chunk_data(1, P)), 16384u);
  EXPECT_EQ(wire_size(chunk_data(1, P + 1)), 16384u + 36u + 1u);
  EXPECT_EQ(wire_size(chunk_data(1, 62'500)), 4 * 36u + 64u + 62'500u);
}

TEST(WireLayout, NoFrameExceeds16KiB) {
  for (const auto& s : samples()) {
    for (const auto& f : encode(s.message)) EXPECT_LE(f.size(), kMaxWireMessage) << s.name;
  }
  for (const auto& f : encode(chunk_data(1, kMaxChunkPayload))) EXPECT_LE(f.size(), kMaxWireMessage);
}

TEST(WireLayout, AFrameIsVersionThenTypeThenLittleEndianFields) {
  const Bytes ping = only_frame(Ping{0x04030201, 0x0C0B0A0908070605});
  EXPECT_EQ(ping, (Bytes{kProtocolVersion, 6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));

  const Bytes join = only_frame(JoinRequest{0x0102, NatClass::kCone, NetCoord{1.0f, -2.0f, 0.5f}});
  EXPECT_EQ(join, (Bytes{kProtocolVersion, 1, 0x02, 0x01, 1,  //
                         0x00, 0x00, 0x80, 0x3F,             // 1.0f
                         0x00, 0x00, 0x00, 0xC0,             // -2.0f
                         0x00, 0x00, 0x00, 0x3F}));          // 0.5f
}

TEST(WireLayout, AChunkFragmentIsHeaderThenSignatureInFragmentZeroThenItsSlice) {
  auto frames = encode(chunk_data(0x0102, P + 2, /*keyframe=*/true, /*hops=*/9, /*repair=*/true));
  ASSERT_EQ(frames.size(), 2u);
  const Bytes& first = frames[0];
  const Bytes& second = frames[1];
  EXPECT_EQ(first.size(), kMaxWireMessage);
  EXPECT_EQ(second.size(), kFragmentHeaderSize + 2);
  EXPECT_EQ(first[0], kProtocolVersion);
  EXPECT_EQ(first[1], 14);
  EXPECT_EQ(first[2], 0x02);                   // seq, little-endian
  EXPECT_EQ(first[3], 0x01);
  EXPECT_EQ(first[kOffFlags], 0b11);           // keyframe | repair
  EXPECT_EQ(first[kOffFlags + 1], 9);          // hops
  EXPECT_EQ(first[kOffPayloadSize], (P + 2) & 0xFF);
  EXPECT_EQ(first[kOffIndex], 0);
  EXPECT_EQ(second[kOffIndex], 1);
  EXPECT_EQ(first[kOffCount], 2);
  EXPECT_EQ(second[kOffCount], 2);
  EXPECT_EQ(first[36], 0xA0 + 0x02);           // signature byte 0 (seq's low byte added)
  // Every fragment repeats the first 36 bytes but the index.
  for (std::size_t i = 0; i < kFragmentHeaderSize; ++i) {
    if (i == kOffIndex || i == kOffIndex + 1) continue;
    EXPECT_EQ(first[i], second[i]) << "offset " << i;
  }
}

// ---- Malformed frames ----------------------------------------------------------------------

TEST(WireErrors, EveryTruncationOfEveryFrameIsReportedAsTruncated) {
  for (const auto& s : samples()) {
    SCOPED_TRACE(s.name);
    for (const Bytes& frame : encode(s.message)) {
      for (std::size_t len = 0; len < frame.size(); ++len) {
        // A copy of exactly `len` bytes, so ASan would catch a read past its end.
        const Bytes prefix(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(len));
        ASSERT_EQ(decode_error(prefix), WireError::kTruncated) << "length " << len;
      }
    }
  }
}

TEST(WireErrors, ABytePastTheLastFieldIsReportedAsTrailing) {
  for (const auto& s : samples()) {
    for (Bytes frame : encode(s.message)) {
      if (frame.size() == kMaxWireMessage) continue;  // one more byte is oversize instead
      frame.push_back(0);
      EXPECT_EQ(decode_error(frame), WireError::kTrailingBytes) << s.name;
    }
  }
}

TEST(WireErrors, AnyOtherVersionIsRejected) {
  for (const auto& s : samples()) {
    const Bytes frame = encode(s.message).front();
    for (int version : {0, kProtocolVersion - 1, kProtocolVersion + 1, 255}) {
      EXPECT_EQ(decode_error(with_byte(frame, 0, static_cast<std::uint8_t>(version))), WireError::kBadVersion)
          << s.name;
    }
  }
}

TEST(WireErrors, UndefinedTypesAreRejected) {
  for (std::uint8_t type : {0, 16, 200, 255}) {
    EXPECT_EQ(decode_error(Bytes{kProtocolVersion, type}), WireError::kUnknownType);
    EXPECT_EQ(decode_error(Bytes{kProtocolVersion, type, 1, 2, 3}), WireError::kUnknownType);
  }
}

TEST(WireErrors, FramesLargerThan16KiBAreRejectedUnread) {
  Bytes frame = only_frame(Leave{});
  frame.resize(kMaxWireMessage + 1);
  EXPECT_EQ(decode_error(frame), WireError::kOversize);
}

TEST(WireErrors, MoreThan64CandidatesAreRejected) {
  Bytes list = only_frame(CandidateList{candidates(kMaxCandidates)});
  put_le(list, 2, kMaxCandidates + 1, 2);
  list.resize(list.size() + kCandidateWireSize);
  EXPECT_EQ(decode_error(list), WireError::kBadCount);

  Bytes announced_only = only_frame(CandidateList{});
  put_le(announced_only, 2, 0xFFFF, 2);
  EXPECT_EQ(decode_error(announced_only), WireError::kBadCount);

  Bytes welcome_frame = only_frame(welcome(0));
  put_le(welcome_frame, 46, 65, 2);
  EXPECT_EQ(decode_error(welcome_frame), WireError::kBadCount);
}

TEST(WireErrors, OutOfRangeFieldsAreRejected) {
  const Bytes join = only_frame(JoinRequest{});
  EXPECT_EQ(decode_error(with_byte(join, 4, 4)), WireError::kBadValue) << "NatClass 4";
  Bytes nan_coord = join;
  put_le(nan_coord, 5, 0x7FC00000, 4);
  EXPECT_EQ(decode_error(nan_coord), WireError::kBadValue) << "NaN";
  Bytes inf_coord = join;
  put_le(inf_coord, 13, 0xFF800000, 4);
  EXPECT_EQ(decode_error(inf_coord), WireError::kBadValue) << "-infinity";

  const Bytes w = only_frame(welcome(1));
  EXPECT_EQ(decode_error(with_byte(w, 10, 0)), WireError::kBadValue) << "no stripes";
  EXPECT_EQ(decode_error(with_byte(w, 10, 33)), WireError::kBadValue) << "33 stripes";
  Bytes zero_duration = w;
  put_le(zero_duration, 11, 0, 8);
  EXPECT_EQ(decode_error(zero_duration), WireError::kBadValue) << "zero chunk duration";
  Bytes zero_group = w;
  put_le(zero_group, 19, 0, 2);
  EXPECT_EQ(decode_error(zero_group), WireError::kBadValue) << "zero chunks per group";
  EXPECT_EQ(decode_error(with_byte(w, 25, 2)), std::nullopt) << "parity for guards";
  EXPECT_EQ(decode_error(with_byte(w, 25, 3)), WireError::kBadValue) << "parity 3";
  Bytes one_stripe_parity = with_byte(w, 25, 1);
  EXPECT_EQ(decode_error(one_stripe_parity), std::nullopt) << "32 stripes, the last parity";
  EXPECT_EQ(decode_error(with_byte(one_stripe_parity, 10, 1)), WireError::kBadValue) << "parity and no data stripe";
  EXPECT_EQ(decode_error(with_byte(w, 48 + 16, 9)), WireError::kBadValue) << "candidate NatClass";
  EXPECT_EQ(decode_error(with_byte(only_frame(Subscribe{}), 17, 4)), WireError::kBadValue) << "subscriber NatClass";
  const Bytes ack = only_frame(SubscribeAck{0, 1, candidates(1)});
  EXPECT_EQ(decode_error(with_byte(ack, 12 + 16, 9)), WireError::kBadValue) << "referral NatClass";

  const Bytes chunk = encode(chunk_data(1, 10)).front();
  EXPECT_EQ(decode_error(with_byte(chunk, kOffFlags, 0b100)), WireError::kBadValue) << "flags";
}

TEST(WireErrors, FragmentFieldsMustDescribeTheSlice) {
  const auto frames = encode(chunk_data(60, 2 * P + 10));
  Bytes oversize = frames[0];
  put_le(oversize, kOffPayloadSize, kMaxChunkPayload + 1, 4);
  EXPECT_EQ(decode_error(oversize), WireError::kOversize);

  Bytes wrong_count = frames[0];
  put_le(wrong_count, kOffCount, 4, 2);
  EXPECT_EQ(decode_error(wrong_count), WireError::kBadFragment);

  Bytes index_past_count = frames[2];
  put_le(index_past_count, kOffIndex, 3, 2);
  EXPECT_EQ(decode_error(index_past_count), WireError::kBadFragment);

  Bytes zero_count = only_frame(chunk_data(61, 0));
  put_le(zero_count, kOffCount, 0, 2);
  EXPECT_EQ(decode_error(zero_count), WireError::kBadFragment);

  // The last fragment carries 10 bytes; claiming to be a full middle one leaves it short.
  Bytes last_as_middle = frames[2];
  put_le(last_as_middle, kOffIndex, 1, 2);
  EXPECT_EQ(decode_error(last_as_middle), WireError::kTruncated);

  // A middle fragment claiming to be the last one carries too much.
  Bytes middle_as_last = frames[1];
  put_le(middle_as_last, kOffIndex, 2, 2);
  EXPECT_EQ(decode_error(middle_as_last), WireError::kTrailingBytes);
}

TEST(WireErrors, EveryErrorHasAName) {
  for (int e = static_cast<int>(WireError::kTruncated);
       e <= static_cast<int>(WireError::kInconsistentFragment); ++e) {
    EXPECT_STRNE(to_string(static_cast<WireError>(e)), "unknown error");
  }
}

// ---- What a sender may not send ------------------------------------------------------------

TEST(WireEncode, RefusesWhatTheReceiverWouldReject) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Welcome no_stripes = welcome(0);
  no_stripes.params.stripe_count = 0;
  Chunk huge;
  huge.payload = std::make_shared<const Bytes>(kMaxChunkPayload + 1);
  const std::vector<std::pair<const char*, Message>> refused = {
      {"too many candidates", CandidateList{candidates(kMaxCandidates + 1)}},
      {"too many candidates in Welcome", welcome(kMaxCandidates + 1)},
      {"no stripes", no_stripes},
      {"NaN coordinate", Report{0, 0, NetCoord{nan, 0, 0}, {}}},
      {"33 stripe offers", Report{0, 0, NetCoord{}, std::vector<StripeOffer>(33)}},
      {"infinite coordinate", Pong{0, 0, 0, 0, 0, 0, NetCoord{0, 0, INFINITY}}},
      {"NatClass out of range", JoinRequest{0, static_cast<NatClass>(7), NetCoord{}}},
      {"subscriber NatClass out of range", Subscribe{0, ChunkSeq{}, 0, 0, static_cast<NatClass>(4)}},
      {"too many referrals", SubscribeAck{0, 1, candidates(kMaxCandidates + 1)}},
      {"no chunk", ChunkData{}},
      {"chunk over 8 MiB", ChunkData{std::make_shared<const Chunk>(huge), 0, false}},
  };
  for (const auto& [why, message] : refused) {
    EXPECT_FALSE(encodable(message)) << why;
    EXPECT_TRUE(encode(message).empty()) << why;
  }
  for (const auto& s : samples()) EXPECT_TRUE(encodable(s.message)) << s.name;
}

// ---- Interoperability ----------------------------------------------------------------------

struct Replay {
  std::size_t messages = 0;
  std::size_t errors = 0;
  std::size_t partial_chunks = 0;
};

// Feeds a corpus file (frames, each preceded by its u16 length) to one Reassembler.
Replay replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  const Bytes data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  Replay result;
  Reassembler r;
  std::size_t pos = 0;
  while (pos + 2 <= data.size()) {
    const std::size_t len = data[pos] | (std::size_t{data[pos + 1]} << 8);
    pos += 2;
    EXPECT_LE(pos + len, data.size());
    if (pos + len > data.size()) break;
    auto got = r.receive(std::span(data).subspan(pos, len));
    if (!got) ++result.errors;
    if (got && *got) ++result.messages;
    pos += len;
  }
  EXPECT_EQ(pos, data.size());
  result.partial_chunks = r.partial_chunks();
  return result;
}

std::vector<std::filesystem::path> seeds(const std::string& prefix) {
  const std::filesystem::path dir = std::filesystem::path(POTOK_SOURCE_DIR) / "fuzz/corpus/wire";
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(dir)) return files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().rfind(prefix, 0) == 0) files.push_back(entry.path());
  }
  return files;
}

// fuzz/make_corpus.py is an independent implementation of docs/protocol.md written in Python.
// Its valid seeds must decode without a single error, and its malformed ones must be rejected.
TEST(WireInterop, ThePythonEncodersValidSeedsDecode) {
  const auto files = seeds("valid-");
  EXPECT_GE(files.size(), std::size_t{std::variant_size_v<Message>});
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    const Replay result = replay(file);
    EXPECT_EQ(result.errors, 0u);
    EXPECT_GE(result.messages, 1u);
    EXPECT_EQ(result.partial_chunks, 0u) << "every chunk in a valid seed completes";
  }
}

TEST(WireInterop, ThePythonEncodersMalformedSeedsAreRejected) {
  const auto files = seeds("bad-");
  EXPECT_GE(files.size(), 5u);
  for (const auto& file : files) {
    EXPECT_GE(replay(file).errors, 1u) << file.filename().string();
  }
}

}  // namespace
}  // namespace potok::wire
