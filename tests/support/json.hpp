// A tiny strict JSON parser for tests: enough to check a report's syntax and look values up
// by key.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace potok::test_json {

struct Json {
  enum class Type { Null, Bool, Number, String, Array, Object } type = Type::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Json> array;
  std::map<std::string, Json> object;

  const Json& operator[](const std::string& key) const {
    static const Json missing;
    const auto it = object.find(key);
    return it == object.end() ? missing : it->second;
  }
  bool has(const std::string& key) const { return object.count(key) != 0; }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& text) : s_(text) {}

  // Parses the whole text; false (with a message) on any syntax error or trailing garbage.
  bool parse(Json* out) {
    try {
      *out = value();
      skip_ws();
      if (pos_ != s_.size()) throw std::runtime_error("trailing characters");
      return true;
    } catch (const std::exception& e) {
      error = std::string(e.what()) + " at offset " + std::to_string(pos_);
      return false;
    }
  }
  std::string error;

 private:
  void skip_ws() {
    while (pos_ < s_.size() && std::strchr(" \t\n\r", s_[pos_]) != nullptr) ++pos_;
  }
  char peek() {
    skip_ws();
    if (pos_ >= s_.size()) throw std::runtime_error("unexpected end");
    return s_[pos_];
  }
  void expect(char c) {
    if (peek() != c) throw std::runtime_error(std::string("expected '") + c + "'");
    ++pos_;
  }
  bool literal(const char* word) {
    if (s_.compare(pos_, std::strlen(word), word) != 0) return false;
    pos_ += std::strlen(word);
    return true;
  }
  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) throw std::runtime_error("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) throw std::runtime_error("raw control char");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) throw std::runtime_error("bad escape");
      const char e = s_[pos_++];
      if (e == 'u') {
        if (pos_ + 4 > s_.size()) throw std::runtime_error("bad \\u");
        out += static_cast<char>(std::stoi(s_.substr(pos_, 4), nullptr, 16));
        pos_ += 4;
      } else if (std::strchr("\"\\/bfnrt", e) != nullptr) {
        const char* from = "\"\\/bfnrt";
        const char* to = "\"\\/\b\f\n\r\t";
        out += to[std::strchr(from, e) - from];
      } else {
        throw std::runtime_error("bad escape");
      }
    }
  }
  Json value() {
    Json v;
    const char c = peek();
    if (c == '{') {
      v.type = Json::Type::Object;
      ++pos_;
      if (peek() == '}') return ++pos_, v;
      while (true) {
        std::string key = string();
        if (v.object.count(key) != 0) throw std::runtime_error("duplicate key " + key);
        expect(':');
        v.object[key] = value();
        if (peek() == '}') return ++pos_, v;
        expect(',');
      }
    }
    if (c == '[') {
      v.type = Json::Type::Array;
      ++pos_;
      if (peek() == ']') return ++pos_, v;
      while (true) {
        v.array.push_back(value());
        if (peek() == ']') return ++pos_, v;
        expect(',');
      }
    }
    if (c == '"') {
      v.type = Json::Type::String;
      v.string = string();
      return v;
    }
    if (literal("null")) return v;
    if (literal("true") || literal("false")) {
      v.type = Json::Type::Bool;
      v.boolean = s_[pos_ - 1] == 'e' && s_[pos_ - 2] == 'u';
      return v;
    }
    // Number: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      if (pos_ == from) throw std::runtime_error("expected digit");
    };
    if (s_[pos_] == '-') ++pos_;
    if (pos_ < s_.size() && s_[pos_] == '0') {
      ++pos_;
    } else {
      digits();
    }
    if (pos_ < s_.size() && s_[pos_] == '.') ++pos_, digits();
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      digits();
    }
    v.type = Json::Type::Number;
    v.number = std::stod(s_.substr(start, pos_ - start));
    return v;
  }

  const std::string& s_;
  std::size_t pos_ = 0;
};

inline Json parse_or_fail(const std::string& text) {
  Json root;
  JsonParser parser(text);
  EXPECT_TRUE(parser.parse(&root)) << parser.error << "\n" << text;
  return root;
}

}  // namespace potok::test_json
