#include "node/run_loop.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace potok::node {

namespace {
constexpr auto kGoodbyeTime = std::chrono::milliseconds(300);

std::chrono::microseconds micros(double s) { return std::chrono::microseconds(static_cast<std::int64_t>(s * 1e6)); }
}  // namespace

void run_until_stopped(boost::asio::io_context& io, std::optional<double> duration_s,
                       const std::function<void(const char* why)>& stop) {
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  boost::asio::steady_timer deadline(io);
  bool stopping = false;
  auto shutdown = [&](const char* why) {
    if (stopping) return;
    stopping = true;
    signals.cancel();
    stop(why);
    deadline.expires_after(kGoodbyeTime);
    deadline.async_wait([&](boost::system::error_code) { io.stop(); });
  };
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) shutdown("signal");
  });
  if (duration_s) {
    deadline.expires_after(micros(*duration_s));
    deadline.async_wait([&](boost::system::error_code ec) {
      if (!ec) shutdown("--duration reached");
    });
  }
  io.run();
}

struct Every::State {
  explicit State(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  double period_s = 0;
  std::function<void()> f;
  void arm(const std::shared_ptr<State>& self) {
    timer.expires_after(micros(period_s));
    timer.async_wait([self](boost::system::error_code ec) {
      if (ec) return;
      self->f();
      self->arm(self);
    });
  }
};

Every::Every(boost::asio::io_context& io, double period_s, std::function<void()> f)
    : state_(std::make_shared<State>(io)) {
  state_->period_s = period_s;
  state_->f = std::move(f);
  if (period_s > 0) state_->arm(state_);
}

Every::~Every() { state_->timer.cancel(); }

}  // namespace potok::node
