#include "node/net/http_server.hpp"

#include <boost/beast/websocket.hpp>
#include <charconv>
#include <optional>

#include "node/net/link_greeting.hpp"

namespace potok::net {

namespace {
constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr std::uint32_t kMaxRequestBytes = 16 * 1024;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, const HttpServer::Route& route, const HttpServer::Upgrade& websocket)
      : stream_(std::move(socket)), route_(route), websocket_(websocket) {}

  void read_next() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBytes);
    parser_->header_limit(kMaxRequestBytes);
    stream_.expires_after(kRequestTimeout);
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_request(ec);
    });
  }

 private:
  void on_request(beast::error_code ec) {
    if (ec) {
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    http::request<http::string_body> request = parser_->release();
    const std::string_view target(request.target().data(), request.target().size());
    if (beast::websocket::is_upgrade(request) && target_path(target) == "/ws") {
      stream_.expires_never();
      websocket_(std::move(stream_), std::move(request));
      return;
    }
    const HttpResponse r = request.method() == http::verb::get || request.method() == http::verb::head
                               ? route_(request)
                               : HttpResponse{405, "text/plain; charset=utf-8", "method not allowed\n"};
    auto response = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status),
                                                                         request.version());
    response->set(http::field::server, "potok");
    response->set(http::field::content_type, r.content_type);
    response->set(http::field::cache_control, "no-store");
    response->set(http::field::access_control_allow_origin, "*");
    response->keep_alive(request.keep_alive());
    if (request.method() != http::verb::head) response->body() = r.body;
    response->prepare_payload();
    http::async_write(stream_, *response, [self = shared_from_this(), response](beast::error_code ec, std::size_t) {
      if (ec || !response->keep_alive()) {
        beast::error_code ignored;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        return;
      }
      self->read_next();
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  const HttpServer::Route& route_;
  const HttpServer::Upgrade& websocket_;
};
}  // namespace

HttpServer::HttpServer(boost::asio::io_context& io, Route route, Upgrade websocket)
    : io_(io), acceptor_(io), route_(std::move(route)), websocket_(std::move(websocket)) {}

bool HttpServer::listen(const std::string& address, std::uint16_t port, std::string& error) {
  beast::error_code ec;
  const auto ip = boost::asio::ip::make_address(address, ec);
  if (ec) {
    error = "'" + address + "' is not an IP address";
    return false;
  }
  const tcp::endpoint endpoint(ip, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error = "cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message();
    return false;
  }
  accept_next();
  return true;
}

void HttpServer::stop() {
  beast::error_code ignored;
  acceptor_.close(ignored);
}

void HttpServer::accept_next() {
  acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec == boost::asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) std::make_shared<HttpSession>(std::move(socket), route_, websocket_)->read_next();
    accept_next();
  });
}

bool parse_host_port(const std::string& text, std::string& host, std::uint16_t& port) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size()) return false;
  host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned value = 0;
  const char* first = text.data() + colon + 1;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr != last || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace potok::net
