// `potok`: one binary, one subcommand per job.
#include <cstdio>
#include <string>
#include <vector>

#include "node/sim_command.hpp"
#include "node/stream_command.hpp"
#include "node/watch_command.hpp"

namespace {
constexpr const char* kMainUsage = R"(Usage: potok <command> [options]

Peer-to-peer live streaming: one streamer, viewers in browsers that relay to each other.

Commands:
  stream     stream live (test pattern, file, stdin, RTMP, SRT) to viewers' browsers
  watch      join a stream natively: record it, or load-test the source
  sim        simulate a swarm with the real protocol engine and measure it
  help       show this text

Run 'potok <command> --help' for a command's options.
)";
}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kMainUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  if (command == "sim") return potok::cli::run_sim_command(args);
  if (command == "stream") return potok::cli::run_stream_command(args);
  if (command == "watch") return potok::cli::run_watch_command(args);
  if (command.rfind("-", 0) == 0)
    std::fprintf(stderr, "potok: unknown option '%s'\n(see potok --help)\n", command.c_str());
  else
    std::fprintf(stderr, "potok: unknown command '%s'\n(see potok --help)\n", command.c_str());
  return 2;
}
