// What the ingest needs to know from the two kinds of fragmented-MP4 (ISO BMFF) header boxes:
// the movie box of the init segment, and the movie fragment box in front of each fragment.
// Pure functions over complete boxes; the stream splitting lives in fmp4.hpp.
//
// Only the fields that Potok uses are read (ISO/IEC 14496-12 §8): track ids, handlers,
// timescales, trex defaults, codec configuration; tfhd, tfdt and trun of each fragment.
// Every read is bounds-checked; a box that does not fit its parent makes the parse fail.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace potok::media {

// A box type as the big-endian number its four ASCII letters make ("moof" -> 0x6d6f6f66).
constexpr std::uint32_t fourcc(const char (&s)[5]) {
  return std::uint32_t(std::uint8_t(s[0])) << 24 | std::uint32_t(std::uint8_t(s[1])) << 16 |
         std::uint32_t(std::uint8_t(s[2])) << 8 | std::uint32_t(std::uint8_t(s[3]));
}

// One track of the init segment, with the defaults that fragments may omit (trex).
struct TrackInfo {
  std::uint32_t track_id = 0;
  std::uint32_t timescale = 0;  // mdhd: ticks per second, never 0 in a parsed init
  bool video = false;           // hdlr 'vide'
  bool audio = false;           // hdlr 'soun'
  std::string codec;            // RFC 6381 form for MSE: "avc1.64001e", "mp4a.40.2", or the 4cc
  std::uint32_t default_sample_duration = 0;  // trex
  std::uint32_t default_sample_flags = 0;     // trex
};

struct InitInfo {
  std::vector<TrackInfo> tracks;
  // `video/mp4; codecs="avc1.64001e,mp4a.40.2"`: what the browser passes to addSourceBuffer.
  std::string mime_codecs;

  // The video track if there is one, else the first track: the track whose samples define a
  // fragment's keyframe flag and timing. Null only when there are no tracks.
  const TrackInfo* timing_track() const;
};

struct FragmentInfo {
  bool keyframe = false;  // the first sample of the timing track is a sync sample
  bool has_media_time = false;             // the timing track's traf had a tfdt
  std::int64_t media_time_us = 0;          // tfdt baseMediaDecodeTime in µs
  std::uint64_t duration_us = 0;           // sum of the timing track's sample durations
  std::uint32_t timing_samples = 0;        // samples of the timing track in this fragment
};

// Parses the payload of a 'moov' box (the bytes after its 8- or 16-byte header). Fails on
// malformed nesting and when no track has a usable timescale.
std::optional<InitInfo> parse_moov(std::span<const std::uint8_t> moov_payload);

// Parses the payload of a 'moof' box against the init it belongs to. A fragment without a traf
// for the timing track parses, with timing_samples = 0 (an audio-only stretch).
std::optional<FragmentInfo> parse_moof(std::span<const std::uint8_t> moof_payload,
                                       const InitInfo& init);

// Ticks of `timescale` to µs without overflow for any 64-bit tick count; saturates.
std::int64_t ticks_to_us(std::uint64_t ticks, std::uint32_t timescale);

}  // namespace potok::media
