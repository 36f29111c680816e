#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/invoice/invoice.hpp"
#include "actors/values/values.hpp"
#include "events/catalog.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"
#include "events/uuid.hpp"
#include "projections/runner.hpp"

namespace pqxx {
class transaction_base;
} // namespace pqxx

/// The invoices read model (schema `rm_invoices`, schema/004_invoices.sql)
/// and its queries: the invoice list with its filters, search, sorts and
/// pages, an invoice's page, and the dashboard.
///
/// Each invoice's state is the domain's own (`invoice_entity::evolve` over
/// its events), so the model cannot disagree with the actor about what an
/// event does; the row adds when things happened and who approved or
/// rejected. `apply` only decodes and buffers; `flush` loads the rows of the
/// invoices the batch continues (one statement, whatever their number),
/// evolves every invoice through its events in stream order, and writes
/// rows, lines and extractions set-based. An invoice split across batches
/// continues from its row, which holds everything later events build on.
///
/// Queries run on the caller's transaction, read the live tables by their
/// qualified names, are scoped to one tenant (another tenant's invoice does
/// not exist) and throw libpqxx exceptions on database errors.
///
/// JSON: snake_case; amounts are decimal strings at their currency's
/// precision (two places while the currency is unknown) next to the
/// currency code; quantities, unit prices, rates and confidences are the
/// shortest decimal string; dates YYYY-MM-DD; timestamps RFC 3339 UTC with
/// microseconds.
namespace larder::projections {

// -- display status -----------------------------------------------------------

/// What a person sees of an invoice, in lifecycle order.
enum class display_status : std::uint8_t {
  processing,
  awaiting_approval,
  approved_unpaid,
  approved_paid,
  rejected,
  failed,
  not_an_invoice,
};

inline constexpr display_status all_display_statuses[] = {
  display_status::processing,      display_status::awaiting_approval,
  display_status::approved_unpaid, display_status::approved_paid,
  display_status::rejected,        display_status::failed,
  display_status::not_an_invoice};

std::string_view to_string(display_status status) noexcept;
std::optional<display_status> parse_display_status(std::string_view text);

/// The display status, decided here and nowhere else: received and
/// extracting are `processing`; approved is `approved_paid` or
/// `approved_unpaid` by the paid flag; awaiting_approval, rejected, failed
/// and not_an_invoice keep their names; deleted has none (no list shows a
/// deleted invoice). A suspected duplicate is a flag, not a status.
std::optional<display_status> display_status_of(domain::invoice_status status,
                                                bool paid) noexcept;

// -- the model ----------------------------------------------------------------

/// The model, named "invoices", for a `projection_runner`. Each call returns
/// a model with its own batch buffer: never run one model's functions from
/// two runners at once. The catalogue is not needed (an invoice continues
/// from its row, not from its stream); the parameter stays for callers that
/// pass one.
read_model invoices_model(std::shared_ptr<const events::catalog> = nullptr);

// -- the list -----------------------------------------------------------------

/// URL query parameters, in order, as the edge parsed them.
using query_pairs = std::vector<std::pair<std::string, std::string>>;

/// What the list can be sorted by; ties are broken by invoice id in the
/// same direction. Invoices without the value (not extracted yet) come last
/// in either direction.
enum class invoice_sort : std::uint8_t {
  received_at,
  issue_date,
  due_date,
  total,
  /// The supplier's name without case or accents.
  supplier,
  /// Display status in lifecycle order (processing first).
  status,
};

std::string_view to_string(invoice_sort sort) noexcept;

/// `GET /api/invoices`, as `parse_invoice_list_query` reads it:
///
/// - `status`: display statuses, comma-separated or repeated (any of them);
/// - `supplier`: a supplier's name (any case, accents or not) or its key
///   from the suppliers model (`tax:…`, `name:…`);
/// - `issue_from`, `issue_to`, `due_from`, `due_to`: YYYY-MM-DD, inclusive;
/// - `min_total`, `max_total`: decimal amounts, inclusive, in whatever
///   currency each invoice has;
/// - `source`: upload, email, whatsapp or api;
/// - `q`: words, each matching the start of a word of the supplier's name,
///   the invoice number or a line's description, without case or accents;
/// - `sort` (default received_at) and `order` (asc or desc, default desc);
/// - `limit` (1..200, default 50), and either `offset` or `cursor` (the
///   `next_cursor` of the previous page, for the same sort and order).
struct invoice_list_query {
  std::vector<display_status> statuses;
  std::string supplier;
  std::optional<values::date> issue_from, issue_to, due_from, due_to;
  std::optional<values::decimal> min_total, max_total;
  std::optional<domain::document_source> source;
  std::string q;
  invoice_sort sort = invoice_sort::received_at;
  bool descending = true;
  int limit = 50;
  std::int64_t offset = 0;
  /// Empty for offset paging.
  std::string cursor;
};

/// Adds the display statuses of `text`, separated by commas
/// ("approved_unpaid,approved_paid"), to `into` (each once);
/// `invalid_argument` listing the statuses for anything else.
std::optional<error> add_statuses(std::string_view text,
                                  std::vector<display_status>& into);

/// Refuses unknown parameters, repeated ones (but `status`) and bad values
/// with `invalid_argument` and a message saying what is allowed.
expected<invoice_list_query>
parse_invoice_list_query(const query_pairs& params);

/// An invoice as the list shows it.
struct invoice_list_row {
  events::uuid id;
  display_status status = display_status::processing;
  domain::document_source source = domain::document_source::upload;
  std::string file_name;
  std::string received_at;
  std::optional<std::string> supplier_name;
  std::optional<std::string> invoice_number;
  std::optional<values::date> issue_date;
  std::optional<values::date> due_date;
  std::optional<std::string> currency;
  std::optional<values::decimal> total;
  std::optional<values::date> paid_on;
  std::optional<events::uuid> duplicate_of;
  std::optional<values::decimal> overall_confidence;
  std::int64_t line_count = 0;
  std::int64_t version = 0;
  std::string updated_at;
};

/// How far a list counts the invoices that match filters other than status
/// (counting costs what the invoices matched: a broad search of a big
/// tenant would cost more than the page).
inline constexpr std::int64_t invoice_count_cap = 1000;

struct invoice_list_page {
  std::vector<invoice_list_row> invoices;
  /// How many invoices match the filters, on every page; at most
  /// `invoice_count_cap` unless the filters are status alone (or none).
  std::int64_t total = 0;
  /// More than `total` invoices match ("1,000+").
  bool total_capped = false;
  invoice_sort sort = invoice_sort::received_at;
  bool descending = true;
  int limit = 50;
  /// The page's offset; empty when it was asked for by cursor.
  std::optional<std::int64_t> offset;
  /// Where the next page starts, when there is one.
  std::optional<std::int64_t> next_offset;
  std::string next_cursor;
};

invoice_list_page list_invoices(pqxx::transaction_base& txn,
                                const events::uuid& tenant,
                                const invoice_list_query& q);

/// `{"invoices":[{id, status, source, file_name, received_at,
/// supplier_name, invoice_number, issue_date, due_date, currency, total,
/// paid_on, duplicate_of, overall_confidence, line_count, version,
/// updated_at}], "total", "total_capped", "sort", "order", "limit",
/// "offset", "next_offset", "next_cursor"}`; absent values are null.
void write_json(events::json_writer& w, const invoice_list_page& page);

// -- one invoice --------------------------------------------------------------

/// Everything the model knows of one invoice.
struct invoice_detail {
  /// The domain's state: document, fields, lines, taxes, confidence,
  /// corrections, extraction, duplicate, reasons and payment.
  domain::invoice_state invoice;
  std::int64_t version = 0;
  std::int64_t position = 0;
  /// RFC 3339 UTC; empty when it has not happened (or no longer holds:
  /// approval while not approved, rejection while not rejected, extraction
  /// after a reprocess request).
  std::string updated_at, received_at, extracted_at;
  std::string approved_at, approved_by, rejected_at, rejected_by;
};

/// The invoice `invoice` of `tenant`; empty when the tenant has no such
/// invoice, or it was deleted.
std::optional<invoice_detail> find_invoice(pqxx::transaction_base& txn,
                                           const events::uuid& tenant,
                                           const events::uuid& invoice);

/// `{id, status, lifecycle_status, version, position, updated_at,
/// document:{source, file_name, media_type, size_bytes, sha256, sender,
/// received_at}, fields:{<name>:{value, confidence, corrected}} for the 11
/// header fields, overall_confidence, lines_confidence, taxes_confidence,
/// lines:[{line_no, description, quantity, unit, unit_price, line_total,
/// tax_code, category, total_mismatch}], taxes:[{kind, rate_percent,
/// amount}], extraction:{provider, model, attempts, cost (US dollars, every
/// attempt), extracted_at, failure_reason, retryable},
/// not_an_invoice_reason, duplicate:{of, reason}|null, approval:{at,
/// by}|null, rejection:{at, by, reason}|null, payment:{paid, paid_on,
/// method, reference}}`.
void write_json(events::json_writer& w, const invoice_detail& detail);

// -- the dashboard ------------------------------------------------------------

/// An amount in one currency; sums are never taken across currencies.
struct money_sum {
  std::string currency;
  values::decimal amount;
  std::int64_t invoices = 0;
};

struct month_spend {
  /// YYYY-MM.
  std::string month;
  std::vector<money_sum> spend;
};

struct supplier_spend {
  /// The name on the supplier's most recent invoice in the period.
  std::string supplier_name;
  /// The supplier as the suppliers model knows it (`supplier_id_of`).
  events::uuid supplier_id;
  money_sum spend;
};

/// Invoices in one state: how many, and their totals per currency (an
/// invoice without a total counts but adds nothing).
struct invoice_tally {
  std::int64_t count = 0;
  std::vector<money_sum> totals;
};

/// `GET /api/stats/overview` for `today`. Spend is the total of approved
/// invoices (paid or not) by invoice date: the issue date, else the UTC day
/// the document arrived. An invoice without a currency counts in the
/// tenant's currency (TenantCreated, read from the directory).
struct dashboard_overview {
  values::date today;
  /// The tenant's currency; empty when the directory does not know it.
  std::string currency;
  /// Every display status, zero included.
  std::map<display_status, std::int64_t> counts;
  std::vector<money_sum> spend_this_month, spend_last_month;
  /// The 12 months up to today's, oldest first.
  std::vector<month_spend> spend_by_month;
  /// The 5 largest (supplier, currency) spends over those 12 months;
  /// suppliers by key (tax number, else normalized name) as the suppliers
  /// model has them.
  std::vector<supplier_spend> top_suppliers;
  invoice_tally awaiting_approval;
  /// Approved and not marked paid; overdue: of those, due before today.
  invoice_tally unpaid, overdue;
  /// What successful extractions cost this month (UTC), in US dollars,
  /// deleted invoices included: the money is spent.
  values::decimal extraction_cost_this_month;
};

dashboard_overview dashboard(pqxx::transaction_base& txn,
                             const events::uuid& tenant,
                             const values::date& today);

/// `{today, currency, counts:{<status>:n}, spend_this_month:[{currency,
/// amount, invoices}], spend_last_month, spend_by_month:[{month, spend}],
/// top_suppliers:[{supplier_id, supplier_name, currency, amount, invoices}],
/// awaiting_approval:{count, totals}, unpaid, overdue,
/// extraction_cost_this_month:{currency:"USD", amount}}`.
void write_json(events::json_writer& w, const dashboard_overview& overview);

// -- JSON text, as the HTTP handlers answer it
// ----------------------------------

std::string invoice_list_json(pqxx::transaction_base& txn,
                              const events::uuid& tenant,
                              const invoice_list_query& q);

std::optional<std::string> invoice_detail_json(pqxx::transaction_base& txn,
                                               const events::uuid& tenant,
                                               const events::uuid& invoice);

std::string overview_json(pqxx::transaction_base& txn,
                          const events::uuid& tenant,
                          const values::date& today);

} // namespace larder::projections
