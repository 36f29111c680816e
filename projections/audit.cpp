#include "projections/audit.hpp"

#include <map>
#include <stdexcept>
#include <type_traits>

#include <pqxx/pqxx>

#include "actors/domain.hpp"
#include "actors/invoice/invoice.hpp"
#include "events/event_store.hpp"

namespace larder::projections {

namespace {

constexpr auto user_emails_sql =
  "SELECT user_id::text, email FROM rm.users WHERE user_id = ANY($1::uuid[])";

/// A line as one readable phrase: "Beurre doux 454 g — 12 ea × 6.49 = 77.88".
std::string line_text(const values::line_item& l) {
  std::string out = l.description + " — " + l.quantity.to_string();
  if (!l.unit.empty())
    out += " " + l.unit;
  out += " × " + l.unit_price.to_string() + " = " + l.line_total.to_string();
  if (!l.tax_code.empty())
    out += " (" + l.tax_code + ")";
  return out;
}

/// Before/after for each line that changed, by position ("line 2").
std::vector<audit_change>
line_changes(const std::vector<values::line_item>& a,
             const std::vector<values::line_item>& b) {
  std::vector<audit_change> out;
  for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    auto from = i < a.size() ? line_text(a[i]) : std::string{};
    auto to = i < b.size() ? line_text(b[i]) : std::string{};
    if (from != to)
      out.push_back({"line " + std::to_string(i + 1), from, to});
  }
  return out;
}

/// Before/after for each header field that differs.
std::vector<audit_change> field_changes(const domain::invoice_fields& a,
                                        const domain::invoice_fields& b) {
  std::vector<audit_change> out;
  for (auto name : domain::invoice_field_names) {
    auto from = domain::field_text(a, name).value_or("");
    auto to = domain::field_text(b, name).value_or("");
    if (from != to)
      out.push_back({std::string{name}, from, to});
  }
  return out;
}

std::string with_reason(std::string text,
                        const std::optional<std::string>& reason) {
  if (reason && !reason->empty())
    text += ": " + *reason;
  return text;
}

/// The summary and changes of one event, given the state before and after.
void describe(audit_entry& e, const domain::invoice_event& ev,
              const domain::invoice_state& before,
              const domain::invoice_state& after) {
  using namespace domain;
  std::visit(
    [&](const auto& x) {
      using T = std::decay_t<decltype(x)>;
      if constexpr (std::is_same_v<T, document_received>) {
        e.summary = "Document received by " + std::string{to_string(x.source)};
        if (!x.sender.empty())
          e.summary += " from " + x.sender;
        e.summary += ": " + x.file_name + " (" + x.media_type + ", "
                     + std::to_string(x.size_bytes) + " bytes)";
      } else if constexpr (std::is_same_v<T, extraction_started>) {
        e.summary =
          "Extraction started (attempt " + std::to_string(x.attempt) + ")";
      } else if constexpr (std::is_same_v<T, extraction_succeeded>) {
        e.summary = "Read by " + x.provider;
        if (!x.model.empty())
          e.summary += " (" + x.model + ")";
        e.summary += " in " + std::to_string(x.duration_ms) + " ms, confidence "
                     + x.overall_confidence.to_string(2);
        e.changes = field_changes(before.fields, after.fields);
        auto lines = line_changes(before.lines, after.lines);
        e.changes.insert(e.changes.end(), lines.begin(), lines.end());
      } else if constexpr (std::is_same_v<T, extraction_failed>) {
        e.summary = "Extraction failed: " + x.reason
                    + (x.retryable ? " (will be retried)" : "");
      } else if constexpr (std::is_same_v<T, marked_not_an_invoice>) {
        e.summary = with_reason("Marked not an invoice", x.reason);
      } else if constexpr (std::is_same_v<T, duplicate_suspected>) {
        e.summary = "Suspected duplicate of invoice " + x.of.to_string() + " ("
                    + std::string{to_string(x.why)} + ")";
      } else if constexpr (std::is_same_v<T, fields_corrected>) {
        e.summary = "Corrected ";
        for (std::size_t i = 0; i < x.changes.size(); ++i)
          e.summary += (i ? ", " : "") + x.changes[i].field;
        for (const auto& c : x.changes)
          e.changes.push_back({c.field, c.from, c.to});
      } else if constexpr (std::is_same_v<T, lines_replaced>) {
        e.summary = "Lines replaced (" + std::to_string(before.lines.size())
                    + " → " + std::to_string(x.lines.size()) + ")";
        e.changes = line_changes(before.lines, after.lines);
      } else if constexpr (std::is_same_v<T, invoice_approved>) {
        e.summary = "Approved";
      } else if constexpr (std::is_same_v<T, invoice_rejected>) {
        e.summary = with_reason("Rejected", x.reason);
      } else if constexpr (std::is_same_v<T, invoice_paid>) {
        e.summary = "Marked paid on " + x.paid_on.to_string() + " ("
                    + std::string{to_string(x.method)} + ")";
        if (x.reference && !x.reference->empty())
          e.summary += ", reference " + *x.reference;
      } else if constexpr (std::is_same_v<T, invoice_marked_unpaid>) {
        e.summary = "Marked unpaid";
      } else if constexpr (std::is_same_v<T, reprocess_requested>) {
        e.summary = with_reason("Reprocessing requested", x.reason);
      } else if constexpr (std::is_same_v<T, invoice_deleted>) {
        e.summary = with_reason("Deleted", x.reason);
      }
    },
    ev);
}

} // namespace

