#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/values/values.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"
#include "events/uuid.hpp"
#include "projections/directory.hpp"
#include "projections/runner.hpp"

namespace pqxx {
class transaction_base;
} // namespace pqxx

/// The suppliers read model (schema `rm_suppliers`, see
/// schema/005_suppliers.sql): per normalized supplier what the tenant spent
/// and still owes, the supplier's invoices and items, the unit price of each
/// item over time, and the price rises that raised an alert.
///
/// Built from the invoice streams and the tenant's TenantCreated,
/// TenantSettingsChanged and PriceAlertAcknowledged, independently of the
/// invoices model: it keeps its own copy of the invoice facts it needs.
/// `apply` only decodes and buffers; `flush` folds the batch onto the
/// stored facts and writes every table set-based, so a batch costs a fixed
/// number of statements however many events it holds.
///
/// The rules, decided here once:
///
/// - **Supplier**: the normalized tax number when the invoice has one, else
///   the normalized name (`supplier_key`). An invoice belongs to its supplier
///   while it is awaiting approval, approved or rejected; a correction that
///   changes the key moves it. The supplier's name is the one on its most
///   recent invoice (by invoice date, then invoice id) that names it.
/// - **Invoice date**: the issue date, else the day the document was
///   received (UTC).
/// - **Spend**: the totals of approved invoices, paid or not, per currency;
///   average = spend / approved invoices with a total in that currency;
///   unpaid = the totals of approved invoices not marked paid. An invoice
///   without a currency counts in the tenant's currency. Currencies are
///   never added together.
/// - **Prices**: each approved invoice gives one observation per item
///   (normalized description, normalized unit, currency) from its lines with
///   a positive quantity and unit price; several lines of one item give their
///   quantity-weighted average. Observations are dated by the invoice date.
///   Rejecting or deleting the invoice removes them; a corrected invoice
///   (rejected, reprocessed, corrected and approved again) brings new ones.
/// - **Alerts**: an observation raises an alert when its rise over the
///   previous observation of the same item (in invoice date order, ties by
///   invoice id), as a percentage rounded half away from zero to two places,
///   is above the threshold: at exactly the threshold, no alert. The
///   threshold is the tenant's when the invoice was approved, so changing it
///   applies to approvals from then on. Alerts are a function of the
///   observations present: approving an invoice dated between two others
///   re-judges the later one against it. An alert's id derives from the
///   invoice and the item, so a rebuild gives the same ids, and an
///   acknowledgement, kept apart, still holds if the alert goes and comes
///   back.
///
/// Queries run on the caller's transaction, read the live tables by their
/// qualified names, are scoped to one tenant, and throw libpqxx exceptions
/// on database errors. Money is a decimal string at the currency's
/// precision next to its currency code; unit prices keep up to four places;
/// dates are YYYY-MM-DD and timestamps RFC 3339 UTC.
namespace larder::projections {

/// The read model, named "suppliers", for a `projection_runner`. Each call
/// returns a model with its own batch buffer: never run copies of one
/// model's functions from two runners at once.
read_model suppliers_model();

// -- normalization (pure) -----------------------------------------------------

/// Lower case, accents removed (Latin-1 Supplement, Latin Extended-A and
/// combining marks: é→e, ü→u, ß→ss, œ→oe, ł→l), punctuation and symbols as
/// spaces, spaces collapsed and trimmed. Letters of other scripts are kept
/// as they are. This is the form item descriptions and searches are
/// compared in.
std::string fold_text(std::string_view text);

/// A supplier's name for identity: `fold_text`, except that periods and
/// apostrophes join ("S.A." → "sa", "L'Épi" → "lepi"), and legal suffixes at
/// the end are dropped, repeatedly, with a connector before them ("Dupont et
/// Cie Ltée" → "dupont"), but never the whole name.
std::string normalize_supplier_name(std::string_view name);

/// ASCII letters and digits only, upper case: "123 456 789 rt-0001" →
/// "123456789RT0001".
std::string normalize_tax_number(std::string_view tax_number);

/// "tax:<normalized tax number>" when that is not empty, else
/// "name:<normalized name>" when that is not empty, else "".
std::string supplier_key(std::string_view name, std::string_view tax_number);

/// `fold_text` without spaces: "Kg." → "kg", "fl oz" → "floz".
std::string normalize_unit(std::string_view unit);

/// The id of the supplier `key` of `tenant` (uuid v8).
events::uuid supplier_id_of(const events::uuid& tenant, std::string_view key);

/// What one item of an invoice cost: the description and unit of its first
/// line, the quantity-weighted unit price of all its lines.
struct item_price {
  std::string description;
  std::string unit;
  values::decimal unit_price;

