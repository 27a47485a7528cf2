// The player page, built from web/player/ at build time (web/CMakeLists.txt) and compiled into
// the binary that links potok_web_assets.
#pragma once

#include <string_view>

namespace potok::web {

// The self-contained player HTML (style, scripts and the engine's WebAssembly inlined). It
// contains the placeholder `/*POTOK_CONFIG*/null` exactly once, inside a script; the server
// replaces it with the stream's config JSON (with "<" written as \u003c) before serving.
std::string_view player_template();

}  // namespace potok::web
