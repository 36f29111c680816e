#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/domain.hpp"
#include "actors/platform/platform.hpp"
#include "events/catalog.hpp"

/// A person who signs in to larder. Stream "user-<user_id>". A user may be
/// a member of several tenants (their memberships live in the tenant
/// streams), so user streams belong to `platform_tenant_id`.
/// Pure (actors/domain.hpp).
namespace larder::domain {

/// The only way to sign in today.
inline constexpr std::string_view sign_in_magic_link = "magic_link";

/// The id of the user with this normalized email: an RFC 9562 version-8
/// uuid from SHA-256 of the email. Deriving it, rather than minting one,
/// makes the user stream itself the uniqueness check: two first sign-ins of
/// one address race for one stream, and the second meets a conflict.
events::uuid user_id_for_email(std::string_view normalized_email);

/// What a user stream knows, built only by `user_entity::evolve`.
struct user_state {
  bool exists = false;
  /// `platform_tenant_id` once registered.
  events::uuid tenant_id;
  events::uuid user_id;
  /// Normalized (values::normalize_email).
  std::string email;
  std::optional<std::string> display_name;
  bool global_admin = false;
  /// The first platform admin, named by configuration: keeps global admin
  /// and cannot be disabled, so the platform always has an administrator.
  bool founding_admin = false;
  bool disabled = false;
  std::string disabled_reason;
  /// RFC 3339, empty until the first sign-in.
  std::string last_signed_in_at;
  /// Sessions issued before this moment are void; empty if never revoked.
  std::string sessions_revoked_at;

  friend bool operator==(const user_state&, const user_state&) = default;
};

struct user_registered {
  static constexpr const char* type = "UserRegistered";
  static constexpr int schema_version = 1;
  events::uuid user_id;
  std::string email;
  std::optional<std::string> display_name;
  bool global_admin = false;
  bool founding_admin = false;

  friend bool operator==(const user_registered&,
                         const user_registered&) = default;
};

struct signed_in {
  static constexpr const char* type = "SignedIn";
  static constexpr int schema_version = 1;
  /// RFC 3339 UTC with microseconds, from the command's clock.
  std::string at;
  std::string method;

  friend bool operator==(const signed_in&, const signed_in&) = default;
};

struct sessions_revoked {
  static constexpr const char* type = "SessionsRevoked";
  static constexpr int schema_version = 1;
  std::string at;
  std::string reason;

  friend bool operator==(const sessions_revoked&,
                         const sessions_revoked&) = default;
};

struct user_disabled {
  static constexpr const char* type = "UserDisabled";
  static constexpr int schema_version = 1;
  std::string reason;

  friend bool operator==(const user_disabled&, const user_disabled&) = default;
};

/// Who granted or revoked global admin is in the envelope metadata.
struct global_admin_granted {
  static constexpr const char* type = "GlobalAdminGranted";
  static constexpr int schema_version = 1;

  friend bool operator==(const global_admin_granted&,
                         const global_admin_granted&) = default;
};

struct global_admin_revoked {
  static constexpr const char* type = "GlobalAdminRevoked";
  static constexpr int schema_version = 1;

  friend bool operator==(const global_admin_revoked&,
                         const global_admin_revoked&) = default;
};

using user_event =
  std::variant<user_registered, signed_in, sessions_revoked, user_disabled,
               global_admin_granted, global_admin_revoked>;

/// Registers the user `user_id`. That no two users share an email holds
/// because callers derive the id from the email (`user_id_for_email`): a
/// second registration meets the existing stream.
struct register_user {
  events::uuid user_id;
  std::string email;
  /// When set, 1 to 100 characters.
  std::optional<std::string> display_name;
  bool global_admin = false;
  /// Set only by the start-up bootstrap for the configured first admin;
  /// requires `global_admin`.
  bool founding_admin = false;
};

/// Records a completed sign-in (the magic link was checked by the caller).
struct sign_in {
  std::string method{sign_in_magic_link};
};

struct revoke_sessions {
  std::string reason;
};

/// Disables the user and revokes their sessions.
struct disable_user {
  std::string reason;
};

struct grant_global_admin {};

struct revoke_global_admin {};

using user_command =
  std::variant<register_user, sign_in, revoke_sessions, disable_user,
               grant_global_admin, revoke_global_admin>;

/// The user entity's traits (actors/domain.hpp).
struct user_entity {
  using state = user_state;
  using event = user_event;
  using command = user_command;
  static constexpr const char* stream_type = "user";

  static state evolve(state s, const event& e);
  static expected<std::vector<event>> decide(const state& s, const command& c,
                                             const command_context& ctx);
  static events::new_event encode(const event& e);
  static expected<event> decode(const events::envelope& env);
  static void register_events(events::catalog& catalog);
};

} // namespace larder::domain
