#include "core/wire.hpp"

#include <type_traits>

#include "core/wire_codec.hpp"

namespace potok::wire {
namespace {

using namespace codec;

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// ---- ChunkData fragments ---------------------------------------------------------------------

constexpr std::uint8_t kFlagKeyframe = 1 << 0;
constexpr std::uint8_t kFlagRepair = 1 << 1;
constexpr std::uint8_t kKnownFlags = kFlagKeyframe | kFlagRepair;

std::vector<Bytes> encode_chunk(const ChunkData& m) {
  const Chunk& chunk = *m.chunk;
  const std::size_t size = chunk.payload_size();
  const std::size_t count = chunk_fragment_count(size);
  std::vector<Bytes> frames;
  frames.reserve(count);
  for (std::size_t index = 0; index < count; ++index) {
    const std::size_t slice = chunk_fragment_slice(size, index);
    Writer w(kFragmentHeaderSize + (index == 0 ? kSignatureSize : 0) + slice);
    w.u8(kProtocolVersion);
    w.u8(static_cast<std::uint8_t>(MessageType::kChunkData));
    w.u64(chunk.header.seq.value);
    w.u64(chunk.header.group.value);
    w.i64(chunk.header.capture_us);
    w.u8((chunk.header.keyframe ? kFlagKeyframe : 0) | (m.repair ? kFlagRepair : 0));
    w.u8(m.hops);
    w.u32(static_cast<std::uint32_t>(size));
    w.u16(static_cast<std::uint16_t>(index));
    w.u16(static_cast<std::uint16_t>(count));
    if (index == 0) w.bytes(chunk.signature);
    if (slice > 0) w.bytes(std::span(*chunk.payload).subspan(index * kFragmentPayload, slice));
    frames.push_back(w.take());
  }
  return frames;
}

Result<Frame> decode_fragment(Reader& r) {
  ChunkFragment f;
  f.header.seq = ChunkSeq{r.u64()};
  f.header.group = GroupId{r.u64()};
  f.header.capture_us = r.i64();
  const std::uint8_t flags = r.u8();
  if (flags & ~kKnownFlags) r.fail(WireError::kBadValue);
  f.header.keyframe = (flags & kFlagKeyframe) != 0;
  f.repair = (flags & kFlagRepair) != 0;
  f.hops = r.u8();
  f.payload_size = r.u32();
  f.index = r.u16();
  f.count = r.u16();
  if (!r.error() && f.payload_size > kMaxChunkPayload) r.fail(WireError::kOversize);
  if (!r.error() && (f.count != chunk_fragment_count(f.payload_size) || f.index >= f.count)) {
    r.fail(WireError::kBadFragment);
  }
  if (f.index == 0) {
    auto sig = r.bytes(kSignatureSize);
    if (!r.error()) std::copy(sig.begin(), sig.end(), f.signature.begin());
  }
  if (auto e = r.error()) return *e;
  // The slice is the rest of the frame and must be exactly this fragment's share.
  const std::size_t expected = chunk_fragment_slice(f.payload_size, f.index);
  if (r.remaining() < expected) return WireError::kTruncated;
  if (r.remaining() > expected) return WireError::kTrailingBytes;
  f.slice = r.bytes(expected);
  return Frame{f};
}

template <class M>
Result<Frame> decode_body(Reader& r) {
  M m;
  get(r, m);
  if (auto e = r.error()) return *e;
  if (r.remaining() > 0) return WireError::kTrailingBytes;
  return Frame{Message{std::move(m)}};
}

}  // namespace

MessageType type_of(const Message& message) {
  return std::visit(
      Overloaded{
          [](const JoinRequest&) { return MessageType::kJoinRequest; },
          [](const Welcome&) { return MessageType::kWelcome; },
          [](const CandidateQuery&) { return MessageType::kCandidateQuery; },
          [](const CandidateList&) { return MessageType::kCandidateList; },
          [](const Report&) { return MessageType::kReport; },
          [](const Ping&) { return MessageType::kPing; },
          [](const Pong&) { return MessageType::kPong; },
          [](const Subscribe&) { return MessageType::kSubscribe; },
          [](const SubscribeAck&) { return MessageType::kSubscribeAck; },
          [](const Unsubscribe&) { return MessageType::kUnsubscribe; },
          [](const Evict&) { return MessageType::kEvict; },
          [](const Want&) { return MessageType::kWant; },
          [](const NotHave&) { return MessageType::kNotHave; },
          [](const ChunkData&) { return MessageType::kChunkData; },
          [](const Leave&) { return MessageType::kLeave; },
      },
      message);
}

const char* to_string(MessageType type) {
  switch (type) {
    case MessageType::kJoinRequest: return "JoinRequest";
    case MessageType::kWelcome: return "Welcome";
    case MessageType::kCandidateQuery: return "CandidateQuery";
    case MessageType::kCandidateList: return "CandidateList";
    case MessageType::kReport: return "Report";
    case MessageType::kPing: return "Ping";
    case MessageType::kPong: return "Pong";
    case MessageType::kSubscribe: return "Subscribe";
    case MessageType::kSubscribeAck: return "SubscribeAck";
    case MessageType::kUnsubscribe: return "Unsubscribe";
    case MessageType::kEvict: return "Evict";
    case MessageType::kWant: return "Want";
    case MessageType::kNotHave: return "NotHave";
    case MessageType::kChunkData: return "ChunkData";
    case MessageType::kLeave: return "Leave";
  }
  return "unknown";
}

const char* to_string(WireError error) {
  switch (error) {
    case WireError::kTruncated: return "truncated";
    case WireError::kBadVersion: return "bad version";
    case WireError::kUnknownType: return "unknown type";
    case WireError::kBadValue: return "bad value";
    case WireError::kOversize: return "oversize";
    case WireError::kBadCount: return "bad count";
    case WireError::kBadFragment: return "bad fragment";
    case WireError::kTrailingBytes: return "trailing bytes";
    case WireError::kInconsistentFragment: return "inconsistent fragment";
  }
  return "unknown error";
}

bool encodable(const Message& message) {
  return std::visit(Overloaded{
                        [](const JoinRequest& m) { return valid(m.nat) && finite(m.coord); },
                        [](const Welcome& m) { return valid(m.params) && valid(m.candidates); },
                        [](const CandidateList& m) { return valid(m.candidates); },
                        [](const Subscribe& m) { return valid(m.nat); },
                        [](const SubscribeAck& m) { return valid(m.referrals); },
                        [](const Report& m) { return finite(m.coord) && m.stripes.size() <= kMaxStripes; },
                        [](const Pong& m) { return finite(m.coord); },
                        [](const ChunkData& m) {
                          return m.chunk != nullptr && m.chunk->payload_size() <= kMaxChunkPayload;
                        },
                        [](const auto&) { return true; },
                    },
                    message);
}

std::vector<Bytes> encode(const Message& message) {
  if (!encodable(message)) return {};
  if (const auto* chunk = std::get_if<ChunkData>(&message)) return encode_chunk(*chunk);
  return std::visit(
      [&](const auto& m) -> std::vector<Bytes> {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, ChunkData>) {
          return {};  // handled above
        } else {
          Writer w(kFrameHeaderSize + body_size(m));
          w.u8(kProtocolVersion);
          w.u8(static_cast<std::uint8_t>(type_of(message)));
          put(w, m);
          std::vector<Bytes> frames;
          frames.push_back(w.take());
          return frames;
        }
      },
      message);
}

