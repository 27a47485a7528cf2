// The browser's protocol engine: one potok::Engine behind a small C ABI, compiled with em++.
//
// JS owns everything with a side effect (WebSockets, timers, WebCrypto, MSE); this file only
// turns JS calls into engine Inputs and engine Outputs into calls of the JS handlers that
// web/player/engine_driver.js installs on the Module object (the EM_JS functions below).
//
// Calling conventions, chosen because em++ 3.1.6 without WASM_BIGINT cannot pass 64-bit
// integers across the boundary:
// - a PeerId travels as two u32 halves (lo, hi);
// - times are microseconds on the JS monotonic clock (performance.now() * 1000) as doubles,
//   exact up to 2^53 µs, i.e. centuries;
// - seq, group and capture_us are doubles too (exact below 2^53).
//
// Outputs are handed to JS synchronously while the engine is drained. A JS handler may call
// straight back in (say, answering a Connect with ConnectFailed): such inputs are queued and fed
// after the current drain, so the engine is never re-entered.
#include <emscripten/emscripten.h>

#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/chunk_signing.hpp"
#include "core/engine.hpp"
#include "core/reassembler.hpp"
#include "core/wire.hpp"

// ---- JS handlers (installed by engine_driver.js on the Module object) -------------------------
// Every byte range is copied (slice) before the handler sees it: the wasm heap may grow, and the
// engine reuses its buffers, so a view would not survive.

EM_JS(void, potok_js_transmit, (std::uint32_t lo, std::uint32_t hi, const std::uint8_t* data, std::size_t size), {
  Module.potokHandlers.transmit(lo >>> 0, hi >>> 0, HEAPU8.slice(data, data + size));
});
// `join` (size 0 when none) is the JoinRequest frame that rides the link's opening.
EM_JS(void, potok_js_connect, (std::uint32_t lo, std::uint32_t hi, const std::uint8_t* join, std::size_t size), {
  Module.potokHandlers.connect(lo >>> 0, hi >>> 0, HEAPU8.slice(join, join + size));
});
EM_JS(void, potok_js_disconnect, (std::uint32_t lo, std::uint32_t hi), {
  Module.potokHandlers.disconnect(lo >>> 0, hi >>> 0);
});
EM_JS(void, potok_js_verify,
      (std::uint32_t ticket, const std::uint8_t* message, std::size_t size, const std::uint8_t* signature), {
  Module.potokHandlers.verify(ticket >>> 0, HEAPU8.slice(message, message + size),
                              HEAPU8.slice(signature, signature + 64));
});
EM_JS(void, potok_js_deliver,
      (double seq, double group, double capture_us, int keyframe, double play_at_us, const std::uint8_t* payload,
       std::size_t size), {
  Module.potokHandlers.deliver({
    seq : seq,
    group : group,
    captureUs : capture_us,
    keyframe : keyframe != 0,
    playAtUs : play_at_us,
    payload : HEAPU8.slice(payload, payload + size)
  });
});
EM_JS(void, potok_js_event,
      (int kind, std::uint32_t lo, std::uint32_t hi, double seq, double value_us, int detail), {
  Module.potokHandlers.event(kind, lo >>> 0, hi >>> 0, seq, value_us, detail);
});
EM_JS(void, potok_js_wake_at, (double at_us), {
  Module.potokHandlers.wakeAt(at_us);
});

namespace {

using namespace potok;

// Verifications JS has not answered yet. WebCrypto always answers, so this only guards against
// a driver bug growing memory without end.
constexpr std::size_t kMaxPendingVerifications = 512;

PeerId peer_of(std::uint32_t lo, std::uint32_t hi) {
  return PeerId{(static_cast<std::uint64_t>(hi) << 32) | lo};
}
std::uint32_t lo_of(PeerId p) { return static_cast<std::uint32_t>(p.value); }
std::uint32_t hi_of(PeerId p) { return static_cast<std::uint32_t>(p.value >> 32); }
Instant instant_of(double now_us) { return at_us(static_cast<std::int64_t>(now_us)); }

class Session {
 public:
  explicit Session(EngineConfig config) : engine_(config) {}

  void feed(Input input) {
    inbox_.push_back(std::move(input));
    if (feeding_) return;  // called back from a JS handler: the loop below picks it up
    feeding_ = true;
    while (!inbox_.empty()) {
      Input next = std::move(inbox_.front());
      inbox_.pop_front();
      engine_.handle_input(std::move(next));
      drain();
    }
    feeding_ = false;
  }

