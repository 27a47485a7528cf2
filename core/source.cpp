// The source's side of the engine: it produces chunks and is the bootstrap that joiners ask.
#include <algorithm>

#include "core/wire.hpp"
#include "core/wire_codec.hpp"

#include "core/engine.hpp"

namespace potok {

namespace {
constexpr std::uint64_t kWelcomeGroupScan = 128;  // chunks back from the newest: a few groups (5 s)
}

void Engine::start_source() {
  params_ = config_.stream;
  have_params_ = true;
  clock_.known = true;  // the source clock is ours
  reset_downstream(0);
  orphan_places_.assign(params_.stripe_count, OrphanPlace{});
  stripes_.clear();
  backfill_tokens_.reset(now_);
  join_state_ = JoinState::kJoined;
}

void Engine::on_produce(ChunkPtr chunk) {
  if (!chunk || join_state_ != JoinState::kJoined) return;
  const ChunkHeader& h = chunk->header;
  if (seen_any_ && h.seq <= newest_seen_) {
    event(out::EventKind::kProtocolViolation, config_.self, h.seq);  // ingest went backwards
    return;
  }
  ++produced_;
  seen_any_ = true;
  newest_seen_ = h.seq;
  ref_capture_us_ = h.capture_us;
  if (h.keyframe) group_start_ = h.seq;
  buffer_.insert(chunk);
  forward(chunk, 1, false);
}

ChunkSeq Engine::welcome_group_start() const {
  // Not the newest group: a joiner shows its first picture at the keyframe's capture + D, and
  // D is over two seconds at first (deep places, unmeasured stripes, both margins), while its
  // parents, a second or more behind us, do not hold the newest keyframe yet when it
  // subscribes. One about D old at the decision to play is shown at once.
  const std::int64_t oldest_capture = ref_capture_us_ - us_of(config_.tuning.welcome_group_age);
  for (std::uint64_t back = 0; back < kWelcomeGroupScan && back <= newest_seen_.value; ++back) {
    const ChunkPtr* c = buffer_.find(ChunkSeq{newest_seen_.value - back});
    if (!c) break;
    if ((*c)->header.keyframe && (*c)->header.capture_us <= oldest_capture) return (*c)->header.seq;
  }
  return group_start_;  // the stream has only just begun, or its groups are long
}

std::vector<CandidateInfo> Engine::candidates_for(PeerId asker_id, int count, StripeMask wanted) {
  const Membership::Asker asker = membership_.describe(asker_id);
  std::vector<CandidateInfo> list;
  // The source offers itself while it has room, or to a relay stronger than its weakest child:
  // the strongest relays end up right below it.
  const StripeMask relayable = relayable_stripes() & wanted;
  const StripeMask open = downstream_.open_stripes(relayable) & ~reserved_for_orphans();
  const bool displaces = asker.capacity_slots > downstream_.weakest_in_full(relayable);
  if (open != 0 || displaces) {
    CandidateInfo self;
    self.peer = config_.self;
    self.spare_slots = std::max<std::uint16_t>(1, downstream_.spare());
    self.stripes = displaces ? relayable : open;
    self.nat = config_.nat;
    self.coord = vivaldi_.coord();
    list.push_back(self);
  }
  auto others = membership_.candidates_for(asker, count, now_, wanted);
  list.insert(list.end(), others.begin(), others.end());
  if (list.size() > static_cast<std::size_t>(count)) list.resize(count);
  return list;
}

StripeMask Engine::reserved_for_orphans() const {
  StripeMask reserved = 0;
  for (std::size_t s = 0; s < orphan_places_.size() && s < 32; ++s)
    if (now_ < orphan_places_[s].reserved_until) reserved |= StripeMask{1} << s;
  return reserved;
}

bool Engine::bootstrap_affords(TokenBucket& bucket, double budget_x, std::size_t candidates, double keep) {
  // Answering joiners is the source's job too, but it must not eat the upload its children
  // need: a flash crowd of thousands asking at once would stall the stream for everyone. Past
  // the budget a request goes unanswered, and the asker retries later, backing off. Each
  // bucket saves up at most 1 s of its rate, and an answer that can wait must leave `keep` of
  // that for the ones that cannot. The check is for the largest answer, before it is built:
  // building one hands relays out, which must not happen for an answer never sent.
  const double rate = budget_x * static_cast<double>(params_.bitrate_bps) / 8;
  const std::size_t largest = wire::kFrameHeaderSize + wire::codec::kWelcomeFixedSize +
                              wire::kCandidateWireSize * candidates;
  return bucket.affords(now_, rate, rate, largest + static_cast<std::size_t>(keep * rate));
}

void Engine::on_join_request(PeerId from, const JoinRequest& join) {
  membership_.joined(from, join, now_);
  const int count = config_.tuning.candidates_per_answer;
  if (!bootstrap_affords(welcome_tokens_, config_.tuning.welcome_budget, count, 0)) return;
  Welcome w;
  w.source_time_us = us_of(now_);
  w.params = params_;
  w.head_seq = newest_seen_;
  w.group_start_seq = welcome_group_start();
  w.swarm_size = static_cast<std::uint32_t>(membership_.size());
  w.candidates = candidates_for(from, count);
  welcome_tokens_.spend(wire::wire_size(w));
  send(from, std::move(w));
}

void Engine::on_candidate_query(PeerId from, const CandidateQuery& query) {
  // Three kinds of asker, in order: joiners (Welcomes), peers that lack a parent (they lose
  // chunks while they wait), and relays climbing to a better place (they already receive
  // everything). Joiners and parentless peers have a budget each. Past its own, a parentless
  // peer may use the joiners' while half of it is left: under churn, orphans far outnumber
  // joiners (a departure's whole subtree asks at once), and each second they wait costs every
  // one of them a stripe. A climber is answered only from what is left over: the top quarter
  // of the joiners' budget, or the top half of the orphans'. So a flash crowd is
  // admitted at full speed, and once it is in, the joiners' budget reshapes the trees.
  const int want = std::clamp<int>(query.want, 1, config_.tuning.candidates_per_answer);
  TokenBucket* bucket = nullptr;
  if (!query.climbing) {
    if (bootstrap_affords(query_tokens_, config_.tuning.query_budget, want, 0)) bucket = &query_tokens_;
    else if (bootstrap_affords(welcome_tokens_, config_.tuning.welcome_budget, want, 0.5)) bucket = &welcome_tokens_;
  } else if (bootstrap_affords(welcome_tokens_, config_.tuning.welcome_budget, want, 0.75)) {
    bucket = &welcome_tokens_;
  } else if (bootstrap_affords(query_tokens_, config_.tuning.query_budget, want, 0.5)) {
    bucket = &query_tokens_;
  }
  if (!bucket) return;
  CandidateList list;
  list.candidates = candidates_for(from, want, query.stripes == 0 ? ~StripeMask{0} : query.stripes);
  bucket->spend(wire::wire_size(list));
  send(from, std::move(list));
}

}  // namespace potok