  friend bool operator==(const item_price&, const item_price&) = default;
};

/// The items of an invoice's lines, in the order they first appear, keyed
/// by `fold_text(description)` and `normalize_unit(unit)`. Lines without a
/// positive quantity and unit price, or whose description folds to nothing,
/// are not prices.
std::vector<item_price>
item_prices(const std::vector<values::line_item>& lines);

// -- query parameters ---------------------------------------------------------

/// Query parameters as the HTTP edge decoded them, in order.
using query_pairs = std::vector<std::pair<std::string, std::string>>;

/// The rows a page holds unless `limit` (at most `max_page_rows`) says
/// otherwise.
inline constexpr std::int64_t default_page_rows = 50;

enum class supplier_sort : std::uint8_t {
  name,
  spend,
  last_invoice,
  invoice_count
};

/// `q` (part of the name), `sort` (name, spend, last_invoice, invoice_count;
/// default name), `order` (asc, desc; default asc for name and desc for the
/// others), `limit` (1..500, default 50), `offset` (default 0). Spend sorts
/// by the spend in the tenant's currency.
struct supplier_list_query {
  std::string search;
  supplier_sort sort = supplier_sort::name;
  bool descending = false;
  std::int64_t limit = default_page_rows;
  std::int64_t offset = 0;
};

expected<supplier_list_query>
parse_supplier_list_query(const query_pairs& params);

/// `limit` and `offset` only: a supplier's invoices.
struct page_query {
  std::int64_t limit = default_page_rows;
  std::int64_t offset = 0;
};

expected<page_query> parse_page_query(const query_pairs& params);

/// `q` (part of the description), `limit`, `offset`: a supplier's items.
struct item_list_query {
  std::string search;
  std::int64_t limit = default_page_rows;
  std::int64_t offset = 0;
};

expected<item_list_query> parse_item_list_query(const query_pairs& params);

/// `from`, `to` (YYYY-MM-DD, inclusive), `limit`, `offset`: an item's
/// prices.
struct price_history_query {
  std::optional<values::date> from;
  std::optional<values::date> to;
  std::int64_t limit = default_page_rows;
  std::int64_t offset = 0;
};

expected<price_history_query>
parse_price_history_query(const query_pairs& params);

/// `acknowledged` (true, false; default both), `supplier` (a supplier id),
/// `item` (part of the item's description), `from`, `to` (YYYY-MM-DD,
/// inclusive, on the invoice date), `limit`, `offset`.
struct alert_list_query {
  std::optional<bool> acknowledged;
  std::optional<events::uuid> supplier;
  std::string item;
  std::optional<values::date> from;
  std::optional<values::date> to;
  std::int64_t limit = default_page_rows;
  std::int64_t offset = 0;
};

expected<alert_list_query> parse_alert_list_query(const query_pairs& params);

/// No parameters: the count of unacknowledged alerts takes none.
std::optional<error> parse_no_params(const query_pairs& params);

// -- rows ---------------------------------------------------------------------

/// What a supplier's approved invoices in one currency add up to.
struct supplier_totals {
  std::string currency;
  std::int64_t approved_invoices = 0;
  std::string spend;
  std::string average;
  std::int64_t unpaid_invoices = 0;
  std::string unpaid;

  friend bool operator==(const supplier_totals&,
                         const supplier_totals&) = default;
};

struct supplier_row {
  events::uuid id;
  std::string name;
  /// The normalized tax number the supplier is known by; "" for a supplier
  /// known by name.
  std::string tax_id;
  /// Invoices awaiting approval, approved or rejected.
  std::int64_t invoice_count = 0;
  std::int64_t approved_count = 0;
  std::string last_invoice_date;
  /// By currency code.
  std::vector<supplier_totals> totals;

  friend bool operator==(const supplier_row&, const supplier_row&) = default;
};

struct supplier_invoice_row {
  events::uuid id;
  std::string number;
  /// "" when unknown.
  std::string issue_date;
  std::string due_date;
  /// The issue date, else the day it was received.
  std::string invoice_date;
  /// awaiting_approval, approved or rejected.
  std::string status;
  bool paid = false;
  std::string paid_on;
  /// "" when unknown.
  std::string total;
  std::string currency;

  friend bool operator==(const supplier_invoice_row&,
                         const supplier_invoice_row&) = default;
};

struct supplier_item_row {
  events::uuid id;
  events::uuid supplier_id;
  std::string description;
  std::string unit;
  std::string currency;
  std::string latest_price;
  std::string latest_on;
  events::uuid latest_invoice_id;
  /// The latest price's change over the one before it; "" for the first.
  std::string change_percent;
  std::int64_t observations = 0;