  // One WebSocket message from `from`: a frame, or a fragment of a chunk. Returns 0, or the
  // WireError that made us drop it (counted; a bad frame never ends the link, protocol.md §6).
  int receive(PeerId from, const std::uint8_t* data, std::size_t size, Instant now) {
    auto result = reassemblers_[from].receive(std::span<const std::uint8_t>(data, size));
    if (!result) {
      ++wire_errors_;
      return static_cast<int>(result.error());
    }
    if (result->has_value()) feed(Input{now, in::Received{from, std::move(**result)}});
    return 0;
  }

  // A link (re)opened or closed: fragments never span two transports.
  void reset_link(PeerId peer) { reassemblers_.erase(peer); }

  void verified(std::uint32_t ticket, bool ok, Instant now) {
    auto it = verifying_.find(ticket);
    if (it == verifying_.end()) return;
    in::Verified verdict{it->second.from, std::move(it->second.data), ok};
    verifying_.erase(it);
    feed(Input{now, std::move(verdict)});
  }

  const std::string& stats_json() {
    const EngineStatus st = engine_.status();
    const TrafficCounters& t = engine_.accounting().total();
    std::size_t partial = 0;
    for (const auto& [peer, r] : reassemblers_) partial += r.partial_chunks();
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "{\"joined\":%s,\"playing\":%s,\"playout_delay_ms\":%.1f,\"max_depth\":%u,"
                  "\"active_upstreams\":%d,\"upstreams\":%d,\"downstreams\":%u,\"capacity_slots\":%u,"
                  "\"next_to_play\":%llu,\"bytes_up\":%llu,\"bytes_down\":%llu,\"media_down\":%llu,"
                  "\"media_duplicate\":%llu,\"chunks_verified\":%llu,\"chunks_rejected\":%llu,"
                  "\"wire_errors\":%llu,\"verifying\":%u,\"partial_chunks\":%u}",
                  st.joined ? "true" : "false", st.playing ? "true" : "false",
                  static_cast<double>(st.playout_delay.count()) / 1000.0, static_cast<unsigned>(st.max_depth),
                  st.active_upstreams, st.distinct_upstreams, static_cast<unsigned>(st.children),
                  static_cast<unsigned>(st.capacity_slots), static_cast<unsigned long long>(st.next_to_play.value),
                  static_cast<unsigned long long>(t.bytes_up), static_cast<unsigned long long>(t.bytes_down),
                  static_cast<unsigned long long>(t.media_down_useful),
                  static_cast<unsigned long long>(t.media_down_duplicate),
                  static_cast<unsigned long long>(t.chunks_verified),
                  static_cast<unsigned long long>(t.chunks_rejected), static_cast<unsigned long long>(wire_errors_),
                  static_cast<unsigned>(verifying_.size()), static_cast<unsigned>(partial));
    stats_ = buf;
    return stats_;
  }

 private:
  void drain() {
    for (;;) {
      Output output = engine_.poll_output();
      if (auto* wake = std::get_if<out::WakeAt>(&output)) {
        potok_js_wake_at(wake->at == kNever ? -1.0 : static_cast<double>(us_of(wake->at)));
        return;
      }
      std::visit([this](auto& o) { emit(o); }, output);
    }
  }

  void emit(out::Transmit& t) {
    for (const Bytes& frame : wire::encode(t.message))
      potok_js_transmit(lo_of(t.to), hi_of(t.to), frame.data(), frame.size());
  }
  void emit(out::Connect& c) {
    std::vector<Bytes> frames = c.join ? wire::encode(*c.join) : std::vector<Bytes>{};
    if (frames.size() != 1) frames.assign(1, Bytes{});  // none, or one encode refused: the join retry sends it
    potok_js_connect(lo_of(c.peer), hi_of(c.peer), frames.front().data(), frames.front().size());
  }
  void emit(out::Disconnect& d) {
    reassemblers_.erase(d.peer);
    potok_js_disconnect(lo_of(d.peer), hi_of(d.peer));
  }
  void emit(out::Verify& v) {
    if (!v.data.chunk) return;
    static const Bytes kEmpty;
    const Chunk& chunk = *v.data.chunk;
    const Bytes message = chunk_signed_message(chunk.header, chunk.payload ? *chunk.payload : kEmpty);
    const std::uint32_t ticket = next_ticket_++;
    if (verifying_.size() >= kMaxPendingVerifications) verifying_.erase(verifying_.begin());
    verifying_.emplace(ticket, Pending{v.from, v.data});
    potok_js_verify(ticket, message.data(), message.size(), chunk.signature.data());
  }
  void emit(out::Deliver& d) {
    if (!d.chunk) return;
    const Chunk& c = *d.chunk;
    static const Bytes kEmpty;
    const Bytes& payload = c.payload ? *c.payload : kEmpty;
    potok_js_deliver(static_cast<double>(c.header.seq.value), static_cast<double>(c.header.group.value),
                     static_cast<double>(c.header.capture_us), c.header.keyframe ? 1 : 0,
                     static_cast<double>(us_of(d.play_at)), payload.data(), payload.size());
  }
  void emit(out::Event& e) {
    potok_js_event(static_cast<int>(e.kind), lo_of(e.peer), hi_of(e.peer), static_cast<double>(e.seq.value),
                   static_cast<double>(e.value.count()), e.detail);
  }
  void emit(out::WakeAt&) {}  // handled in drain()

