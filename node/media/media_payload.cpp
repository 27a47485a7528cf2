#include "node/media/media_payload.hpp"

#include <limits>

namespace potok::media {
namespace {

void put(std::vector<std::uint8_t>& out, std::uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

std::uint64_t get(std::span<const std::uint8_t> bytes, std::size_t offset, int width) {
  std::uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) value = value << 8 | bytes[offset + i];
  return value;
}

constexpr std::uint8_t kKnownFlags = static_cast<std::uint8_t>(MediaPayloadFlag::kHasInit) |
                                     static_cast<std::uint8_t>(MediaPayloadFlag::kDiscontinuity);

}  // namespace

const char* to_string(MediaPayloadError error) {
  switch (error) {
    case MediaPayloadError::kTruncated: return "media payload truncated";
    case MediaPayloadError::kBadVersion: return "unknown media payload version";
    case MediaPayloadError::kBadFlags: return "undefined media payload flag";
    case MediaPayloadError::kInconsistentInit: return "init segment and has_init disagree";
    case MediaPayloadError::kEmptyFragment: return "media payload without a fragment";
  }
  return "unknown media payload error";
}

std::vector<std::uint8_t> encode_media_payload(const MediaPayloadView& payload) {
  if (payload.init.size() > std::numeric_limits<std::uint32_t>::max() ||
      payload.mime_codecs.size() > std::numeric_limits<std::uint16_t>::max() ||
      (payload.has_init && payload.init.empty()) ||
      (!payload.has_init && (!payload.init.empty() || !payload.mime_codecs.empty()))) {
    return {};
  }
  std::vector<std::uint8_t> out;
  out.reserve(kMediaPayloadHeaderSize + payload.mime_codecs.size() + payload.init.size() +
              payload.fragment.size());
  std::uint8_t flags = 0;
  if (payload.has_init) flags |= static_cast<std::uint8_t>(MediaPayloadFlag::kHasInit);
  if (payload.discontinuity) flags |= static_cast<std::uint8_t>(MediaPayloadFlag::kDiscontinuity);
  put(out, kMediaPayloadVersion, 1);
  put(out, flags, 1);
  put(out, payload.init.size(), 4);
  put(out, static_cast<std::uint64_t>(payload.media_time_us), 8);
  put(out, payload.duration_us, 4);
  put(out, payload.mime_codecs.size(), 2);
  out.insert(out.end(), payload.mime_codecs.begin(), payload.mime_codecs.end());
  out.insert(out.end(), payload.init.begin(), payload.init.end());
  out.insert(out.end(), payload.fragment.begin(), payload.fragment.end());
  return out;
}

std::variant<MediaPayloadView, MediaPayloadError> decode_media_payload(
    std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kMediaPayloadHeaderSize) return MediaPayloadError::kTruncated;
  if (bytes[0] != kMediaPayloadVersion) return MediaPayloadError::kBadVersion;
  const std::uint8_t flags = bytes[1];
  if (flags & ~kKnownFlags) return MediaPayloadError::kBadFlags;
  MediaPayloadView view;
  view.has_init = flags & static_cast<std::uint8_t>(MediaPayloadFlag::kHasInit);
  view.discontinuity = flags & static_cast<std::uint8_t>(MediaPayloadFlag::kDiscontinuity);
  const std::uint64_t init_size = get(bytes, 2, 4);
  view.media_time_us = static_cast<std::int64_t>(get(bytes, 6, 8));
  view.duration_us = static_cast<std::uint32_t>(get(bytes, 14, 4));
  const std::size_t codecs_len = static_cast<std::size_t>(get(bytes, 18, 2));
  if (view.has_init != (init_size != 0) || (!view.has_init && codecs_len != 0)) {
    return MediaPayloadError::kInconsistentInit;
  }
  const std::size_t body = bytes.size() - kMediaPayloadHeaderSize;
  if (codecs_len > body || init_size > body - codecs_len) return MediaPayloadError::kTruncated;
  const auto rest = bytes.subspan(kMediaPayloadHeaderSize);
  view.mime_codecs = std::string_view(reinterpret_cast<const char*>(rest.data()), codecs_len);
  view.init = rest.subspan(codecs_len, static_cast<std::size_t>(init_size));
  view.fragment = rest.subspan(codecs_len + static_cast<std::size_t>(init_size));
  if (view.fragment.empty()) return MediaPayloadError::kEmptyFragment;
  return view;
}

}  // namespace potok::media
