#include "actors/user/user.hpp"

#include <type_traits>
#include <utility>

#include "actors/domain_codec.hpp"
#include "actors/values/text.hpp"
#include "actors/values/values.hpp"

namespace larder::domain {

events::uuid user_id_for_email(std::string_view normalized_email) {
  return events::uuid::make_v8("larder-user:" + std::string{normalized_email});
}

namespace {

using detail::invalid;
using values::clean_text;

constexpr std::size_t max_display_name_chars = 100;
constexpr std::size_t max_reason_chars = 500;

// --- payload codec ----------------------------------------------------------

struct codec : detail::value_codec {
  /// Each event's payload members, for writing and reading alike.
  template <class F, class E>
  static void fields(F& f, E& e) {
    using T = std::remove_const_t<E>;
    if constexpr (std::is_same_v<T, user_registered>)
      f("user_id", e.user_id)("email", e.email)("display_name", e.display_name)(
        "global_admin", e.global_admin)("founding_admin", e.founding_admin);
    else if constexpr (std::is_same_v<T, signed_in>)
      f("at", e.at)("method", e.method);
    else if constexpr (std::is_same_v<T, sessions_revoked>)
      f("at", e.at)("reason", e.reason);
    else if constexpr (std::is_same_v<T, user_disabled>)
      f("reason", e.reason);
    else if constexpr (
      std::is_same_v<
        T, global_admin_granted> || std::is_same_v<T, global_admin_revoked>)
      static_cast<void>(f); // No members.
    else
      static_assert(!sizeof(T), "every user event needs its fields");
  }
};

// --- decide -----------------------------------------------------------------

using decision = expected<std::vector<user_event>>;

decision none() {
  return std::vector<user_event>{};
}

decision decide_one(const user_state& s, const register_user& c,
                    const command_context&) {
  if (s.exists)
    return make_error(errc::conflict, "the user is already registered");
  if (c.user_id.is_nil())
    return invalid("user_id must be set");
  auto email = values::normalize_email(c.email);
  if (!email)
    return invalid("email: " + email.error().message);
  std::optional<std::string> display_name;
  if (c.display_name) {
    auto name =
      clean_text("display_name", *c.display_name, 1, max_display_name_chars);
    if (!name)
      return name.error();
    display_name = std::move(*name);
  }
  if (c.founding_admin && !c.global_admin)
    return invalid("founding_admin requires global_admin");
  return std::vector<user_event>{
    user_registered{c.user_id, std::move(*email), std::move(display_name),
                    c.global_admin, c.founding_admin}};
}

decision decide_one(const user_state& s, const sign_in& c,
                    const command_context& ctx) {
  if (c.method != sign_in_magic_link)
    return invalid("method must be magic_link");
  if (s.disabled)
    return make_error(errc::rejected,
                      "the user is disabled and cannot sign in");
  return std::vector<user_event>{signed_in{ctx.now, c.method}};
}

decision decide_one(const user_state&, const revoke_sessions& c,
                    const command_context& ctx) {
  auto reason = clean_text("reason", c.reason, 1, max_reason_chars);
  if (!reason)
    return reason.error();
  return std::vector<user_event>{sessions_revoked{ctx.now, std::move(*reason)}};
}

decision decide_one(const user_state& s, const disable_user& c,
                    const command_context& ctx) {
  if (s.founding_admin)
    return make_error(errc::forbidden, "the founding admin cannot be disabled");
  if (s.disabled)
    return none();
  auto reason = clean_text("reason", c.reason, 1, max_reason_chars);
  if (!reason)
    return reason.error();
  // Revoking in the same decision means whatever checks sessions needs to
  // watch only SessionsRevoked to lock a disabled user out at once.
  return std::vector<user_event>{user_disabled{*reason},
                                 sessions_revoked{ctx.now, *reason}};
}

decision decide_one(const user_state& s, const grant_global_admin&,
                    const command_context&) {
  if (s.disabled)
    return make_error(errc::rejected,
                      "the user is disabled and cannot become a global admin");
  if (s.global_admin)
    return none();
  return std::vector<user_event>{global_admin_granted{}};
}

decision decide_one(const user_state& s, const revoke_global_admin&,
                    const command_context&) {
  if (s.founding_admin)
    return make_error(errc::forbidden,
                      "the founding admin cannot lose global admin");
  if (!s.global_admin)
    return none();
  return std::vector<user_event>{global_admin_revoked{}};
}

} // namespace

user_state user_entity::evolve(state s, const event& e) {
  std::visit(detail::overloaded{
               [&s](const user_registered& x) {
                 s.exists = true;
                 s.tenant_id = platform_tenant_id;
                 s.user_id = x.user_id;
                 s.email = x.email;
                 s.display_name = x.display_name;
                 s.global_admin = x.global_admin;
                 s.founding_admin = x.founding_admin;
               },
               [&s](const signed_in& x) {
                 s.last_signed_in_at = x.at;
               },
               [&s](const sessions_revoked& x) {
                 s.sessions_revoked_at = x.at;
               },
               [&s](const user_disabled& x) {
                 s.disabled = true;
                 s.disabled_reason = x.reason;
               },
               [&s](const global_admin_granted&) {
                 s.global_admin = true;
               },
               [&s](const global_admin_revoked&) {
                 s.global_admin = false;
               },
             },
             e);
  return s;
}

expected<std::vector<user_event>>
user_entity::decide(const state& s, const command& c,
                    const command_context& ctx) {
  if (!std::holds_alternative<register_user>(c) && !s.exists)
    return make_error(errc::not_found, "no such user");
  return std::visit(
    [&](const auto& x) {
      return decide_one(s, x, ctx);
    },
    c);
}

events::new_event user_entity::encode(const event& e) {
  return detail::encode_fields<codec>(e);
}

expected<user_event> user_entity::decode(const events::envelope& env) {
  return detail::decode_fields<user_event, codec>(env, "user");
}

void user_entity::register_events(events::catalog& catalog) {
  detail::register_event_types<user_event>(catalog);
}

} // namespace larder::domain
