#pragma once

#include <string>
#include <vector>

namespace potok::cli {

// `potok sim ...`: returns the process exit code.
int run_sim_command(const std::vector<std::string>& args);

}  // namespace potok::cli
