#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/domain.hpp"
#include "events/catalog.hpp"

/// Global administration: who may sign up (the allowlist) and who asked to
/// (the waitlist). One stream, "platform". Pure (actors/domain.hpp).
namespace larder::domain {

/// The tenant id of the streams that belong to no tenant: the platform
/// stream and every user stream (a user may be a member of many tenants).
/// Callers acting on them set `command_context::tenant_id` to this value.
///
/// A fixed id rather than the nil uuid: a context whose tenant id was never
/// set holds the nil uuid, and must meet `not_found` on these streams rather
/// than pass the entity shell's tenant check by accident.
inline constexpr events::uuid platform_tenant_id{
  {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}};

/// The id of the one platform stream (not "platform-<uuid>").
inline constexpr const char* platform_stream_id = "platform";

/// Someone who asked to use larder.
struct waitlist_entry {
  std::string email;
  std::string note;
  bool approved = false;

  friend bool operator==(const waitlist_entry&,
                         const waitlist_entry&) = default;
};

/// What the platform knows, built only by `platform_entity::evolve`.
struct platform_state {
  /// The platform stream always exists, even before its first event, and
  /// always belongs to `platform_tenant_id`; so the shell answers
  /// `not_found` to callers acting in any other tenant.
  bool exists = true;
  events::uuid tenant_id = platform_tenant_id;
  /// Normalized emails and "@domain" patterns.
  std::set<std::string, std::less<>> allowlist;
  /// By normalized email.
  std::map<std::string, waitlist_entry, std::less<>> waitlist;

  friend bool operator==(const platform_state&,
                         const platform_state&) = default;
};

/// Whether `normalized_email` may sign up: it is on the allowlist, or its
/// domain is ("@example.com" allows a@example.com but not
/// a@sub.example.com).
bool is_allowed(const platform_state& s, std::string_view normalized_email);

/// Normalizes an allowlist entry: an email address (values::normalize_email)
/// or "@" followed by a domain name, lower-cased. `invalid_argument` names
/// the field `entry`.
expected<std::string> normalize_allowlist_entry(std::string_view text);

struct allowlist_entry_added {
  static constexpr const char* type = "AllowlistEntryAdded";
  static constexpr int schema_version = 1;
  /// A normalized email or "@domain".
  std::string entry;

  friend bool operator==(const allowlist_entry_added&,
                         const allowlist_entry_added&) = default;
};

struct allowlist_entry_removed {
  static constexpr const char* type = "AllowlistEntryRemoved";
  static constexpr int schema_version = 1;
  std::string entry;

  friend bool operator==(const allowlist_entry_removed&,
                         const allowlist_entry_removed&) = default;
};

struct waitlist_joined {
  static constexpr const char* type = "WaitlistJoined";
  static constexpr int schema_version = 1;
  std::string email;
  std::string note;

  friend bool operator==(const waitlist_joined&,
                         const waitlist_joined&) = default;
};

struct waitlist_approved {
  static constexpr const char* type = "WaitlistApproved";
  static constexpr int schema_version = 1;
  std::string email;
  /// The user (a global admin) who approved.
  events::uuid approved_by;

  friend bool operator==(const waitlist_approved&,
                         const waitlist_approved&) = default;
};

using platform_event =
  std::variant<allowlist_entry_added, allowlist_entry_removed, waitlist_joined,
               waitlist_approved>;

/// `entry` is an email or "@domain".
struct add_allowlist_entry {
  std::string entry;
};

struct remove_allowlist_entry {
  std::string entry;
};

struct join_waitlist {
  std::string email;
  /// What the person told us about their business; at most 500 characters.
  std::string note;
};

/// Approves a waitlisted email and allowlists it.
struct approve_waitlist_entry {
  std::string email;
  events::uuid approved_by;
};

using platform_command =
  std::variant<add_allowlist_entry, remove_allowlist_entry, join_waitlist,
               approve_waitlist_entry>;

/// The platform entity's traits (actors/domain.hpp). `stream_type` is
/// "platform" and the only stream is `platform_stream_id`.
struct platform_entity {
  using state = platform_state;
  using event = platform_event;
  using command = platform_command;
  static constexpr const char* stream_type = "platform";

  static state evolve(state s, const event& e);
  static expected<std::vector<event>> decide(const state& s, const command& c,
                                             const command_context& ctx);
  static events::new_event encode(const event& e);
  static expected<event> decode(const events::envelope& env);
  static void register_events(events::catalog& catalog);
};

} // namespace larder::domain
