#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "events/catalog.hpp"
#include "events/json_writer.hpp"
#include "events/uuid.hpp"

namespace pqxx {
class transaction_base;
} // namespace pqxx

/// An invoice's audit history: who did what and when, with before and after
/// for every correction. Not a projection: it is rendered from the invoice's
/// own stream each time it is asked for, so it covers every event ever
/// written, including those from before any read model existed, and it can
/// never disagree with the log.
namespace larder::projections {

/// One field as it was and became; "" for unknown.
struct audit_change {
  std::string field;
  std::string from;
  std::string to;

  friend bool operator==(const audit_change&, const audit_change&) = default;
};

struct audit_entry {
  std::int64_t version = 0;
  std::int64_t position = 0;
  /// RFC 3339 UTC with microseconds.
  std::string at;
  /// The event type, e.g. "InvoiceApproved".
  std::string type;
  /// system, user, webhook or worker; and who: a user id, a sender, …
  std::string actor_kind;
  std::string actor_id;
  /// The user's email when the actor is a known user, else "".
  std::string actor_email;
  /// web, email, whatsapp, api, worker, cli.
  std::string source;
  /// One sentence for a person: "Marked paid on 2026-11-20 (cheque)".
  std::string summary;
  std::vector<audit_change> changes;
};

/// The history of invoice `invoice_id` of `tenant`, oldest first; empty
/// optional when the invoice does not exist or belongs to another tenant.
/// Events are brought to their current schema by `catalog` first. Throws
/// libpqxx exceptions on database errors and `std::runtime_error` on an
/// event that cannot be decoded (a broken log is not a history).
std::optional<std::vector<audit_entry>>
invoice_history(pqxx::transaction_base& txn, const events::catalog& catalog,
                const events::uuid& tenant, const events::uuid& invoice_id);

/// `{"entries":[{version, position, at, type, actor:{kind,id,email},
/// source, summary, changes:[{field,from,to}]}]}`.
void write_json(events::json_writer& w,
                const std::vector<audit_entry>& history);

} // namespace larder::projections
