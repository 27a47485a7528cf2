// A map from PeerId to a small value, stored flat (open addressing, linear probing).
//
// Every message an engine sends or receives looks up its link to that peer, so this lookup is
// the engine's hottest operation: in the simulator, with ten thousand engines, a node-based
// std::unordered_map spent a fifth of the run in cache misses. Here a lookup usually touches one
// cache line. Iteration order depends only on the keys and the order of insertions and
// erasures, so the engine stays deterministic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <utility>
#include <vector>

#include "core/ids.hpp"

namespace potok {

template <class V>
class PeerMap {
 public:
  using Entry = std::pair<PeerId, V>;

  V* find(PeerId key) {
    const std::size_t i = index_of(key);
    return i == kAbsent ? nullptr : &slots_[i].second;
  }
  const V* find(PeerId key) const { return const_cast<PeerMap*>(this)->find(key); }

  // The value for `key`, default-made if absent; `inserted` says which.
  std::pair<V*, bool> try_emplace(PeerId key) {
    if (V* v = find(key)) return {v, false};
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    std::size_t i = slot_of(key);
    while (used_[i]) i = (i + 1) & mask();
    used_[i] = 1;
    slots_[i] = Entry{key, V{}};
    ++size_;
    return {&slots_[i].second, true};
  }
  V& operator[](PeerId key) { return *try_emplace(key).first; }

  bool erase(PeerId key) {
    std::size_t hole = index_of(key);
    if (hole == kAbsent) return false;
    // Backward-shift deletion: later entries of the probe run move into the hole, so no
    // tombstones are needed and lookups stay short.
    for (std::size_t next = (hole + 1) & mask(); used_[next]; next = (next + 1) & mask()) {
      const std::size_t home = slot_of(slots_[next].first);
      const bool movable = hole <= next ? (home <= hole || home > next) : (home <= hole && home > next);
      if (!movable) continue;
      slots_[hole] = std::move(slots_[next]);
      hole = next;
    }
    used_[hole] = 0;
    slots_[hole] = Entry{};
    --size_;
    return true;
  }

  void clear() {
    slots_.clear();
    used_.clear();
    size_ = 0;
  }
  std::size_t size() const { return size_; }

  // Iteration over the entries in slot order. Erasing while iterating is not supported.
  template <class Map, class E>
  class Iter {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Entry;
    using difference_type = std::ptrdiff_t;
    using pointer = E*;
    using reference = E&;
    Iter() = default;
    Iter(Map* map, std::size_t i) : map_(map), i_(i) { skip(); }
    E& operator*() const { return map_->slots_[i_]; }
    E* operator->() const { return &map_->slots_[i_]; }
    Iter& operator++() {
      ++i_;
      skip();
      return *this;
    }
    bool operator==(const Iter& o) const { return i_ == o.i_; }

   private:
    void skip() {
      while (i_ < map_->slots_.size() && !map_->used_[i_]) ++i_;
    }
    Map* map_ = nullptr;
    std::size_t i_ = 0;
  };
  using iterator = Iter<PeerMap, Entry>;
  using const_iterator = Iter<const PeerMap, const Entry>;
  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, slots_.size()); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, slots_.size()); }

 private:
  static constexpr std::size_t kAbsent = ~std::size_t{0};
  std::size_t index_of(PeerId key) const {
    if (size_ == 0) return kAbsent;
    for (std::size_t i = slot_of(key);; i = (i + 1) & mask()) {
      if (!used_[i]) return kAbsent;
      if (slots_[i].first == key) return i;
    }
  }
  std::size_t mask() const { return slots_.size() - 1; }
  std::size_t slot_of(PeerId key) const {
    // Simulated peers have dense ids and real ones random ids: mix, so both spread evenly.
    std::uint64_t z = key.value + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return static_cast<std::size_t>(z ^ (z >> 31)) & mask();
  }
  void grow() {
    std::vector<Entry> old_slots = std::move(slots_);
    std::vector<std::uint8_t> old_used = std::move(used_);
    const std::size_t n = old_slots.empty() ? 8 : old_slots.size() * 2;
    slots_.assign(n, Entry{});
    used_.assign(n, 0);
    size_ = 0;
    for (std::size_t i = 0; i < old_slots.size(); ++i) {
      if (!old_used[i]) continue;
      std::size_t j = slot_of(old_slots[i].first);
      while (used_[j]) j = (j + 1) & mask();
      used_[j] = 1;
      slots_[j] = std::move(old_slots[i]);
      ++size_;
    }
  }

  std::vector<Entry> slots_;
  std::vector<std::uint8_t> used_;
  std::size_t size_ = 0;
};

}  // namespace potok
