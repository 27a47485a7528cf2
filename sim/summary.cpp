// MsHistogram: fill and nearest-rank percentiles.
#include "sim/summary.hpp"

#include <algorithm>

#include "sim/report.hpp"  // nearest_rank: one rank rule for histogram and vector percentiles

namespace potok::sim {

void MsHistogram::add_many(std::int64_t ms, std::uint64_t n) {
  const std::int64_t index = std::clamp<std::int64_t>(ms, 0, kMaxMs);
  buckets_[static_cast<std::size_t>(index)] += n;
  count_ += n;
}

// Nearest-rank percentile (see nearest_rank in sim/report.hpp): the sample of rank ceil(p * N)
// among the N recorded values, so the result is always a recorded bucket (a whole ms). An empty
// histogram yields 0.
double MsHistogram::percentile(double p) const {
  if (count_ == 0) return 0.0;
  const std::uint64_t rank = nearest_rank(p, count_);
  std::uint64_t seen = 0;
  for (std::size_t ms = 0; ms < buckets_.size(); ++ms) {
    seen += buckets_[ms];
    if (seen >= rank) return static_cast<double>(ms);
  }
  return static_cast<double>(kMaxMs);  // unreachable while count_ matches the buckets
}

}  // namespace potok::sim
