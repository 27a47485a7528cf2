#include "core/chunk_signing.hpp"

namespace potok {

namespace {
void put_le(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
}  // namespace

Bytes chunk_signed_message(const ChunkHeader& header, const Bytes& payload) {
  Bytes out;
  out.reserve(sizeof(kChunkSignatureContext) + 29 + payload.size());
  for (char c : kChunkSignatureContext) out.push_back(static_cast<std::uint8_t>(c));  // with its NUL
  put_le(out, header.seq.value, 8);
  put_le(out, header.group.value, 8);
  put_le(out, static_cast<std::uint64_t>(header.capture_us), 8);
  out.push_back(header.keyframe ? 1 : 0);
  put_le(out, payload.size(), 4);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

}  // namespace potok
