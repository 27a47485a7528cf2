#include "node/net/link_greeting.hpp"

#include <charconv>

namespace potok::net {

namespace {
constexpr char kHex[] = "0123456789abcdef";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_peer(std::string_view text, PeerId& peer, std::string& error) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    error = "peer is not a decimal PeerId";
    return false;
  }
  if (value == 0) {
    error = "peer 0 is not a PeerId";
    return false;
  }
  peer = PeerId{value};
  return true;
}

bool parse_frame(std::string_view text, Bytes& frame, std::string& error) {
  if (text.size() % 2 != 0 || text.size() > 2 * kMaxGreetingFrame) {
    error = text.size() % 2 ? "join is not whole bytes of hex"
                            : "join is longer than " + std::to_string(kMaxGreetingFrame) + " bytes";
    return false;
  }
  frame.clear();
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_value(text[i]);
    const int lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) {
      error = "join is not hex";
      return false;
    }
    frame.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
  }
  return true;
}
}  // namespace

std::string greeting_query(const LinkGreeting& greeting) {
  std::string query = "peer=" + std::to_string(greeting.peer.value);
  if (greeting.first_frame.empty()) return query;
  query += "&join=";
  for (std::uint8_t b : greeting.first_frame) {
    query += kHex[b >> 4];
    query += kHex[b & 15];
  }
  return query;
}

std::string with_greeting(const std::string& target, const LinkGreeting& greeting) {
  const bool has_query = target.find('?') != std::string::npos;
  return target + (has_query ? "&" : "?") + greeting_query(greeting);
}

std::string_view target_path(std::string_view target) { return target.substr(0, target.find('?')); }

std::optional<LinkGreeting> parse_greeting(std::string_view target, std::string& error) {
  error.clear();
  const std::size_t mark = target.find('?');
  if (mark == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(mark + 1);
  std::optional<std::string_view> peer_text, join_text;
  // A query has a handful of parameters; a bound keeps a hostile one from costing more.
  for (int parameters = 0; !query.empty(); ++parameters) {
    if (parameters == 32) {
      error = "too many query parameters";
      return std::nullopt;
    }
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    const std::size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    std::optional<std::string_view>* slot = key == "peer" ? &peer_text : key == "join" ? &join_text : nullptr;
    if (!slot) continue;
    if (*slot) {
      error = std::string(key) + " is given twice";
      return std::nullopt;
    }
    *slot = value;
  }
  if (!peer_text) {
    if (join_text) error = "join without peer";
    return std::nullopt;
  }
  LinkGreeting greeting;
  if (!parse_peer(*peer_text, greeting.peer, error)) return std::nullopt;
  if (join_text && !parse_frame(*join_text, greeting.first_frame, error)) return std::nullopt;
  return greeting;
}

}  // namespace potok::net
