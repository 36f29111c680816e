#include "events/hash_chain.hpp"

#include "events/crypto.hpp"
#include "events/jcs.hpp"

namespace larder::events {

namespace {

expected<std::string> canonical_object(std::string_view json,
                                       std::string_view what) {
  auto canonical = canonicalize(json);
  if (!canonical)
    return make_error(errc::invalid_argument,
                      std::string{what} + ": " + canonical.error().message);
  if (canonical->empty() || canonical->front() != '{')
    return make_error(errc::invalid_argument,
                      std::string{what} + " must be a JSON object");
  return canonical;
}

/// The envelope around already canonical payload and metadata. Member names
/// are written in JCS order (UTF-16 code units, here plain ASCII), so the
/// result is canonical without a second parse.
std::string assemble(const envelope& env, std::string_view payload,
                     std::string_view metadata) {
  std::string out;
  out.reserve(payload.size() + metadata.size() + 320);
  out += "{\"event_id\":";
  append_json_string(out, env.event_id.to_string());
  out += ",\"event_type\":";
  append_json_string(out, env.event_type);
  out += ",\"metadata\":";
  out += metadata;
  out += ",\"payload\":";
  out += payload;
  out += ",\"recorded_at\":";
  append_json_string(out, env.recorded_at);
  out += ",\"schema_version\":";
  append_json_number(out, static_cast<double>(env.schema_version));
  out += ",\"stream_id\":";
  append_json_string(out, env.stream_id);
  out += ",\"stream_version\":";
  append_json_number(out, static_cast<double>(env.stream_version));
  out += ",\"tenant_id\":";
  append_json_string(out, env.tenant_id.to_string());
  out += '}';
  return out;
}

hash_bytes hash_of(const hash_bytes& prev, std::string_view canonical) {
  std::string_view prev_view{reinterpret_cast<const char*>(prev.data()),
                             prev.size()};
  return sha256({prev_view, canonical});
}

} // namespace

expected<std::string> canonical_envelope(const envelope& env) {
  auto payload = canonical_object(env.payload, "payload");
  if (!payload)
    return payload;
  auto metadata = canonical_object(env.metadata, "metadata");
  if (!metadata)
    return metadata;
  return assemble(env, *payload, *metadata);
}

expected<hash_bytes> chain_hash(const hash_bytes& prev, const envelope& env) {
  auto canonical = canonical_envelope(env);
  if (!canonical)
    return std::move(canonical).error();
  return hash_of(prev, *canonical);
}

hash_bytes chain_hash_of_canonical(const hash_bytes& prev,
                                   const envelope& env) {
  return hash_of(prev, assemble(env, env.payload, env.metadata));
}

} // namespace larder::events
