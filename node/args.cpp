#include "node/args.hpp"

#include <algorithm>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace potok::cli {

std::optional<std::string> Args::take(const std::string& name) {
  auto v = take_once(name);
  if (v && take_once(name)) fail(name + " given twice");
  return v;
}

std::optional<std::string> Args::take_once(const std::string& name) {
  for (std::size_t i = 0; i < argv_.size(); ++i) {
    const std::string& a = argv_[i];
    if (a == name) {
      // "--report --quiet" means a forgotten value, not a report named "--quiet".
      if (i + 1 >= argv_.size() || argv_[i + 1].rfind("--", 0) == 0) {
        fail(name + " needs a value");
        argv_.erase(argv_.begin() + static_cast<std::ptrdiff_t>(i));
        return std::nullopt;
      }
      std::string v = argv_[i + 1];
      argv_.erase(argv_.begin() + static_cast<std::ptrdiff_t>(i), argv_.begin() + static_cast<std::ptrdiff_t>(i) + 2);
      return v;
    }
    if (a.rfind(name + "=", 0) == 0) {
      std::string v = a.substr(name.size() + 1);
      argv_.erase(argv_.begin() + static_cast<std::ptrdiff_t>(i));
      return v;
    }
  }
  return std::nullopt;
}

bool Args::flag(const std::string& name) {
  for (std::size_t i = 0; i < argv_.size(); ++i) {
    if (argv_[i] == name) {
      argv_.erase(argv_.begin() + static_cast<std::ptrdiff_t>(i));
      return true;
    }
  }
  return false;
}

std::optional<std::string> Args::text(const std::string& name) {
  auto v = take(name);
  if (v && v->empty()) {
    fail(name + " needs a non-empty value");
    return std::nullopt;
  }
  return v;
}

std::optional<std::string> Args::choice(const std::string& name, const std::vector<std::string>& allowed) {
  auto v = text(name);
  if (!v || std::find(allowed.begin(), allowed.end(), *v) != allowed.end()) return v;
  std::string list;
  for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
  fail(name + " must be one of " + list + ", not '" + *v + "'");
  return std::nullopt;
}

std::vector<std::string> Args::positionals() {
  std::vector<std::string> out, options;
  for (auto& a : argv_) (a.rfind("-", 0) == 0 && a != "-" ? options : out).push_back(std::move(a));
  argv_ = std::move(options);
  return out;
}

std::vector<std::string> Args::texts(const std::string& name) {
  std::vector<std::string> out;
  for (std::size_t guard = 0; guard < 10'000; ++guard) {
    auto v = take_once(name);
    if (!v) break;
    if (v->empty()) fail(name + " needs a non-empty value");
    else out.push_back(*v);
  }
  return out;
}

std::optional<std::uint64_t> Args::integer(const std::string& name, std::uint64_t min, std::uint64_t max) {
  auto v = take(name);
  if (!v) return std::nullopt;
  const std::string& s = *v;
  bool digits = !s.empty();
  for (char c : s) digits = digits && c >= '0' && c <= '9';
  errno = 0;
  const unsigned long long parsed = digits ? std::strtoull(s.c_str(), nullptr, 10) : 0;
  if (!digits || errno == ERANGE || parsed < min || parsed > max) {
    fail(name + ": expected a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
         ", got '" + s + "'");
    return std::nullopt;
  }
  return parsed;
}

std::optional<double> Args::number(const std::string& name, double min, double max) {
  auto v = take(name);
  if (!v) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const double parsed = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || errno == ERANGE || !std::isfinite(parsed) || parsed < min || parsed > max) {
    fail(name + ": expected a number from " + std::to_string(min) + " to " + std::to_string(max) + ", got '" +
         *v + "'");
    return std::nullopt;
  }
  return parsed;
}

bool Args::finish() {
  if (!error_.empty()) return false;
  if (!argv_.empty()) {
    const std::string& a = argv_.front();
    fail(a.rfind("-", 0) == 0 ? "unknown option '" + a + "'" : "unexpected argument '" + a + "'");
    return false;
  }
  return true;
}

int fail_usage(const char* command, const std::string& message) {
  std::fprintf(stderr, "potok %s: %s\n(see potok %s --help)\n", command, message.c_str(), command);
  return 2;
}

}  // namespace potok::cli
