#include "projections/directory.hpp"

#include <algorithm>
#include <variant>

#include <pqxx/pqxx>

#include "projections/sql.hpp"

#include "actors/user/user.hpp"

namespace larder::projections {

namespace {

using domain::tenant_entity;
using domain::user_entity;

// -- SQL: apply ---------------------------------------------------------------
//
// Each statement is idempotent where that is cheap (an event applied twice
// leaves the row as once), so a replayed log converges on the same tables.

constexpr auto insert_user_sql =
  "INSERT INTO users (user_id, email, display_name, global_admin,"
  "                      founding_admin, registered_at)"
  " VALUES ($1::uuid, $2, NULLIF($3, ''), $4::boolean, $5::boolean,"
  "         $6::timestamptz)"
  " ON CONFLICT (user_id) DO NOTHING";

constexpr auto signed_in_sql =
  "UPDATE users SET last_signed_in_at = $2::timestamptz"
  " WHERE user_id = $1::uuid";

constexpr auto disable_user_sql =
  "UPDATE users SET disabled = true WHERE user_id = $1::uuid";

constexpr auto set_global_admin_sql =
  "UPDATE users SET global_admin = $2::boolean WHERE user_id = $1::uuid";

constexpr auto insert_tenant_sql =
  "INSERT INTO tenants (tenant_id, name, brand, region, currency,"
  "                        inbound_alias, created_at)"
  " VALUES ($1::uuid, $2, $3, $4, $5, $6, $7::timestamptz)"
  " ON CONFLICT (tenant_id) DO NOTHING";

/// Inviting again replaces the pending invitation (its role may differ).
constexpr auto upsert_invitation_sql =
  "INSERT INTO invitations (tenant_id, email, role, invited_by,"
  "                            invited_at)"
  " VALUES ($1::uuid, $2, $3, $4::uuid, $5::timestamptz)"
  " ON CONFLICT (tenant_id, email) DO UPDATE"
  "   SET role = excluded.role, invited_by = excluded.invited_by,"
  "       invited_at = excluded.invited_at";

/// Joining uses up the invitation: the CTE deletes it in the same statement.
constexpr auto join_sql =
  "WITH used AS (DELETE FROM invitations"
  "               WHERE tenant_id = $1::uuid AND email = $3)"
  " INSERT INTO memberships (tenant_id, user_id, email, role, joined_at)"
  " VALUES ($1::uuid, $2::uuid, $3, $4, $5::timestamptz)"
  " ON CONFLICT (tenant_id, user_id) DO UPDATE"
  "   SET email = excluded.email, role = excluded.role,"
  "       joined_at = excluded.joined_at";

constexpr auto change_role_sql =
  "UPDATE memberships SET role = $3"
  " WHERE tenant_id = $1::uuid AND user_id = $2::uuid";

constexpr auto remove_member_sql = "DELETE FROM memberships WHERE tenant_id "
                                   "= $1::uuid AND user_id = $2::uuid";

constexpr auto revoke_invitation_sql =
  "DELETE FROM invitations WHERE tenant_id = $1::uuid AND email = $2";

/// Added and updated alike carry the whole sender as it is after the event.
constexpr auto upsert_sender_sql =
  "INSERT INTO whatsapp_senders (tenant_id, number, label, enabled)"
  " VALUES ($1::uuid, $2, $3, $4::boolean)"
  " ON CONFLICT (tenant_id, number) DO UPDATE"
  "   SET label = excluded.label, enabled = excluded.enabled";

constexpr auto remove_sender_sql =
  "DELETE FROM whatsapp_senders WHERE tenant_id = $1::uuid AND number = $2";

constexpr auto deactivate_tenant_sql =
  "UPDATE tenants SET deactivated = true, deactivation_reason = $2"
  " WHERE tenant_id = $1::uuid";

// -- SQL: queries -------------------------------------------------------------

// clang-format off
/// RFC 3339 UTC with microseconds, the form events carry.

#define LARDER_USER_COLUMNS                                                    \
  "user_id::text, email, display_name, global_admin, founding_admin, "         \
  "disabled, " LARDER_RFC3339("registered_at") ", "                            \
  "coalesce(" LARDER_RFC3339("last_signed_in_at") ", '')"

#define LARDER_USER_MATCH                                                      \
  " WHERE $1::text = '' OR strpos(lower(email), lower($1)) > 0"                \
  "    OR strpos(lower(coalesce(display_name, '')), lower($1)) > 0"

#define LARDER_TENANT_COLUMNS                                                  \
  "t.tenant_id::text, t.name, t.brand, t.region, t.currency, "                 \
  "t.inbound_alias, " LARDER_RFC3339("t.created_at") ", t.deactivated, "       \
  "t.deactivation_reason, "                                                    \
  "(SELECT count(*) FROM rm.memberships m WHERE m.tenant_id = t.tenant_id)"

#define LARDER_TENANT_MATCH                                                    \
  " WHERE $1::text = '' OR strpos(lower(t.name), lower($1)) > 0"               \
  "    OR strpos(lower(t.brand), lower($1)) > 0"                               \
  "    OR strpos(t.inbound_alias, lower($1)) > 0"
// clang-format on

constexpr auto invitations_for_sql =
  "SELECT t.tenant_id::text, t.name, i.role FROM rm.invitations i"
  "  JOIN rm.tenants t ON t.tenant_id = i.tenant_id"
  " WHERE i.email = $1 AND NOT t.deactivated"
  " ORDER BY lower(t.name), t.tenant_id";

constexpr auto memberships_of_sql =
  "SELECT t.tenant_id::text, t.name, m.role FROM rm.memberships m"
  "  JOIN rm.tenants t ON t.tenant_id = m.tenant_id"
  " WHERE m.user_id = $1::uuid AND NOT t.deactivated"
  " ORDER BY lower(t.name), t.tenant_id";

/// The first to register wins should two users ever share an email.
constexpr auto user_by_email_sql =
  "SELECT " LARDER_USER_COLUMNS " FROM rm.users WHERE email = $1"
  " ORDER BY registered_at, user_id LIMIT 1";

constexpr auto user_by_id_sql =
  "SELECT " LARDER_USER_COLUMNS " FROM rm.users WHERE user_id = $1::uuid";

constexpr auto count_users_sql =
  "SELECT count(*) FROM rm.users" LARDER_USER_MATCH;

constexpr auto list_users_sql =
  "SELECT " LARDER_USER_COLUMNS " FROM rm.users" LARDER_USER_MATCH
  " ORDER BY email, user_id LIMIT $2 OFFSET $3";

constexpr auto count_tenants_sql =
  "SELECT count(*) FROM rm.tenants t" LARDER_TENANT_MATCH;

constexpr auto list_tenants_sql =
  "SELECT " LARDER_TENANT_COLUMNS " FROM rm.tenants t" LARDER_TENANT_MATCH
  " ORDER BY lower(t.name), t.tenant_id LIMIT $2 OFFSET $3";

/// The oldest should two active tenants ever share an alias.
constexpr auto tenant_by_alias_sql =
  "SELECT " LARDER_TENANT_COLUMNS " FROM rm.tenants t"
  " WHERE t.inbound_alias = $1 AND NOT t.deactivated"
  " ORDER BY t.created_at, t.tenant_id LIMIT 1";

constexpr auto tenants_by_number_sql =
  "SELECT t.tenant_id::text, t.name, s.label FROM rm.whatsapp_senders s"
  "  JOIN rm.tenants t ON t.tenant_id = s.tenant_id"
  " WHERE s.number = $1 AND s.enabled AND NOT t.deactivated"
  " ORDER BY lower(t.name), t.tenant_id";

#undef LARDER_TENANT_MATCH
#undef LARDER_TENANT_COLUMNS
#undef LARDER_USER_MATCH
#undef LARDER_USER_COLUMNS

// -- apply --------------------------------------------------------------------

std::string role_text(domain::tenant_role role) {
  return std::string{domain::to_string(role)};
}

/// Applies one user event; `user` is the id in the stream's name.
struct user_applier {
  pqxx::work& txn;
  const events::envelope& env;
  std::string user;

