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
  // Every hop stores and forwards whole chunks (a relay verifies before it passes one on), so
  // a hop costs a chunk's transmission per child ahead in the queue; 50 ms chunks have lower
  // latency than 100 ms ones, and better continuity (docs/performance.md, session 32).
  Duration chunk_duration = ms(50);
  std::uint16_t chunks_per_group = 20;  // a 1 s GOP
  std::uint32_t bitrate_bps = 2'500'000;  // of the media: parity comes on top
  // The last stripe carries parity: chunk k*n + n-1 (n = stripe_count) is the XOR of the n-1
  // before it, made with the last of them (core/parity.hpp).
  bool parity = false;
  // With parity: only relays near the top of some stripe's tree take the parity stripe (they
  // "guard" big subtrees); everyone else receives the data stripes alone (docs/parity.md).
  bool parity_guards = false;

  StripeIndex stripe_of(ChunkSeq seq) const {
    return StripeIndex{static_cast<std::uint8_t>(seq.value % stripe_count)};
  }
  std::uint8_t data_stripes() const { return parity ? static_cast<std::uint8_t>(stripe_count - 1) : stripe_count; }
  bool is_parity_stripe(StripeIndex s) const { return parity && s.value == stripe_count - 1u; }
  bool is_parity(ChunkSeq seq) const { return parity && seq.value % stripe_count == stripe_count - 1u; }
  ChunkSeq row_start(ChunkSeq seq) const { return ChunkSeq{seq.value / stripe_count * stripe_count}; }
  // Chunk durations from chunk 0 to this one's capture. A parity chunk takes none of its own:
  // it is captured with its row's last data chunk.
  std::int64_t media_index(ChunkSeq seq) const {
    if (!parity) return static_cast<std::int64_t>(seq.value);
    const std::uint64_t n = stripe_count, in_row = seq.value % n;
    return static_cast<std::int64_t>(seq.value / n * (n - 1) + (in_row < n - 1 ? in_row : n - 2));
  }
  // Sequence numbers that `data_chunks` data chunks span, with the parity among them.
  std::uint64_t seq_span(std::uint64_t data_chunks) const {
    return parity ? (data_chunks * stripe_count + data_stripes() - 1) / data_stripes() : data_chunks;
  }
  // How often a stripe brings a chunk: once a row.
  Duration stripe_period() const { return chunk_duration * data_stripes(); }
  // Average payload bytes of one chunk at the nominal bitrate.
  std::uint64_t chunk_bytes() const {
    return static_cast<std::uint64_t>(bitrate_bps) * static_cast<std::uint64_t>(chunk_duration.count()) /
           8'000'000ULL;
  }
  // Upload of one stripe, in bits per second (a parity chunk is as large as a data chunk).
  double stripe_bps() const { return static_cast<double>(bitrate_bps) / data_stripes(); }
  bool operator==(const StreamParams&) const = default;
};

// What Potok streams unless told otherwise (`potok stream`, and the standard scenario of
// `potok sim`): four data stripes, and a parity stripe that only guards take (docs/parity.md).
inline StreamParams default_stream() {
  StreamParams p;
  p.stripe_count = 5;
  p.parity = p.parity_guards = true;
  return p;
}

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
