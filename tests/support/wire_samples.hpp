// Sample messages and frame helpers shared by the wire tests (tests/wire_*_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/reassembler.hpp"
#include "core/wire.hpp"

namespace potok::wire::fixtures {

inline constexpr std::size_t P = kFragmentPayload;

// ---- Sample messages -----------------------------------------------------------------------

inline Bytes pattern(std::size_t size, std::uint64_t seed) {
  Bytes b(size);
  for (std::size_t i = 0; i < size; ++i) b[i] = static_cast<std::uint8_t>(i * 31 + seed * 7 + 1);
  return b;
}

inline ChunkData chunk_data(std::uint64_t seq, std::size_t payload_size, bool keyframe = false,
                            std::uint8_t hops = 3, bool repair = false) {
  Chunk chunk;
  chunk.header = ChunkHeader{ChunkSeq{seq}, GroupId{seq / 5}, -1'700'000'000'123'456 + 7, keyframe};
  chunk.payload = std::make_shared<const Bytes>(pattern(payload_size, seq));
  for (std::size_t i = 0; i < chunk.signature.size(); ++i) {
    chunk.signature[i] = static_cast<std::uint8_t>(0xA0 + i + seq);
  }
  return ChunkData{std::make_shared<const Chunk>(std::move(chunk)), hops, repair};
}

inline CandidateInfo candidate(std::uint64_t peer) {
  return CandidateInfo{PeerId{peer},
                       1200 + static_cast<std::uint32_t>(peer),
                       7,
                       255,
                       0x8000000Bu,
                       NatClass::kPortRestricted,
                       NetCoord{-12.5f, 3.25f, 0.125f}};
}

inline std::vector<CandidateInfo> candidates(std::size_t n) {
  std::vector<CandidateInfo> cs;
  for (std::size_t i = 0; i < n; ++i) cs.push_back(candidate(0xFFFF'FFFF'0000'0000ULL + i));
  return cs;
}

inline Welcome welcome(std::size_t n_candidates) {
  Welcome w;
  w.source_time_us = -42;
  w.params = StreamParams{32, ms(250), 7, 8'000'000};
  w.head_seq = ChunkSeq{1'000'001};
  w.group_start_seq = ChunkSeq{999'999};
  w.swarm_size = 100'000;
  w.candidates = candidates(n_candidates);
  return w;
}

struct Sample {
  std::string name;
  Message message;
};

inline std::vector<Sample> samples() {
  return {
      {"JoinRequest", JoinRequest{40, NatClass::kSymmetric, NetCoord{1.5f, -2.0f, 30.0f}}},
      {"WelcomeWithoutCandidates", welcome(0)},
      {"WelcomeWithMaxCandidates", welcome(kMaxCandidates)},
      {"WelcomeWithParity", [] {
         Welcome w = welcome(1);
         w.params.stripe_count = 5;
         w.params.parity = true;
         return w;
       }()},
      {"WelcomeWithParityForGuards", [] {
         Welcome w = welcome(1);
         w.params.stripe_count = 5;
         w.params.parity = w.params.parity_guards = true;
         return w;
       }()},
      {"CandidateQuery", CandidateQuery{12, 0b0100, true}},
      {"CandidateListEmpty", CandidateList{}},
      {"CandidateListOfThree", CandidateList{candidates(3)}},
      {"Report", Report{36,
                        2,
                        NetCoord{0.0f, -0.0f, 1e30f},
                        {StripeOffer{1, 350, 2, 0xFFFF}, StripeOffer{255, 0, 0, 3},
                         StripeOffer{7, 65535, 255, 0}}}},
      {"Ping", Ping{0xDEADBEEF, std::numeric_limits<std::int64_t>::min()}},
      {"Pong",
       Pong{7, std::numeric_limits<std::int64_t>::max(), 900, 255, 3, 0xFFFFFFFFu, NetCoord{}}},
      {"Subscribe", Subscribe{0xF0F0F0F0, ChunkSeq{~0ULL}, 9, 2, NatClass::kSymmetric, ChunkSeq{0x0102030405060708}}},
      {"SubscribeAck", SubscribeAck{0b0101, 0b1010, {}}},
      {"SubscribeAckWithReferrals", SubscribeAck{0b0001, 0b0010, candidates(2)}},
      {"Unsubscribe", Unsubscribe{1u << 31}},
      {"Evict", Evict{0b11, PeerId{123456789}}},
      {"Want", Want{ChunkSeq{77}}},
      {"NotHave", NotHave{ChunkSeq{78}}},
      {"ChunkEmpty", chunk_data(10, 0, true)},
      {"ChunkOneByte", chunk_data(11, 1, false, 0, true)},
      {"ChunkExactlyOneFragment", chunk_data(12, P, false, 255, false)},
      {"ChunkOneMoreThanAFragment", chunk_data(13, P + 1, true, 1, true)},
      {"ChunkTypical62_5KB", chunk_data(14, 62'500)},
      {"Leave", Leave{}},
  };
}

// ---- Helpers -------------------------------------------------------------------------------

inline std::size_t total_size(const std::vector<Bytes>& frames) {
  std::size_t n = 0;
  for (const auto& f : frames) n += f.size();
  return n;
}

// The error decode_frame reports, or nullopt if the frame decodes.
inline std::optional<WireError> decode_error(const Bytes& frame) {
  auto r = decode_frame(frame);
  if (r) return std::nullopt;
  return r.error();
}

inline Bytes only_frame(const Message& m) {
  auto frames = encode(m);
  EXPECT_EQ(frames.size(), 1u);
  return frames.empty() ? Bytes{} : frames.front();
}

inline Bytes with_byte(Bytes frame, std::size_t offset, std::uint8_t value) {
  frame.at(offset) = value;
  return frame;
}

inline void put_le(Bytes& frame, std::size_t offset, std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i)
    frame.at(offset + i) = static_cast<std::uint8_t>(value >> (8 * i));
}

// Feeds every frame to one Reassembler; returns the messages it completed.
inline std::vector<Message> reassemble(const std::vector<Bytes>& frames, Reassembler& r) {
  std::vector<Message> out;
  for (const auto& f : frames) {
    auto got = r.receive(f);
    EXPECT_TRUE(got.has_value()) << to_string(got.error());
    if (got && *got) out.push_back(std::move(**got));
  }
  return out;
}

// Byte offsets inside a ChunkData fragment (see docs/protocol.md).
inline constexpr std::size_t kOffFlags = 26, kOffPayloadSize = 28, kOffIndex = 32, kOffCount = 34;

}  // namespace potok::wire::fixtures
