// libFuzzer target for the wire format: decoding arbitrary bytes must never crash, and whatever
// decodes must re-encode to something that decodes to the same message.
//
// Input: a sequence of frames, each preceded by its length as a little-endian u16 (a length past
// the end of the input takes what is left). All frames go to one Reassembler, as if one peer
// sent them.
//
// Built twice: as the fuzzer (preset `fuzz`), and with fuzz/corpus_replay_main.cpp as wire_corpus_replay,
// a plain program that runs every file of a corpus directory through the same checks (ctest).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "core/parity.hpp"
#include "core/reassembler.hpp"
#include "core/wire.hpp"

namespace {

using namespace potok;
using namespace potok::wire;

#define FUZZ_CHECK(condition)                                                        \
  do {                                                                               \
    if (!(condition)) {                                                              \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)

bool same_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// A control message decoding is canonical: it re-encodes to exactly the bytes received.
void check_control_round_trip(const Message& message, std::span<const std::uint8_t> received) {
  FUZZ_CHECK(encodable(message));
  const auto frames = encode(message);
  FUZZ_CHECK(frames.size() == 1);
  FUZZ_CHECK(same_bytes(frames[0], received));
  FUZZ_CHECK(wire_size(message) == received.size());
  FUZZ_CHECK(payload_bytes(message) == 0);
  auto again = decode_frame(frames[0]);
  FUZZ_CHECK(again.has_value());
  const auto* decoded = std::get_if<Message>(&*again);
  FUZZ_CHECK(decoded != nullptr && *decoded == message);
}

// A reassembled chunk re-encodes into fragments that a fresh Reassembler joins back into it.
void check_chunk_round_trip(const Message& message) {
  FUZZ_CHECK(encodable(message));
  const auto frames = encode(message);
  std::size_t total = 0;
  Reassembler fresh;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    FUZZ_CHECK(frames[i].size() <= kMaxWireMessage);
    total += frames[i].size();
    auto got = fresh.receive(frames[i]);
    FUZZ_CHECK(got.has_value());
    const bool last = i + 1 == frames.size();
    FUZZ_CHECK(got->has_value() == last);
    if (last) FUZZ_CHECK(**got == message);
  }
  FUZZ_CHECK(total == wire_size(message));
  FUZZ_CHECK(payload_bytes(message) == std::get<ChunkData>(message).chunk->payload_size());
}

void check_frame(std::span<const std::uint8_t> bytes, Reassembler& reassembler) {
  auto decoded = decode_frame(bytes);
  if (!decoded) {
    FUZZ_CHECK(to_string(decoded.error()) != nullptr);
    return;
  }
  if (const auto* message = std::get_if<Message>(&*decoded)) {
    FUZZ_CHECK(!std::holds_alternative<ChunkData>(*message));
    check_control_round_trip(*message, bytes);
  }
  auto output = reassembler.push(std::move(*decoded));
  FUZZ_CHECK(reassembler.partial_chunks() <= Reassembler::kMaxPartialChunks);
  FUZZ_CHECK(reassembler.buffered_bytes() <= Reassembler::kMaxBufferedBytes);
  if (!output || !*output) return;
  if (std::holds_alternative<ChunkData>(**output)) check_chunk_round_trip(**output);
}

// The input as the payload of a parity chunk (core/parity.hpp), for a row of four data chunks of
// 0-3 bytes: rebuilding any of them must not crash, and what comes back has the size its entry says.
void check_parity(std::span<const std::uint8_t> input) {
  StreamParams p;
  p.stripe_count = 5;
  p.parity = true;
  Chunk parity;
  parity.header.seq = ChunkSeq{4};
  parity.payload = std::make_shared<const Bytes>(input.begin(), input.end());
  std::vector<ChunkPtr> row;
  for (std::uint64_t s = 0; s < 4; ++s) {
    auto c = std::make_shared<Chunk>();
    c->header.seq = ChunkSeq{s};
    c->payload = std::make_shared<const Bytes>(s, std::uint8_t{0x5A});
    row.push_back(c);
  }
  for (std::size_t missing = 0; missing < row.size(); ++missing) {
    std::vector<ChunkPtr> others = row;
    others.erase(others.begin() + static_cast<std::ptrdiff_t>(missing));
    const auto rebuilt = rebuild_from_parity(p, ChunkSeq{missing}, parity, others);
    if (!rebuilt) continue;
    FUZZ_CHECK((*rebuilt)->header.seq == ChunkSeq{missing});
    FUZZ_CHECK(input.size() > 0 && (*rebuilt)->payload_size() <= input.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  check_parity(input);
  Reassembler reassembler;
  std::size_t pos = 0;
  while (pos < input.size()) {
    std::size_t length = input[pos++];
    if (pos < input.size()) length |= std::size_t{input[pos++]} << 8;
    if (length > input.size() - pos) length = input.size() - pos;
    check_frame(input.subspan(pos, length), reassembler);
    pos += length;
  }
  return 0;
}
