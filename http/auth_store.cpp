#include "http/auth_store.hpp"

#include <pqxx/pqxx>

namespace larder::http::auth_store {

namespace {

constexpr const char* k_lock_email =
  "SELECT pg_advisory_xact_lock(hashtextextended('magic:' || $1, 0))";

constexpr const char* k_count_recent =
  "SELECT count(*) FROM auth.magic_links "
  "WHERE email = $1 AND created_at > now() - make_interval(secs => $2)";

constexpr const char* k_insert_link =
  "INSERT INTO auth.magic_links (token_hash, email, expires_at, "
  "requested_from) "
  "VALUES (decode($1, 'hex'), $2, now() + make_interval(secs => $3), $4)";

// Links older than a day are of no use to anyone; dropping them here keeps
// the table small without a separate job.
constexpr const char* k_prune_links =
  "DELETE FROM auth.magic_links WHERE email = $1 "
  "AND created_at < now() - interval '1 day'";

constexpr const char* k_consume_link =
  "UPDATE auth.magic_links SET consumed_at = now() "
  "WHERE token_hash = decode($1, 'hex') AND consumed_at IS NULL "
  "AND expires_at > now() RETURNING email";

constexpr const char* k_create_session =
  "INSERT INTO auth.sessions (session_id, user_id, tenant_id, expires_at, "
  "user_agent) VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5) "
  "RETURNING extract(epoch FROM expires_at)::bigint";

constexpr const char* k_find_session =
  "SELECT user_id, tenant_id, extract(epoch FROM created_at)::bigint, "
  "extract(epoch FROM expires_at)::bigint, revoked_at IS NOT NULL "
  "FROM auth.sessions WHERE session_id = $1";

constexpr const char* k_renew_session =
  "UPDATE auth.sessions SET expires_at = now() + make_interval(secs => $2) "
  "WHERE session_id = $1 AND revoked_at IS NULL AND expires_at > now() "
  "RETURNING extract(epoch FROM expires_at)::bigint";

constexpr const char* k_set_tenant =
  "UPDATE auth.sessions SET tenant_id = $2 WHERE session_id = $1";

constexpr const char* k_revoke_session =
  "UPDATE auth.sessions SET revoked_at = now() "
  "WHERE session_id = $1 AND revoked_at IS NULL";

constexpr const char* k_revoke_user =
  "UPDATE auth.sessions SET revoked_at = now() "
  "WHERE user_id = $1 AND revoked_at IS NULL";

constexpr const char* k_reserve_key =
  "INSERT INTO auth.unique_keys (kind, key, owner) VALUES ($1, $2, $3) "
  "ON CONFLICT (kind, key) DO NOTHING";

constexpr const char* k_key_owner =
  "SELECT owner FROM auth.unique_keys WHERE kind = $1 AND key = $2";

std::optional<std::string> opt(const std::optional<events::uuid>& id) {
  if (!id)
    return std::nullopt;
  return id->to_string();
}

events::uuid uuid_of(const pqxx::field& f) {
  return events::uuid::parse(f.c_str()).value_or(events::uuid{});
}

} // namespace

bool issue_magic_link(pqxx::connection& conn, std::string_view email,
                      std::string_view token_hash_hex, std::chrono::seconds ttl,
                      int max_per_window, std::chrono::seconds window,
                      std::string_view requested_from) {
  pqxx::work txn{conn};
  txn.exec_params(k_lock_email, std::string{email});
  auto recent =
    txn.exec_params1(k_count_recent, std::string{email}, window.count())[0]
      .as<int>();
  if (recent >= max_per_window)
    return false;
  txn.exec_params(k_prune_links, std::string{email});
  txn.exec_params(k_insert_link, std::string{token_hash_hex},
                  std::string{email}, ttl.count(), std::string{requested_from});
  txn.commit();
  return true;
}

std::optional<std::string> consume_magic_link(pqxx::connection& conn,
                                              std::string_view token_hash_hex) {
  pqxx::work txn{conn};
  auto rows = txn.exec_params(k_consume_link, std::string{token_hash_hex});
  txn.commit();
  if (rows.empty())
    return std::nullopt;
  return rows[0][0].as<std::string>();
}

std::int64_t create_session(pqxx::connection& conn,
                            const events::uuid& session_id,
                            const events::uuid& user_id,
                            const std::optional<events::uuid>& tenant_id,
                            std::chrono::seconds ttl,
                            std::string_view user_agent) {
  pqxx::work txn{conn};
  auto row = txn.exec_params1(k_create_session, session_id.to_string(),
                              user_id.to_string(), opt(tenant_id), ttl.count(),
                              std::string{user_agent.substr(0, 300)});
  txn.commit();
  return row[0].as<std::int64_t>();
}

std::optional<session_row> find_session(pqxx::connection& conn,
                                        const events::uuid& session_id) {
  pqxx::read_transaction txn{conn};
  auto rows = txn.exec_params(k_find_session, session_id.to_string());
  if (rows.empty())
    return std::nullopt;
  const auto& r = rows[0];
  session_row s;
  s.user_id = uuid_of(r[0]);
  if (!r[1].is_null())
    s.tenant_id = uuid_of(r[1]);
  s.created_at = r[2].as<std::int64_t>();
  s.expires_at = r[3].as<std::int64_t>();
  s.revoked = r[4].as<bool>();
  return s;
}

std::optional<std::int64_t> renew_session(pqxx::connection& conn,
                                          const events::uuid& session_id,
                                          std::chrono::seconds ttl) {
  pqxx::work txn{conn};
  auto rows =
    txn.exec_params(k_renew_session, session_id.to_string(), ttl.count());
  txn.commit();
  if (rows.empty())
    return std::nullopt;
  return rows[0][0].as<std::int64_t>();
}

void set_session_tenant(pqxx::connection& conn, const events::uuid& session_id,
                        const events::uuid& tenant_id) {
  pqxx::work txn{conn};
  txn.exec_params(k_set_tenant, session_id.to_string(), tenant_id.to_string());
  txn.commit();
}

void revoke_session(pqxx::connection& conn, const events::uuid& session_id) {
  pqxx::work txn{conn};
  txn.exec_params(k_revoke_session, session_id.to_string());
  txn.commit();
}

int revoke_user_sessions(pqxx::connection& conn, const events::uuid& user_id) {
  pqxx::work txn{conn};
  auto res = txn.exec_params(k_revoke_user, user_id.to_string());
  txn.commit();
  return static_cast<int>(res.affected_rows());
}

bool reserve_key(pqxx::connection& conn, std::string_view kind,
                 std::string_view key, const events::uuid& owner) {
  pqxx::work txn{conn};
  txn.exec_params(k_reserve_key, std::string{kind}, std::string{key},
                  owner.to_string());
  auto holder =
    txn.exec_params1(k_key_owner, std::string{kind}, std::string{key});
  txn.commit();
  return uuid_of(holder[0]) == owner;
}

} // namespace larder::http::auth_store
