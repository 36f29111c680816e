#include "events/envelope.hpp"

#include <simdjson.h>

#include "events/json_writer.hpp"

namespace larder::events {

std::string_view to_string(actor_kind kind) noexcept {
  switch (kind) {
    case actor_kind::system: return "system";
    case actor_kind::user: return "user";
    case actor_kind::webhook: return "webhook";
    case actor_kind::worker: return "worker";
  }
  return "system";
}

std::optional<actor_kind> parse_actor_kind(std::string_view text) noexcept {
  for (auto kind : {actor_kind::system, actor_kind::user, actor_kind::webhook,
                    actor_kind::worker})
    if (to_string(kind) == text)
      return kind;
  return std::nullopt;
}

std::string encode_metadata(const event_metadata& meta) {
  json_writer w;
  w.begin_object();
  w.key("actor")
    .begin_object()
    .field("id", meta.actor_id)
    .field("kind", to_string(meta.actor))
    .end_object();
  auto optional_field = [&w](std::string_view name, const std::string& x) {
    if (!x.empty())
      w.field(name, x);
  };
  optional_field("causation_id", meta.causation_id);
  optional_field("correlation_id", meta.correlation_id);
  optional_field("idempotency_key", meta.idempotency_key);
  // Only with its key: without one nothing reads it.
  if (!meta.idempotency_key.empty())
    optional_field("request_hash", meta.request_hash);
  optional_field("request_id", meta.request_id);
  optional_field("source", meta.source);
  w.end_object();
  return w.take();
}

expected<event_metadata> decode_metadata(std::string_view json) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(json.data(), json.size()).get(obj))
    return make_error(errc::invalid_argument, "metadata is not a JSON object");
  event_metadata meta;
  simdjson::dom::object actor;
  if (!obj["actor"].get(actor)) {
    std::string_view kind;
    std::string_view id;
    if (!actor["kind"].get(kind)) {
      auto parsed = parse_actor_kind(kind);
      if (!parsed)
        return make_error(errc::invalid_argument, "unknown actor kind");
      meta.actor = *parsed;
    }
    if (!actor["id"].get(id))
      meta.actor_id = id;
  }
  auto read = [&obj](const char* name, std::string& out) {
    std::string_view text;
    if (!obj[name].get(text))
      out = text;
  };
  read("causation_id", meta.causation_id);
  read("correlation_id", meta.correlation_id);
  read("idempotency_key", meta.idempotency_key);
  read("request_hash", meta.request_hash);
  read("request_id", meta.request_id);
  read("source", meta.source);
  return meta;
}

std::string
format_timestamp(std::chrono::sys_time<std::chrono::microseconds> t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<microseconds> tod{t - day};
  char buf[40];
  std::snprintf(
    buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ",
    static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
    static_cast<unsigned>(ymd.day()), static_cast<int>(tod.hours().count()),
    static_cast<int>(tod.minutes().count()),
    static_cast<int>(tod.seconds().count()),
    static_cast<int>(tod.subseconds().count()));
  return buf;
}

std::string now_timestamp() {
  return format_timestamp(std::chrono::floor<std::chrono::microseconds>(
    std::chrono::system_clock::now()));
}

} // namespace larder::events
