#include "actors/platform/platform.hpp"

#include <type_traits>
#include <utility>

#include "actors/domain_codec.hpp"
#include "actors/values/text.hpp"
#include "actors/values/values.hpp"

namespace larder::domain {

namespace {

using detail::invalid;
using values::trim_space;

constexpr std::size_t max_note_chars = 500;
constexpr std::size_t max_domain_chars = 253;
constexpr std::size_t max_label_chars = 63;

/// Trims white space, then checks for at most `max_note_chars` characters of
/// valid UTF-8 with no control characters other than line breaks (a note
/// may have paragraphs).
expected<std::string> clean_note(std::string_view text) {
  return values::clean_text("note", text, 0, max_note_chars,
                            {.allowed_controls = "\n"});
}

expected<std::string> check_email(std::string_view text) {
  auto email = values::normalize_email(text);
  if (!email)
    return invalid("email: " + email.error().message);
  return email;
}

/// Checks a lower-cased DNS name: at least two labels of a-z, 0-9 and '-'
/// (internationalized names in their xn-- form), none empty or longer
/// than 63, none starting or ending with '-'.
bool is_domain(std::string_view name) {
  if (name.empty() || name.size() > max_domain_chars)
    return false;
  std::size_t labels = 0;
  while (true) {
    auto dot = name.find('.');
    auto label = name.substr(0, dot);
    if (label.empty() || label.size() > max_label_chars || label.front() == '-'
        || label.back() == '-')
      return false;
    for (char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
        return false;
    ++labels;
    if (dot == std::string_view::npos)
      break;
    name.remove_prefix(dot + 1);
  }
  return labels >= 2;
}

// --- payload codec ----------------------------------------------------------

struct codec : detail::value_codec {
  /// Each event's payload members, for writing and reading alike.
  template <class F, class E>
  static void fields(F& f, E& e) {
    using T = std::remove_const_t<E>;
    if constexpr (
      std::is_same_v<
        T, allowlist_entry_added> || std::is_same_v<T, allowlist_entry_removed>)
      f("entry", e.entry);
    else if constexpr (std::is_same_v<T, waitlist_joined>)
      f("email", e.email)("note", e.note);
    else if constexpr (std::is_same_v<T, waitlist_approved>)
      f("email", e.email)("approved_by", e.approved_by);
    else
      static_assert(!sizeof(T), "every platform event needs its fields");
  }
};

// --- decide -----------------------------------------------------------------

using decision = expected<std::vector<platform_event>>;

decision decide_one(const platform_state& s, const add_allowlist_entry& c) {
  auto entry = normalize_allowlist_entry(c.entry);
  if (!entry)
    return entry.error();
  if (s.allowlist.contains(*entry))
    return std::vector<platform_event>{};
  return std::vector<platform_event>{allowlist_entry_added{std::move(*entry)}};
}

decision decide_one(const platform_state& s, const remove_allowlist_entry& c) {
  auto entry = normalize_allowlist_entry(c.entry);
  if (!entry)
    return entry.error();
  if (!s.allowlist.contains(*entry))
    return make_error(errc::not_found, *entry + " is not on the allowlist");
  return std::vector<platform_event>{
    allowlist_entry_removed{std::move(*entry)}};
}

decision decide_one(const platform_state& s, const join_waitlist& c) {
  auto email = check_email(c.email);
  if (!email)
    return email.error();
  auto note = clean_note(c.note);
  if (!note)
    return note.error();
  // Asking twice keeps the first request (and its place in the queue).
  if (s.waitlist.contains(*email))
    return std::vector<platform_event>{};
  return std::vector<platform_event>{
    waitlist_joined{std::move(*email), std::move(*note)}};
}

decision decide_one(const platform_state& s, const approve_waitlist_entry& c) {
  auto email = check_email(c.email);
  if (!email)
    return email.error();
  if (c.approved_by.is_nil())
    return invalid("approved_by must be set");
  auto i = s.waitlist.find(*email);
  if (i == s.waitlist.end())
    return make_error(errc::not_found, *email + " is not on the waitlist");
  if (i->second.approved)
    return std::vector<platform_event>{};
  std::vector<platform_event> out{waitlist_approved{*email, c.approved_by}};
  // An exact entry even when a domain pattern already allows the email:
  // removing the pattern later must not undo an approval.
  if (!s.allowlist.contains(*email))
    out.push_back(allowlist_entry_added{std::move(*email)});
  return out;
}

} // namespace

bool is_allowed(const platform_state& s, std::string_view normalized_email) {
  if (s.allowlist.contains(normalized_email))
    return true;
  auto at = normalized_email.rfind('@');
  if (at == std::string_view::npos)
    return false;
  return s.allowlist.contains(normalized_email.substr(at));
}

expected<std::string> normalize_allowlist_entry(std::string_view text) {
  text = trim_space(text);
  if (!text.starts_with('@')) {
    auto email = values::normalize_email(text);
    if (!email)
      return invalid("entry: " + email.error().message);
    return email;
  }
  std::string pattern{text};
  for (auto& c : pattern)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  if (!is_domain(std::string_view{pattern}.substr(1)))
    return invalid("entry must be an email address or @ and a domain name, "
                   "e.g. @example.com");
  return pattern;
}

platform_state platform_entity::evolve(state s, const event& e) {
  std::visit(detail::overloaded{
               [&s](const allowlist_entry_added& x) {
                 s.allowlist.insert(x.entry);
               },
               [&s](const allowlist_entry_removed& x) {
                 s.allowlist.erase(x.entry);
               },
               [&s](const waitlist_joined& x) {
                 s.waitlist.try_emplace(x.email, x.email, x.note, false);
               },
               [&s](const waitlist_approved& x) {
                 if (auto i = s.waitlist.find(x.email); i != s.waitlist.end())
                   i->second.approved = true;
               },
             },
             e);
  return s;
}

expected<std::vector<platform_event>>
platform_entity::decide(const state& s, const command& c,
                        const command_context&) {
  return std::visit(
    [&s](const auto& x) {
      return decide_one(s, x);
    },
    c);
}

events::new_event platform_entity::encode(const event& e) {
  return detail::encode_fields<codec>(e);
}

expected<platform_event> platform_entity::decode(const events::envelope& env) {
  return detail::decode_fields<platform_event, codec>(env, "platform");
}

void platform_entity::register_events(events::catalog& catalog) {
  detail::register_event_types<platform_event>(catalog);
}

} // namespace larder::domain
