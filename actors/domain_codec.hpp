#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <simdjson.h>

#include "actors/values/values.hpp"
#include "events/catalog.hpp"
#include "events/envelope.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"
#include "events/uuid.hpp"

/// What the entity codecs (tenant, user, platform, invoice) share: event
/// payloads as JSON objects, decoding by event type and schema version,
/// and catalog registration. For the entities' .cpp files only: it brings
/// in simdjson, which no entity header may (they forward-declare it).
namespace larder::domain::detail {

/// An `invalid_argument` error.
error invalid(std::string message);

/// "<type> has schema version N, expected M".
error wrong_schema_version(const events::envelope& env, int expected);

/// "unknown <entity> event type <type>".
error unknown_event_type(std::string_view entity, const events::envelope& env);

template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

/// Reads a string member and keeps it when `parse` (returning an optional or
/// an `expected`) accepts it.
template <class T, class Parse>
bool read_parsed(const simdjson::dom::element& v, T& x, Parse parse) {
  std::string_view s;
  if (v.get(s))
    return false;
  auto parsed = parse(s);
  if (!parsed)
    return false;
  x = *std::move(parsed);
  return true;
}

/// Writes and reads the member types entity payloads share: strings
/// (optional ones as null), flags, ints, and decimals, UUIDs and currencies
/// as strings. An entity with types of its own derives a codec from this one,
/// brings these in with using-declarations, and adds overloads; the codec
/// also holds `fields(f, e)`, the one list of each event's payload members,
/// used both to write and to read so the two cannot drift apart (`E` is const
/// when writing).
struct value_codec {
  static void write(events::json_writer& w, const std::string& x);
  static void write(events::json_writer& w,
                    const std::optional<std::string>& x);
  static void write(events::json_writer& w, bool x);
  static void write(events::json_writer& w, int x);
  static void write(events::json_writer& w, const values::decimal& x);
  static void write(events::json_writer& w, const events::uuid& x);
  static void write(events::json_writer& w, const values::currency& x);

  /// False when the value has the wrong type or does not parse.
  static bool read(const simdjson::dom::element& v, std::string& x);
  static bool read(const simdjson::dom::element& v,
                   std::optional<std::string>& x);
  static bool read(const simdjson::dom::element& v, bool& x);
  static bool read(const simdjson::dom::element& v, int& x);
  static bool read(const simdjson::dom::element& v, values::decimal& x);
  static bool read(const simdjson::dom::element& v, events::uuid& x);
  static bool read(const simdjson::dom::element& v, values::currency& x);
};

/// Writes `key: value` pairs into a payload object.
template <class Codec>
struct payload_writer {
  events::json_writer& w;

  template <class T>
  payload_writer& operator()(std::string_view key, const T& x) {
    w.key(key);
    Codec::write(w, x);
    return *this;
  }
};

/// Reads `key: value` pairs out of a payload object, remembering the first
/// member that is missing or malformed.
template <class Codec>
struct payload_reader {
  simdjson::dom::object obj;
  std::string_view failed;

  template <class T>
  payload_reader& operator()(std::string_view key, T& x) {
    simdjson::dom::element v;
    if (failed.empty() && (obj[key].get(v) || !Codec::read(v, x)))
      failed = key;
    return *this;
  }
};

/// `e` as a new event with a fresh v7 id; `write(w, x)` writes the members
/// of the alternative `x` into the open payload object.
template <class Variant, class Write>
events::new_event encode_event(const Variant& e, Write write) {
  return std::visit(
    [&](const auto& x) {
      using E = std::decay_t<decltype(x)>;
      events::json_writer w;
      w.begin_object();
      write(w, x);
      w.end_object();
      return events::new_event{events::uuid::make_v7(), E::type,
                               E::schema_version, w.take()};
    },
    e);
}

/// `encode_event` with the members `Codec::fields` lists.
template <class Codec, class Variant>
events::new_event encode_fields(const Variant& e) {
  return encode_event(e, [](events::json_writer& w, const auto& x) {
    payload_writer<Codec> f{w};
    Codec::fields(f, x);
  });
}

/// Finds the alternative of `Variant` named `env.event_type`, checks its
/// schema version and lets `read(e)` fill a default-constructed one; `read`
/// returns the error that stops decoding, if any. `entity` names the
/// entity in the message for an unknown type.
template <class Variant, std::size_t I = 0, class Read>
expected<Variant> decode_event(const events::envelope& env,
                               std::string_view entity, Read read) {
  if constexpr (I == std::variant_size_v<Variant>) {
    return unknown_event_type(entity, env);
  } else {
    using E = std::variant_alternative_t<I, Variant>;
    if (env.event_type != E::type)
      return decode_event<Variant, I + 1>(env, entity, std::move(read));
    if (env.schema_version != E::schema_version)
      return wrong_schema_version(env, E::schema_version);
    E e;
    if (std::optional<error> fault = read(e))
      return *std::move(fault);
    return Variant{std::move(e)};
  }
}

/// Decodes a payload whose members `Codec::fields` lists: "<type> payload:
/// missing or malformed <member>" names the first bad one.
template <class Variant, class Codec>
expected<Variant> decode_fields(const events::envelope& env,
                                std::string_view entity) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(env.payload.data(), env.payload.size()).get(obj))
    return invalid(env.event_type + " payload is not a JSON object");
  return decode_event<Variant>(
    env, entity, [&](auto& e) -> std::optional<error> {
      payload_reader<Codec> r{obj, {}};
      Codec::fields(r, e);
      if (r.failed.empty())
        return std::nullopt;
      return invalid(env.event_type + " payload: missing or malformed "
                     + std::string{r.failed});
    });
}

/// Adds every alternative of `Variant` to `catalog`.
template <class Variant>
void register_event_types(events::catalog& catalog) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (catalog.add_type(std::variant_alternative_t<I, Variant>::type,
                      std::variant_alternative_t<I, Variant>::schema_version),
     ...);
  }
  (std::make_index_sequence<std::variant_size_v<Variant>>{});
}

} // namespace larder::domain::detail
