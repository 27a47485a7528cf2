#include "core/parity.hpp"

#include <algorithm>
#include <cstring>
#include <memory>

namespace potok {

namespace {

void put_le(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// out[i] ^= in[i] for every byte of `in` (out is at least as long). Eight bytes at a time: the
// simulator rebuilds millions of 31 kB chunks, and a byte loop took half its time.
void xor_into(std::uint8_t* out, std::span<const std::uint8_t> in) {
  std::size_t i = 0;
  for (; i + 8 <= in.size(); i += 8) {
    std::uint64_t a, b;
    std::memcpy(&a, out + i, 8);
    std::memcpy(&b, in.data() + i, 8);
    a ^= b;
    std::memcpy(out + i, &a, 8);
  }
  for (; i < in.size(); ++i) out[i] ^= in[i];
}

std::uint64_t get_le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

// The table and the XOR, read from a parity payload, or nothing if it is malformed.
struct ParityView {
  std::vector<ParityEntry> entries;
  std::span<const std::uint8_t> xor_bytes;
};

std::optional<ParityView> read_parity(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return std::nullopt;
  const std::size_t count = payload[0];
  const std::size_t table_end = 1 + count * kParityEntrySize;
  if (count == 0 || payload.size() < table_end) return std::nullopt;
  ParityView view;
  std::uint32_t largest = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* p = payload.data() + 1 + i * kParityEntrySize;
    ParityEntry e;
    e.payload_size = static_cast<std::uint32_t>(get_le(p, 4));
    e.capture_us = static_cast<std::int64_t>(get_le(p + 4, 8));
    e.group = GroupId{get_le(p + 12, 8)};
    if (p[20] > 1) return std::nullopt;
    e.keyframe = p[20] == 1;
    std::memcpy(e.signature.data(), p + 21, e.signature.size());
    largest = std::max(largest, e.payload_size);
    view.entries.push_back(e);
  }
  if (payload.size() - table_end != largest) return std::nullopt;
  view.xor_bytes = payload.subspan(table_end);
  return view;
}

}  // namespace

Bytes make_parity_payload(std::span<const ChunkPtr> data_row) {
  std::size_t largest = 0;
  for (const ChunkPtr& c : data_row) largest = std::max(largest, c->payload_size());
  Bytes out;
  out.reserve(1 + data_row.size() * kParityEntrySize + largest);
  out.push_back(static_cast<std::uint8_t>(data_row.size()));
  for (const ChunkPtr& c : data_row) {
    put_le(out, c->payload_size(), 4);
    put_le(out, static_cast<std::uint64_t>(c->header.capture_us), 8);
    put_le(out, c->header.group.value, 8);
    out.push_back(c->header.keyframe ? 1 : 0);
    out.insert(out.end(), c->signature.begin(), c->signature.end());
  }
  const std::size_t xor_at = out.size();
  out.resize(xor_at + largest, 0);
  for (const ChunkPtr& c : data_row)
    if (c->payload) xor_into(out.data() + xor_at, *c->payload);
  return out;
}

ChunkPtr make_parity_chunk(std::span<const ChunkPtr> data_row) {
  auto parity = std::make_shared<Chunk>();
  const ChunkHeader& last = data_row.back()->header;
  parity->header.seq = ChunkSeq{last.seq.value + 1};
  parity->header.group = last.group;
  parity->header.capture_us = last.capture_us;
  parity->header.keyframe = false;
  parity->payload = std::make_shared<const Bytes>(make_parity_payload(data_row));
  return parity;
}

std::optional<ChunkPtr> rebuild_from_parity(const StreamParams& params, ChunkSeq missing, const Chunk& parity,
                                            std::span<const ChunkPtr> others) {
  if (!params.parity || params.is_parity(missing) || !params.is_parity(parity.header.seq) ||
      params.row_start(missing) != params.row_start(parity.header.seq) || !parity.payload)
    return std::nullopt;
  const auto view = read_parity(*parity.payload);
  const std::size_t data = params.data_stripes();
  if (!view || view->entries.size() != data || others.size() + 1 != data) return std::nullopt;
  const std::size_t missing_at = missing.value - params.row_start(missing).value;
  Bytes payload(view->xor_bytes.begin(), view->xor_bytes.end());
  for (std::size_t i = 0, j = 0; i < data; ++i) {
    if (i == missing_at) continue;
    const Chunk& c = *others[j++];
    // The others must be the chunks the parity was made of, or the XOR is garbage.
    if (c.header.seq.value != params.row_start(missing).value + i || c.payload_size() != view->entries[i].payload_size)
      return std::nullopt;
    if (c.payload) xor_into(payload.data(), *c.payload);
  }
  const ParityEntry& e = view->entries[missing_at];
  payload.resize(e.payload_size);
  auto rebuilt = std::make_shared<Chunk>();
  rebuilt->header = ChunkHeader{missing, e.group, e.capture_us, e.keyframe};
  // Payloads are immutable and shared, so bytes equal to a row neighbour's can be that
  // neighbour's. Real media never repeats a chunk, and the comparison stops at the first
  // differing byte. The simulator streams one payload throughout, and a copy per rebuilt chunk
  // (31 kB, held for the whole window) was 120 MB of the 300 MB a 10k-peer run took.
  for (const ChunkPtr& c : others)
    if (c->payload && *c->payload == payload) {
      rebuilt->payload = c->payload;
      break;
    }
  if (!rebuilt->payload) rebuilt->payload = std::make_shared<const Bytes>(std::move(payload));
  rebuilt->signature = e.signature;
  return rebuilt;
}

}  // namespace potok
