#include "events/crypto.hpp"

#include <cstdio>
#include <cstdlib>

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace larder::events {

namespace {

[[noreturn]] void sha256_failed() {
  std::fputs("larder: OpenSSL SHA-256 failed\n", stderr);
  std::abort();
}

/// SHA-256 fetched from the provider once, and one digest context per
/// thread: `EVP_sha256()` made OpenSSL 3 look the algorithm up (under its
/// locks) on every call, which with a fresh context doubled the cost of
/// hashing an 800-byte envelope.
struct sha256_context {
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();

  sha256_context() {
    if (md == nullptr || ctx == nullptr)
      sha256_failed();
  }
  ~sha256_context() {
    EVP_MD_CTX_free(ctx);
    EVP_MD_free(md);
  }
  sha256_context(const sha256_context&) = delete;
  sha256_context& operator=(const sha256_context&) = delete;
};

} // namespace

sha256_digest sha256(std::initializer_list<std::string_view> parts) {
  thread_local sha256_context c;
  sha256_digest out{};
  unsigned int len = 0;
  bool ok = EVP_DigestInit_ex(c.ctx, c.md, nullptr);
  for (auto part : parts)
    ok = ok && EVP_DigestUpdate(c.ctx, part.data(), part.size());
  ok = ok && EVP_DigestFinal_ex(c.ctx, out.data(), &len);
  if (!ok || len != out.size())
    sha256_failed();
  return out;
}

void random_bytes(std::span<std::uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    std::fputs("larder: OpenSSL has no randomness (RAND_bytes failed)\n",
               stderr);
    std::abort();
  }
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0f];
  }
  return out;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

} // namespace

template <std::size_t N>
std::optional<std::array<std::uint8_t, N>> from_hex(std::string_view hex) {
  if (hex.size() != 2 * N)
    return std::nullopt;
  std::array<std::uint8_t, N> out{};
  for (std::size_t i = 0; i < N; ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

template std::optional<std::array<std::uint8_t, 32>>
  from_hex<32>(std::string_view);
template std::optional<std::array<std::uint8_t, 16>>
  from_hex<16>(std::string_view);

} // namespace larder::events
