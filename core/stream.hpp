// The stream model: stream -> groups (each opens with a keyframe) -> chunks.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/ids.hpp"
#include "core/time.hpp"

namespace potok {

using Bytes = std::vector<std::uint8_t>;
using Signature = std::array<std::uint8_t, 64>;  // Ed25519, filled by the source

// Fixed for the life of a stream; announced by the bootstrap in Welcome.
struct StreamParams {
  std::uint8_t stripe_count = 4;
  Duration chunk_duration = ms(100);
  std::uint16_t chunks_per_group = 10;
  std::uint32_t bitrate_bps = 2'500'000;

  StripeIndex stripe_of(ChunkSeq seq) const {
    return StripeIndex{static_cast<std::uint8_t>(seq.value % stripe_count)};
  }
  // Average payload bytes of one chunk at the nominal bitrate.
  std::uint64_t chunk_bytes() const {
    return static_cast<std::uint64_t>(bitrate_bps) * static_cast<std::uint64_t>(chunk_duration.count()) /
           8'000'000ULL;
  }
  // Upload of one stripe, in bits per second.
  double stripe_bps() const { return static_cast<double>(bitrate_bps) / stripe_count; }
  bool operator==(const StreamParams&) const = default;
};

// The part of a chunk the source signs; relays never change it.
struct ChunkHeader {
  ChunkSeq seq;
  GroupId group;
  std::int64_t capture_us = 0;  // source wall clock when the chunk's first frame was captured
  bool keyframe = false;        // first chunk of its group
};

struct Chunk {
  ChunkHeader header;
  // Shared and immutable: one allocation serves every relay of a process and every simulated peer.
  std::shared_ptr<const Bytes> payload;
  Signature signature{};

  std::size_t payload_size() const { return payload ? payload->size() : 0; }
};

using ChunkPtr = std::shared_ptr<const Chunk>;

}  // namespace potok
