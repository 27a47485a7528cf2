// One WebSocket carrying the peer protocol between two Potok nodes (or a node and a browser).
//
// The first message each way is the link preface, "potok/1\0" and the sender's PeerId (u64
// little-endian), so each side knows whom it talks to before any protocol message; after it,
// every binary message is exactly one wire frame (docs/protocol.md §1). The link buffers what it
// cannot write yet, up to a bound: a peer that does not read is cut off rather than allowed to
// grow our memory without end.
//
// A dialler may name itself and its first frame in the upgrade URL (node/net/link_greeting.hpp):
// the accepting side then opens the link as soon as the upgrade is done and hands that frame on
// at once; the dialler's preface, when it comes, must name the same peer.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/ids.hpp"
#include "core/stream.hpp"
#include "node/net/link_greeting.hpp"

namespace potok::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

inline constexpr std::size_t kPrefaceSize = 16;
Bytes make_preface(PeerId self);
std::optional<PeerId> parse_preface(std::span<const std::uint8_t> message);

class WsLink : public std::enable_shared_from_this<WsLink> {
 public:
  struct Callbacks {
    std::function<void(WsLink&, PeerId remote)> on_open;               // prefaces exchanged
    std::function<void(WsLink&, std::span<const std::uint8_t>)> on_message;  // one frame
    std::function<void(WsLink&, const std::string& why)> on_close;     // once; also if never opened
  };
  static constexpr std::size_t kMaxQueuedBytes = 16 * 1024 * 1024;
  static constexpr std::size_t kMaxMessage = 64 * 1024;

  // Server side: `stream` just read `request`, an upgrade to WebSocket. A malformed greeting in
  // its URL closes the link, with the reason, once the upgrade is done.
  static std::shared_ptr<WsLink> accept(beast::tcp_stream stream, http::request<http::string_body> request,
                                        PeerId self, Callbacks callbacks);
  // Client side: connects to ws://host:port/target. `expected` (if set) must be the remote's id.
  // A non-empty `first_frame` rides the upgrade URL with our PeerId, as a greeting.
  static std::shared_ptr<WsLink> connect(boost::asio::io_context& io, std::string host, std::string port,
                                         std::string target, PeerId self, std::optional<PeerId> expected,
                                         Callbacks callbacks, Bytes first_frame = {});

  void send(Bytes message);
  void close(const std::string& why);
  bool open() const { return open_; }
  PeerId remote() const { return remote_; }
  std::string remote_address() const { return remote_address_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::uint64_t bytes_received() const { return bytes_received_; }

  WsLink(websocket::stream<beast::tcp_stream> ws, PeerId self, std::optional<PeerId> expected, Callbacks callbacks);

 private:
  void on_transport_ready();
  void open_from_greeting();
  void read_next();
  void on_read(beast::error_code ec, std::size_t bytes);
  void write_next();
  void fail(const std::string& why);

  websocket::stream<beast::tcp_stream> ws_;
  PeerId self_;
  std::optional<PeerId> expected_;
  Callbacks callbacks_;
  beast::flat_buffer read_buffer_;
  std::deque<Bytes> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool open_ = false;
  std::optional<LinkGreeting> greeting_;  // server side: what the upgrade URL said
  std::string greeting_error_;
  bool preface_due_ = false;              // opened by a greeting; the dialler's preface still to come
  bool closed_ = false;
  PeerId remote_{};
  std::string remote_address_;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_received_ = 0;
};

}  // namespace potok::net
