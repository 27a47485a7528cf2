// A binary heap of timed events. Ties break by insertion order, so a run is deterministic.
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
  void push(std::int64_t t_us, EventType type, std::uint32_t node, std::uint32_t other = 0,
            std::uint32_t slot = 0) {
    heap_.push_back(Event{t_us, order_++, node, other, slot, type});
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
  std::uint64_t order_ = 0;
};

}  // namespace potok::sim
