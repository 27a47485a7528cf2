#include "node/sim_command.hpp"

#include <cstdio>

#include "node/args.hpp"
#include "sim/plots.hpp"
#include "sim/progress.hpp"
#include "sim/report.hpp"
#include "sim/swarm.hpp"

namespace potok::cli {

namespace {
constexpr const char* kSimUsage = R"(Usage: potok sim [options]

Simulates a Potok swarm in virtual time with the real protocol engine, and measures latency,
continuity, startup, source upload and overheads. Defaults are the standard scenario
(docs/performance.md): a 2.5 Mbps stream, mixed upload capacities, NATs, world-wide RTTs.

Options:
  --peers N          viewers, 1..1000000 (default 10000)
  --duration S       simulated seconds, 1..86400 (default 600)
  --seed K           random seed; equal seeds give equal runs (default 1)
  --churn            sessions last 5 min on average; arrivals keep the audience steady
  --parity MODE      who takes the fifth stripe, of parity, from which a relay rebuilds a
                     stripe it lost: guards (the relays near the top of the trees; the
                     default), all (every viewer: 25 % more download), or none (no parity
                     stripe, four stripes); docs/parity.md
  --report FILE      write the JSON report to FILE
  --plots DIR        write SVG plots (latency CDF, upload, depth, continuity) into DIR
  --threads N        1 or 2 (default 2); the result does not depend on it
  --quiet            nothing on stderr but errors (no header, progress bar or summary)
  -h, --help         this text
)";

void print_summary(const sim::RunSummary& s) {
  std::fprintf(stderr,
               "peers %u, %.0f s, seed %llu%s: wall %.1f s\n"
               "  latency p50 %.0f ms, p95 %.0f ms, p99 %.0f ms; startup p50 %.0f ms\n"
               "  continuity %.5f, late plays %llu, source upload %.2fx, max depth %u\n",
               s.peers, s.duration_s, static_cast<unsigned long long>(s.seed), s.churn ? " (churn)" : "",
               s.wall_s, s.latency_ms.percentile(0.5), s.latency_ms.percentile(0.95),
               s.latency_ms.percentile(0.99), sim::percentile_nearest_rank(s.startup_ms, 0.5), s.continuity(),
               static_cast<unsigned long long>(s.late_plays),
               s.stream_bytes ? static_cast<double>(s.source_upload_bytes) / static_cast<double>(s.stream_bytes) : 0.0,
               s.max_depth);
}
}  // namespace

int run_sim_command(const std::vector<std::string>& argv) {
  Args args(argv);
  if (args.flag("--help") || args.flag("-h")) {
    std::fputs(kSimUsage, stdout);
    return 0;
  }
  sim::Scenario scenario;
  if (auto v = args.integer("--peers", 1, 1'000'000)) scenario.peers = static_cast<std::uint32_t>(*v);
  if (auto v = args.number("--duration", 1, 86'400)) scenario.duration_s = *v;
  if (auto v = args.integer("--seed", 0, UINT64_MAX)) scenario.seed = *v;
  scenario.churn = args.flag("--churn");
  if (const auto mode = args.choice("--parity", {"guards", "all", "none"})) {
    scenario.stream.parity = *mode != "none";
    scenario.stream.parity_guards = *mode == "guards";
    scenario.stream.stripe_count = scenario.stream.parity ? 5 : 4;
  }
  int threads = 2;
  if (auto v = args.integer("--threads", 1, 2)) threads = static_cast<int>(*v);
  const auto report = args.text("--report");
  const auto plots = args.text("--plots");
  const bool quiet = args.flag("--quiet");
  if (!args.finish()) return fail_usage("sim", args.error());

  if (!quiet)
    std::fprintf(stderr, "potok sim: %u peers, %.0f s simulated, seed %llu%s\n", scenario.peers,
                 scenario.duration_s, static_cast<unsigned long long>(scenario.seed),
                 scenario.churn ? ", churn" : "");
  sim::Swarm swarm(scenario, threads);
  sim::ProgressBar bar("simulating", scenario.duration_s, stderr,
                       quiet ? sim::ProgressBar::Mode::Never : sim::ProgressBar::Mode::Auto);
  const sim::RunSummary summary = swarm.run([&](double t) { bar.update(t); });
  bar.finish();
  if (!quiet) print_summary(summary);

  std::string error;
  if (report && !sim::write_report(*report, summary, &error)) {
    std::fprintf(stderr, "potok sim: %s\n", error.c_str());
    return 1;
  }
  if (plots && !sim::write_plots(*plots, summary, &error)) {
    std::fprintf(stderr, "potok sim: %s\n", error.c_str());
    return 1;
  }
  if (!quiet) {
    if (report) std::fprintf(stderr, "report: %s\n", report->c_str());
    if (plots) std::fprintf(stderr, "plots: %s/\n", plots->c_str());
  }
  return 0;
}

}  // namespace potok::cli
