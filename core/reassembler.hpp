// Turns the frames received from ONE peer back into Messages, joining ChunkData fragments.
//
// A peer may lie, so memory stays bounded whatever it sends: at most kMaxPartialChunks chunks
// are in progress (a new one evicts the oldest), their received bytes total at most
// kMaxBufferedBytes (oldest evicted first), and nothing is allocated for bytes not yet received.
// The engine is pure, so there are no timeouts: a chunk whose fragments never all arrive stays
// until newer chunks push it out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/wire.hpp"

namespace potok::wire {

class Reassembler {
 public:
  static constexpr std::size_t kMaxPartialChunks = 8;
  static constexpr std::size_t kMaxBufferedBytes = 2 * kMaxChunkPayload;

  // What one frame yields: a complete message, nothing yet (std::nullopt: a fragment was stored,
  // or was a duplicate and ignored), or the reason the frame was rejected.
  using Output = Result<std::optional<Message>>;

  // Decodes one frame received from the peer and reassembles it.
  Output receive(std::span<const std::uint8_t> frame);
  // The same for a frame already decoded by decode_frame (whose buffer must still be alive).
  Output push(Frame frame);
  Output push(const ChunkFragment& fragment);

  // Chunks with some but not all fragments received.
  std::size_t partial_chunks() const { return partials_.size(); }
  // Payload bytes held for those chunks.
  std::size_t buffered_bytes() const { return buffered_bytes_; }
  // Partial chunks dropped to respect the limits (each one a chunk that never completed).
  std::uint64_t evicted_chunks() const { return evicted_chunks_; }

 private:
  struct Partial {
    ChunkFragment meta;  // the first fragment seen (without its slice); fragment 0's signature
    std::uint64_t age = 0;
    std::vector<Bytes> slices;  // by fragment index; empty until received
    std::vector<bool> received;
    std::size_t received_count = 0;
    std::size_t bytes = 0;
  };

  Partial* find(ChunkSeq seq);
  void start(const ChunkFragment& fragment);
  void erase(ChunkSeq seq);
  // Drops the oldest partial chunk other than `keep`; false if there is none.
  bool evict_oldest_except(ChunkSeq keep);
  Output store(ChunkSeq seq, const ChunkFragment& fragment);

  std::vector<Partial> partials_;  // at most kMaxPartialChunks: linear search is fastest
  std::uint64_t next_age_ = 0;
  std::size_t buffered_bytes_ = 0;
  std::uint64_t evicted_chunks_ = 0;
};

}  // namespace potok::wire
