// The binary wire format of every Message (docs/protocol.md is the normative description).
//
// A frame is one data-channel message: [version u8][type u8][fields...], little-endian, fixed
// widths, never larger than kMaxWireMessage. A chunk does not fit one frame, so ChunkData is sent
// as fragments; a Reassembler (core/reassembler.hpp) puts them back together.
//
// Decoding is strict: it accepts exactly the bytes encode() would produce for some valid message
// (booleans are 0 or 1, enums in range, floats finite, no trailing bytes), so a decoded message
// re-encodes to the same bytes. Errors are values; nothing here throws or reads out of bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <utility>
#include <variant>
#include <vector>

#include "core/messages.hpp"

namespace potok::wire {

// 4: Subscribe says the newest chunk it had live. 3: keepalive Pings go unanswered. 2: Subscribe
// names its NAT, SubscribeAck refers to children.
inline constexpr std::uint8_t kProtocolVersion = 5;
// Largest data-channel message every browser delivers intact.
inline constexpr std::size_t kMaxWireMessage = 16 * 1024;
inline constexpr std::size_t kMaxCandidates = 64;                  // per Welcome / CandidateList
inline constexpr std::uint32_t kMaxChunkPayload = 8 * 1024 * 1024;  // per chunk, all fragments

inline constexpr std::size_t kFrameHeaderSize = 2;     // version, type
inline constexpr std::size_t kCandidateWireSize = 23;  // one CandidateInfo
inline constexpr std::size_t kMaxStripes = 32;         // StripeMask has 32 bits
// A ChunkData fragment: frame header, seq, group, capture_us, flags, hops, payload size,
// fragment index, fragment count. Fragment 0 then carries the 64-byte signature.
inline constexpr std::size_t kFragmentHeaderSize = 2 + 8 + 8 + 8 + 1 + 1 + 4 + 2 + 2;
inline constexpr std::size_t kSignatureSize = sizeof(Signature);
// Payload bytes per fragment (the last one carries the rest): fills fragment 0 exactly.
inline constexpr std::size_t kFragmentPayload =
    kMaxWireMessage - kFragmentHeaderSize - kSignatureSize;

// The type byte. Values are part of the protocol: never renumber, only append.
enum class MessageType : std::uint8_t {
  kJoinRequest = 1,
  kWelcome = 2,
  kCandidateQuery = 3,
  kCandidateList = 4,
  kReport = 5,
  kPing = 6,
  kPong = 7,
  kSubscribe = 8,
  kSubscribeAck = 9,
  kUnsubscribe = 10,
  kEvict = 11,
  kWant = 12,
  kNotHave = 13,
  kChunkData = 14,
  kLeave = 15,
};

MessageType type_of(const Message& message);
const char* to_string(MessageType type);

enum class WireError : std::uint8_t {
  kTruncated = 1,         // the frame ends before its fields do
  kBadVersion,            // not kProtocolVersion
  kUnknownType,           // type byte this version does not define
  kBadValue,              // a field outside its range (bool > 1, NaN, stripe_count 0, ...)
  kOversize,              // frame > kMaxWireMessage, or chunk > kMaxChunkPayload
  kBadCount,              // a vector longer than its cap
  kBadFragment,           // fragment index/count do not fit the payload size
  kTrailingBytes,         // bytes left after the last field
  kInconsistentFragment,  // a fragment disagrees with an earlier one of the same chunk
};

const char* to_string(WireError error);

// A value or the reason there is none; the subset of std::expected that libc++ 13 lacks.
template <class T>
class Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(WireError error) : state_(std::in_place_index<1>, error) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  // Only when has_value().
  T& value() { return *std::get_if<0>(&state_); }
  const T& value() const { return *std::get_if<0>(&state_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  // Only when !has_value().
  WireError error() const { return *std::get_if<1>(&state_); }

 private:
  std::variant<T, WireError> state_;
};

// One decoded ChunkData frame. Every fragment repeats the chunk's metadata, so a receiver can
// check that all fragments of a seq agree.
struct ChunkFragment {
  ChunkHeader header;
  std::uint8_t hops = 0;
  bool repair = false;
  std::uint32_t payload_size = 0;  // of the whole chunk
  std::uint16_t index = 0;
  std::uint16_t count = 1;
  Signature signature{};  // carried by fragment 0 only; zero in the others
  // This fragment's part of the payload. A view into the buffer given to decode_frame: use it
  // before that buffer goes away.
  std::span<const std::uint8_t> slice;
};

// A frame is a whole message, or a piece of a chunk.
using Frame = std::variant<Message, ChunkFragment>;

// Fragments a chunk of `payload_size` bytes travels in (an empty chunk still takes one).
constexpr std::size_t chunk_fragment_count(std::size_t payload_size) {
  return payload_size == 0 ? 1 : (payload_size + kFragmentPayload - 1) / kFragmentPayload;
}
// Payload bytes in fragment `index` of a chunk of `payload_size` bytes (index < fragment count).
constexpr std::size_t chunk_fragment_slice(std::size_t payload_size, std::size_t index) {
  const std::size_t rest = payload_size - index * kFragmentPayload;
  return rest < kFragmentPayload ? rest : kFragmentPayload;
}
// Bytes on the wire for a chunk of `payload_size` bytes, all fragments together.
constexpr std::size_t chunk_wire_size(std::size_t payload_size) {
  return chunk_fragment_count(payload_size) * kFragmentHeaderSize + kSignatureSize + payload_size;
}

// Whether `message` respects every limit and range decode enforces. encode() refuses the rest.
bool encodable(const Message& message);

// The frames to send, in order; each is at most kMaxWireMessage bytes. Exactly one frame except
// for ChunkData. Empty if !encodable(message): a peer never sends what the other side rejects.
std::vector<Bytes> encode(const Message& message);

// Sum of the sizes of encode(message)'s frames, computed without encoding: O(1) for everything
// but Welcome/CandidateList (O(1) too: they only count candidates). Assumes encodable(message).
std::size_t wire_size(const Message& message);
// Media bytes in `message`: the chunk payload for ChunkData, 0 otherwise. The rest of
// wire_size() is control overhead.
std::size_t payload_bytes(const Message& message);

// Decodes one received frame. Never throws and never reads outside `frame`.
Result<Frame> decode_frame(std::span<const std::uint8_t> frame);

}  // namespace potok::wire