std::size_t wire_size(const Message& message) {
  return std::visit(
      [](const auto& m) -> std::size_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, ChunkData>) {
          return m.chunk ? chunk_wire_size(m.chunk->payload_size()) : 0;
        } else {
          return kFrameHeaderSize + body_size(m);
        }
      },
      message);
}

std::size_t payload_bytes(const Message& message) {
  const auto* data = std::get_if<ChunkData>(&message);
  return data && data->chunk ? data->chunk->payload_size() : 0;
}

Result<Frame> decode_frame(std::span<const std::uint8_t> frame) {
  if (frame.size() > kMaxWireMessage) return WireError::kOversize;
  Reader r(frame);
  const std::uint8_t version = r.u8();
  const std::uint8_t type = r.u8();
  if (auto e = r.error()) return *e;
  if (version != kProtocolVersion) return WireError::kBadVersion;
  switch (static_cast<MessageType>(type)) {
    case MessageType::kJoinRequest: return decode_body<JoinRequest>(r);
    case MessageType::kWelcome: return decode_body<Welcome>(r);
    case MessageType::kCandidateQuery: return decode_body<CandidateQuery>(r);
    case MessageType::kCandidateList: return decode_body<CandidateList>(r);
    case MessageType::kReport: return decode_body<Report>(r);
    case MessageType::kPing: return decode_body<Ping>(r);
    case MessageType::kPong: return decode_body<Pong>(r);
    case MessageType::kSubscribe: return decode_body<Subscribe>(r);
    case MessageType::kSubscribeAck: return decode_body<SubscribeAck>(r);
    case MessageType::kUnsubscribe: return decode_body<Unsubscribe>(r);
    case MessageType::kEvict: return decode_body<Evict>(r);
    case MessageType::kWant: return decode_body<Want>(r);
    case MessageType::kNotHave: return decode_body<NotHave>(r);
    case MessageType::kChunkData: return decode_fragment(r);
    case MessageType::kLeave: return decode_body<Leave>(r);
  }
  return WireError::kUnknownType;
}

}  // namespace potok::wire
