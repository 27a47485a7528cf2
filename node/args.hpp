// A small, strict command-line parser: every option is declared, every value is checked, and
// anything unknown or malformed is an error naming the option. No third-party library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace potok::cli {

class Args {
 public:
  Args(std::vector<std::string> argv) : argv_(std::move(argv)) {}

  // Each getter consumes its option; error() is set on a malformed value.
  bool flag(const std::string& name);
  std::optional<std::string> text(const std::string& name);
  // A repeatable option: every value given, in order.
  std::vector<std::string> texts(const std::string& name);
  std::optional<std::uint64_t> integer(const std::string& name, std::uint64_t min, std::uint64_t max);
  std::optional<double> number(const std::string& name, double min, double max);
  // One of `allowed`, word for word.
  std::optional<std::string> choice(const std::string& name, const std::vector<std::string>& allowed);

  // After the option getters: the arguments left that do not look like options, taken out.
  std::vector<std::string> positionals();
  // After all getters: anything left over is an unknown option.
  bool finish();
  const std::string& error() const { return error_; }
  bool ok() const { return error_.empty(); }

 private:
  std::optional<std::string> take(const std::string& name);
  std::optional<std::string> take_once(const std::string& name);
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  std::vector<std::string> argv_;
  std::string error_;
};

// Prints "potok COMMAND: MESSAGE" and where to look for the usage, and returns the exit code for
// a usage error (2).
int fail_usage(const char* command, const std::string& message);

}  // namespace potok::cli
