#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/connection>
#include <pqxx/transaction_base>

#include "actors/tenant/tenant.hpp"
#include "actors/values/values.hpp"
#include "events/catalog.hpp"
#include "events/envelope.hpp"
#include "events/error.hpp"
#include "events/json_writer.hpp"
#include "events/uuid.hpp"
#include "projections/invoices.hpp"
#include "projections/runner.hpp"

/// Exports to the books (DESIGN.md §7): renderers over the invoices read
/// model that stream an approved selection of a tenant's invoices as an
/// Excel workbook, QuickBooks Desktop IIF bills, a Xero bills CSV, an
/// hledger journal or a universal CSV, and the summary of what an export
/// would hold. No CAF: the HTTP edge (http/api_exports.cpp) runs
/// `run_export` on its own thread and connection and hands each chunk to
/// the connection as it comes, so memory does not grow with the number of
/// invoices.
namespace larder::projections::exports {

// -- what is exported ---------------------------------------------------------

enum class export_format : std::uint8_t {
  excel,
  quickbooks,
  xero,
  journal,
  universal,
};

std::string_view to_string(export_format format) noexcept;
std::optional<export_format> parse_export_format(std::string_view text);

/// The filters every export and the summary take (URL parameters):
/// `issue_from`, `issue_to` (YYYY-MM-DD, inclusive), `status` (display
/// statuses, comma-separated or repeated), `paid` (`yes` or `no`),
/// `supplier` (a name, any case or accents, or a supplier key), and for the
/// universal CSV `file` (`invoices`, the default, or `lines`).
struct export_filter {
  std::optional<values::date> issue_from, issue_to;
  std::vector<display_status> statuses;
  std::optional<bool> paid;
  std::string supplier;
  /// The universal CSV's file: the invoices (false) or their lines (true).
  bool lines_file = false;
};

/// Refuses unknown or repeated parameters (but `status`), bad values and an
/// empty date range with `invalid_argument` saying what is allowed. `after`
/// (read-your-writes) is accepted and ignored here.
expected<export_filter> parse_export_filter(const query_pairs& params);

struct export_line {
  int line_no = 0;
  std::string description;
  values::decimal quantity;
  std::string unit;
  values::decimal unit_price;
  values::decimal line_total;
  std::string tax_code;
  std::string category;
};

struct export_tax {
  values::tax_kind kind = values::tax_kind::other;
  values::decimal rate_percent;
  values::decimal amount;
};

/// One invoice as the read model holds it, with its lines.
struct export_invoice {
  events::uuid id;
  display_status status = display_status::processing;
  std::string source;
  std::string file_name;
  std::string received_at;
  std::string supplier_name;
  std::string supplier_tax_id;
  std::string invoice_number;
  std::optional<values::date> issue_date;
  std::optional<values::date> due_date;
  /// ISO 4217 code, "" when unknown.
  std::string currency;
  std::optional<values::decimal> subtotal, tax_total, total;
  std::vector<export_tax> taxes;
  std::string purchase_order;
  std::string payment_terms;
  std::string approved_at;
  std::string approved_by;
  bool paid = false;
  std::optional<values::date> paid_on;
  std::string payment_method;
  std::string payment_reference;
  std::vector<export_line> lines;
};

/// The digits after the point of `currency` (ISO 4217), 2 when unknown.
int minor_units_of(std::string_view currency);

/// Why an invoice in the selection cannot go to the books, or "" when it
/// can: it must be approved, and have a supplier, an issue date, a currency
/// and a total.
std::string unexportable_reason(const export_invoice& inv);

// -- the tenant's books -------------------------------------------------------

/// What the renderers need of the tenant: its name, region, currency and
/// its accounts, the tenant's own where set, else the region's defaults.
struct books {
  std::string tenant_name;
  /// "CA-QC", "GB", "US-NY"…
  std::string region;
  std::string currency;
  std::map<domain::account_purpose, domain::export_account> accounts;
  /// When the export was made, RFC 3339 UTC, for headers and file names.
  std::string generated_at;
};

/// The accounts a region's bookkeepers expect, by purpose (names as
/// QuickBooks and hledger use them, codes from Xero's default charts).
std::map<domain::account_purpose, domain::export_account>
default_accounts(std::string_view region);

/// `books` for `tenant`: its settings' accounts over the region's defaults.
books books_for(const domain::tenant_state& tenant, std::string generated_at);

/// The account a tax kind is booked to: GST, QST, HST and VAT to their
/// input tax credit accounts; PST, US sales tax and other taxes, which a
/// business cannot reclaim, to `sales_tax` (an expense).
domain::account_purpose tax_account(values::tax_kind kind) noexcept;

/// An invoice split into postings that balance to its total, at its
/// currency's precision: the lines (each line's total), a line for what
/// the lines leave out of the net amount (charges, discounts, rounding),
/// the taxes, and the payable (the total, negated).
struct posting {
  domain::account_purpose account = domain::account_purpose::expenses;
  /// The line's category, for journals that book by category.
  std::string category;
  std::string memo;
  values::decimal amount;
  /// The line this posting comes from, or 0.
  int line_no = 0;
  values::decimal quantity;
  values::decimal unit_price;
};

struct posting_plan {
  /// Expense postings (lines, then the difference), then the taxes.
  std::vector<posting> debits;
  /// The total the supplier is owed, positive.
  values::decimal payable;
  int minor_units = 2;
};

posting_plan plan_postings(const export_invoice& inv);

// -- the summary --------------------------------------------------------------

struct currency_totals {
  std::string currency;
  std::int64_t invoices = 0;
  values::decimal subtotal;
  values::decimal tax;
  values::decimal total;
  values::decimal paid;
  values::decimal unpaid;
  /// By tax kind ("gst", "qst"…).
  std::map<std::string, values::decimal> taxes;
};

struct excluded_invoice {
  events::uuid id;
  std::string supplier_name;
  std::string invoice_number;
  std::optional<values::date> issue_date;
  display_status status = display_status::processing;
  std::string reason;
};

/// What an export with these filters would contain.
struct export_summary {
  std::int64_t selected = 0;
  std::int64_t exportable = 0;
  std::int64_t lines = 0;
  std::vector<currency_totals> totals;
  std::int64_t excluded = 0;
  /// Why invoices are left out, and how many for each reason.
  std::map<std::string, std::int64_t> excluded_by_reason;
  /// The first `excluded_listed` of them.
  std::vector<excluded_invoice> excluded_invoices;
  /// How many Xero files the export needs (at most 500 bills each).
  std::int64_t xero_files = 0;
};

inline constexpr std::size_t excluded_listed = 100;
inline constexpr std::int64_t xero_invoices_per_file = 500;

void write_json(events::json_writer& w, const export_summary& summary);

// -- running an export --------------------------------------------------------

/// Receives the export's bytes in order; returns false to stop (the client
/// went away), which ends `run_export` with `unavailable`.
using chunk_sink = std::function<bool(std::string_view)>;

/// What an export produced.
struct export_result {
  std::vector<events::uuid> invoice_ids;
  std::int64_t lines = 0;
  std::uint64_t bytes = 0;
};

/// A selection read in one snapshot: `open` counts it (so the response can
/// say what kind of file comes before the first byte), `run` streams it.
/// Holds a REPEATABLE READ, read-only transaction on `conn` from `open` to
/// the end of `run`; blocking, never on a scheduler thread.
class export_job {
 public:
  export_job(pqxx::connection& conn, events::uuid tenant, export_format format,
             export_filter filter, books book,
             std::filesystem::path scratch_dir);
  ~export_job();

