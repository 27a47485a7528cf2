#include "node/crypto/stream_key.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace potok::crypto {

namespace {
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

PublicKey raw_public(EVP_PKEY* key) {
  PublicKey out{};
  std::size_t len = out.size();
  EVP_PKEY_get_raw_public_key(key, out.data(), &len);
  return out;
}
}  // namespace

struct SigningKey::Impl {
  PkeyPtr key;
};
struct Verifier::Impl {
  PkeyPtr key;
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) { public_ = raw_public(impl_->key.get()); }
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;
SigningKey::~SigningKey() = default;

SigningKey SigningKey::generate() {
  auto impl = std::make_unique<Impl>();
  impl->key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!impl->key) std::abort();  // only fails when OpenSSL itself is broken
  return SigningKey(std::move(impl));
}

std::optional<SigningKey> SigningKey::load_or_create(const std::string& path, std::string& error, bool& created) {
  created = false;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    PkeyPtr key(PEM_read_PrivateKey(f, nullptr, nullptr, nullptr));
    std::fclose(f);
    if (!key) {
      error = "cannot read an Ed25519 private key from " + path + ": " + openssl_error() +
              " (move the file away to create a new stream key)";
      return std::nullopt;
    }
    if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_ED25519) {
      error = path + " holds a key that is not Ed25519";
      return std::nullopt;
    }
    auto impl = std::make_unique<Impl>();
    impl->key = std::move(key);
    return SigningKey(std::move(impl));
  }
  if (errno != ENOENT) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  SigningKey fresh = generate();
  // O_EXCL: never clobber a key another process just wrote; 0600 from the first byte.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    error = "cannot create " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  FILE* f = ::fdopen(fd, "wb");
  const bool ok = f && PEM_write_PrivateKey(f, fresh.impl_->key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (f) std::fclose(f);
  if (!ok) {
    ::unlink(path.c_str());
    error = "cannot write " + path;
    return std::nullopt;
  }
  created = true;
  return fresh;
}

Signature SigningKey::sign(std::span<const std::uint8_t> message) const {
  Signature sig{};
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t len = sig.size();
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len, message.data(), message.size()) != 1)
    std::abort();  // Ed25519 signing of an in-memory buffer cannot fail short of OOM
  return sig;
}

Verifier::Verifier(const PublicKey& key) : impl_(std::make_unique<Impl>()) {
  impl_->key.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
}
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;
Verifier::~Verifier() = default;

bool Verifier::verify(std::span<const std::uint8_t> message, const Signature& signature) const {
  if (!impl_ || !impl_->key) return false;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1) return false;
  const bool ok = EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(), message.size()) == 1;
  ERR_clear_error();
  return ok;
}

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}

std::string to_base64url(std::span<const std::uint8_t> bytes) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

std::optional<PublicKey> public_key_from_base64url(std::string_view text) {
  if (text.size() != 43) return std::nullopt;  // 32 bytes, unpadded
  PublicKey out{};
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t n = 0;
  for (char c : text) {
    const char* p = std::strchr(kAlphabet, c);
    if (!p || c == '\0') return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == out.size()) return std::nullopt;
      out[n++] = static_cast<std::uint8_t>(acc >> bits);
    }
  }
  if (n != out.size() || (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace potok::crypto
