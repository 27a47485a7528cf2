// From parsed fMP4 fragments to the chunks the source engine signs and sends: the media payload
// (media_payload.hpp) plus the capture clock. Pure: the caller passes the wall clock in, so the
// clock rules below are unit-tested without waiting.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "node/media/fmp4.hpp"

namespace potok::media {

struct MediaChunk {
  bool keyframe = false;          // opens a group
  bool discontinuity = false;
  std::int64_t capture_us = 0;    // source wall clock (µs since Unix epoch) of the fragment's first frame
  std::int64_t media_time_us = 0;
  std::uint32_t duration_us = 0;
  std::vector<std::uint8_t> payload;  // the media payload (media_payload.hpp)
};

// One per Ingest. Each ffmpeg run has its own media timeline starting near 0; the builder maps
// it onto the wall clock with a fixed offset per run:
//   run_epoch_us = arrival of the run's first fragment − media end time of that fragment
//   capture_us   = run_epoch_us + media_time_us
// so capture − media_time stays constant and the browser can place chunks on one timeline.
// The offset is re-anchored (and the chunk flagged discontinuity) only at a keyframe whose
// arrival is more than kMaxDrift away from what the offset predicts, e.g. after the publisher
// stalled for a while. Re-anchoring only at keyframes keeps the rule "a discontinuity chunk
// always opens a group and carries the init".
class ChunkBuilder {
 public:
  static constexpr std::int64_t kMaxDriftUs = 1'000'000;

  // A new ffmpeg run begins: its first chunk re-anchors the clock, and (unless it is the very
  // first run) is flagged discontinuity.
  void start_run();

  // The chunk for `fragment`, or nullopt for fragments that no viewer could decode: those of a
  // run before its first keyframe. Every keyframe chunk carries `init`.
  std::optional<MediaChunk> build(const InitSegment& init, const Fragment& fragment,
                                  std::int64_t arrival_us);

  // Chunks dropped because they came before the run's first keyframe.
  std::uint64_t dropped_before_keyframe() const { return dropped_before_keyframe_; }

 private:
  bool first_run_ = true;
  bool run_has_keyframe_ = false;
  bool discontinuity_pending_ = false;
  std::optional<std::int64_t> run_epoch_us_;
  std::int64_t next_media_time_us_ = 0;  // for fragments without tfdt
  std::uint64_t dropped_before_keyframe_ = 0;
};

}  // namespace potok::media