  void operator()(const domain::user_registered& e) {
    txn.exec_params(insert_user_sql, e.user_id.to_string(), e.email,
                    e.display_name.value_or(""), e.global_admin,
                    e.founding_admin, env.recorded_at);
  }

  void operator()(const domain::signed_in& e) {
    txn.exec_params(signed_in_sql, user, e.at);
  }

  void operator()(const domain::user_disabled&) {
    txn.exec_params(disable_user_sql, user);
  }

  void operator()(const domain::global_admin_granted&) {
    txn.exec_params(set_global_admin_sql, user, true);
  }

  void operator()(const domain::global_admin_revoked&) {
    txn.exec_params(set_global_admin_sql, user, false);
  }

  /// Events the directory does not read (the runner skips them anyway).
  template <class Event>
  void operator()(const Event&) {}
};

/// Applies one tenant event; a tenant stream's envelope carries the
/// tenant's own id.
struct tenant_applier {
  pqxx::work& txn;
  const events::envelope& env;
  std::string tenant;

  void operator()(const domain::tenant_created& e) {
    txn.exec_params(insert_tenant_sql, e.tenant_id.to_string(), e.name, e.brand,
                    e.region, e.currency.code, e.inbound_alias,
                    env.recorded_at);
  }

  void operator()(const domain::member_invited& e) {
    txn.exec_params(upsert_invitation_sql, tenant, e.email, role_text(e.role),
                    e.invited_by.to_string(), env.recorded_at);
  }

