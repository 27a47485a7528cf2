// The simulator's timed events. Ties break by an order that each partition hands out as it
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

inline bool earlier(const Event& a, const Event& b) {
  return a.t_us != b.t_us ? a.t_us < b.t_us : a.order < b.order;
}

// A 4-ary min-heap: half the depth of a binary heap, and siblings share cache lines.
class EventHeap {
 public:
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
  std::size_t size() const { return heap_.size(); }
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

 private:
  static constexpr std::size_t kArity = 4;
  std::vector<Event> heap_;
};

// A calendar queue. Nearly every event is due within a second (messages in flight, the next
// wake), and a heap of tens of thousands of them spent most of a pop waiting on memory,
// sifting down through cold levels. Here an event within the horizon goes into the bucket of
// its time slice, at its end, and a bucket is sorted once, when its slice comes up: pops
// are then from the end of one short sorted vector. Events past the horizon (joins and
// departures scheduled ahead, long timers), or before the current slice, wait in a heap;
// each pop takes the earlier of the two heads, so the order is exactly that of one heap.
class EventQueue {
 public:
  // `origin` and `origins` make orders unique across the partitions that create events.
  EventQueue(std::uint32_t origin = 0, std::uint32_t origins = 1)
      : next_order_(origin), step_(origins), buckets_(kBuckets) {}

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
    if (e.t_us < base_us_ || e.t_us >= base_us_ + kHorizonUs) {
      far_.push(e);
      return;
    }
    std::vector<Event>& bucket = buckets_[bucket_of(e.t_us)];
    ++in_buckets_;
    if (e.t_us < base_us_ + kSliceUs && current_sorted_) {
      // The current slice is sorted latest first, and is being taken from its end.
      bucket.insert(std::upper_bound(bucket.begin(), bucket.end(), e, later_first), e);
      return;
    }
    bucket.push_back(e);
  }
  bool empty() const { return in_buckets_ == 0 && far_.empty(); }
  std::size_t size() const { return in_buckets_ + far_.size(); }
  // Not const: finding the head may move on to the next slice that holds events.
  const Event& top() {
    const Event* near = near_head();
    return far_first(near) ? far_.top() : *near;
  }
  Event pop() {
    const Event* near = near_head();
    if (far_first(near)) return far_.pop();
    const Event e = *near;
    buckets_[bucket_of(base_us_)].pop_back();
    --in_buckets_;
    return e;
  }

 private:
  static constexpr std::int64_t kSliceUs = 250;
  static constexpr std::size_t kBuckets = 1 << 12;  // a horizon of 1.02 s
  static constexpr std::int64_t kHorizonUs = kSliceUs * static_cast<std::int64_t>(kBuckets);

  static bool later_first(const Event& a, const Event& b) { return earlier(b, a); }
  static std::size_t bucket_of(std::int64_t t_us) {
    return static_cast<std::size_t>(t_us / kSliceUs) & (kBuckets - 1);
  }

  // Whether the heap's head comes before `near`, the buckets' head (null if they are empty).
  bool far_first(const Event* near) const { return !near || (!far_.empty() && earlier(far_.top(), *near)); }

  // The earliest event in the buckets, or null if they are empty.
  const Event* near_head() {
    if (in_buckets_ == 0) {
      // Nothing near: start the horizon at the far events' head, so that what they schedule
      // lands in buckets.
      if (!far_.empty() && far_.top().t_us >= base_us_ + kSliceUs) {
        const std::int64_t t = far_.top().t_us;
        move_base(t - t % kSliceUs);
      }
      return nullptr;
    }
    for (;;) {
      std::vector<Event>& bucket = buckets_[bucket_of(base_us_)];
      if (!bucket.empty()) {
        if (!current_sorted_) {
          std::sort(bucket.begin(), bucket.end(), later_first);
          current_sorted_ = true;
        }
        return &bucket.back();
      }
      move_base(base_us_ + kSliceUs);
    }
  }
  void move_base(std::int64_t base_us) {
    base_us_ = base_us;
    current_sorted_ = false;
  }

  std::uint64_t next_order_;
  std::uint64_t step_;
  std::vector<std::vector<Event>> buckets_;
  std::int64_t base_us_ = 0;  // the current slice's start; the horizon runs from here
  bool current_sorted_ = false;
  std::size_t in_buckets_ = 0;
  EventHeap far_;
};

}  // namespace potok::sim
