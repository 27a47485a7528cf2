#include "sim/text_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace potok::sim {

bool write_text_file(const std::string& path, std::string_view content, std::string_view what,
                     std::string* error) {
  auto fail = [&](const char* action, int err) {
    if (error != nullptr) {
      try {
        *error = std::string("cannot ") + action + (what.empty() ? "" : " ") + std::string(what) + " '" +
                 path + "': " + std::strerror(err);
      } catch (...) {
        // Out of memory while describing the failure: the false return still reports it.
      }
    }
    return false;
  };
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return fail("open", errno);
  errno = 0;
  const std::size_t written = std::fwrite(content.data(), 1, content.size(), f);
  const int write_errno = errno;
  if (written != content.size()) {
    std::fclose(f);
    return fail("write", write_errno != 0 ? write_errno : EIO);
  }
  if (std::fclose(f) != 0) return fail("write", errno);
  return true;
}

}  // namespace potok::sim
