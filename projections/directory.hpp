#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/tenant/tenant.hpp"
#include "events/uuid.hpp"
#include "projections/runner.hpp"

namespace pqxx {
class transaction_base;
} // namespace pqxx

/// The directory read model (tables `rm.users`, `rm.tenants`,
/// `rm.memberships`, `rm.invitations`, `rm.whatsapp_senders`, see
/// schema/002_directory.sql): who may sign in, to which tenants, and where
/// inbound mail and WhatsApp messages go. Built from the user and tenant
/// streams; the HTTP edge reads it through the queries below.
///
/// The queries run on the caller's transaction (the edge's own connection),
/// throw libpqxx exceptions on database errors, and take emails normalized
/// (values::normalize_email) and numbers in E.164 (values::normalize_e164),
/// as the events store them. Timestamps are RFC 3339 UTC with microseconds,
/// empty when unset. Like every read model, the directory lags the log a
/// little: a caller that must see its own command waits for the
/// projection's position to pass the command's `last_position`.
namespace larder::projections {

/// The read model, named "directory", for a `projection_runner`.
read_model directory_model();

/// A tenant someone belongs to or is invited to, with its name for the
/// tenant picker.
struct tenant_access {
  events::uuid tenant_id;
  std::string tenant_name;
  domain::tenant_role role = domain::tenant_role::member;

  friend bool operator==(const tenant_access&, const tenant_access&) = default;
};

struct user_row {
  events::uuid user_id;
  std::string email;
  std::optional<std::string> display_name;
  bool global_admin = false;
  bool founding_admin = false;
  bool disabled = false;
  std::string registered_at;
  /// Empty until the first sign-in.
  std::string last_signed_in_at;

  friend bool operator==(const user_row&, const user_row&) = default;
};

struct tenant_row {
  events::uuid tenant_id;
  std::string name;
  std::string brand;
  std::string region;
  std::string currency;
  std::string inbound_alias;
  std::string created_at;
  bool deactivated = false;
  std::string deactivation_reason;
  /// Current members (not pending invitations).
  std::int64_t members = 0;

  friend bool operator==(const tenant_row&, const tenant_row&) = default;
};

/// One page of a list, and how many rows match in all.
template <class Row>
struct page {
  std::vector<Row> rows;
  std::int64_t total = 0;
};

/// A tenant that files the WhatsApp messages of a number.
struct whatsapp_route {
  events::uuid tenant_id;
  std::string tenant_name;
  /// The sender's label in that tenant ("Chef's phone").
  std::string label;

  friend bool operator==(const whatsapp_route&,
                         const whatsapp_route&) = default;
};

/// The most rows one list call returns; larger limits are cut to this.
inline constexpr std::int64_t max_page_rows = 500;

/// Pending invitations for `email` to active tenants, by tenant name.
std::vector<tenant_access> invitations_for(pqxx::transaction_base& txn,
                                           std::string_view email);

/// The active tenants `user_id` is a member of, by tenant name.
std::vector<tenant_access> memberships_of(pqxx::transaction_base& txn,
                                          const events::uuid& user_id);

std::optional<user_row> find_user_by_email(pqxx::transaction_base& txn,
                                           std::string_view email);

std::optional<user_row> find_user(pqxx::transaction_base& txn,
                                  const events::uuid& user_id);

/// Users by email; `search` (empty: all) matches part of the email or the
/// display name, ignoring case.
page<user_row> list_users(pqxx::transaction_base& txn, std::string_view search,
                          std::int64_t limit, std::int64_t offset);

/// Tenants by name, deactivated ones included (flagged); `search` (empty:
/// all) matches part of the name, brand or inbound alias, ignoring case.
page<tenant_row> list_tenants(pqxx::transaction_base& txn,
                              std::string_view search, std::int64_t limit,
                              std::int64_t offset);

/// The active tenant whose inbound address is `<alias>@…`, if any.
std::optional<tenant_row> tenant_by_alias(pqxx::transaction_base& txn,
                                          std::string_view alias);

/// The active tenants where `number` is an enabled WhatsApp sender, by
/// tenant name (one phone may send for several businesses).
std::vector<whatsapp_route>
tenants_by_whatsapp_number(pqxx::transaction_base& txn,
                           std::string_view number);

} // namespace larder::projections
