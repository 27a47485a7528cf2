// The media payload: the bytes a Chunk carries (Chunk.payload), which the browser parses in JS
// and hands to MSE. docs/media.md has the same layout as a table; keep the two in step.
//
//   offset size field (little-endian)
//   0      u8   version = 1
//   1      u8   flags: bit0 has_init, bit1 discontinuity (other bits must be 0)
//   2      u32  init_size (0 unless has_init)
//   6      i64  media_time_us
//   14     u32  duration_us
//   18     u16  codecs_len, then codecs_len bytes of UTF-8 mime type (0 unless has_init)
//   ..     init_size bytes of init segment (ftyp+moov) if has_init
//   ..     the fragment (moof+mdat...) to the end
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

namespace potok::media {

inline constexpr std::uint8_t kMediaPayloadVersion = 1;
inline constexpr std::size_t kMediaPayloadHeaderSize = 20;  // up to and including codecs_len

enum class MediaPayloadFlag : std::uint8_t {
  kHasInit = 0x01,
  kDiscontinuity = 0x02,
};

// A decoded payload as views into the buffer given to decode_media_payload, or the input to
// encode_media_payload. mime_codecs and init are empty unless has_init.
struct MediaPayloadView {
  bool has_init = false;
  bool discontinuity = false;
  std::int64_t media_time_us = 0;
  std::uint32_t duration_us = 0;
  std::string_view mime_codecs;
  std::span<const std::uint8_t> init;
  std::span<const std::uint8_t> fragment;
};

enum class MediaPayloadError : std::uint8_t {
  kTruncated = 1,      // shorter than its header, or than the sizes it declares
  kBadVersion,         // not kMediaPayloadVersion
  kBadFlags,           // an undefined flag bit
  kInconsistentInit,   // init or codecs present without has_init, or has_init with an empty init
  kEmptyFragment,      // nothing after the init: every chunk carries a fragment
};

const char* to_string(MediaPayloadError error);

// Only fails on fields that do not fit the format (init or codecs above their u32/u16 sizes,
// init/codecs without has_init, has_init without init): then returns an empty vector.
std::vector<std::uint8_t> encode_media_payload(const MediaPayloadView& payload);

std::variant<MediaPayloadView, MediaPayloadError> decode_media_payload(
    std::span<const std::uint8_t> bytes);

}  // namespace potok::media
