#include "events/uuid.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <span>

#include "events/crypto.hpp"

namespace larder::events {

namespace {

/// The random bits of v7 ids, drawn from OpenSSL's CSPRNG 4 KiB at a time:
/// one RAND_bytes call per id cost about 1.5 us (its locks and fork checks),
/// 14% of the client's CPU in `./dev bench append`. Secrets (tokens, keys)
/// still call `random_bytes` directly and never share this pool.
void v7_random_bits(std::span<std::uint8_t, 10> out) {
  thread_local std::array<std::uint8_t, 4096> pool;
  thread_local std::size_t used = pool.size();
  if (used + out.size() > pool.size()) {
    random_bytes(pool);
    used = 0;
  }
  std::copy_n(pool.begin() + static_cast<std::ptrdiff_t>(used), out.size(),
              out.begin());
  used += out.size();
}

} // namespace

uuid uuid::make_v7() {
  uuid id;
  v7_random_bits(std::span<std::uint8_t, 10>{id.bytes.data() + 6, 10});
  auto ms = static_cast<std::uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count());
  for (int i = 0; i < 6; ++i)
    id.bytes[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  id.bytes[6] = static_cast<std::uint8_t>(0x70 | (id.bytes[6] & 0x0f));
  id.bytes[8] = static_cast<std::uint8_t>(0x80 | (id.bytes[8] & 0x3f));
  return id;
}

uuid uuid::make_v8(std::string_view name) {
  auto digest = sha256({name});
  uuid id;
  std::copy_n(digest.begin(), id.bytes.size(), id.bytes.begin());
  id.bytes[6] = static_cast<std::uint8_t>(0x80 | (id.bytes[6] & 0x0f));
  id.bytes[8] = static_cast<std::uint8_t>(0x80 | (id.bytes[8] & 0x3f));
  return id;
}

std::optional<uuid> uuid::parse(std::string_view text) {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-'
      || text[23] != '-')
    return std::nullopt;
  std::string hex;
  hex.reserve(32);
  for (char c : text)
    if (c != '-')
      hex += c;
  auto raw = from_hex<16>(hex);
  if (!raw)
    return std::nullopt;
  return uuid{*raw};
}

bool uuid::is_nil() const noexcept {
  for (auto b : bytes)
    if (b != 0)
      return false;
  return true;
}

std::string uuid::to_string() const {
  auto hex = to_hex(bytes);
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < hex.size(); ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20)
      out += '-';
    out += hex[i];
  }
  return out;
}

} // namespace larder::events
