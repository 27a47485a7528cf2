// Writing the simulator's outputs (JSON report, SVG plots) to disk, with an error message a
// person can act on instead of an exception.
#pragma once

#include <string>
#include <string_view>

namespace potok::sim {

// Writes `content` to `path`. On failure returns false and, when `error` is non-null, says what
// failed: "cannot open <what> '<path>': <strerror>" (`what` may be empty). Never throws.
bool write_text_file(const std::string& path, std::string_view content, std::string_view what,
                     std::string* error);

}  // namespace potok::sim
