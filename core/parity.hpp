// The parity stripe (StreamParams::parity): the last chunk of every row is the XOR of the row's
// data chunks, so any one chunk of a row can be rebuilt from the others. A peer whose parent in
// one stripe left or stalls goes on playing, and a relay goes on feeding its subtree in that
// stripe, while it looks for a new parent (docs/parity.md). Layout of the parity payload:
// docs/protocol.md, section 9.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/stream.hpp"

namespace potok {

// What a rebuilt chunk needs besides its payload: its header and the source's signature.
struct ParityEntry {
  std::uint32_t payload_size = 0;
  std::int64_t capture_us = 0;
  GroupId group{};
  bool keyframe = false;
  Signature signature{};
  bool operator==(const ParityEntry&) const = default;
};
inline constexpr std::size_t kParityEntrySize = 4 + 8 + 8 + 1 + 64;

// The payload of the parity chunk for `data_row`: the row's data chunks, in sequence order.
Bytes make_parity_payload(std::span<const ChunkPtr> data_row);

// The parity chunk of the row `data_row` belongs to, captured with the row's last data chunk.
// Unsigned: the source's driver signs it like any other chunk.
ChunkPtr make_parity_chunk(std::span<const ChunkPtr> data_row);

// Rebuilds data chunk `missing` from its row's parity chunk and the row's other data chunks
// (`others`, in sequence order, without `missing`). Nothing if the parity payload is malformed
// or does not match the others: a parity chunk is signed, but the source may be buggy.
std::optional<ChunkPtr> rebuild_from_parity(const StreamParams& params, ChunkSeq missing, const Chunk& parity,
                                            std::span<const ChunkPtr> others);

}  // namespace potok
