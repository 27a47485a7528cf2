// The engine's boundary, after str0m: a driver feeds one Input at a time, then drains
// poll_output() until it answers WakeAt.
#pragma once

#include <optional>
#include <variant>

#include "core/ids.hpp"
#include "core/messages.hpp"
#include "core/time.hpp"

namespace potok {

namespace in {
struct Start {};                  // join the swarm (peer) or open the stream (source)
struct Stop {};                   // leave gracefully
struct Tick {};                   // a WakeAt time has come
struct Received { PeerId from; Message message; };
struct Connected { PeerId peer; };      // a transport to `peer` is up (either side opened it)
struct ConnectFailed { PeerId peer; };  // our Connect could not be established (e.g. NAT)
struct Disconnected { PeerId peer; };   // the transport to `peer` closed
struct Produce { ChunkPtr chunk; };     // source only: ingest made a new chunk
// The driver's answer to out::Verify: `data` as it was handed out, and whether the source's
// signature holds.
struct Verified { PeerId from; ChunkData data; bool ok = false; };
}  // namespace in

struct Input {
  Instant now;
  std::variant<in::Start, in::Stop, in::Tick, in::Received, in::Connected, in::ConnectFailed,
               in::Disconnected, in::Produce, in::Verified>
      event;
};

namespace out {
struct Transmit {
  PeerId to{};
  Message message;
};
// `join`, when set, rides the link's opening (the bootstrap's WebSocket upgrade URL,
// docs/protocol.md §1): the far side gets it as a Received right after its in::Connected, a
// round trip before it could follow the open link. A driver must deliver it one way or the
// other; sending it as the first frame once the link is up is the slow way.
struct Connect {
  PeerId peer;
  std::optional<JoinRequest> join;
};
struct Disconnect { PeerId peer; };
// Check the source's signature on a chunk that `from` sent, and answer with in::Verified.
// Crypto lives in the driver (OpenSSL natively, WebCrypto in the browser, which is
// asynchronous); the engine holds nothing back meanwhile and plays or forwards the chunk only
// once the answer is yes.
struct Verify {
  PeerId from;
  ChunkData data;
};
// A verified chunk for the player, in sequence order; it must be shown at play_at (local clock).
struct Deliver {
  ChunkPtr chunk;
  Instant play_at{};
};

enum class EventKind : std::uint8_t {
  kPlaybackStarted,   // value = startup time (Start -> first chunk shown)
  kChunkSkipped,      // seq missed its deadline and will never be played
  kParentSwitched,    // peer = the upstream given up
  kRepairRequested,   // seq asked from peer
  kResynced,          // fell too far behind and jumped to the newest group
  kConnectFailed,     // peer could not be reached
  kProtocolViolation, // peer sent something that makes no sense here
  kForgedChunk,       // peer sent a chunk whose signature is wrong (value = forgeries so far)
  kPeerBanned,        // peer lied too often and is cut off
};
// Why an upstream was given up (Event::detail of kParentSwitched).
enum class LossReason : std::uint8_t {
  kConnectFailed, kDisconnected, kEvicted, kNoAnswer, kSilent, kSlow,
};
struct Event {
  EventKind kind = EventKind::kProtocolViolation;
  PeerId peer{};
  ChunkSeq seq{};
  Duration value{};
  std::uint8_t detail = 0;
};
struct WakeAt {
  Instant at{};
};
}  // namespace out

using Output = std::variant<out::Transmit, out::Connect, out::Disconnect, out::Verify, out::Deliver,
                            out::Event, out::WakeAt>;

}  // namespace potok
