#include "actors/platform/platform.hpp"

#include <type_traits>
#include <utility>

#include <simdjson.h>

#include "actors/values/values.hpp"
#include "events/json_writer.hpp"

namespace larder::domain {

namespace {

constexpr std::size_t max_note_chars = 500;
constexpr std::size_t max_domain_chars = 253;
constexpr std::size_t max_label_chars = 63;

error invalid(std::string message) {
  return make_error(errc::invalid_argument, std::move(message));
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

/// Trims white space, then checks for at most `max_chars` characters of
/// valid UTF-8 with no control characters other than line breaks (a note
/// may have paragraphs).
expected<std::string> clean_note(std::string_view text) {
  text = trim(text);
  if (!simdjson::validate_utf8(text.data(), text.size()))
    return invalid("note is not valid UTF-8");
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool c1 = c == 0xC2 && i + 1 < text.size()
              && static_cast<unsigned char>(text[i + 1]) < 0xA0;
    if ((c < 0x20 && c != '\n') || c == 0x7F || c1)
      return invalid("note contains control characters");
    if ((c & 0xC0) != 0x80)
      ++chars;
  }
  if (chars > max_note_chars)
    return invalid("note must be at most 500 characters");
  return std::string{text};
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

void write_value(events::json_writer& w, const std::string& x) {
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

template <std::size_t I = 0>
expected<platform_event> decode_as(const events::envelope& env,
                                   simdjson::dom::object obj) {
  if constexpr (I == std::variant_size_v<platform_event>) {
    return invalid("unknown platform event type " + env.event_type);
  } else {
    using E = std::variant_alternative_t<I, platform_event>;
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
    return platform_event{std::move(e)};
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
  text = trim(text);
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
  std::visit(overloaded{
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

expected<platform_event> platform_entity::decode(const events::envelope& env) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(env.payload.data(), env.payload.size()).get(obj))
    return invalid(env.event_type + " payload is not a JSON object");
  return decode_as(env, obj);
}

void platform_entity::register_events(events::catalog& catalog) {
  add_types<platform_event>(
    catalog, std::make_index_sequence<std::variant_size_v<platform_event>>{});
}

} // namespace larder::domain
