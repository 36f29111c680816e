#include "actors/user/user.hpp"

#include <type_traits>
#include <utility>

#include <simdjson.h>

#include "actors/values/values.hpp"
#include "events/json_writer.hpp"

namespace larder::domain {

namespace {

constexpr std::size_t max_display_name_chars = 100;
constexpr std::size_t max_reason_chars = 500;

error invalid(std::string message) {
  return make_error(errc::invalid_argument, std::move(message));
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/// Trims white space, then checks for `min_chars..max_chars` characters of
/// valid UTF-8 with no control characters (C0, DEL or C1).
expected<std::string> clean_text(std::string_view field, std::string_view text,
                                 std::size_t min_chars, std::size_t max_chars) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  if (!simdjson::validate_utf8(text.data(), text.size()))
    return invalid(std::string{field} + " is not valid UTF-8");
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool c1 = c == 0xC2 && i + 1 < text.size()
              && static_cast<unsigned char>(text[i + 1]) < 0xA0;
    if (c < 0x20 || c == 0x7F || c1)
      return invalid(std::string{field} + " contains control characters");
    if ((c & 0xC0) != 0x80)
      ++chars;
  }
  if (chars < min_chars)
    return invalid(std::string{field} + " must not be empty");
  if (chars > max_chars)
    return invalid(std::string{field} + " must be at most "
                   + std::to_string(max_chars) + " characters");
  return std::string{text};
}

// --- payload codec ----------------------------------------------------------

void write_value(events::json_writer& w, const std::string& x) {
  w.value(x);
}
void write_value(events::json_writer& w, const std::optional<std::string>& x) {
  if (x)
    w.value(*x);
  else
    w.null();
}
void write_value(events::json_writer& w, bool x) {
  w.value(x);
}
void write_value(events::json_writer& w, const events::uuid& x) {
  w.value(x.to_string());
}

using simdjson::dom::element;

bool read_value(const element& v, std::string& x) {
  std::string_view s;
  if (v.get(s))
    return false;
  x = s;
  return true;
}
bool read_value(const element& v, std::optional<std::string>& x) {
  if (v.is_null()) {
    x.reset();
    return true;
  }
  std::string_view s;
  if (v.get(s))
    return false;
  x = std::string{s};
  return true;
}
bool read_value(const element& v, bool& x) {
  return !v.get(x);
}
bool read_value(const element& v, events::uuid& x) {
  std::string_view s;
  if (v.get(s))
    return false;
  auto id = events::uuid::parse(s);
  if (!id)
    return false;
  x = *id;
  return true;
}

struct payload_writer {
  events::json_writer& w;

  template <class T>
  payload_writer& operator()(std::string_view key, const T& x) {
    w.key(key);
    write_value(w, x);
    return *this;
  }
};

/// Remembers the first member that is missing or malformed.
struct payload_reader {
  simdjson::dom::object obj;
  std::string_view failed;

  template <class T>
  payload_reader& operator()(std::string_view key, T& x) {
    element v;
    if (failed.empty() && (obj[key].get(v) || !read_value(v, x)))
      failed = key;
    return *this;
  }
};

/// Each event's payload members, for writing and reading alike.
template <class F, class E>
void fields(F& f, E& e) {
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

template <std::size_t I = 0>
expected<user_event> decode_as(const events::envelope& env,
                               simdjson::dom::object obj) {
  if constexpr (I == std::variant_size_v<user_event>) {
    return invalid("unknown user event type " + env.event_type);
  } else {
    using E = std::variant_alternative_t<I, user_event>;
    if (env.event_type != E::type)
      return decode_as<I + 1>(env, obj);
    if (env.schema_version != E::schema_version)
      return invalid(env.event_type + " has schema version "
                     + std::to_string(env.schema_version) + ", expected "
                     + std::to_string(E::schema_version));
    E e;
    payload_reader r{obj, {}};
    fields(r, e);
    if (!r.failed.empty())
      return invalid(env.event_type + " payload: missing or malformed "
                     + std::string{r.failed});
    return user_event{std::move(e)};
  }
}

template <class Variant, std::size_t... I>
void add_types(events::catalog& catalog, std::index_sequence<I...>) {
  (catalog.add_type(std::variant_alternative_t<I, Variant>::type,
                    std::variant_alternative_t<I, Variant>::schema_version),
   ...);
}

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

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
  std::visit(overloaded{
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
  return std::visit(
    [](const auto& x) {
      using E = std::decay_t<decltype(x)>;
      events::json_writer w;
      w.begin_object();
      payload_writer f{w};
      fields(f, x);
      w.end_object();
      return events::new_event{events::uuid::make_v7(), E::type,
                               E::schema_version, w.take()};
    },
    e);
}

expected<user_event> user_entity::decode(const events::envelope& env) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(env.payload.data(), env.payload.size()).get(obj))
    return invalid(env.event_type + " payload is not a JSON object");
  return decode_as(env, obj);
}

void user_entity::register_events(events::catalog& catalog) {
  add_types<user_event>(
    catalog, std::make_index_sequence<std::variant_size_v<user_event>>{});
}

} // namespace larder::domain
