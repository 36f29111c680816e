#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "events/uuid.hpp"

/// The session cookie's value: a compact JWS (RFC 7515) with HS256 over
/// `{"sid":…,"sub":…,"iat":…,"exp":…}`. The signature proves the server
/// issued it; the session id lets the server revoke it.
namespace larder::http {

struct session_claims {
  /// The server-side session (auth.sessions).
  events::uuid session_id;
  events::uuid user_id;
  /// Seconds since the Unix epoch.
  std::int64_t issued_at = 0;
  std::int64_t expires_at = 0;
  friend bool operator==(const session_claims&,
                         const session_claims&) = default;
};

/// base64url without padding (RFC 4648 §5).
std::string base64url_encode(std::string_view bytes);
/// Empty optional on any character outside the alphabet or padding.
std::optional<std::string> base64url_decode(std::string_view text);

/// HMAC-SHA256 (RFC 2104) under one key, its padded blocks made once:
/// a MAC is then two hashes (`events::sha256`, which fetches the algorithm
/// once per thread), not OpenSSL's one-shot `HMAC()`, whose lookup of the
/// algorithm and set-up of the key were most of checking a session on each
/// request. Usable from any thread.
class hmac_key {
 public:
  hmac_key() : hmac_key(std::string_view{}) {}
  /// Any length; a key longer than a block is hashed first, as RFC 2104
  /// says.
  hmac_key(std::string_view key); // NOLINT: a key is its bytes
  hmac_key(const std::string& key) : hmac_key(std::string_view{key}) {}
  hmac_key(const char* key) : hmac_key(std::string_view{key}) {}

  /// The 32 raw bytes of the MAC of `data`.
  std::string sign(std::string_view data) const;

  /// Whether it was made from no bytes: such a key signs nothing anyone
  /// could not sign too.
  bool empty() const noexcept {
    return empty_;
  }

 private:
  /// The key's block XOR 0x36 and XOR 0x5c.
  std::string inner_pad_;
  std::string outer_pad_;
  bool empty_ = true;
};

/// HMAC-SHA256 of `data` under `key`.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Signs `claims` with `key` (at least 32 bytes).
std::string sign_session(const session_claims& claims, const hmac_key& key);

/// Checks the header (`{"alg":"HS256","typ":"JWT"}` exactly — `none` and
/// every other algorithm are refused), the signature (constant-time
/// comparison), and that `now` (seconds since the epoch) is before `exp`.
/// Empty optional for anything else, malformed input included; never throws.
std::optional<session_claims>
verify_session(std::string_view token, const hmac_key& key, std::int64_t now);

} // namespace larder::http
