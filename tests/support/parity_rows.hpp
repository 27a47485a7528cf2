// Rows of data chunks for parity tests (tests/parity_test.cpp, tests/node_crypto_test.cpp):
// payloads that differ from chunk to chunk, and the headers a source would give them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/stream.hpp"

namespace potok::parity_rows {

// Data chunk `seq` of a parity stream: a payload of `size` bytes that differs from chunk to
// chunk, the header a source would give it, and a signature to carry over.
inline ChunkPtr data_chunk(const StreamParams& p, std::uint64_t seq, std::size_t size) {
  auto c = std::make_shared<Chunk>();
  const std::int64_t index = p.media_index(ChunkSeq{seq});
  c->header = ChunkHeader{ChunkSeq{seq}, GroupId{static_cast<std::uint64_t>(index) / p.chunks_per_group},
                          index * p.chunk_duration.count(), index % p.chunks_per_group == 0};
  Bytes payload(size);
  for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<std::uint8_t>(seq * 31 + i * 7);
  c->payload = std::make_shared<const Bytes>(std::move(payload));
  c->signature.fill(static_cast<std::uint8_t>(seq));
  return c;
}

inline std::vector<ChunkPtr> data_row(const StreamParams& p, std::uint64_t row, const std::vector<std::size_t>& sizes) {
  std::vector<ChunkPtr> out;
  for (std::size_t i = 0; i < sizes.size(); ++i) out.push_back(data_chunk(p, row * p.stripe_count + i, sizes[i]));
  return out;
}

inline std::vector<ChunkPtr> without(const std::vector<ChunkPtr>& row, std::size_t i) {
  std::vector<ChunkPtr> out = row;
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(i));
  return out;
}

}  // namespace potok::parity_rows
