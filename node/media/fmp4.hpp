// Splits a fragmented MP4 byte stream (what ffmpeg writes with
// -movflags frag_keyframe+empty_moov+default_base_moof) into its init segment and its
// fragments, as the bytes arrive from a pipe in pieces of any size.
//
// Top-level boxes are the unit: ftyp + moov form the init segment; moof + mdat form a fragment,
// together with any styp/sidx/prft/emsg boxes just in front of the moof. Other top-level boxes
// (free, skip, mfra, ...) are dropped.
//
// The input is untrusted in the fuzzing sense: a broken box is an error value, never a crash,
// and memory stays bounded by kMaxBoxSize plus the piece being fed. After the first error the
// parser stops: a byte stream has no resync points, so the producer must be restarted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "node/media/fmp4_boxes.hpp"

namespace potok::media {

enum class Fmp4Error : std::uint8_t {
  kBadBoxSize = 1,      // a size smaller than its own header
  kBoxTooLarge,         // a box (or a fragment) above kMaxBoxSize
  kUnboundedBox,        // size 0, "to the end of the file": a live stream has no end
  kMissingInit,         // a moof or mdat before any moov
  kBadInit,             // a moov that does not parse
  kBadFragment,         // a moof that does not parse, or an mdat without its moof
};

const char* to_string(Fmp4Error error);

struct InitSegment {
  std::vector<std::uint8_t> bytes;  // ftyp + moov exactly as received
  InitInfo info;
};

struct Fragment {
  std::vector<std::uint8_t> bytes;  // [styp/sidx/prft...] moof mdat, exactly as received
  FragmentInfo info;
};

using Fmp4Item = std::variant<InitSegment, Fragment>;

class Fmp4Parser {
 public:
  // Far above any real fragment (200 ms at 100 Mbit/s is 2.5 MB) and small enough that a lying
  // size field cannot make us buffer without end.
  static constexpr std::uint64_t kMaxBoxSize = 64ull << 20;

  // Consumes `bytes`; returns the items completed by them, in stream order. Once error() is
  // set, returns nothing more.
  std::vector<Fmp4Item> feed(std::span<const std::uint8_t> bytes);

  std::optional<Fmp4Error> error() const { return error_; }
  // The init segment in force (the last moov seen), if any.
  const InitSegment* init() const { return init_ ? &*init_ : nullptr; }
  // Bytes received but not yet part of a completed item.
  std::size_t buffered_bytes() const { return buffer_.size() + pending_.size(); }

 private:
  void take_box(std::uint32_t type, std::span<const std::uint8_t> box, std::size_t header,
                std::vector<Fmp4Item>& out);

  std::vector<std::uint8_t> buffer_;   // the start of the next, incomplete top-level box
  std::vector<std::uint8_t> pending_;  // boxes of the item being assembled
  bool pending_has_moof_ = false;
  std::optional<FragmentInfo> pending_info_;
  std::optional<InitSegment> init_;
  std::optional<Fmp4Error> error_;
};

}  // namespace potok::media
