// A 4-ary heap of timed events. Ties break by an order that each partition hands out as it
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
    std::size_t i = heap_.size() - 1;
    while (i > 0) {
      const std::size_t parent = (i - 1) / kArity;
      if (!earlier(e, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = e;
  }
  bool empty() const { return heap_.empty(); }
  const Event& top() const { return heap_.front(); }
  Event pop() {
    const Event top = heap_.front();
    const Event last = heap_.back();
    heap_.pop_back();
    const std::size_t n = heap_.size();
    if (n == 0) return top;
    std::size_t i = 0;
    for (;;) {
      const std::size_t first = i * kArity + 1;
      if (first >= n) break;
      std::size_t best = first;
      const std::size_t end = std::min(first + kArity, n);
      for (std::size_t c = first + 1; c < end; ++c)
        if (earlier(heap_[c], heap_[best])) best = c;
      if (!earlier(heap_[best], last)) break;
      heap_[i] = heap_[best];
      i = best;
    }
    heap_[i] = last;
    return top;
  }
  std::size_t size() const { return heap_.size(); }

 private:
  // Four children per node: half the depth of a binary heap, and siblings share cache lines.
  static constexpr std::size_t kArity = 4;
  static bool earlier(const Event& a, const Event& b) {
    return a.t_us != b.t_us ? a.t_us < b.t_us : a.order < b.order;
  }
  std::vector<Event> heap_;
  std::uint64_t next_order_;
  std::uint64_t step_;
};

}  // namespace potok::sim
