// Every byte a peer sends or receives, split into media payload and everything else.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "core/ids.hpp"

namespace potok {

struct TrafficCounters {
  std::uint64_t bytes_up = 0;
  std::uint64_t bytes_down = 0;
  std::uint64_t media_up = 0;
  std::uint64_t media_down_useful = 0;     // first copy of a chunk
  std::uint64_t media_down_duplicate = 0;  // a chunk we already had
  std::uint64_t control_up = 0;
  std::uint64_t control_down = 0;
  std::uint64_t chunks_verified = 0;  // signature checked and good
  std::uint64_t chunks_rejected = 0;  // signature wrong: dropped, sender penalised
  // Parity streams (core/parity.hpp): first copies of parity chunks (counted in
  // media_down_useful too), and chunks rebuilt from them instead of received.
  std::uint64_t media_down_parity = 0;
  std::uint64_t chunks_rebuilt = 0;
  std::uint64_t media_rebuilt = 0;  // their payload bytes
};

class Accounting {
 public:
  void sent(PeerId to, std::uint64_t wire_bytes, std::uint64_t media_bytes);
  void received(PeerId from, std::uint64_t wire_bytes, std::uint64_t media_bytes, bool duplicate);
  void verified(PeerId from, bool ok);
  void parity_received(std::uint64_t media_bytes) { total_.media_down_parity += media_bytes; }
  void rebuilt(std::uint64_t media_bytes) {
    ++total_.chunks_rebuilt;
    total_.media_rebuilt += media_bytes;
  }
  const TrafficCounters& total() const { return total_; }
  const std::unordered_map<PeerId, TrafficCounters>& per_peer() const { return per_peer_; }
  void forget(PeerId peer) { per_peer_.erase(peer); }
  // Per-peer figures cost a hash lookup per message; the simulator turns them off.
  void set_per_peer(bool on) { per_peer_enabled_ = on; }

 private:
  TrafficCounters total_;
  std::unordered_map<PeerId, TrafficCounters> per_peer_;
  bool per_peer_enabled_ = true;
};

}  // namespace potok
