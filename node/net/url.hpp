// The few URLs a node dials: http://host[:port]/path and ws://host[:port]/path. TLS (https,
// wss) is for reverse proxies in front of a node, not for node-to-node links.
#pragma once

#include <optional>
#include <string>

namespace potok::net {

struct Url {
  std::string scheme;  // "http" or "ws"
  std::string host;
  std::string port;
  std::string target;  // path and query, at least "/"
};

// nullopt for anything else, with `error` saying why.
std::optional<Url> parse_url(const std::string& text, std::string& error);

}  // namespace potok::net
