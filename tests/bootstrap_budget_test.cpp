// The bootstrap's budgets, as a specification, on a source engine driven by hand: Welcomes are
// paid from a budget of their own by their size on the wire, so climbing relays cannot crowd out
// joiners; peers that lack a parent have a budget of their own too; a climbing relay is
// answered only from what either leaves over, and only while half of it is still there.
#include <gtest/gtest.h>

#include <cstdint>
#include <variant>

#include "core/engine.hpp"
#include "core/wire.hpp"

namespace potok {
namespace {

constexpr std::uint64_t kBitrate = 2'500'000;

struct Answers {
  int welcomes = 0;
  int lists = 0;
  std::uint64_t bytes = 0;
};

class Bootstrap {
 public:
  explicit Bootstrap(double welcome_budget = 0.2, double query_budget = 0.05) {
    EngineConfig cfg;
    cfg.role = Role::kSource;
    cfg.self = PeerId{1};
    cfg.stream.bitrate_bps = kBitrate;
    cfg.upload_cap_bps = 2 * kBitrate;
    cfg.tuning.welcome_budget = welcome_budget;
    cfg.tuning.query_budget = query_budget;
    engine_ = std::make_unique<Engine>(cfg);
    feed(in::Start{});
  }
  // Every asker has a transport up, so answers are sent, not queued.
  void connect(std::uint64_t peer) { feed(in::Connected{PeerId{peer}}); }
  void ask(std::uint64_t peer, Message m) { feed(in::Received{PeerId{peer}, std::move(m)}); }
  void at(Instant t) { now_ = t; }
  const Answers& answers() const { return answers_; }

 private:
  template <typename E>
  void feed(E e) {
    engine_->handle_input(Input{now_, std::move(e)});
    for (int i = 0; i < 10'000; ++i) {
      Output o = engine_->poll_output();
      if (std::holds_alternative<out::WakeAt>(o)) return;
      if (auto* tx = std::get_if<out::Transmit>(&o)) {
        answers_.welcomes += std::holds_alternative<Welcome>(tx->message) ? 1 : 0;
        answers_.lists += std::holds_alternative<CandidateList>(tx->message) ? 1 : 0;
        answers_.bytes += wire::wire_size(tx->message);
      }
    }
    FAIL() << "the engine never stopped producing outputs";
  }

  std::unique_ptr<Engine> engine_;
  Instant now_ = at_us(1'000'000);
  Answers answers_;
};

JoinRequest join() { return JoinRequest{4, NatClass::kOpen, NetCoord{}}; }
CandidateQuery orphan_query() { return CandidateQuery{12, 0, false}; }
CandidateQuery climb_query() { return CandidateQuery{2, 0b0001, true}; }

TEST(BootstrapBudget, WelcomesArePaidByTheirSizeFromTheirOwnBudget) {
  Bootstrap b;
  // 0.2 x 2.5 Mbit/s = 62.5 kB/s, saved up for at most 1 s: 1500 joiners at once get ~62 kB
  // of Welcomes, and never more than the budget.
  for (std::uint64_t p = 2; p < 1502; ++p) b.connect(p);
  for (std::uint64_t p = 2; p < 1502; ++p) b.ask(p, join());
  const double budget = 0.2 * kBitrate / 8;
  EXPECT_LE(static_cast<double>(b.answers().bytes), budget);
  EXPECT_GE(static_cast<double>(b.answers().bytes), 0.9 * budget);
  // An empty swarm's Welcome is small (one candidate: the source), so far more than the 61 a
  // fixed 1 KiB charge allowed.
  EXPECT_GT(b.answers().welcomes, 700);
  EXPECT_LT(b.answers().welcomes, 1500);
}

TEST(BootstrapBudget, ClimbersCannotStarveJoiners) {
  Bootstrap b;
  for (std::uint64_t p = 2; p < 2002; ++p) b.connect(p);
  for (std::uint64_t p = 2; p < 2002; ++p) b.ask(p, climb_query());
  const int climbs_answered = b.answers().lists;
  EXPECT_GT(climbs_answered, 0) << "a full budget answers climbers";
  // The joiners come a moment later: the climbers left half of each bucket.
  b.at(at_us(1'000'001));
  for (std::uint64_t p = 2; p < 2002; ++p) b.ask(p, join());
  EXPECT_GT(b.answers().welcomes, 100);
}

TEST(BootstrapBudget, ClimbersAreAnsweredOnlyFromWhatJoinersAndOrphansLeave) {
  Bootstrap b(0.2, 0.05);
  for (std::uint64_t p = 2; p < 5002; ++p) b.connect(p);
  for (std::uint64_t p = 2; p < 5002; ++p) b.ask(p, climb_query());
  // The top quarter of the joiners' bucket and the top half of the orphans'.
  const double climbers_share = (0.2 / 4 + 0.05 / 2) * kBitrate / 8;
  EXPECT_LE(static_cast<double>(b.answers().bytes), climbers_share + 200);
  EXPECT_GE(static_cast<double>(b.answers().bytes), climbers_share - 400);
}

TEST(BootstrapBudget, OrphansMayUseHalfOfTheJoinersBudgetAfterTheirOwn) {
  Bootstrap b(0.2, 0.05);
  for (std::uint64_t p = 2; p < 5002; ++p) b.connect(p);
  for (std::uint64_t p = 2; p < 5002; ++p) b.ask(p, orphan_query());
  const double orphans_share = (0.2 / 2 + 0.05) * kBitrate / 8;
  EXPECT_LE(static_cast<double>(b.answers().bytes), orphans_share + 200);
  EXPECT_GE(static_cast<double>(b.answers().bytes), orphans_share - 800);  // each bucket keeps < 1 answer
  // ...and the joiners who come next still find half of theirs.
  const int lists = b.answers().lists;
  for (std::uint64_t p = 2; p < 5002; ++p) b.ask(p, join());
  EXPECT_EQ(b.answers().lists, lists);
  EXPECT_GT(b.answers().welcomes, 100);
}

TEST(BootstrapBudget, PeersWithoutAParentHaveABudgetJoinersCannotTake) {
  Bootstrap b;
  for (std::uint64_t p = 2; p < 3002; ++p) b.connect(p);
  for (std::uint64_t p = 2; p < 3002; ++p) b.ask(p, join());  // drains the Welcome budget
  const int welcomes = b.answers().welcomes;
  for (std::uint64_t p = 2; p < 3002; ++p) b.ask(p, orphan_query());
  EXPECT_GT(b.answers().lists, 0) << "answered from their own budget";
  EXPECT_EQ(b.answers().welcomes, welcomes);
  EXPECT_LE(static_cast<double>(b.answers().bytes), (0.2 + 0.05) * kBitrate / 8);
}

}  // namespace
}  // namespace potok
