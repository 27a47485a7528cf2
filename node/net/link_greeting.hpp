// What a dialler may put in its WebSocket upgrade URL so the far side can take the link for open,
// and answer its first frame, a round trip sooner (docs/protocol.md §1): its PeerId and that
// frame, as `?peer=<decimal>&join=<hex>`. Without it the far side waits for the dialler's
// preface, which can only follow the upgrade's answer.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/stream.hpp"

namespace potok::net {

// A JoinRequest is 17 bytes; the bound keeps the URL well inside the request header limit.
inline constexpr std::size_t kMaxGreetingFrame = 256;

struct LinkGreeting {
  PeerId peer;
  Bytes first_frame;  // may be empty
};

// "peer=…&join=…" (no "join" when the frame is empty).
std::string greeting_query(const LinkGreeting& greeting);
// `target` with the greeting appended to its query.
std::string with_greeting(const std::string& target, const LinkGreeting& greeting);
// The path of a request target, without its query.
std::string_view target_path(std::string_view target);
// The greeting in `target`'s query. nullopt with `error` empty when there is none; nullopt with
// `error` saying why when it is malformed. Other query parameters are ignored.
std::optional<LinkGreeting> parse_greeting(std::string_view target, std::string& error);

}  // namespace potok::net
