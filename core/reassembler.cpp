#include "core/reassembler.hpp"

#include <algorithm>
#include <memory>
#include <utility>

namespace potok::wire {
namespace {

// Everything but index and slice must be the same in every fragment of a chunk. The signature
// is only in fragment 0, so it cannot be compared.
bool same_chunk(const ChunkFragment& a, const ChunkFragment& b) {
  return a.header.seq == b.header.seq && a.header.group == b.header.group &&
         a.header.capture_us == b.header.capture_us && a.header.keyframe == b.header.keyframe &&
         a.hops == b.hops && a.repair == b.repair && a.payload_size == b.payload_size &&
         a.count == b.count;
}

Message make_message(const ChunkFragment& meta, Bytes payload) {
  Chunk chunk{meta.header, std::make_shared<const Bytes>(std::move(payload)), meta.signature};
  return ChunkData{std::make_shared<const Chunk>(std::move(chunk)), meta.hops, meta.repair};
}

}  // namespace

Reassembler::Output Reassembler::receive(std::span<const std::uint8_t> frame) {
  auto decoded = decode_frame(frame);
  if (!decoded) return decoded.error();
  return push(std::move(*decoded));
}

Reassembler::Output Reassembler::push(Frame frame) {
  if (auto* message = std::get_if<Message>(&frame)) {
    return std::optional<Message>{std::move(*message)};
  }
  return push(*std::get_if<ChunkFragment>(&frame));
}

Reassembler::Output Reassembler::push(const ChunkFragment& fragment) {
  // decode_frame already guarantees these; a fragment built by hand might not.
  if (fragment.payload_size > kMaxChunkPayload) return WireError::kOversize;
  if (fragment.count != chunk_fragment_count(fragment.payload_size) ||
      fragment.index >= fragment.count ||
      fragment.slice.size() != chunk_fragment_slice(fragment.payload_size, fragment.index)) {
    return WireError::kBadFragment;
  }

  const ChunkSeq seq = fragment.header.seq;
  if (Partial* partial = find(seq)) {
    if (!same_chunk(partial->meta, fragment)) {
      // One of the two is a lie and there is no telling which: drop the chunk.
      erase(seq);
      return WireError::kInconsistentFragment;
    }
    if (partial->received[fragment.index]) return std::optional<Message>{};  // duplicate
  } else if (fragment.count == 1) {
    return std::optional<Message>{
        make_message(fragment, Bytes(fragment.slice.begin(), fragment.slice.end()))};
  } else {
    start(fragment);
  }
  return store(seq, fragment);
}

Reassembler::Output Reassembler::store(ChunkSeq seq, const ChunkFragment& fragment) {
  while (buffered_bytes_ + fragment.slice.size() > kMaxBufferedBytes &&
         evict_oldest_except(seq)) {
  }
  // One chunk never exceeds kMaxChunkPayload <= kMaxBufferedBytes, so it fits on its own.
  Partial& partial = *find(seq);
  partial.slices[fragment.index].assign(fragment.slice.begin(), fragment.slice.end());
  partial.received[fragment.index] = true;
  partial.received_count += 1;
  partial.bytes += fragment.slice.size();
  buffered_bytes_ += fragment.slice.size();
  if (fragment.index == 0) partial.meta.signature = fragment.signature;
  if (partial.received_count < partial.slices.size()) return std::optional<Message>{};

  Bytes payload;
  payload.reserve(partial.meta.payload_size);
  for (const Bytes& slice : partial.slices) payload.insert(payload.end(), slice.begin(), slice.end());
  Message message = make_message(partial.meta, std::move(payload));
  erase(seq);
  return std::optional<Message>{std::move(message)};
}

Reassembler::Partial* Reassembler::find(ChunkSeq seq) {
  auto it = std::find_if(partials_.begin(), partials_.end(),
                         [&](const Partial& p) { return p.meta.header.seq == seq; });
  return it == partials_.end() ? nullptr : &*it;
}

void Reassembler::start(const ChunkFragment& fragment) {
  if (partials_.size() >= kMaxPartialChunks) evict_oldest_except(fragment.header.seq);
  Partial partial;
  partial.meta = fragment;
  partial.meta.slice = {};
  partial.meta.signature = {};
  partial.age = next_age_++;
  partial.slices.resize(fragment.count);
  partial.received.assign(fragment.count, false);
  partials_.push_back(std::move(partial));
}

void Reassembler::erase(ChunkSeq seq) {
  auto it = std::find_if(partials_.begin(), partials_.end(),
                         [&](const Partial& p) { return p.meta.header.seq == seq; });
  if (it == partials_.end()) return;
  buffered_bytes_ -= it->bytes;
  partials_.erase(it);
}

bool Reassembler::evict_oldest_except(ChunkSeq keep) {
  const Partial* oldest = nullptr;
  for (const Partial& p : partials_) {
    if (p.meta.header.seq != keep && (!oldest || p.age < oldest->age)) oldest = &p;
  }
  if (!oldest) return false;
  ++evicted_chunks_;
  erase(oldest->meta.header.seq);
  return true;
}

}  // namespace potok::wire
