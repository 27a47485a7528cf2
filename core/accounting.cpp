#include "core/accounting.hpp"

namespace potok {

namespace {
void add_sent(TrafficCounters& c, std::uint64_t wire, std::uint64_t media) {
  c.bytes_up += wire;
  c.media_up += media;
  c.control_up += wire - media;
}
void add_received(TrafficCounters& c, std::uint64_t wire, std::uint64_t media, bool duplicate) {
  c.bytes_down += wire;
  (duplicate ? c.media_down_duplicate : c.media_down_useful) += media;
  c.control_down += wire - media;
}
}  // namespace

void Accounting::sent(PeerId to, std::uint64_t wire_bytes, std::uint64_t media_bytes) {
  add_sent(total_, wire_bytes, media_bytes);
  if (per_peer_enabled_) add_sent(per_peer_[to], wire_bytes, media_bytes);
}

void Accounting::received(PeerId from, std::uint64_t wire_bytes, std::uint64_t media_bytes,
                          bool duplicate) {
  add_received(total_, wire_bytes, media_bytes, duplicate);
  if (per_peer_enabled_) add_received(per_peer_[from], wire_bytes, media_bytes, duplicate);
}

void Accounting::verified(PeerId from, bool ok) {
  ++(ok ? total_.chunks_verified : total_.chunks_rejected);
  if (per_peer_enabled_) ++(ok ? per_peer_[from].chunks_verified : per_peer_[from].chunks_rejected);
}

}  // namespace potok
