#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <pqxx/connection>

#include "events/uuid.hpp"

/// The sign-in tables of schema/003_auth.sql: magic links, sessions and
/// reserved unique names. Plain functions over a connection, run by the
/// edge's database workers; they throw libpqxx exceptions, which the worker
/// turns into `unavailable`.
namespace larder::http::auth_store {

/// Records a link for `email` whose token hashes to `token_hash_hex`,
/// unless `email` already got `max_per_window` links within `window`.
/// True when the link was recorded (and should be mailed).
bool issue_magic_link(pqxx::connection& conn, std::string_view email,
                      std::string_view token_hash_hex, std::chrono::seconds ttl,
                      int max_per_window, std::chrono::seconds window,
                      std::string_view requested_from);

/// Consumes the link atomically: the email it was issued to, or nothing
/// when it is unknown, used or expired.
std::optional<std::string> consume_magic_link(pqxx::connection& conn,
                                              std::string_view token_hash_hex);

struct session_row {
  events::uuid user_id;
  std::optional<events::uuid> tenant_id;
  /// Seconds since the Unix epoch.
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  bool revoked = false;
};

/// Creates a session valid for `ttl`; answers its expiry (epoch seconds).
std::int64_t create_session(pqxx::connection& conn,
                            const events::uuid& session_id,
                            const events::uuid& user_id,
                            const std::optional<events::uuid>& tenant_id,
                            std::chrono::seconds ttl,
                            std::string_view user_agent);

std::optional<session_row> find_session(pqxx::connection& conn,
                                        const events::uuid& session_id);

/// Extends a live session to now + `ttl`; its new expiry, or nothing when
/// it is revoked or expired.
std::optional<std::int64_t> renew_session(pqxx::connection& conn,
                                          const events::uuid& session_id,
                                          std::chrono::seconds ttl);

void set_session_tenant(pqxx::connection& conn, const events::uuid& session_id,
                        const events::uuid& tenant_id);

void revoke_session(pqxx::connection& conn, const events::uuid& session_id);

/// Revokes every live session of the user; how many.
int revoke_user_sessions(pqxx::connection& conn, const events::uuid& user_id);

/// Reserves `key` of `kind` for `owner`. True when it is now `owner`'s
/// (newly, or already); false when someone else holds it.
bool reserve_key(pqxx::connection& conn, std::string_view kind,
                 std::string_view key, const events::uuid& owner);

} // namespace larder::http::auth_store
