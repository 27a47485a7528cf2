#include "node/net/ws_link.hpp"

#include <boost/asio/connect.hpp>
#include <cstring>

namespace potok::net {

namespace {
constexpr std::uint8_t kMagic[8] = {'p', 'o', 't', 'o', 'k', '/', '1', 0};
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);
}  // namespace

Bytes make_preface(PeerId self) {
  Bytes out(kMagic, kMagic + 8);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(self.value >> (8 * i)));
  return out;
}

std::optional<PeerId> parse_preface(std::span<const std::uint8_t> message) {
  if (message.size() != kPrefaceSize || std::memcmp(message.data(), kMagic, 8) != 0) return std::nullopt;
  std::uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id |= static_cast<std::uint64_t>(message[8 + i]) << (8 * i);
  if (id == 0) return std::nullopt;
  return PeerId{id};
}

WsLink::WsLink(websocket::stream<beast::tcp_stream> ws, PeerId self, std::optional<PeerId> expected,
               Callbacks callbacks)
    : ws_(std::move(ws)), self_(self), expected_(expected), callbacks_(std::move(callbacks)) {}

std::shared_ptr<WsLink> WsLink::accept(beast::tcp_stream stream, http::request<http::string_body> request,
                                       PeerId self, Callbacks callbacks) {
  beast::error_code ec;
  const auto endpoint = stream.socket().remote_endpoint(ec);
  auto link = std::make_shared<WsLink>(websocket::stream<beast::tcp_stream>(std::move(stream)), self, std::nullopt,
                                       std::move(callbacks));
  if (!ec) link->remote_address_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  const std::string_view target(request.target().data(), request.target().size());
  link->greeting_ = parse_greeting(target, link->greeting_error_);
  link->ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  link->ws_.read_message_max(kMaxMessage);
  link->ws_.next_layer().expires_after(kHandshakeTimeout);
  link->ws_.async_accept(request, [link](beast::error_code ec) {
    if (ec) return link->fail("WebSocket handshake failed: " + ec.message());
    // From here the WebSocket's own idle timeout (pings) watches the link, not the handshake's.
    link->ws_.next_layer().expires_never();
    link->on_transport_ready();
    if (!link->greeting_error_.empty()) return link->close("bad greeting in the URL: " + link->greeting_error_);
    if (link->greeting_) link->open_from_greeting();
  });
  return link;
}

std::shared_ptr<WsLink> WsLink::connect(boost::asio::io_context& io, std::string host, std::string port,
                                        std::string target, PeerId self, std::optional<PeerId> expected,
                                        Callbacks callbacks, Bytes first_frame) {
  if (!first_frame.empty()) target = with_greeting(target, LinkGreeting{self, std::move(first_frame)});
  auto link = std::make_shared<WsLink>(websocket::stream<beast::tcp_stream>(io), self, expected, std::move(callbacks));
  link->remote_address_ = host + ":" + port;
  auto resolver = std::make_shared<tcp::resolver>(io);
  resolver->async_resolve(host, port, [link, resolver, host, target](beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) return link->fail("cannot resolve " + host + ": " + ec.message());
    link->ws_.next_layer().expires_after(kHandshakeTimeout);
    link->ws_.next_layer().async_connect(results, [link, host, target](beast::error_code ec, const tcp::endpoint& ep) {
      if (ec) return link->fail("cannot connect to " + link->remote_address_ + ": " + ec.message());
      const std::string host_header = host + ":" + std::to_string(ep.port());
      link->ws_.read_message_max(kMaxMessage);
      link->ws_.async_handshake(host_header, target, [link](beast::error_code ec) {
        if (ec) return link->fail("WebSocket handshake failed: " + ec.message());
        link->ws_.next_layer().expires_never();
        link->ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
        link->on_transport_ready();
      });
    });
  });
  return link;
}

void WsLink::on_transport_ready() {
  ws_.binary(true);
  send(make_preface(self_));
  read_next();
}

void WsLink::open_from_greeting() {
  remote_ = greeting_->peer;
  open_ = true;
  preface_due_ = true;
  if (callbacks_.on_open) callbacks_.on_open(*this, remote_);
  if (!closed_ && !greeting_->first_frame.empty() && callbacks_.on_message)
    callbacks_.on_message(*this, greeting_->first_frame);
  greeting_.reset();
}

void WsLink::read_next() {
  ws_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void WsLink::on_read(beast::error_code ec, std::size_t bytes) {
  if (closed_) return;
  if (ec) return fail(ec == websocket::error::closed ? "closed by the other side" : ec.message());
  bytes_received_ += bytes;
  const auto data = read_buffer_.cdata();
  std::span<const std::uint8_t> message(static_cast<const std::uint8_t*>(data.data()), data.size());
  if (!ws_.got_binary()) {
    read_buffer_.consume(read_buffer_.size());
    return fail("text message on a binary link");
  }
  if (preface_due_) {
    const auto remote = parse_preface(message);
    read_buffer_.consume(read_buffer_.size());
    if (!remote || *remote != remote_) return fail("the preface does not name the peer of the greeting");
    preface_due_ = false;
  } else if (!open_) {
    const auto remote = parse_preface(message);
    read_buffer_.consume(read_buffer_.size());
    if (!remote) return fail("no valid link preface");
    if (expected_ && *remote != *expected_) return fail("the other side is peer " + std::to_string(remote->value) +
                                                        ", not the expected " + std::to_string(expected_->value));
    remote_ = *remote;
    open_ = true;
    if (callbacks_.on_open) callbacks_.on_open(*this, remote_);
  } else {
    if (callbacks_.on_message) callbacks_.on_message(*this, message);
    read_buffer_.consume(read_buffer_.size());
  }
  if (!closed_) read_next();
}

void WsLink::send(Bytes message) {
  if (closed_) return;
  queued_bytes_ += message.size();
  if (queued_bytes_ > kMaxQueuedBytes) return fail("the other side does not keep up (send queue full)");
  queue_.push_back(std::move(message));
  if (!writing_) write_next();
}

void WsLink::write_next() {
  if (queue_.empty() || closed_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  ws_.async_write(boost::asio::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
    if (self->closed_) return;
    if (ec) return self->fail("write failed: " + ec.message());
    self->bytes_sent_ += n;
    self->queued_bytes_ -= self->queue_.front().size();
    self->queue_.pop_front();
    self->write_next();
  });
}

void WsLink::close(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  open_ = false;
  queue_.clear();
  auto self = shared_from_this();
  // Bound the close handshake. (Not with the TCP stream's expiry: a read and a write may both
  // be pending here, and basic_stream forbids changing its timer then.)
  websocket::stream_base::timeout timeouts;
  ws_.get_option(timeouts);
  timeouts.handshake_timeout = std::chrono::seconds(2);
  ws_.set_option(timeouts);
  ws_.async_close(websocket::close_reason(websocket::close_code::normal, why.substr(0, 100)),
                  [self](beast::error_code) { beast::error_code ignored; self->ws_.next_layer().socket().close(ignored); });
  if (callbacks_.on_close) callbacks_.on_close(*this, why);
}

void WsLink::fail(const std::string& why) {
  if (closed_) return;
  auto keep_alive = shared_from_this();  // on_close may drop the owner's last reference
  closed_ = true;
  open_ = false;
  queue_.clear();
  beast::error_code ignored;
  ws_.next_layer().socket().close(ignored);
  if (callbacks_.on_close) callbacks_.on_close(*this, why);
}

}  // namespace potok::net
