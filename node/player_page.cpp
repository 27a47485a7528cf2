#include "node/player_page.hpp"

#include <nlohmann/json.hpp>

namespace potok::node {

namespace {
constexpr std::string_view kMarker = "/*POTOK_CONFIG*/";
constexpr int kConfigVersion = 1;
}  // namespace

std::string config_json(const PlayerConfig& c) {
  nlohmann::json ice = nlohmann::json::array();
  for (const auto& url : c.ice_servers) ice.push_back({{"urls", url}});
  const nlohmann::json j = {
      {"version", kConfigVersion},
      {"stream_key", crypto::to_base64url(c.stream_key)},
      {"source_peer", std::to_string(c.source_peer.value)},  // a string: JS numbers lose u64 bits
      {"bootstrap", c.bootstrap},
      {"ice_servers", ice},
      {"title", c.title},
      {"welcome", c.welcome},
  };
  // The JSON sits inside a <script>: no "</script>" or "<!--" may appear, so no '<' at all.
  // '<' only occurs inside strings, where \u003c means the same.
  std::string out;
  for (char ch : j.dump()) {
    if (ch == '<') out += "\\u003c";
    else out += ch;
  }
  return out;
}

std::optional<std::string> render_player_page(std::string_view page_template, const PlayerConfig& config,
                                              std::string& error) {
  const auto at = page_template.find(kConfigPlaceholder);
  if (at == std::string_view::npos || page_template.find(kConfigPlaceholder, at + 1) != std::string_view::npos) {
    error = "the player template must contain the config placeholder exactly once";
    return std::nullopt;
  }
  std::string page(page_template.substr(0, at));
  page += kMarker;
  page += config_json(config);
  page += page_template.substr(at + kConfigPlaceholder.size());
  return page;
}

std::optional<PlayerConfig> parse_player_config(std::string_view text, std::string& error) {
  std::string_view json = text;
  if (const auto at = text.find(kMarker); at != std::string_view::npos) json = text.substr(at + kMarker.size());
  nlohmann::json j;
  try {
    // The page goes on after the config object; parse just that one value.
    std::size_t depth = 0, end = 0;
    bool in_string = false, escaped = false;
    for (std::size_t i = 0; i < json.size(); ++i) {
      const char ch = json[i];
      if (in_string) {
        if (escaped) escaped = false;
        else if (ch == '\\') escaped = true;
        else if (ch == '"') in_string = false;
      } else if (ch == '"') {
        in_string = true;
      } else if (ch == '{') {
        ++depth;
      } else if (ch == '}' && depth > 0 && --depth == 0) {
        end = i + 1;
        break;
      }
    }
    if (end == 0) {
      error = "no player config found (is this a Potok player page?)";
      return std::nullopt;
    }
    j = nlohmann::json::parse(json.substr(0, end));
    PlayerConfig c;
    if (j.value("version", 0) != kConfigVersion) {
      error = "unsupported player config version";
      return std::nullopt;
    }
    const auto key = crypto::public_key_from_base64url(j.at("stream_key").get<std::string>());
    if (!key) {
      error = "the stream key in the config is not a base64url Ed25519 public key";
      return std::nullopt;
    }
    c.stream_key = *key;
    c.source_peer = PeerId{std::stoull(j.at("source_peer").get<std::string>())};
    c.bootstrap = j.at("bootstrap").get<std::vector<std::string>>();
    for (const auto& server : j.value("ice_servers", nlohmann::json::array()))
      if (server.contains("urls") && server["urls"].is_string()) c.ice_servers.push_back(server["urls"]);
    c.title = j.value("title", "");
    c.welcome = j.value("welcome", "");
    if (c.bootstrap.empty() || c.source_peer.value == 0) {
      error = "the player config names no bootstrap or no source";
      return std::nullopt;
    }
    return c;
  } catch (const std::exception& e) {
    error = std::string("malformed player config: ") + e.what();
    return std::nullopt;
  }
}

PeerId source_peer_of(const crypto::PublicKey& key) {
  std::uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id |= static_cast<std::uint64_t>(key[static_cast<std::size_t>(i)]) << (8 * i);
  return PeerId{id == 0 ? 1 : id};
}

}  // namespace potok::node
