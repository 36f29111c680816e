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

/// HMAC-SHA256 of `data` under `key` (raw 32 bytes).
std::string hmac_sha256(std::string_view key, std::string_view data);

/// Signs `claims` with `key` (at least 32 bytes).
std::string sign_session(const session_claims& claims, std::string_view key);

/// Checks the header (`{"alg":"HS256","typ":"JWT"}` exactly — `none` and
/// every other algorithm are refused), the signature (constant-time
/// comparison), and that `now` (seconds since the epoch) is before `exp`.
/// Empty optional for anything else, malformed input included; never throws.
std::optional<session_claims>
verify_session(std::string_view token, std::string_view key, std::int64_t now);

} // namespace larder::http
