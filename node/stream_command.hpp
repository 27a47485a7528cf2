#pragma once

#include <string>
#include <vector>

namespace potok::cli {

// `potok stream ...`: returns the process exit code.
int run_stream_command(const std::vector<std::string>& args);

}  // namespace potok::cli
