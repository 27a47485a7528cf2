// A stream's identity: an Ed25519 key pair (OpenSSL). The source keeps the private key in a
// PEM file (mode 0600) that it creates on first run and reuses after, so the player pages it
// published before stay valid; everyone else only ever holds the 32-byte public key.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/stream.hpp"

namespace potok::crypto {

using PublicKey = std::array<std::uint8_t, 32>;

class SigningKey {
 public:
  // Loads `path`, or creates a new key there (0600) if it does not exist. An unreadable,
  // malformed or non-Ed25519 file is an error, never overwritten.
  static std::optional<SigningKey> load_or_create(const std::string& path, std::string& error, bool& created);
  static SigningKey generate();  // in memory only (tests)

  const PublicKey& public_key() const { return public_; }
  Signature sign(std::span<const std::uint8_t> message) const;

  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;
  ~SigningKey();

 private:
  struct Impl;
  explicit SigningKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  PublicKey public_{};
};

class Verifier {
 public:
  explicit Verifier(const PublicKey& key);
  bool verify(std::span<const std::uint8_t> message, const Signature& signature) const;

  Verifier(Verifier&&) noexcept;
  Verifier& operator=(Verifier&&) noexcept;
  ~Verifier();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// base64url without padding (RFC 4648 §5), the form the key takes in pages and URLs.
std::string to_base64url(std::span<const std::uint8_t> bytes);
std::optional<PublicKey> public_key_from_base64url(std::string_view text);

}  // namespace potok::crypto
