#include "node/net/url.hpp"

#include <charconv>

namespace potok::net {

std::optional<Url> parse_url(const std::string& text, std::string& error) {
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string::npos) {
    error = "'" + text + "' is not a URL (want http://HOST:PORT/...)";
    return std::nullopt;
  }
  url.scheme = text.substr(0, scheme_end);
  if (url.scheme != "http" && url.scheme != "ws") {
    error = "'" + url.scheme + "://' is not supported here (use http:// or ws://; put TLS in a reverse proxy)";
    return std::nullopt;
  }
  const std::string rest = text.substr(scheme_end + 3);
  const auto slash = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, slash);
  url.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (url.target.front() != '/') url.target = "/" + url.target;
  if (const auto hash = url.target.find('#'); hash != std::string::npos) url.target.resize(hash);
  std::string port = "80";
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const auto close = authority.find(']');
    if (close == std::string::npos) {
      error = "bad IPv6 address in '" + text + "'";
      return std::nullopt;
    }
    url.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') {
        error = "bad host in '" + text + "'";
        return std::nullopt;
      }
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string::npos) {
    url.host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  } else {
    url.host = authority;
  }
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (url.host.empty() || port.empty() || ec != std::errc() || ptr != port.data() + port.size() || value == 0 ||
      value > 65535) {
    error = "bad host or port in '" + text + "'";
    return std::nullopt;
  }
  url.port = std::to_string(value);
  return url;
}

}  // namespace potok::net
