// libFuzzer target for the ingest's fragmented-MP4 splitter and the media payload: arbitrary
// bytes must never crash either, memory must stay bounded, and every fragment that parses must
// become a chunk whose payload decodes back to the same fields and bytes.
//
// Input: byte 0 picks the piece size (1..256) in which the rest is fed to one Fmp4Parser, so
// the fuzzer also explores box boundaries falling anywhere in a read. The whole input is also
// decoded as a media payload.
//
// Built twice: as the fuzzer (preset `fuzz`), and with fuzz/corpus_replay_main.cpp as
// fmp4_corpus_replay, which runs every file of a corpus directory through the same checks
// (ctest, tests/fuzz_corpus.cmake). Seeds: tiny ffmpeg clips in fuzz/corpus/fmp4.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string_view>
#include <variant>

#include "node/media/fmp4.hpp"
#include "node/media/media_chunk.hpp"
#include "node/media/media_payload.hpp"

namespace {

using namespace potok::media;

#define FUZZ_CHECK(condition)                                                        \
  do {                                                                               \
    if (!(condition)) {                                                              \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)

bool same(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

void check_chunk(const InitSegment& init, const Fragment& fragment, const MediaChunk& chunk) {
  const auto decoded = decode_media_payload(chunk.payload);
  FUZZ_CHECK(std::holds_alternative<MediaPayloadView>(decoded));
  const auto& view = std::get<MediaPayloadView>(decoded);
  FUZZ_CHECK(view.has_init == chunk.keyframe);
  FUZZ_CHECK(view.discontinuity == chunk.discontinuity);
  FUZZ_CHECK(view.media_time_us == chunk.media_time_us);
  FUZZ_CHECK(view.duration_us == chunk.duration_us);
  FUZZ_CHECK(same(view.fragment, fragment.bytes));
  if (view.has_init) {
    FUZZ_CHECK(same(view.init, init.bytes));
    FUZZ_CHECK(view.mime_codecs == init.info.mime_codecs);
  }
}

void check_payload_decoder(std::span<const std::uint8_t> bytes) {
  const auto decoded = decode_media_payload(bytes);
  if (const auto* error = std::get_if<MediaPayloadError>(&decoded)) {
    FUZZ_CHECK(to_string(*error) != nullptr);
    return;
  }
  // A payload that decodes re-encodes to exactly the same bytes.
  FUZZ_CHECK(same(encode_media_payload(std::get<MediaPayloadView>(decoded)), bytes));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  check_payload_decoder(input);
  if (input.empty()) return 0;
  const std::size_t piece = std::size_t{input[0]} + 1;
  const auto stream = input.subspan(1);

  Fmp4Parser parser;
  ChunkBuilder builder;
  builder.start_run();
  std::int64_t clock_us = 1'700'000'000'000'000;
  for (std::size_t pos = 0; pos < stream.size(); pos += piece) {
    const std::size_t n = piece < stream.size() - pos ? piece : stream.size() - pos;
    const auto items = parser.feed(stream.subspan(pos, n));
    FUZZ_CHECK(parser.buffered_bytes() <= stream.size());
    for (const auto& item : items) {
      if (const auto* init = std::get_if<InitSegment>(&item)) {
        FUZZ_CHECK(init->info.timing_track() != nullptr);
        FUZZ_CHECK(init->info.timing_track()->timescale != 0);
        continue;
      }
      const auto& fragment = std::get<Fragment>(item);
      FUZZ_CHECK(parser.init() != nullptr);
      clock_us += 200'000;
      if (const auto chunk = builder.build(*parser.init(), fragment, clock_us)) {
        check_chunk(*parser.init(), fragment, *chunk);
      }
    }
    if (parser.error()) {
      FUZZ_CHECK(to_string(*parser.error()) != nullptr);
      FUZZ_CHECK(parser.buffered_bytes() == 0);
      FUZZ_CHECK(parser.feed(stream.subspan(pos)).empty());
      break;
    }
  }
  return 0;
}
