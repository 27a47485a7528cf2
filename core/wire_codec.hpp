// How each message's fields are laid out: the byte writer and reader, and one put/get/body_size
// per control message. Internal to core/wire.cpp; docs/protocol.md is the same thing in prose.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <span>
#include <vector>

#include "core/messages.hpp"
#include "core/wire.hpp"

namespace potok::wire::codec {

// ---- Primitive writer and reader -------------------------------------------------------------

class Writer {
 public:
  explicit Writer(std::size_t size_hint) { out_.reserve(size_hint); }

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { little_endian(v, 2); }
  void u32(std::uint32_t v) { little_endian(v, 4); }
  void u64(std::uint64_t v) { little_endian(v, 8); }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void f32(float v) {
    std::uint32_t bits;
    static_assert(sizeof bits == sizeof v);
    std::memcpy(&bits, &v, sizeof bits);
    u32(bits);
  }
  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }

  Bytes take() { return std::move(out_); }

 private:
  void little_endian(std::uint64_t v, int width) {
    for (int i = 0; i < width; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  Bytes out_;
};

// Reads fields in order. The first problem sticks: later reads return zeros and change nothing,
// so a decoder can read all its fields and check error() once at the end.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> in) : in_(in) {}

  std::optional<WireError> error() const { return error_; }
  std::size_t remaining() const { return in_.size() - pos_; }
  void fail(WireError e) {
    if (!error_) error_ = e;
  }

  std::uint8_t u8() { return static_cast<std::uint8_t>(little_endian(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(little_endian(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(little_endian(4)); }
  std::uint64_t u64() { return little_endian(8); }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  bool boolean() {
    const std::uint8_t v = u8();
    if (v > 1) fail(WireError::kBadValue);
    return v == 1;
  }
  float f32() {
    const std::uint32_t bits = u32();
    float v;
    std::memcpy(&v, &bits, sizeof v);
    if (!std::isfinite(v)) fail(WireError::kBadValue);
    return error_ ? 0.0f : v;
  }
  // The next n bytes, or an empty span (and kTruncated) if there are fewer.
  std::span<const std::uint8_t> bytes(std::size_t n) {
    if (error_ || n > remaining()) {
      fail(WireError::kTruncated);
      return {};
    }
    auto b = in_.subspan(pos_, n);
    pos_ += n;
    return b;
  }

 private:
  std::uint64_t little_endian(std::size_t width) {
    if (error_ || width > remaining()) {
      fail(WireError::kTruncated);
      return 0;
    }
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v |= std::uint64_t{in_[pos_ + i]} << (8 * i);
    pos_ += width;
    return v;
  }

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  std::optional<WireError> error_;
};

// ---- Shared field groups ---------------------------------------------------------------------

constexpr std::size_t kCoordSize = 12;

inline void put(Writer& w, const NetCoord& c) {
  w.f32(c.x);
  w.f32(c.y);
  w.f32(c.height);
}
inline NetCoord get_coord(Reader& r) {
  NetCoord c;
  c.x = r.f32();
  c.y = r.f32();
  c.height = r.f32();
  return c;
}
inline bool finite(const NetCoord& c) {
  return std::isfinite(c.x) && std::isfinite(c.y) && std::isfinite(c.height);
}

inline NatClass get_nat(Reader& r) {
  const std::uint8_t v = r.u8();
  if (v > static_cast<std::uint8_t>(NatClass::kSymmetric)) r.fail(WireError::kBadValue);
  return static_cast<NatClass>(v);
}
inline bool valid(NatClass n) { return static_cast<std::uint8_t>(n) <= 3; }

// Candidates are what the bootstrap sends most of, to every joiner: their fields are narrower
// than elsewhere. Larger values saturate, and coordinates travel in steps of 1/8 ms.
constexpr double kCompactCoordSteps = 8;  // per millisecond
constexpr std::size_t kCompactCoordSize = 6;
static_assert(kCandidateWireSize == 8 + 2 + 1 + 1 + 4 + 1 + kCompactCoordSize);

inline std::int16_t compact_coord(float v) {
  const double steps = std::round(static_cast<double>(v) * kCompactCoordSteps);
  return static_cast<std::int16_t>(std::clamp(steps, -32768.0, 32767.0));
}
inline float expand_coord(std::int16_t v) { return static_cast<float>(v / kCompactCoordSteps); }

inline void put_compact(Writer& w, const NetCoord& c) {
  for (float v : {c.x, c.y, c.height}) w.u16(static_cast<std::uint16_t>(compact_coord(v)));
}
inline NetCoord get_compact_coord(Reader& r) {
  NetCoord c;
  c.x = expand_coord(static_cast<std::int16_t>(r.u16()));
  c.y = expand_coord(static_cast<std::int16_t>(r.u16()));
  c.height = expand_coord(static_cast<std::int16_t>(r.u16()));
  return c;
}

inline void put(Writer& w, const CandidateInfo& c) {
  w.u64(c.peer.value);
  w.u16(static_cast<std::uint16_t>(std::min<std::uint32_t>(c.delay_ms, 0xFFFF)));
  w.u8(c.depth);
  w.u8(static_cast<std::uint8_t>(std::min<std::uint16_t>(c.spare_slots, 0xFF)));
  w.u32(c.stripes);
  w.u8(static_cast<std::uint8_t>(c.nat));
  put_compact(w, c.coord);
}
inline CandidateInfo get_candidate(Reader& r) {
  CandidateInfo c;
  c.peer = PeerId{r.u64()};
  c.delay_ms = r.u16();
  c.depth = r.u8();
  c.spare_slots = r.u8();
  c.stripes = r.u32();
  c.nat = get_nat(r);
  c.coord = get_compact_coord(r);
  return c;
}
inline bool valid(const CandidateInfo& c) { return valid(c.nat) && finite(c.coord); }

inline void put(Writer& w, const std::vector<CandidateInfo>& cs) {
  w.u16(static_cast<std::uint16_t>(cs.size()));
  for (const auto& c : cs) put(w, c);
}
inline std::vector<CandidateInfo> get_candidates(Reader& r) {
  const std::size_t n = r.u16();
  std::vector<CandidateInfo> cs;
  if (n > kMaxCandidates) {
    r.fail(WireError::kBadCount);
    return cs;
  }
  cs.reserve(n);
  for (std::size_t i = 0; i < n && !r.error(); ++i) cs.push_back(get_candidate(r));
  return cs;
}
inline bool valid(const std::vector<CandidateInfo>& cs) {
  return cs.size() <= kMaxCandidates && std::all_of(cs.begin(), cs.end(), [](const auto& c) {
           return valid(c);
         });
}

// Stripe masks are 32 bits wide; the engine divides by stripe_count and chunk_duration.
inline bool valid(const StreamParams& p) {
  return p.stripe_count >= (p.parity ? 2 : 1) && p.stripe_count <= 32 && p.chunk_duration.count() > 0 &&
         p.chunks_per_group >= 1;
}

// ---- Fixed-layout messages: one put/get pair each, in the order of docs/protocol.md --------

inline void put(Writer& w, const JoinRequest& m) {
  w.u16(m.capacity_slots);
  w.u8(static_cast<std::uint8_t>(m.nat));
  put(w, m.coord);
}
inline void get(Reader& r, JoinRequest& m) {
  m.capacity_slots = r.u16();
  m.nat = get_nat(r);
  m.coord = get_coord(r);
}

inline void put(Writer& w, const Welcome& m) {
  w.i64(m.source_time_us);
  w.u8(m.params.stripe_count);
  w.i64(m.params.chunk_duration.count());
  w.u16(m.params.chunks_per_group);
  w.u32(m.params.bitrate_bps);
  w.u8(m.params.parity ? (m.params.parity_guards ? 2 : 1) : 0);
  w.u64(m.head_seq.value);
  w.u64(m.group_start_seq.value);
  w.u32(m.swarm_size);
  put(w, m.candidates);
}
inline void get(Reader& r, Welcome& m) {
  m.source_time_us = r.i64();
  m.params.stripe_count = r.u8();
  m.params.chunk_duration = Duration{r.i64()};
  m.params.chunks_per_group = r.u16();
  m.params.bitrate_bps = r.u32();
  const std::uint8_t parity = r.u8();  // 0 none, 1 for every peer, 2 for guards only
  if (parity > 2) r.fail(WireError::kBadValue);
  m.params.parity = parity >= 1;
  m.params.parity_guards = parity == 2;
  if (!r.error() && !valid(m.params)) r.fail(WireError::kBadValue);
  m.head_seq = ChunkSeq{r.u64()};
  m.group_start_seq = ChunkSeq{r.u64()};
  m.swarm_size = r.u32();
  m.candidates = get_candidates(r);
}
constexpr std::size_t kWelcomeFixedSize = 8 + 1 + 8 + 2 + 4 + 1 + 8 + 8 + 4 + 2;

inline void put(Writer& w, const CandidateQuery& m) {
  w.u16(m.want);
  w.u32(m.stripes);
  w.u8(m.climbing ? 1 : 0);
}
inline void get(Reader& r, CandidateQuery& m) {
  m.want = r.u16();
  m.stripes = r.u32();
  m.climbing = r.boolean();
}

inline void put(Writer& w, const CandidateList& m) { put(w, m.candidates); }
inline void get(Reader& r, CandidateList& m) { m.candidates = get_candidates(r); }

inline void put(Writer& w, const Report& m) {
  w.u16(m.capacity_slots);
  w.u16(m.spare_slots);
  put(w, m.coord);
  w.u8(static_cast<std::uint8_t>(m.stripes.size()));
  for (const StripeOffer& o : m.stripes) {
    w.u8(o.depth);
    w.u16(o.delay_ms);
    w.u8(o.room);
    w.u16(o.weakest_child);
  }
}
inline void get(Reader& r, Report& m) {
  m.capacity_slots = r.u16();
  m.spare_slots = r.u16();
  m.coord = get_coord(r);
  const std::size_t n = r.u8();
  if (n > kMaxStripes) {
    r.fail(WireError::kBadCount);
    return;
  }
  m.stripes.resize(n);
  for (StripeOffer& o : m.stripes) {
    o.depth = r.u8();
    o.delay_ms = r.u16();
    o.room = r.u8();
    o.weakest_child = r.u16();
  }
}

inline void put(Writer& w, const Ping& m) {
  w.u32(m.nonce);
  w.i64(m.sent_us);
}
inline void get(Reader& r, Ping& m) {
  m.nonce = r.u32();
  m.sent_us = r.i64();
}

inline void put(Writer& w, const Pong& m) {
  w.u32(m.nonce);
  w.i64(m.echo_us);
  w.u32(m.delay_ms);
  w.u8(m.depth);
  w.u16(m.spare_slots);
  w.u32(m.stripes);
  put(w, m.coord);
}
inline void get(Reader& r, Pong& m) {
  m.nonce = r.u32();
  m.echo_us = r.i64();
  m.delay_ms = r.u32();
  m.depth = r.u8();
  m.spare_slots = r.u16();
  m.stripes = r.u32();
  m.coord = get_coord(r);
}

inline void put(Writer& w, const Subscribe& m) {
  w.u32(m.stripes);
  w.u64(m.from_seq.value);
  w.u16(m.capacity_slots);
  w.u8(m.depth);
  w.u8(static_cast<std::uint8_t>(m.nat));
  w.u64(m.newest_live_seq.value);
}
inline void get(Reader& r, Subscribe& m) {
  m.stripes = r.u32();
  m.from_seq = ChunkSeq{r.u64()};
  m.capacity_slots = r.u16();
  m.depth = r.u8();
  m.nat = get_nat(r);
  m.newest_live_seq = ChunkSeq{r.u64()};
}

inline void put(Writer& w, const SubscribeAck& m) {
  w.u32(m.accepted);
  w.u32(m.rejected);
  put(w, m.referrals);
}
inline void get(Reader& r, SubscribeAck& m) {
  m.accepted = r.u32();
  m.rejected = r.u32();
  m.referrals = get_candidates(r);
}

inline void put(Writer& w, const Unsubscribe& m) { w.u32(m.stripes); }
inline void get(Reader& r, Unsubscribe& m) { m.stripes = r.u32(); }

inline void put(Writer& w, const Evict& m) {
  w.u32(m.stripes);
  w.u64(m.suggested.value);
}
inline void get(Reader& r, Evict& m) {
  m.stripes = r.u32();
  m.suggested = PeerId{r.u64()};
}

inline void put(Writer& w, const Want& m) { w.u64(m.seq.value); }
inline void get(Reader& r, Want& m) { m.seq = ChunkSeq{r.u64()}; }

inline void put(Writer& w, const NotHave& m) { w.u64(m.seq.value); }
inline void get(Reader& r, NotHave& m) { m.seq = ChunkSeq{r.u64()}; }

inline void put(Writer&, const Leave&) {}
inline void get(Reader&, Leave&) {}

// Body sizes (after the 2-byte frame header) of every message but ChunkData.
constexpr std::size_t body_size(const JoinRequest&) { return 2 + 1 + kCoordSize; }
constexpr std::size_t body_size(const Welcome& m) {
  return kWelcomeFixedSize + kCandidateWireSize * m.candidates.size();
}
constexpr std::size_t body_size(const CandidateQuery&) { return 2 + 4 + 1; }
constexpr std::size_t body_size(const CandidateList& m) {
  return 2 + kCandidateWireSize * m.candidates.size();
}
constexpr std::size_t kStripeOfferSize = 6;
constexpr std::size_t body_size(const Report& m) { return 2 + 2 + kCoordSize + 1 + kStripeOfferSize * m.stripes.size(); }
constexpr std::size_t body_size(const Ping&) { return 4 + 8; }
constexpr std::size_t body_size(const Pong&) { return 4 + 8 + 4 + 1 + 2 + 4 + kCoordSize; }
constexpr std::size_t body_size(const Subscribe&) { return 4 + 8 + 2 + 1 + 1 + 8; }
constexpr std::size_t body_size(const SubscribeAck& m) {
  return 4 + 4 + 2 + kCandidateWireSize * m.referrals.size();
}
constexpr std::size_t body_size(const Unsubscribe&) { return 4; }
constexpr std::size_t body_size(const Evict&) { return 4 + 8; }
constexpr std::size_t body_size(const Want&) { return 8; }
constexpr std::size_t body_size(const NotHave&) { return 8; }
constexpr std::size_t body_size(const Leave&) { return 0; }

}  // namespace potok::wire::codec