  void operator()(const domain::member_joined& e) {
    txn.exec_params(join_sql, tenant, e.user_id.to_string(), e.email,
                    role_text(e.role), env.recorded_at);
  }

  void operator()(const domain::member_role_changed& e) {
    txn.exec_params(change_role_sql, tenant, e.user_id.to_string(),
                    role_text(e.to));
  }

  void operator()(const domain::member_removed& e) {
    txn.exec_params(remove_member_sql, tenant, e.user_id.to_string());
  }

  void operator()(const domain::invitation_revoked& e) {
    txn.exec_params(revoke_invitation_sql, tenant, e.email);
  }

  void operator()(const domain::whatsapp_sender_added& e) {
    txn.exec_params(upsert_sender_sql, tenant, e.number, e.label, true);
  }

  void operator()(const domain::whatsapp_sender_updated& e) {
    txn.exec_params(upsert_sender_sql, tenant, e.number, e.label, e.enabled);
  }

  void operator()(const domain::whatsapp_sender_removed& e) {
    txn.exec_params(remove_sender_sql, tenant, e.number);
  }

  void operator()(const domain::tenant_deactivated& e) {
    txn.exec_params(deactivate_tenant_sql, tenant, e.reason);
  }

  template <class Event>
  void operator()(const Event&) {}
};

bool is_stream_of(std::string_view stream_id, std::string_view type) {
  return stream_id.size() > type.size() && stream_id.starts_with(type)
         && stream_id[type.size()] == '-';
}

std::optional<error> apply_directory(pqxx::work& txn,
                                     const events::recorded_event& ev) {
  const auto& env = ev.env;
  if (is_stream_of(env.stream_id, user_entity::stream_type)) {
    auto user = events::uuid::parse(std::string_view{env.stream_id}.substr(
      std::string_view{user_entity::stream_type}.size() + 1));
    if (!user)
      return make_error(errc::invalid_argument,
                        "the stream id does not name a user");
    auto decoded = user_entity::decode(env);
    if (!decoded)
      return decoded.error();
    std::visit(user_applier{txn, env, user->to_string()}, *decoded);
  } else if (is_stream_of(env.stream_id, tenant_entity::stream_type)) {
    auto decoded = tenant_entity::decode(env);
    if (!decoded)
      return decoded.error();
    std::visit(tenant_applier{txn, env, env.tenant_id.to_string()}, *decoded);
  }
  return std::nullopt;
}

// -- rows ---------------------------------------------------------------------

events::uuid uuid_of(const pqxx::field& f) {
  return events::uuid::parse(f.c_str()).value_or(events::uuid{});
}

tenant_access to_access(const pqxx::row& row) {
  return {uuid_of(row[0]), row[1].c_str(),
          domain::parse_tenant_role(row[2].c_str())
            .value_or(domain::tenant_role::member)};
}

user_row to_user(const pqxx::row& row) {
  user_row u;
  u.user_id = uuid_of(row[0]);
  u.email = row[1].c_str();
  if (!row[2].is_null())
    u.display_name = row[2].c_str();
  u.global_admin = row[3].as<bool>();
  u.founding_admin = row[4].as<bool>();
  u.disabled = row[5].as<bool>();
  u.registered_at = row[6].c_str();
  u.last_signed_in_at = row[7].c_str();
  return u;
}

tenant_row to_tenant(const pqxx::row& row) {
  tenant_row t;
  t.tenant_id = uuid_of(row[0]);
  t.name = row[1].c_str();
  t.brand = row[2].c_str();
  t.region = row[3].c_str();
  t.currency = row[4].c_str();
  t.inbound_alias = row[5].c_str();
  t.created_at = row[6].c_str();
  t.deactivated = row[7].as<bool>();
  t.deactivation_reason = row[8].c_str();
  t.members = row[9].as<std::int64_t>();
  return t;
}

template <class Row, class Convert>
std::vector<Row> rows_of(const pqxx::result& result, Convert convert) {
  std::vector<Row> out;
  out.reserve(result.size());
  for (const auto& row : result)
    out.push_back(convert(row));
  return out;
}

template <class Row, class Convert>
std::optional<Row> first_of(const pqxx::result& result, Convert convert) {
  if (result.empty())
    return std::nullopt;
  return convert(result[0]);
}

/// Runs a count and a page query sharing their search parameter.
template <class Row, class Convert>
page<Row> page_of(pqxx::transaction_base& txn, const char* count_sql,
                  const char* page_sql, std::string_view search,
                  std::int64_t limit, std::int64_t offset, Convert convert) {
  std::string text{search};
  page<Row> out;
  out.total = txn.exec_params1(count_sql, text)[0].as<std::int64_t>();
  out.rows = rows_of<Row>(
    txn.exec_params(page_sql, text,
                    std::clamp<std::int64_t>(limit, 0, max_page_rows),
                    std::max<std::int64_t>(offset, 0)),
    convert);
  return out;
}

} // namespace

read_model directory_model() {
  read_model m;
  m.name = "directory";
  // apply names its tables unqualified, so a rebuild can aim it at a copy.
  m.schema = "rm";
  m.event_types = {domain::user_registered::type,
                   domain::signed_in::type,
                   domain::user_disabled::type,
                   domain::global_admin_granted::type,
                   domain::global_admin_revoked::type,
                   domain::tenant_created::type,
                   domain::member_invited::type,
                   domain::member_joined::type,
                   domain::member_role_changed::type,
                   domain::member_removed::type,
                   domain::invitation_revoked::type,
                   domain::whatsapp_sender_added::type,
                   domain::whatsapp_sender_updated::type,
                   domain::whatsapp_sender_removed::type,
                   domain::tenant_deactivated::type};
  m.apply = apply_directory;
  return m;
}

std::vector<tenant_access> invitations_for(pqxx::transaction_base& txn,
                                           std::string_view email) {
  return rows_of<tenant_access>(
    txn.exec_params(invitations_for_sql, std::string{email}), to_access);
}

std::vector<tenant_access> memberships_of(pqxx::transaction_base& txn,
                                          const events::uuid& user_id) {
  return rows_of<tenant_access>(
    txn.exec_params(memberships_of_sql, user_id.to_string()), to_access);
}

std::optional<user_row> find_user_by_email(pqxx::transaction_base& txn,
                                           std::string_view email) {
  return first_of<user_row>(
    txn.exec_params(user_by_email_sql, std::string{email}), to_user);
}

std::optional<user_row> find_user(pqxx::transaction_base& txn,
                                  const events::uuid& user_id) {
  return first_of<user_row>(
    txn.exec_params(user_by_id_sql, user_id.to_string()), to_user);
}

page<user_row> list_users(pqxx::transaction_base& txn, std::string_view search,
                          std::int64_t limit, std::int64_t offset) {
  return page_of<user_row>(txn, count_users_sql, list_users_sql, search, limit,
                           offset, to_user);
}

page<tenant_row> list_tenants(pqxx::transaction_base& txn,
                              std::string_view search, std::int64_t limit,
                              std::int64_t offset) {
  return page_of<tenant_row>(txn, count_tenants_sql, list_tenants_sql, search,
                             limit, offset, to_tenant);
}

std::optional<tenant_row> tenant_by_alias(pqxx::transaction_base& txn,
                                          std::string_view alias) {
  return first_of<tenant_row>(
    txn.exec_params(tenant_by_alias_sql, std::string{alias}), to_tenant);
}

std::vector<whatsapp_route>
tenants_by_whatsapp_number(pqxx::transaction_base& txn,
                           std::string_view number) {
  return rows_of<whatsapp_route>(
    txn.exec_params(tenants_by_number_sql, std::string{number}),
    [](const pqxx::row& row) {
      return whatsapp_route{uuid_of(row[0]), row[1].c_str(), row[2].c_str()};
    });
}

} // namespace larder::projections