  struct Pending {
    PeerId from;
    ChunkData data;  // kept alive while WebCrypto checks it
  };

  Engine engine_;
  std::unordered_map<PeerId, wire::Reassembler> reassemblers_;
  std::map<std::uint32_t, Pending> verifying_;  // ordered: the oldest ticket goes first
  std::uint32_t next_ticket_ = 1;
  std::deque<Input> inbox_;
  bool feeding_ = false;
  std::uint64_t wire_errors_ = 0;
  std::string stats_;
};

// One engine per page: the wasm instance is the page's, so a single session is its whole state.
std::unique_ptr<Session> g_session;
Bytes g_receive_buffer;

}  // namespace

extern "C" {

// Creates (or replaces) the page's engine: a leaf peer (upload_cap_bps = 0) that verifies every
// chunk and joins the swarm through `bootstrap`, the source.
EMSCRIPTEN_KEEPALIVE void potok_create(std::uint32_t self_lo, std::uint32_t self_hi, std::uint32_t boot_lo,
                                       std::uint32_t boot_hi, std::uint32_t seed_lo, std::uint32_t seed_hi) {
  EngineConfig config;
  config.role = Role::kPeer;
  config.self = peer_of(self_lo, self_hi);
  config.bootstrap = peer_of(boot_lo, boot_hi);
  config.upload_cap_bps = 0;
  config.verify_chunks = true;
  config.seed = (static_cast<std::uint64_t>(seed_hi) << 32) | seed_lo;
  g_session = std::make_unique<Session>(config);
}

EMSCRIPTEN_KEEPALIVE void potok_start(double now_us) {
  if (g_session) g_session->feed(Input{instant_of(now_us), in::Start{}});
}
EMSCRIPTEN_KEEPALIVE void potok_stop(double now_us) {
  if (g_session) g_session->feed(Input{instant_of(now_us), in::Stop{}});
}
EMSCRIPTEN_KEEPALIVE void potok_tick(double now_us) {
  if (g_session) g_session->feed(Input{instant_of(now_us), in::Tick{}});
}
EMSCRIPTEN_KEEPALIVE void potok_connected(std::uint32_t lo, std::uint32_t hi, double now_us) {
  if (!g_session) return;
  g_session->reset_link(peer_of(lo, hi));
  g_session->feed(Input{instant_of(now_us), in::Connected{peer_of(lo, hi)}});
}
EMSCRIPTEN_KEEPALIVE void potok_connect_failed(std::uint32_t lo, std::uint32_t hi, double now_us) {
  if (g_session) g_session->feed(Input{instant_of(now_us), in::ConnectFailed{peer_of(lo, hi)}});
}
EMSCRIPTEN_KEEPALIVE void potok_disconnected(std::uint32_t lo, std::uint32_t hi, double now_us) {
  if (!g_session) return;
  g_session->reset_link(peer_of(lo, hi));
  g_session->feed(Input{instant_of(now_us), in::Disconnected{peer_of(lo, hi)}});
}

// Where JS writes the next received message before potok_receive (valid until the next call).
EMSCRIPTEN_KEEPALIVE std::uint8_t* potok_receive_buffer(std::size_t size) {
  g_receive_buffer.resize(size > 0 ? size : 1);
  return g_receive_buffer.data();
}
// The message is in the receive buffer. Returns 0, or the WireError code of a dropped frame.
EMSCRIPTEN_KEEPALIVE int potok_receive(std::uint32_t lo, std::uint32_t hi, std::size_t size, double now_us) {
  if (!g_session || size > g_receive_buffer.size()) return -1;
  return g_session->receive(peer_of(lo, hi), g_receive_buffer.data(), size, instant_of(now_us));
}

EMSCRIPTEN_KEEPALIVE void potok_verified(std::uint32_t ticket, int ok, double now_us) {
  if (g_session) g_session->verified(ticket, ok != 0, instant_of(now_us));
}

// A JSON object of engine status and byte counters; valid until the next call.
EMSCRIPTEN_KEEPALIVE const char* potok_stats_json() {
  return g_session ? g_session->stats_json().c_str() : "null";
}

EMSCRIPTEN_KEEPALIVE const char* potok_wire_error_name(int code) {
  return wire::to_string(static_cast<wire::WireError>(code));
}

}  // extern "C"
