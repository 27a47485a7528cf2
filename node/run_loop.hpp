// How a long-running command ends: Ctrl-C / SIGTERM, or after --duration. Either way the
// owner's stop() runs first, then the loop gets a moment for goodbyes (Leave, WebSocket
// close) to reach the other side before it returns.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <optional>

namespace potok::node {

// Runs `io` until a signal or `duration_s`; calls `stop(reason)` once, then returns shortly
// after. A second Ctrl-C during the goodbye kills the process the usual way.
void run_until_stopped(boost::asio::io_context& io, std::optional<double> duration_s,
                       const std::function<void(const char* why)>& stop);

// Calls `f` every `period_s` seconds while `io` runs (0 = never).
class Every {
 public:
  Every(boost::asio::io_context& io, double period_s, std::function<void()> f);
  ~Every();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace potok::node
