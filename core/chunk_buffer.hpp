// The recent past of the stream a peer holds: what it plays from, forwards from, and repairs
// neighbours from. A ring indexed by sequence number; anything older than the window is gone,
// because a live stream never needs it again.
#pragma once

#include <cstddef>
#include <vector>

#include "core/stream.hpp"

namespace potok {

class ChunkBuffer {
 public:
  explicit ChunkBuffer(std::size_t window = 128) : slots_(window) {}

  enum class Insert { kNew, kDuplicate, kTooOld };
  Insert insert(ChunkPtr chunk);

  bool has(ChunkSeq seq) const { return find(seq) != nullptr; }
  const ChunkPtr* find(ChunkSeq seq) const;
  bool empty() const { return !any_; }
  ChunkSeq newest() const { return newest_; }
  std::size_t window() const { return slots_.size(); }
  void clear();

 private:
  std::vector<ChunkPtr> slots_;
  ChunkSeq newest_{};
  bool any_ = false;
};

}  // namespace potok
