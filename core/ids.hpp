// Strong identifier types, so a chunk sequence number can never be passed where a peer id is
// expected (libtorrent's piece_index_t idea).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace potok {

template <class Tag, class Rep>
struct StrongId {
  using rep_type = Rep;
  Rep value{};

  constexpr StrongId() = default;
  constexpr explicit StrongId(Rep v) : value(v) {}
  constexpr auto operator<=>(const StrongId&) const = default;
};

struct PeerIdTag {};
struct ChunkSeqTag {};
struct GroupIdTag {};
struct StripeTag {};

// A peer of the swarm; the source is a peer too. Assigned by the driver (transport identity).
using PeerId = StrongId<PeerIdTag, std::uint64_t>;
// Position of a chunk in the stream, dense and increasing from 0.
using ChunkSeq = StrongId<ChunkSeqTag, std::uint64_t>;
// A group starts at a keyframe; a decoder can start at the first chunk of any group.
using GroupId = StrongId<GroupIdTag, std::uint64_t>;
// Sub-stream index: chunk n travels in stripe n mod stripe_count.
using StripeIndex = StrongId<StripeTag, std::uint8_t>;

constexpr ChunkSeq next(ChunkSeq s) { return ChunkSeq{s.value + 1}; }

}  // namespace potok

template <class Tag, class Rep>
struct std::hash<potok::StrongId<Tag, Rep>> {
  std::size_t operator()(const potok::StrongId<Tag, Rep>& id) const noexcept {
    return std::hash<Rep>{}(id.value);
  }
};