std::optional<std::vector<audit_entry>>
invoice_history(pqxx::transaction_base& txn, const events::catalog& catalog,
                const events::uuid& tenant, const events::uuid& invoice_id) {
  auto stream =
    domain::stream_id(domain::invoice_entity::stream_type, invoice_id);
  auto recorded = events::event_store::read_stream_in(txn, stream);
  if (recorded.empty() || recorded.front().env.tenant_id != tenant)
    return std::nullopt;
  std::vector<audit_entry> out;
  out.reserve(recorded.size());
  domain::invoice_state state;
  std::map<std::string, std::string> emails; // user id → email
  for (auto& r : recorded) {
    auto fail = [&](const std::string& why) {
      return std::runtime_error(
        "invoice " + invoice_id.to_string() + " version "
        + std::to_string(r.env.stream_version) + ": " + why);
    };
    if (auto up = catalog.upcast(r.env); !up)
      throw fail(up.error().message);
    auto ev = domain::invoice_entity::decode(r.env);
    if (!ev)
      throw fail(ev.error().message);
    auto meta = events::decode_metadata(r.env.metadata);
    audit_entry e;
    e.version = r.env.stream_version;
    e.position = r.global_position;
    e.at = r.env.recorded_at;
    e.type = r.env.event_type;
    if (meta) {
      e.actor_kind = std::string{events::to_string(meta->actor)};
      e.actor_id = meta->actor_id;
      e.source = meta->source;
      if (meta->actor == events::actor_kind::user
          && events::uuid::parse(meta->actor_id))
        emails.emplace(meta->actor_id, "");
    }
    auto after = domain::invoice_entity::evolve(state, *ev);
    describe(e, *ev, state, after);
    state = std::move(after);
    out.push_back(std::move(e));
  }
  if (!emails.empty()) {
    std::string ids = "{";
    for (const auto& [id, _] : emails)
      ids += (ids.size() > 1 ? "," : "") + id;
    ids += "}";
    for (auto row : txn.exec_params(user_emails_sql, ids))
      emails[row[0].c_str()] = row[1].c_str();
    for (auto& e : out)
      if (auto it = emails.find(e.actor_id); it != emails.end())
        e.actor_email = it->second;
  }
  return out;
}

void write_json(events::json_writer& w,
                const std::vector<audit_entry>& history) {
  w.begin_object().key("entries").begin_array();
  for (const auto& e : history) {
    w.begin_object()
      .field("version", e.version)
      .field("position", e.position)
      .field("at", e.at)
      .field("type", e.type);
    w.key("actor")
      .begin_object()
      .field("kind", e.actor_kind)
      .field("id", e.actor_id)
      .field("email", e.actor_email)
      .end_object();
    w.field("source", e.source).field("summary", e.summary);
    w.key("changes").begin_array();
    for (const auto& c : e.changes)
      w.begin_object()
        .field("field", c.field)
        .field("from", c.from)
        .field("to", c.to)
        .end_object();
    w.end_array().end_object();
  }
  w.end_array().end_object();
}

} // namespace larder::projections
