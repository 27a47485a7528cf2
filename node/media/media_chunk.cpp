#include "node/media/media_chunk.hpp"

#include <algorithm>
#include <limits>

#include "node/media/media_payload.hpp"

namespace potok::media {
namespace {

// Media times come from the input (tfdt): a hostile or broken stream can put them anywhere in
// the 64-bit range, so the clock arithmetic saturates instead of overflowing.
std::int64_t add(std::int64_t a, std::int64_t b) {
  std::int64_t sum;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

std::int64_t sub(std::int64_t a, std::int64_t b) {
  std::int64_t difference;
  if (!__builtin_sub_overflow(a, b, &difference)) return difference;
  return b < 0 ? std::numeric_limits<std::int64_t>::max() : std::numeric_limits<std::int64_t>::min();
}

}  // namespace

void ChunkBuilder::start_run() {
  discontinuity_pending_ = !first_run_;
  first_run_ = false;
  run_has_keyframe_ = false;
  run_epoch_us_.reset();
  next_media_time_us_ = 0;
}

std::optional<MediaChunk> ChunkBuilder::build(const InitSegment& init, const Fragment& fragment,
                                              std::int64_t arrival_us) {
  const FragmentInfo& info = fragment.info;
  const std::int64_t media_time_us = info.has_media_time ? info.media_time_us : next_media_time_us_;
  const auto duration_us = static_cast<std::uint32_t>(
      std::min<std::uint64_t>(info.duration_us, std::numeric_limits<std::uint32_t>::max()));
  next_media_time_us_ = add(media_time_us, duration_us);

  if (!info.keyframe && !run_has_keyframe_) {
    ++dropped_before_keyframe_;
    return std::nullopt;
  }
  bool discontinuity = false;
  if (info.keyframe) {
    run_has_keyframe_ = true;
    const std::int64_t epoch_now = sub(sub(arrival_us, media_time_us), duration_us);
    if (!run_epoch_us_) {
      run_epoch_us_ = epoch_now;
      discontinuity = discontinuity_pending_;
      discontinuity_pending_ = false;
    } else if (sub(epoch_now, *run_epoch_us_) > kMaxDriftUs ||
               sub(*run_epoch_us_, epoch_now) > kMaxDriftUs) {
      run_epoch_us_ = epoch_now;
      discontinuity = true;
    }
  }

  MediaChunk chunk;
  chunk.keyframe = info.keyframe;
  chunk.discontinuity = discontinuity;
  chunk.capture_us = add(*run_epoch_us_, media_time_us);
  chunk.media_time_us = media_time_us;
  chunk.duration_us = duration_us;
  MediaPayloadView payload;
  payload.has_init = info.keyframe;
  payload.discontinuity = discontinuity;
  payload.media_time_us = media_time_us;
  payload.duration_us = duration_us;
  if (info.keyframe) {
    payload.mime_codecs = init.info.mime_codecs;
    payload.init = init.bytes;
  }
  payload.fragment = fragment.bytes;
  chunk.payload = encode_media_payload(payload);
  return chunk;
}

}  // namespace potok::media
