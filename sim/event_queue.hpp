// A binary heap of timed events. Ties break by an order that each partition hands out as it
// creates events, so a run is deterministic however the partitions' windows are cut or threaded.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace potok::sim {

enum class EventType : std::uint8_t {
  kProduce,        // the source's ingest makes the next chunk
  kWake,           // a node's WakeAt has come
  kMessage,        // a message arrives at `node` from `other`
  kConnected,      // a transport to `other` is up, as seen by `node`
  kConnectFailed,  // `node`'s connect to `other` failed
  kDisconnected,   // `other` closed its transport to `node`
  kJoin,           // `node` starts
  kDepart,         // `node` vanishes without a word (churn)
};

struct Event {
  std::int64_t t_us;
  std::uint64_t order;
  std::uint32_t node;
  std::uint32_t other;
  std::uint32_t slot;  // message slab index for kMessage
  EventType type;
};

class EventQueue {
 public:
  // `origin` and `origins` make orders unique across the partitions that create events.
  EventQueue(std::uint32_t origin = 0, std::uint32_t origins = 1) : next_order_(origin), step_(origins) {}

  std::uint64_t take_order() {
    const std::uint64_t o = next_order_;
    next_order_ += step_;
    return o;
  }
  void push(std::int64_t t_us, EventType type, std::uint32_t node, std::uint32_t other = 0,
            std::uint32_t slot = 0) {
    push(Event{t_us, take_order(), node, other, slot, type});
  }
  void push(const Event& e) {
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end(), later);
  }
  bool empty() const { return heap_.empty(); }
  const Event& top() const { return heap_.front(); }
  Event pop() {
    std::pop_heap(heap_.begin(), heap_.end(), later);
    Event e = heap_.back();
    heap_.pop_back();
    return e;
  }
  std::size_t size() const { return heap_.size(); }

 private:
  static bool later(const Event& a, const Event& b) {
    return a.t_us != b.t_us ? a.t_us > b.t_us : a.order > b.order;
  }
  std::vector<Event> heap_;
  std::uint64_t next_order_;
  std::uint64_t step_;
};

}  // namespace potok::sim
