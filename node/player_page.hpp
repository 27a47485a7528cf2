// The generated player page: the web build's template with this stream's config baked in, so
// the page is one self-contained file a streamer can publish anywhere. `potok watch` reads the
// same config back out of a page (or out of /config.json).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "node/crypto/stream_key.hpp"

namespace potok::node {

struct PlayerConfig {
  crypto::PublicKey stream_key{};
  PeerId source_peer{};
  std::vector<std::string> bootstrap;    // ws:// URLs of the bootstrap node(s)
  std::vector<std::string> ice_servers;  // STUN/TURN URLs for browser-to-browser links
  std::string title;
  std::string welcome;
};

// The placeholder the template carries exactly once.
inline constexpr std::string_view kConfigPlaceholder = "/*POTOK_CONFIG*/null";

std::string config_json(const PlayerConfig& config);
// The page, or nullopt (with `error`) if the template lacks the placeholder.
std::optional<std::string> render_player_page(std::string_view page_template, const PlayerConfig& config,
                                              std::string& error);
// From a rendered page or a bare config JSON document.
std::optional<PlayerConfig> parse_player_config(std::string_view page_or_json, std::string& error);

// The source's PeerId follows from its key, so pages stay valid when the node restarts.
PeerId source_peer_of(const crypto::PublicKey& key);

}  // namespace potok::node