  export_job(const export_job&) = delete;
  export_job& operator=(const export_job&) = delete;

  /// Starts the snapshot and counts the exportable invoices.
  expected<std::int64_t> open();

  /// The response's media type and file name, known after `open` (a Xero
  /// export of more than 500 bills is a zip of CSV files).
  std::string media_type() const;
  std::string file_name() const;

  /// Streams the file to `sink` in chunks of about 64 KiB.
  expected<export_result> run(const chunk_sink& sink);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The summary of `filter` over `tenant`'s invoices in `txn`.
export_summary summarize(pqxx::transaction_base& txn,
                         const events::uuid& tenant,
                         const export_filter& filter);

// -- renderers (exposed for tests and the benchmark) --------------------------

/// Turns invoices into one file. `add` is called once per exportable
/// invoice in the order of the export (issue date, supplier, number);
/// `finish` writes what comes after the last one. Output goes to the sink
/// given at construction, in pieces.
class renderer {
 public:
  virtual ~renderer() = default;
  virtual void add(const export_invoice& inv) = 0;
  virtual void finish() = 0;
};

/// The renderer of `format`. `count` is how many invoices will come (Xero
/// zips beyond 500); `scratch_dir` holds the temporary files of the
/// workbook and the zip.
std::unique_ptr<renderer>
make_renderer(export_format format, const books& book,
              const export_filter& filter, std::int64_t count,
              const std::filesystem::path& scratch_dir,
              std::function<void(std::string_view)> out);

/// The universal CSV's rule for a text cell: a cell that a spreadsheet
/// would read as a formula (starting with =, +, -, @, tab or CR) gets a
/// leading apostrophe; then RFC 4180 quoting when needed.
std::string csv_text_cell(std::string_view text);

// -- the record of exports ----------------------------------------------------

/// Each export that reached its client records what it included: events
/// `InvoicesExported` in the stream "export-<export id>" (stream type
/// "export"), each naming at most `exported_ids_per_event` invoices, so a
/// large export stays within the store's payload limit.
inline constexpr std::string_view invoices_exported_type = "InvoicesExported";
inline constexpr std::size_t exported_ids_per_event = 2000;

void register_export_events(events::catalog& catalog);

/// The events recording an export of `ids` (at least one event, even for
/// an export of nothing).
std::vector<events::new_event>
exported_events(const events::uuid& export_id, export_format format,
                const export_filter& filter, std::string_view file_name,
                const std::vector<events::uuid>& ids);

/// The model "exports" (schema rm_exports): the exports of each tenant and
/// the exports each invoice went out in.
read_model exports_model();

struct export_record {
  events::uuid export_id;
  std::string format;
  std::string file_name;
  /// The filters as a JSON object.
  std::string filters;
  std::int64_t invoices = 0;
  std::string exported_at;
  /// The email of the person who exported, or "".
  std::string exported_by;
};

/// The tenant's exports, newest first, at most `limit`.
std::vector<export_record> recent_exports(pqxx::transaction_base& txn,
                                          const events::uuid& tenant,
                                          int limit);

/// The exports that included `invoice`, oldest first.
std::vector<export_record> exports_of_invoice(pqxx::transaction_base& txn,
                                              const events::uuid& tenant,
                                              const events::uuid& invoice);

/// `{"export_id", "format", "file_name", "filters", "invoices",
/// "exported_at", "exported_by"}`.
void write_json(events::json_writer& w, const export_record& record);

} // namespace larder::projections::exports
