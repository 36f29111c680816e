#pragma once

#include <string>

#include "events/envelope.hpp"
#include "events/error.hpp"

/// The per-stream hash chain of DESIGN.md §4.4:
/// `hash = SHA-256(prev_hash || JCS(envelope))`.
namespace larder::events {

/// The RFC 8785 canonical JSON of `env`: an object with the members
/// event_id, event_type, metadata, payload, recorded_at, schema_version,
/// stream_id, stream_version and tenant_id. Fails with `invalid_argument`
/// when the payload or metadata is not a canonicalizable JSON object.
expected<std::string> canonical_envelope(const envelope& env);

/// The chain hash of `env` following an event whose hash is `prev`.
expected<hash_bytes> chain_hash(const hash_bytes& prev, const envelope& env);

/// `chain_hash` for an envelope whose payload and metadata are already
/// canonical (the output of `canonicalize`): the append path canonicalizes
/// each payload once and hashes without parsing it again.
hash_bytes chain_hash_of_canonical(const hash_bytes& prev, const envelope& env);

} // namespace larder::events
