// The node's HTTP side (Boost.Beast): serves the player page and /stats.json, and hands
// WebSocket upgrades on /ws to whoever runs the peer protocol. One io_context thread; every
// connection is bounded in request size and time, so a slow or hostile client costs little.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <string>

namespace potok::net {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

class HttpServer {
 public:
  using Route = std::function<HttpResponse(const http::request<http::string_body>&)>;
  using Upgrade = std::function<void(beast::tcp_stream, http::request<http::string_body>)>;

  HttpServer(boost::asio::io_context& io, Route route, Upgrade websocket);
  // Binds and listens; false with `error` set if the address is bad or taken.
  bool listen(const std::string& address, std::uint16_t port, std::string& error);
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void stop();

 private:
  void accept_next();

  boost::asio::io_context& io_;
  tcp::acceptor acceptor_;
  Route route_;
  Upgrade websocket_;
};

// Splits "ADDR:PORT" (IPv4 or [IPv6]); false on anything else.
bool parse_host_port(const std::string& text, std::string& host, std::uint16_t& port);

}  // namespace potok::net
