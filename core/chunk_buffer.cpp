#include "core/chunk_buffer.hpp"

namespace potok {

ChunkBuffer::Insert ChunkBuffer::insert(ChunkPtr chunk) {
  const ChunkSeq seq = chunk->header.seq;
  if (any_ && seq.value + slots_.size() <= newest_.value) return Insert::kTooOld;
  ChunkPtr& slot = slots_[seq.value % slots_.size()];
  if (slot && slot->header.seq == seq) return Insert::kDuplicate;
  slot = std::move(chunk);
  if (!any_ || seq > newest_) newest_ = seq;
  any_ = true;
  return Insert::kNew;
}

const ChunkPtr* ChunkBuffer::find(ChunkSeq seq) const {
  if (!any_ || seq > newest_ || seq.value + slots_.size() <= newest_.value) return nullptr;
  const ChunkPtr& slot = slots_[seq.value % slots_.size()];
  return slot && slot->header.seq == seq ? &slot : nullptr;
}

void ChunkBuffer::clear() {
  for (auto& s : slots_) s.reset();
  any_ = false;
  newest_ = ChunkSeq{};
}

}  // namespace potok