  friend bool operator==(const supplier_item_row&,
                         const supplier_item_row&) = default;
};

struct price_point {
  std::string observed_on;
  events::uuid invoice_id;
  std::string invoice_number;
  std::string unit_price;
  /// "" for the item's first observation.
  std::string previous_price;
  std::string change_percent;
  bool alert = false;

  friend bool operator==(const price_point&, const price_point&) = default;
};

/// An item and a page of its prices, newest first.
struct price_history {
  supplier_item_row item;
  page<price_point> prices;
};

struct price_alert_row {
  events::uuid id;
  /// The invoice date of the rise.
  std::string observed_on;
  events::uuid supplier_id;
  std::string supplier_name;
  events::uuid item_id;
  std::string description;
  std::string unit;
  std::string currency;
  std::string old_price;
  std::string new_price;
  std::string percent;
  std::string threshold_percent;
  events::uuid invoice_id;
  std::string invoice_number;
  events::uuid previous_invoice_id;
  std::string previous_invoice_number;
  std::string previous_on;
  bool acknowledged = false;
  /// Set when acknowledged.
  std::optional<events::uuid> acknowledged_by;
  std::string acknowledged_at;

  friend bool operator==(const price_alert_row&,
                         const price_alert_row&) = default;
};

struct alert_count {
  std::int64_t unacknowledged = 0;
};

// -- queries ------------------------------------------------------------------

page<supplier_row> list_suppliers(pqxx::transaction_base& txn,
                                  const events::uuid& tenant,
                                  const supplier_list_query& query);

std::optional<supplier_row> find_supplier(pqxx::transaction_base& txn,
                                          const events::uuid& tenant,
                                          const events::uuid& supplier);

/// The supplier's invoices, newest (by invoice date) first; nothing when
/// the tenant has no such supplier.
std::optional<page<supplier_invoice_row>>
supplier_invoices(pqxx::transaction_base& txn, const events::uuid& tenant,
                  const events::uuid& supplier, const page_query& query);

/// The supplier's items by description; nothing when the tenant has no such
/// supplier.
std::optional<page<supplier_item_row>>
supplier_items(pqxx::transaction_base& txn, const events::uuid& tenant,
               const events::uuid& supplier, const item_list_query& query);

/// One item's prices, newest first; nothing when the tenant has no such
/// item.
std::optional<price_history>
item_price_history(pqxx::transaction_base& txn, const events::uuid& tenant,
                   const events::uuid& item, const price_history_query& query);

/// Alerts, newest (by invoice date) first.
page<price_alert_row> list_price_alerts(pqxx::transaction_base& txn,
                                        const events::uuid& tenant,
                                        const alert_list_query& query);

alert_count count_unacknowledged_alerts(pqxx::transaction_base& txn,
                                        const events::uuid& tenant);

/// Whether `alert` is one of the tenant's alerts now (as its list shows
/// them): what may be acknowledged.
bool has_price_alert(pqxx::transaction_base& txn, const events::uuid& tenant,
                     const events::uuid& alert);

// -- JSON ---------------------------------------------------------------------

/// `{"suppliers":[supplier…],"total":n}`; a supplier is `{id, name, tax_id
/// (null when known by name), invoice_count, approved_count,
/// last_invoice_date, totals:[{currency, approved_invoices, spend, average,
/// unpaid_invoices, unpaid}]}`.
void write_json(events::json_writer& w, const page<supplier_row>& suppliers);

/// One supplier, as in the list.
void write_json(events::json_writer& w, const supplier_row& supplier);

/// `{"invoices":[{id, number, issue_date, due_date, invoice_date, status,
/// paid, paid_on, total, currency}],"total":n}`, unknowns null.
void write_json(events::json_writer& w,
                const page<supplier_invoice_row>& invoices);

/// `{"items":[item…],"total":n}`; an item is `{id, supplier_id,
/// description, unit, currency, latest_price, latest_on, latest_invoice_id,
/// change_percent, observations}`.
void write_json(events::json_writer& w, const page<supplier_item_row>& items);

/// `{"item":item,"prices":[{observed_on, invoice_id, invoice_number,
/// unit_price, previous_price, change_percent, alert}],"total":n}`.
void write_json(events::json_writer& w, const price_history& history);

/// `{"alerts":[{id, observed_on, supplier:{id,name}, item:{id, description,
/// unit}, currency, old_price, new_price, percent, threshold_percent,
/// invoice:{id,number}, previous_invoice:{id,number,observed_on},
/// acknowledged, acknowledged_by, acknowledged_at}],"total":n}`.
void write_json(events::json_writer& w, const page<price_alert_row>& alerts);

/// `{"unacknowledged":n}`.
void write_json(events::json_writer& w, const alert_count& count);

} // namespace larder::projections
