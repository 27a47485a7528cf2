// One partition's window, event by event: what each event does to its node's engine, and what
// the engine's outputs become (events for its own or the other partition, tallies).
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/parity.hpp"
#include "core/wire.hpp"
#include "sim/swarm.hpp"

namespace potok::sim {

void Swarm::run_window(Partition& p, std::int64_t end_us) {
  p.window_end_us = end_us;
  take_handovers(p);
  while (!p.queue.empty() && p.queue.top().t_us < end_us) {
    const Event e = p.queue.pop();
    // The next event is known now (it heads its sorted slice): start fetching its node while
    // this one runs. With 10,000 engines nothing stays in cache, and the first touch of a node
    // was a stall of its own.
    if (!p.queue.empty()) __builtin_prefetch(&nodes_[p.queue.top().node]);
    p.now_us = e.t_us;
    dispatch(p, e);
  }
  ++p.window;
}

void Swarm::take_handovers(Partition& p) {
  // What the other partition sent us during the previous window; it is writing this window's
  // into its other outbox meanwhile.
  std::vector<Handover>& box = parts_[1 - p.id].outbox[(p.window + 1) & 1];
  for (Handover& h : box) {
    Event e = h.event;
    if (e.type == EventType::kMessage) e.slot = put_message(p, std::move(h.message));
    p.queue.push(e);
  }
  box.clear();
}

void Swarm::send_event(Partition& p, std::int64_t t_us, EventType type, std::uint32_t to, std::uint32_t from,
                       Message* message) {
  if (owner(to) == p.id) {
    const std::uint32_t slot = message ? put_message(p, std::move(*message)) : 0;
    p.queue.push(t_us, type, to, from, slot);
    return;
  }
  if (t_us < p.window_end_us) {
    // The windows rest on this; a scenario whose delays break it would give wrong results.
    std::fprintf(stderr, "potok sim: an event for another partition is due within the lookahead window\n");
    std::abort();
  }
  p.outbox[p.window & 1].push_back(
      Handover{Event{t_us, p.queue.take_order(), to, from, 0, type}, message ? std::move(*message) : Message{Leave{}}});
}

std::uint32_t Swarm::put_message(Partition& p, Message&& m) {
  if (p.free_slots.empty()) {
    p.slab.push_back(std::move(m));
    return static_cast<std::uint32_t>(p.slab.size() - 1);
  }
  const std::uint32_t slot = p.free_slots.back();
  p.free_slots.pop_back();
  p.slab[slot] = std::move(m);
  return slot;
}

Message Swarm::take_message(Partition& p, std::uint32_t slot) {
  Message m = std::move(p.slab[slot]);
  p.slab[slot] = Leave{};
  p.free_slots.push_back(slot);
  return m;
}

void Swarm::produce(Partition& p) {
  const StreamParams& params = scenario_.stream;
  auto chunk = std::make_shared<Chunk>();
  chunk->header.seq = ChunkSeq{next_seq_};
  const std::int64_t media_index = params.media_index(ChunkSeq{next_seq_});
  chunk->header.group = GroupId{static_cast<std::uint64_t>(media_index) / params.chunks_per_group};
  chunk->header.keyframe = media_index % params.chunks_per_group == 0;
  chunk->header.capture_us = p.now_us + nodes_[0].clock_offset_us;
  chunk->payload = payload_;
  ++next_seq_;
  p.tally.stream_bytes += payload_->size();
  const ChunkPtr data = chunk;
  feed(p, 0, Input{local(p, nodes_[0]), in::Produce{std::move(chunk)}});
  if (params.parity) {
    // The row's parity goes out with its last data chunk, as the live source's would.
    row_.push_back(data);
    if (params.is_parity(ChunkSeq{next_seq_})) {
      ++next_seq_;
      feed(p, 0, Input{local(p, nodes_[0]), in::Produce{make_parity_chunk(row_)}});
      row_.clear();
    }
  }
  p.queue.push(p.now_us + params.chunk_duration.count(), EventType::kProduce, 0);
}

void Swarm::feed(Partition& p, std::uint32_t node, Input input) {
  nodes_[node].engine->handle_input(std::move(input));
  drain(p, node);
}

void Swarm::record_window(Partition& p, std::int64_t t_us, bool on_time) {
  const auto w = static_cast<std::size_t>(std::max<std::int64_t>(0, t_us) /
                                          static_cast<std::int64_t>(kContinuityWindowS * 1e6));
  auto& series = p.tally.continuity_series;
  if (w >= series.size()) return;
  ++series[w].due;
  if (on_time) ++series[w].on_time;
}

void Swarm::record_delivery(Partition& p, const Node& n, const out::Deliver& del) {
  const std::int64_t play_us = us_of(del.play_at) - n.clock_offset_us;
  const std::int64_t capture_us = del.chunk->header.capture_us - source_clock_offset_us_;
  const bool late = p.now_us > play_us;
  if (late) ++p.tally.late_plays;
  else ++p.tally.chunks_on_time;
  ++p.tally.chunks_due;
  p.tally.latency_ms.add((play_us - capture_us) / 1000);
  record_window(p, play_us, !late);
}

void Swarm::record_event(Partition& p, const out::Event& ev) {
  RunSummary& t = p.tally;
  switch (ev.kind) {
    case out::EventKind::kPlaybackStarted:
      t.startup_ms.push_back(static_cast<double>(ev.value.count()) / 1000.0);
      break;
    case out::EventKind::kChunkSkipped:
      ++t.chunks_due;
      record_window(p, p.now_us, false);
      break;
    case out::EventKind::kParentSwitched: ++t.parent_switches; break;
    case out::EventKind::kRepairRequested: ++t.repairs_requested; break;
    case out::EventKind::kResynced: ++t.resyncs; break;
    case out::EventKind::kConnectFailed: ++t.connect_failures; break;
    case out::EventKind::kProtocolViolation:
    case out::EventKind::kForgedChunk:
    case out::EventKind::kPeerBanned: break;
  }
}

void Swarm::drain(Partition& p, std::uint32_t index) {
  Node& n = nodes_[index];
  const std::int64_t now = p.now_us;
  for (;;) {
    Output o = n.engine->poll_output();
    if (trace_) trace_(static_cast<double>(now) / 1e6, index, o);
    if (auto* w = std::get_if<out::WakeAt>(&o)) {
      if (w->at == kNever) {
        n.wants_wake_us = INT64_MAX;
        return;
      }
      std::int64_t t = us_of(w->at) - n.clock_offset_us;
      if (t <= now) t = now + 1000;  // an engine that asks for "now" again still advances
      n.wants_wake_us = t;
      if (t < n.wake_at_us || n.wake_at_us <= now) {
        n.wake_at_us = t;
        p.queue.push(t, EventType::kWake, index);
      }
      return;
    }
    if (auto* tx = std::get_if<out::Transmit>(&o)) {
      const std::uint64_t size = wire::wire_size(tx->message);
      const std::uint64_t media = wire::payload_bytes(tx->message);
      n.upload_bytes += size;
      p.tally.control_bytes += size - media;
      if (index == 0) p.tally.source_upload_bytes += size;
      const std::uint32_t to = index_of(tx->to);
      if (to >= nodes_.size()) continue;
      const std::int64_t sent = network_.transmit(n.host, now, size);
      send_event(p, sent + network_.one_way_us(n.host, places_[to].host), EventType::kMessage, to, index,
                 &tx->message);
    } else if (auto* c = std::get_if<out::Connect>(&o)) {
      const std::uint32_t to = index_of(c->peer);
      if (to >= nodes_.size()) continue;
      const Host& a = n.host;
      const Host& b = places_[to].host;
      if (c->join && alive_at(to, now)) {
        // A WebSocket to the bootstrap, which every NAT lets out: the TCP handshake, then the
        // upgrade request carrying the JoinRequest, whose answer comes with the upgrade's.
        const std::int64_t one_way = network_.one_way_us(a, b);
        p.queue.push(now + 4 * one_way, EventType::kConnected, index, to);
        send_event(p, now + 3 * one_way, EventType::kConnected, to, index);
        Message join{*c->join};
        const std::uint64_t size = wire::wire_size(join);  // as a frame (the URL holds it in hex)
        n.upload_bytes += size;
        p.tally.control_bytes += size;
        send_event(p, now + 3 * one_way, EventType::kMessage, to, index, &join);
      } else if (alive_at(to, now) && can_connect(a.nat, b.nat)) {
        // ICE checks, DTLS and SCTP setup: about two round trips.
        const std::int64_t up = now + 2 * network_.rtt_us(a, b);
        p.queue.push(up, EventType::kConnected, index, to);
        send_event(p, up + network_.one_way_us(a, b), EventType::kConnected, to, index);
      } else {
        p.queue.push(now + static_cast<std::int64_t>(scenario_.ice_timeout_s * 1e6), EventType::kConnectFailed, index,
                     to);
      }
    } else if (auto* d = std::get_if<out::Disconnect>(&o)) {
      const std::uint32_t to = index_of(d->peer);
      if (to < nodes_.size())
        send_event(p, now + network_.one_way_us(n.host, places_[to].host), EventType::kDisconnected, to, index);
    } else if (auto* del = std::get_if<out::Deliver>(&o)) {
      record_delivery(p, n, *del);
    } else if (auto* ev = std::get_if<out::Event>(&o)) {
      record_event(p, *ev);
    }
  }
}

void Swarm::dispatch(Partition& p, const Event& e) {
  Node& n = nodes_[e.node];
  if (e.type == EventType::kProduce) {
    produce(p);
    return;
  }
  if (e.type == EventType::kJoin) {
    if (e.t_us < places_[e.node].depart_us) join(p, e.node);
    return;
  }
  if (!n.alive) {
    if (e.type == EventType::kMessage) take_message(p, e.slot);
    return;
  }
  switch (e.type) {
    case EventType::kWake:
      if (e.t_us != n.wake_at_us) return;  // superseded by an earlier wake
      n.wake_at_us = INT64_MAX;
      if (n.wants_wake_us > e.t_us) {
        // The engine has since asked for a later time: wait for that without waking it. Most
        // timers (e.g. "this stripe is quiet") are pushed back by traffic before they are due.
        if (n.wants_wake_us != INT64_MAX) {
          n.wake_at_us = n.wants_wake_us;
          p.queue.push(n.wake_at_us, EventType::kWake, e.node);
        }
        return;
      }
      ++p.tally.wakes;
      feed(p, e.node, Input{local(p, n), in::Tick{}});
      break;
    case EventType::kMessage:
      ++p.tally.messages;
      feed(p, e.node, Input{local(p, n), in::Received{id_of(e.other), take_message(p, e.slot)}});
      break;
    case EventType::kConnected:
      if (alive_at(e.other, p.now_us)) feed(p, e.node, Input{local(p, n), in::Connected{id_of(e.other)}});
      else feed(p, e.node, Input{local(p, n), in::ConnectFailed{id_of(e.other)}});
      break;
    case EventType::kConnectFailed:
      feed(p, e.node, Input{local(p, n), in::ConnectFailed{id_of(e.other)}});
      break;
    case EventType::kDisconnected:
      feed(p, e.node, Input{local(p, n), in::Disconnected{id_of(e.other)}});
      break;
    case EventType::kDepart:
      depart(e.node);
      break;
    default:
      break;
  }
}

}  // namespace potok::sim
