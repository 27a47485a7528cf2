#pragma once

#include <string>
#include <vector>

namespace potok::cli {

// `potok watch URL ...`: returns the process exit code.
int run_watch_command(const std::vector<std::string>& args);

}  // namespace potok::cli
