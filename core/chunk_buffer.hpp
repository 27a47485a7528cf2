// The recent past of the stream a peer holds: what it plays from, forwards from, and repairs
// neighbours from. A ring indexed by sequence number; anything older than the window is gone,
// because a live stream never needs it again. The window is a power of two, and each slot's
// sequence number is kept beside it: lookups, a few dozen per input, touch neither a divider
// nor the chunk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/stream.hpp"

namespace potok {

class ChunkBuffer {
 public:
  // `window` is rounded up to a power of two. The default holds 10 s of the default stream
  // (256 sequence numbers at 20 chunks and 5 a row of parity a second): more than max_delay.
  explicit ChunkBuffer(std::size_t window = 256);

  enum class Insert { kNew, kDuplicate, kTooOld };
  Insert insert(ChunkPtr chunk);

  bool has(ChunkSeq seq) const { return find(seq) != nullptr; }
  const ChunkPtr* find(ChunkSeq seq) const;
  bool empty() const { return !any_; }
  ChunkSeq newest() const { return newest_; }
  std::size_t window() const { return slots_.size(); }
  void clear();

 private:
  std::size_t slot_of(ChunkSeq seq) const { return static_cast<std::size_t>(seq.value) & mask_; }
  std::vector<ChunkPtr> slots_;
  std::vector<std::uint64_t> seqs_;  // of the chunk in each slot, if there is one
  std::size_t mask_;
  ChunkSeq newest_{};
  bool any_ = false;
};

}  // namespace potok
