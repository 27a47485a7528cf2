#include "node/net/http_fetch.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace potok::net {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

std::optional<std::string> http_get(boost::asio::io_context& io, const Url& url, std::chrono::seconds timeout,
                                    std::string& error) {
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::empty_body> request{http::verb::get, url.target, 11};
  request.set(http::field::host, url.host + ":" + url.port);
  request.set(http::field::user_agent, "potok-watch");
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  std::optional<std::string> body;
  const std::string where = url.host + ":" + url.port;

  stream.expires_after(timeout);
  resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) {
      error = "cannot resolve " + url.host + ": " + ec.message();
      return;
    }
    stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec) {
        error = "cannot connect to " + where + ": " + ec.message();
        return;
      }
      http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
        if (ec) {
          error = "cannot send the request to " + where + ": " + ec.message();
          return;
        }
        http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
          if (ec) {
            error = "no answer from " + where + ": " + ec.message();
            return;
          }
          const auto& response = parser.get();
          if (response.result() != http::status::ok) {
            error = where + url.target + " answered " + std::to_string(response.result_int());
            return;
          }
          body = response.body();
        });
      });
    });
  });
  io.restart();
  io.run();
  io.restart();
  beast::error_code ignored;
  stream.socket().close(ignored);
  return body;
}

}  // namespace potok::net
