#include "core/chunk_buffer.hpp"

namespace potok {

namespace {
std::size_t power_of_two_at_least(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}
}  // namespace

ChunkBuffer::ChunkBuffer(std::size_t window)
    : slots_(power_of_two_at_least(window)), seqs_(slots_.size(), 0), mask_(slots_.size() - 1) {}

ChunkBuffer::Insert ChunkBuffer::insert(ChunkPtr chunk) {
  const ChunkSeq seq = chunk->header.seq;
  if (any_ && seq.value + slots_.size() <= newest_.value) return Insert::kTooOld;
  const std::size_t i = slot_of(seq);
  if (slots_[i] && seqs_[i] == seq.value) return Insert::kDuplicate;
  slots_[i] = std::move(chunk);
  seqs_[i] = seq.value;
  if (!any_ || seq > newest_) newest_ = seq;
  any_ = true;
  return Insert::kNew;
}

const ChunkPtr* ChunkBuffer::find(ChunkSeq seq) const {
  if (!any_ || seq > newest_ || seq.value + slots_.size() <= newest_.value) return nullptr;
  const std::size_t i = slot_of(seq);
  return slots_[i] && seqs_[i] == seq.value ? &slots_[i] : nullptr;
}

void ChunkBuffer::clear() {
  for (auto& s : slots_) s.reset();
  any_ = false;
  newest_ = ChunkSeq{};
}

}  // namespace potok
