#include <pqxx/pqxx>
#include <simdjson.h>

#include "events/json_writer.hpp"
#include "projections/exports/exports.hpp"
#include "projections/sql.hpp"

/// The record of exports: the InvoicesExported events and the model that
/// lists them (schema/008_exports.sql).
namespace larder::projections::exports {

namespace {

// -- SQL: apply (unqualified: the runner sets search_path) -------------------

constexpr auto insert_export_sql =
  "INSERT INTO exports (export_id, tenant_id, format, file_name, filters,"
  "                     invoices, exported_at, exported_by)"
  " VALUES ($1::uuid, $2::uuid, $3, $4, $5::jsonb, $6, $7::timestamptz,"
  "         $8::uuid)"
  " ON CONFLICT (export_id) DO NOTHING";

constexpr auto insert_invoices_sql =
  "INSERT INTO exported_invoices (invoice_id, export_id, tenant_id)"
  " SELECT id, $2::uuid, $3::uuid FROM unnest($1::uuid[]) AS id"
  " ON CONFLICT DO NOTHING";

// -- SQL: queries -------------------------------------------------------------

#define LARDER_RECORD_COLUMNS                                                  \
  "e.export_id::text, e.format, e.file_name, e.filters::text, "                \
  "e.invoices, " LARDER_RFC3339("e.exported_at") ", coalesce(u.email, '')"

constexpr auto recent_sql =
  "SELECT " LARDER_RECORD_COLUMNS
  "  FROM rm_exports.exports e LEFT JOIN rm.users u"
  "    ON u.user_id = e.exported_by"
  " WHERE e.tenant_id = $1::uuid"
  " ORDER BY e.exported_at DESC, e.export_id DESC LIMIT $2";

constexpr auto of_invoice_sql =
  "SELECT " LARDER_RECORD_COLUMNS "  FROM rm_exports.exported_invoices x"
  "  JOIN rm_exports.exports e ON e.export_id = x.export_id"
  "  LEFT JOIN rm.users u ON u.user_id = e.exported_by"
  " WHERE x.invoice_id = $1::uuid AND x.tenant_id = $2::uuid"
  " ORDER BY e.exported_at, e.export_id";

std::optional<std::string> export_of(std::string_view stream) {
  constexpr std::string_view prefix = "export-";
  if (!stream.starts_with(prefix))
    return std::nullopt;
  auto id = events::uuid::parse(stream.substr(prefix.size()));
  return id ? std::optional{id->to_string()} : std::nullopt;
}

std::optional<error> apply(pqxx::work& txn, const events::recorded_event& ev) {
  auto bad = [&](std::string_view what) {
    return make_error(errc::invalid_argument,
                      "InvoicesExported at "
                        + std::to_string(ev.global_position) + ": "
                        + std::string{what});
  };
  auto export_id = export_of(ev.env.stream_id);
  if (!export_id)
    return bad("not an export stream");
  simdjson::dom::parser parser;
  simdjson::dom::object payload;
  if (parser.parse(ev.env.payload).get(payload))
    return bad("the payload is not a JSON object");
  std::string_view format, file_name;
  std::int64_t count = 0;
  simdjson::dom::element filters;
  simdjson::dom::array ids;
  if (payload["format"].get(format) || payload["file_name"].get(file_name)
      || payload["invoice_count"].get(count) || payload["filters"].get(filters)
      || payload["invoice_ids"].get(ids))
    return bad("a member is missing");
  std::string list = "{";
  for (auto id : ids) {
    std::string_view text;
    if (id.get(text) || !events::uuid::parse(text))
      return bad("an invoice id is not a uuid");
    list += (list.size() > 1 ? "," : "") + std::string{text};
  }
  list += "}";
  std::optional<std::string> by;
  if (auto meta = events::decode_metadata(ev.env.metadata);
      meta && meta->actor == events::actor_kind::user
      && events::uuid::parse(meta->actor_id))
    by = meta->actor_id;
  auto tenant = ev.env.tenant_id.to_string();
  txn.exec_params(insert_export_sql, *export_id, tenant, std::string{format},
                  std::string{file_name}, simdjson::minify(filters), count,
                  ev.env.recorded_at, by);
  txn.exec_params(insert_invoices_sql, list, *export_id, tenant);
  return std::nullopt;
}

std::vector<export_record> read_records(const pqxx::result& rows) {
  std::vector<export_record> out;
  for (const auto& r : rows) {
    export_record e;
    e.export_id = *events::uuid::parse(r[0].c_str());
    e.format = r[1].c_str();
    e.file_name = r[2].c_str();
    e.filters = r[3].c_str();
    e.invoices = r[4].as<std::int64_t>();
    e.exported_at = r[5].c_str();
    e.exported_by = r[6].c_str();
    out.push_back(std::move(e));
  }
  return out;
}

} // namespace

void register_export_events(events::catalog& catalog) {
  catalog.add_type(std::string{invoices_exported_type}, 1);
}

std::vector<events::new_event>
exported_events(const events::uuid& export_id, export_format format,
                const export_filter& filter, std::string_view file_name,
                const std::vector<events::uuid>& ids) {
  events::json_writer f;
  f.begin_object();
  if (filter.issue_from)
    f.field("issue_from", filter.issue_from->to_string());
  if (filter.issue_to)
    f.field("issue_to", filter.issue_to->to_string());
  if (!filter.statuses.empty()) {
    f.key("status").begin_array();
    for (auto s : filter.statuses)
      f.value(to_string(s));
    f.end_array();
  }
  if (filter.paid)
    f.field("paid", *filter.paid ? "yes" : "no");
  if (!filter.supplier.empty())
    f.field("supplier", filter.supplier);
  if (format == export_format::universal)
    f.field("file", filter.lines_file ? "lines" : "invoices");
  f.end_object();
  auto filters = f.take();
  std::vector<events::new_event> out;
  std::size_t parts = std::max<std::size_t>(
    1, (ids.size() + exported_ids_per_event - 1) / exported_ids_per_event);
  for (std::size_t part = 0; part < parts; ++part) {
    events::json_writer w;
    w.begin_object()
      .field("export_id", export_id.to_string())
      .field("format", to_string(format))
      .field("file_name", file_name)
      .key("filters")
      .raw(filters)
      .field("invoice_count", static_cast<std::int64_t>(ids.size()))
      .field("part", static_cast<std::int64_t>(part + 1))
      .field("parts", static_cast<std::int64_t>(parts));
    w.key("invoice_ids").begin_array();
    auto end = std::min(ids.size(), (part + 1) * exported_ids_per_event);
    for (auto i = part * exported_ids_per_event; i < end; ++i)
      w.value(ids[i].to_string());
    w.end_array().end_object();
    out.push_back({events::uuid::make_v7(), std::string{invoices_exported_type},
                   1, w.take()});
  }
  return out;
}

read_model exports_model() {
  read_model m;
  m.name = "exports";
  m.schema = "rm_exports";
  m.event_types = {std::string{invoices_exported_type}};
  m.apply = apply;
  return m;
}

std::vector<export_record> recent_exports(pqxx::transaction_base& txn,
                                          const events::uuid& tenant,
                                          int limit) {
  return read_records(txn.exec_params(recent_sql, tenant.to_string(), limit));
}

std::vector<export_record> exports_of_invoice(pqxx::transaction_base& txn,
                                              const events::uuid& tenant,
                                              const events::uuid& invoice) {
  return read_records(
    txn.exec_params(of_invoice_sql, invoice.to_string(), tenant.to_string()));
}

void write_json(events::json_writer& w, const export_record& e) {
  w.begin_object()
    .field("export_id", e.export_id.to_string())
    .field("format", e.format)
    .field("file_name", e.file_name)
    .key("filters")
    .raw(e.filters)
    .field("invoices", e.invoices)
    .field("exported_at", e.exported_at);
  if (e.exported_by.empty())
    w.key("exported_by").null();
  else
    w.field("exported_by", e.exported_by);
  w.end_object();
}

} // namespace larder::projections::exports
