#include "node/media/fmp4_boxes.hpp"

#include <cstdio>
#include <limits>

namespace potok::media {
namespace {

using Bytes = std::span<const std::uint8_t>;

// Big-endian cursor that turns every overrun into a sticky failure instead of a wild read, so a
// parser can read all its fields and check ok() once.
class Reader {
 public:
  explicit Reader(Bytes bytes) : bytes_(bytes) {}
  bool ok() const { return ok_; }
  std::size_t remaining() const { return ok_ ? bytes_.size() - pos_ : 0; }
  Bytes rest() const { return ok_ ? bytes_.subspan(pos_) : Bytes{}; }

  std::uint64_t uint(std::size_t width) {
    if (!ok_ || bytes_.size() - pos_ < width) {
      ok_ = false;
      return 0;
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < width; ++i) value = value << 8 | bytes_[pos_ + i];
    pos_ += width;
    return value;
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(uint(1)); }
  std::uint32_t u24() { return static_cast<std::uint32_t>(uint(3)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(uint(4)); }
  std::uint64_t u64() { return uint(8); }
  void skip(std::size_t n) {
    if (!ok_ || bytes_.size() - pos_ < n) ok_ = false;
    else pos_ += n;
  }

 private:
  Bytes bytes_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

// Calls visit(type, payload) for each child box of `bytes`; false if a child does not fit.
// Size 0 ("to the end") is accepted here because the parent bounds it.
template <class Visit>
bool for_each_box(Bytes bytes, Visit&& visit) {
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    Reader r(bytes.subspan(pos));
    std::uint64_t size = r.u32();
    const std::uint32_t type = r.u32();
    std::size_t header = 8;
    if (size == 1) {
      size = r.u64();
      header = 16;
    } else if (size == 0) {
      size = bytes.size() - pos;
    }
    if (!r.ok() || size < header || size > bytes.size() - pos) return false;
    if (!visit(type, bytes.subspan(pos + header, static_cast<std::size_t>(size) - header))) {
      return false;
    }
    pos += static_cast<std::size_t>(size);
  }
  return true;
}

// The first child of the given type, or nullopt.
std::optional<Bytes> child(Bytes bytes, std::uint32_t type) {
  std::optional<Bytes> found;
  for_each_box(bytes, [&](std::uint32_t t, Bytes payload) {
    if (t == type && !found) found = payload;
    return true;
  });
  return found;
}

std::string hex2(unsigned value) {
  char text[3];
  std::snprintf(text, sizeof text, "%02x", value & 0xffu);
  return text;
}

std::string fourcc_text(std::uint32_t type) {
  std::string text;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const char c = static_cast<char>((type >> shift) & 0xff);
    text += (c >= 0x20 && c < 0x7f && c != '"' && c != ',') ? c : '_';
  }
  return text;
}

// An MPEG-4 descriptor length: up to four bytes of 7 bits (ISO/IEC 14496-1 §8.3.3).
std::uint32_t descriptor_length(Reader& r) {
  std::uint32_t length = 0;
  for (int i = 0; i < 4; ++i) {
    const std::uint8_t b = r.u8();
    length = length << 7 | (b & 0x7f);
    if (!(b & 0x80)) break;
  }
  return length;
}

// "mp4a.40.2" from an esds payload: objectTypeIndication, then the AudioSpecificConfig's audio
// object type. Falls back to plain AAC-LC, what the ingest produces, if the box is unusual.
std::string mp4a_codec(Bytes esds) {
  Reader r(esds);
  r.skip(4);  // version + flags
  if (r.u8() != 0x03) return "mp4a.40.2";
  descriptor_length(r);
  r.skip(2);  // ES_ID
  const std::uint8_t es_flags = r.u8();
  if (es_flags & 0x80) r.skip(2);
  if (es_flags & 0x40) r.skip(r.u8());
  if (es_flags & 0x20) r.skip(2);
  if (r.u8() != 0x04) return "mp4a.40.2";
  descriptor_length(r);
  const std::uint8_t object_type = r.u8();
  r.skip(12);  // streamType, bufferSize, maxBitrate, avgBitrate
  if (!r.ok()) return "mp4a.40.2";
  if (object_type != 0x40) return "mp4a." + hex2(object_type);
  if (r.u8() != 0x05) return "mp4a.40.2";
  descriptor_length(r);
  const std::uint8_t first = r.u8();
  const std::uint8_t second = r.u8();
  if (!r.ok()) return "mp4a.40.2";
  unsigned audio_object_type = first >> 3;
  if (audio_object_type == 31) audio_object_type = 32 + (((first & 0x07) << 3) | (second >> 5));
  return "mp4a.40." + std::to_string(audio_object_type);
}

// The codec string of the first sample entry in an stsd payload.
std::string sample_entry_codec(Bytes stsd) {
  Reader r(stsd);
  r.skip(8);  // version + flags, entry_count
  if (!r.ok()) return {};
  std::string codec;
  for_each_box(r.rest(), [&](std::uint32_t type, Bytes entry) {
    codec = fourcc_text(type);
    if (type == fourcc("avc1") || type == fourcc("avc3")) {
      constexpr std::size_t kVisualSampleEntry = 78;  // fields before the child boxes
      if (entry.size() < kVisualSampleEntry) return false;
      const auto avcc = child(entry.subspan(kVisualSampleEntry), fourcc("avcC"));
      if (avcc && avcc->size() >= 4) {
        char profile_level[8];  // ".PPCCLL": profile, constraint flags, level (RFC 6381)
        std::snprintf(profile_level, sizeof profile_level, ".%02x%02x%02x", (*avcc)[1],
                      (*avcc)[2], (*avcc)[3]);
        codec.append(profile_level);
      }
    } else if (type == fourcc("mp4a")) {
      constexpr std::size_t kAudioSampleEntry = 28;
      if (entry.size() < kAudioSampleEntry) return false;
      const auto esds = child(entry.subspan(kAudioSampleEntry), fourcc("esds"));
      codec = esds ? mp4a_codec(*esds) : "mp4a.40.2";
    }
    return false;  // the first entry is enough
  });
  return codec;
}

std::optional<TrackInfo> parse_trak(Bytes trak) {
  TrackInfo track;
  const auto tkhd = child(trak, fourcc("tkhd"));
  const auto mdia = child(trak, fourcc("mdia"));
  if (!tkhd || !mdia) return std::nullopt;
  Reader t(*tkhd);
  const std::uint8_t tkhd_version = t.u8();
  t.skip(3 + (tkhd_version == 1 ? 16 : 8));  // flags, creation and modification times
  track.track_id = t.u32();

  const auto mdhd = child(*mdia, fourcc("mdhd"));
  const auto hdlr = child(*mdia, fourcc("hdlr"));
  if (!mdhd || !hdlr) return std::nullopt;
  Reader m(*mdhd);
  const std::uint8_t mdhd_version = m.u8();
  m.skip(3 + (mdhd_version == 1 ? 16 : 8));
  track.timescale = m.u32();
  Reader h(*hdlr);
  h.skip(8);  // version + flags, pre_defined
  const std::uint32_t handler = h.u32();
  if (!t.ok() || !m.ok() || !h.ok() || track.timescale == 0) return std::nullopt;
  track.video = handler == fourcc("vide");
  track.audio = handler == fourcc("soun");

  if (const auto minf = child(*mdia, fourcc("minf"))) {
    if (const auto stbl = child(*minf, fourcc("stbl"))) {
      if (const auto stsd = child(*stbl, fourcc("stsd"))) track.codec = sample_entry_codec(*stsd);
    }
  }
  return track;
}

const TrackInfo* find_track(const InitInfo& init, std::uint32_t track_id) {
  for (const auto& track : init.tracks) {
    if (track.track_id == track_id) return &track;
  }
  return nullptr;
}

constexpr std::uint32_t kSampleIsNonSync = 0x10000;

}  // namespace

const TrackInfo* InitInfo::timing_track() const {
  for (const auto& track : tracks) {
    if (track.video) return &track;
  }
  return tracks.empty() ? nullptr : &tracks.front();
}

std::int64_t ticks_to_us(std::uint64_t ticks, std::uint32_t timescale) {
  if (timescale == 0) return 0;
  const std::uint64_t whole = ticks / timescale;
  const std::uint64_t part = ticks % timescale;
  constexpr std::uint64_t kMaxWhole = std::numeric_limits<std::int64_t>::max() / 1'000'000 - 1;
  if (whole > kMaxWhole) return std::numeric_limits<std::int64_t>::max();
  return static_cast<std::int64_t>(whole * 1'000'000 + part * 1'000'000 / timescale);
}

std::optional<InitInfo> parse_moov(std::span<const std::uint8_t> moov_payload) {
  InitInfo init;
  bool nested_ok = true;
  const bool ok = for_each_box(moov_payload, [&](std::uint32_t type, Bytes payload) {
    if (type == fourcc("trak")) {
      auto track = parse_trak(payload);
      if (!track) return nested_ok = false;
      init.tracks.push_back(std::move(*track));
    }
    return true;
  });
  if (!ok || !nested_ok || init.tracks.empty()) return std::nullopt;

  if (const auto mvex = child(moov_payload, fourcc("mvex"))) {
    for_each_box(*mvex, [&](std::uint32_t type, Bytes trex) {
      if (type != fourcc("trex")) return true;
      Reader r(trex);
      r.skip(4);
      const std::uint32_t track_id = r.u32();
      r.skip(4);  // default_sample_description_index
      const std::uint32_t duration = r.u32();
      r.skip(4);  // default_sample_size
      const std::uint32_t flags = r.u32();
      if (!r.ok()) return true;
      for (auto& track : init.tracks) {
        if (track.track_id != track_id) continue;
        track.default_sample_duration = duration;
        track.default_sample_flags = flags;
      }
      return true;
    });
  }

  // Video first: MSE does not care about the order, but people reading logs do.
  std::string codecs;
  for (const bool video_pass : {true, false}) {
    for (const auto& track : init.tracks) {
      if (track.video != video_pass || track.codec.empty()) continue;
      if (!codecs.empty()) codecs += ',';
      codecs += track.codec;
    }
  }
  const bool has_video = init.timing_track()->video;
  init.mime_codecs = std::string(has_video ? "video/mp4" : "audio/mp4") + "; codecs=\"" +
                     codecs + "\"";
  return init;
}

std::optional<FragmentInfo> parse_moof(std::span<const std::uint8_t> moof_payload,
                                       const InitInfo& init) {
  const TrackInfo* timing = init.timing_track();
  if (timing == nullptr) return std::nullopt;
  FragmentInfo info;
  std::uint64_t duration_ticks = 0;
  bool traf_ok = true;

  const bool ok = for_each_box(moof_payload, [&](std::uint32_t type, Bytes traf) {
    if (type != fourcc("traf")) return true;
    const auto tfhd = child(traf, fourcc("tfhd"));
    if (!tfhd) return traf_ok = false;
    Reader h(*tfhd);
    h.skip(1);
    const std::uint32_t tf_flags = h.u24();
    const std::uint32_t track_id = h.u32();
    if (tf_flags & 0x01) h.skip(8);  // base_data_offset
    if (tf_flags & 0x02) h.skip(4);  // sample_description_index
    const TrackInfo* track = find_track(init, track_id);
    if (!h.ok() || track == nullptr) return traf_ok = false;
    std::uint32_t default_duration = track->default_sample_duration;
    std::uint32_t default_flags = track->default_sample_flags;
    if (tf_flags & 0x08) default_duration = h.u32();
    if (tf_flags & 0x10) h.skip(4);  // default_sample_size
    if (tf_flags & 0x20) default_flags = h.u32();
    if (!h.ok()) return traf_ok = false;
    if (track->track_id != timing->track_id) return true;

    const bool first_traf = info.timing_samples == 0 && !info.has_media_time;
    if (const auto tfdt = child(traf, fourcc("tfdt")); tfdt && first_traf) {
      Reader d(*tfdt);
      const std::uint8_t version = d.u8();
      d.skip(3);
      const std::uint64_t base = version == 1 ? d.u64() : d.u32();
      if (!d.ok()) return traf_ok = false;
      info.has_media_time = true;
      info.media_time_us = ticks_to_us(base, track->timescale);
    }

    return traf_ok = for_each_box(traf, [&](std::uint32_t t, Bytes trun) {
      if (t != fourcc("trun")) return true;
      Reader r(trun);
      r.skip(1);
      const std::uint32_t flags = r.u24();
      const std::uint32_t count = r.u32();
      if (flags & 0x01) r.skip(4);  // data_offset
      const bool has_first_flags = flags & 0x04;
      const std::uint32_t first_flags = has_first_flags ? r.u32() : 0;
      const std::size_t entry_size = 4 * (((flags & 0x100) != 0) + ((flags & 0x200) != 0) +
                                          ((flags & 0x400) != 0) + ((flags & 0x800) != 0));
      // The count comes from the input: check it against the bytes before looping over it.
      if (!r.ok() || (entry_size != 0 && count > r.remaining() / entry_size)) return false;
      if (entry_size == 0) {
        duration_ticks += std::uint64_t{count} * default_duration;
      }
      for (std::uint32_t i = 0; entry_size != 0 && i < count; ++i) {
        const std::uint32_t duration = (flags & 0x100) ? r.u32() : default_duration;
        if (flags & 0x200) r.skip(4);
        const std::uint32_t sample_flags = (flags & 0x400) ? r.u32() : default_flags;
        if (flags & 0x800) r.skip(4);
        duration_ticks += duration;
        if (i == 0 && info.timing_samples == 0) {
          info.keyframe = !((has_first_flags ? first_flags : sample_flags) & kSampleIsNonSync);
        }
      }
      if (entry_size == 0 && count > 0 && info.timing_samples == 0) {
        info.keyframe = !((has_first_flags ? first_flags : default_flags) & kSampleIsNonSync);
      }
      info.timing_samples = count > UINT32_MAX - info.timing_samples ? UINT32_MAX
                                                                     : info.timing_samples + count;
      return r.ok();
    });
  });
  if (!ok || !traf_ok) return std::nullopt;
  info.duration_us = static_cast<std::uint64_t>(ticks_to_us(duration_ticks, timing->timescale));
  return info;
}

}  // namespace potok::media
