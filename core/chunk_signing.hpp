// What the source signs for each chunk. The bytes are built here, once, so the native node
// (OpenSSL), the browser (WebCrypto) and the tests all sign and verify exactly the same thing;
// the crypto itself lives in the drivers. Layout in docs/protocol.md, "Chunk signatures".
#pragma once

#include <cstdint>

#include "core/stream.hpp"

namespace potok {

// "potok-chunk-v1" and a NUL: a signature made for anything else never verifies as a chunk's.
inline constexpr char kChunkSignatureContext[] = "potok-chunk-v1";

// The signed message: context, seq, group, capture_us, keyframe flag, payload size, payload.
// Everything but `hops` and the repair flag, which relays change.
Bytes chunk_signed_message(const ChunkHeader& header, const Bytes& payload);

}  // namespace potok
