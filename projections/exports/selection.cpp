#include <algorithm>
#include <unordered_map>

#include <pqxx/pqxx>
#include <simdjson.h>

#include "actors/values/text.hpp"
#include "events/json_writer.hpp"
#include "projections/exports/exports.hpp"
#include "projections/sql.hpp"
#include "projections/suppliers.hpp"

/// The selection of an export (filters, the rows read from the invoices
/// model, which invoices may go to the books), the tenant's accounts, the
/// postings of an invoice, the summary, and `export_job`.
namespace larder::projections::exports {

using domain::account_purpose;
using values::decimal;

namespace {

// clang-format off
/// The invoices model's rows: each invoice's document (i) and where it
/// stands (s).
#define LARDER_EXPORT_TABLES                                                   \
  " FROM rm_invoices.invoices i JOIN rm_invoices.statuses s"                   \
  " USING (invoice_id, tenant_id)"

/// $1 tenant, $2 display statuses (text[]) or NULL, $3 folded supplier name
/// or NULL, $4 supplier key or NULL, $5 and $6 issue date bounds or NULL,
/// $7 paid or NULL.
#define LARDER_EXPORT_FILTER                                                   \
  " WHERE tenant_id = $1::uuid"                                                \
  "   AND ($2::text[] IS NULL OR s.display_status = ANY($2::text[]))"          \
  "   AND ($3::text IS NULL OR i.supplier_sort = $3::text)"                    \
  "   AND ($4::text IS NULL OR i.supplier_key = $4::text)"                     \
  "   AND ($5::date IS NULL OR i.issue_date >= $5::date)"                      \
  "   AND ($6::date IS NULL OR i.issue_date <= $6::date)"                      \
  "   AND ($7::boolean IS NULL OR s.paid = $7::boolean)"

/// What `unexportable_reason` accepts, in SQL: the export reads only these
/// (tests/pg/http/exports_pgtest.cpp holds the two to the same answer).
#define LARDER_EXPORTABLE                                                      \
  "   AND s.display_status IN ('approved_unpaid', 'approved_paid')"            \
  "   AND coalesce(i.supplier_name, '') <> ''"                                 \
  "   AND i.issue_date IS NOT NULL AND i.currency IS NOT NULL"                 \
  "   AND i.total IS NOT NULL"

#define LARDER_EXPORT_COLUMNS                                                  \
  "i.invoice_id::text, s.display_status, i.source, i.file_name, "              \
  LARDER_RFC3339("i.received_at") ", i.supplier_name, i.supplier_tax_id, "     \
  "i.invoice_number, " LARDER_DAY("i.issue_date") ", "                         \
  LARDER_DAY("i.due_date") ", i.currency, i.subtotal::text, "                  \
  "i.tax_total::text, i.total::text, i.taxes::text, i.purchase_order, "        \
  "i.payment_terms, " LARDER_RFC3339("s.approved_at") ", s.approved_by, "      \
  "s.paid, " LARDER_DAY("s.paid_on") ", s.payment_method, "                    \
  "s.payment_reference, i.line_count"

constexpr auto count_exportable_sql =
  "SELECT count(*)" LARDER_EXPORT_TABLES LARDER_EXPORT_FILTER
  LARDER_EXPORTABLE;

/// A page of exportable invoices in export order, after ($8 issue date, $9
/// id) when set; $10 rows.
constexpr auto exportable_page_sql =
  "SELECT " LARDER_EXPORT_COLUMNS LARDER_EXPORT_TABLES LARDER_EXPORT_FILTER
  LARDER_EXPORTABLE
  "   AND ($8::date IS NULL OR (i.issue_date, i.invoice_id)"
  "                            > ($8::date, $9::uuid))"
  " ORDER BY i.issue_date, i.invoice_id LIMIT $10";

/// A page of every invoice the filters select, by id after $8; $9 rows.
constexpr auto selected_page_sql =
  "SELECT " LARDER_EXPORT_COLUMNS LARDER_EXPORT_TABLES LARDER_EXPORT_FILTER
  "   AND ($8::uuid IS NULL OR i.invoice_id > $8::uuid)"
  " ORDER BY i.invoice_id LIMIT $9";
// clang-format on

/// The lines of the invoices in $1 (uuid[]), in order.
constexpr auto lines_sql =
  "SELECT invoice_id::text, line_no, description, quantity::text, unit,"
  "       unit_price::text, line_total::text, tax_code,"
  "       coalesce(category, '')"
  "  FROM rm_invoices.lines WHERE invoice_id = ANY($1::uuid[])"
  " ORDER BY invoice_id, line_no";

constexpr std::size_t page_rows = 500;

std::optional<std::string> text_of(const std::optional<values::date>& d) {
  return d ? std::optional{d->to_string()} : std::nullopt;
}

/// $1..$7 of LARDER_EXPORT_FILTER.
sql_params filter_params(const events::uuid& tenant, const export_filter& f) {
  sql_params p;
  p.add(tenant.to_string());
  if (f.statuses.empty()) {
    p.add(std::nullopt);
  } else {
    std::string list = "{";
    for (auto s : f.statuses)
      list += (list.size() > 1 ? "," : "") + std::string{to_string(s)};
    p.add(list + "}");
  }
  bool by_key =
    f.supplier.starts_with("tax:") || f.supplier.starts_with("name:");
  p.add(f.supplier.empty() || by_key ? std::nullopt
                                     : std::optional{fold_text(f.supplier)});
  p.add(by_key ? std::optional{f.supplier} : std::nullopt);
  p.add(text_of(f.issue_from)).add(text_of(f.issue_to));
  p.add(f.paid ? std::optional<std::string>{*f.paid ? "true" : "false"}
               : std::nullopt);
  return p;
}

std::string text(const pqxx::field& f) {
  return f.is_null() ? std::string{} : f.as<std::string>();
}

std::optional<decimal> amount(const pqxx::field& f) {
  if (f.is_null())
    return std::nullopt;
  auto d = decimal::parse(f.c_str());
  return d ? std::optional{*d} : std::nullopt;
}

std::optional<values::date> day(const pqxx::field& f) {
  if (f.is_null())
    return std::nullopt;
  auto d = values::date::parse(f.c_str());
  return d ? std::optional{*d} : std::nullopt;
}

/// The model's `taxes` column: [{"kind", "rate_percent", "amount"}, …].
std::vector<export_tax> read_taxes(simdjson::dom::parser& parser,
                                   std::string_view json) {
  std::vector<export_tax> out;
  simdjson::dom::array list;
  if (parser.parse(json.data(), json.size()).get(list))
    return out;
  for (auto item : list) {
    std::string_view kind, rate, amount_text;
    if (item["kind"].get(kind) || item["amount"].get(amount_text))
      continue;
    if (item["rate_percent"].get(rate))
      rate = "0";
    export_tax t;
    t.kind = values::parse_tax_kind(kind).value_or(values::tax_kind::other);
    if (auto r = decimal::parse(rate))
      t.rate_percent = *r;
    auto a = decimal::parse(amount_text);
    if (!a)
      continue;
    t.amount = *a;
    out.push_back(t);
  }
  return out;
}

export_invoice read_invoice(const pqxx::row& r, simdjson::dom::parser& json) {
  export_invoice inv;
  inv.id = events::uuid::parse(r[0].c_str()).value_or(events::uuid{});
  inv.status =
    parse_display_status(r[1].c_str()).value_or(display_status::processing);
  inv.source = text(r[2]);
  inv.file_name = text(r[3]);
  inv.received_at = text(r[4]);
  inv.supplier_name = text(r[5]);
  inv.supplier_tax_id = text(r[6]);
  inv.invoice_number = text(r[7]);
  inv.issue_date = day(r[8]);
  inv.due_date = day(r[9]);
  inv.currency = text(r[10]);
  inv.subtotal = amount(r[11]);
  inv.tax_total = amount(r[12]);
  inv.total = amount(r[13]);
  inv.taxes = read_taxes(json, r[14].c_str());
  inv.purchase_order = text(r[15]);
  inv.payment_terms = text(r[16]);
  inv.approved_at = text(r[17]);
  inv.approved_by = text(r[18]);
  inv.paid = r[19].as<bool>();
  inv.paid_on = day(r[20]);
  inv.payment_method = text(r[21]);
  inv.payment_reference = text(r[22]);
  return inv;
}

/// Fills the lines of `page` from one query.
void read_lines(pqxx::transaction_base& txn,
                std::vector<export_invoice>& page) {
  if (page.empty())
    return;
  std::string ids = "{";
  std::unordered_map<std::string, export_invoice*> by_id;
  for (auto& inv : page) {
    auto id = inv.id.to_string();
    ids += (ids.size() > 1 ? "," : "") + id;
    by_id.emplace(std::move(id), &inv);
  }
  ids += "}";
  for (const auto& r : txn.exec_params(lines_sql, ids)) {
    auto it = by_id.find(r[0].c_str());
    if (it == by_id.end())
      continue;
    export_line l;
    l.line_no = r[1].as<int>();
    l.description = text(r[2]);
    l.quantity = amount(r[3]).value_or(decimal{});
    l.unit = text(r[4]);
    l.unit_price = amount(r[5]).value_or(decimal{});
    l.line_total = amount(r[6]).value_or(decimal{});
    l.tax_code = text(r[7]);
    l.category = text(r[8]);
    it->second->lines.push_back(std::move(l));
  }
}

std::string tax_label(const export_tax& t) {
  std::string label{values::to_string(t.kind)};
  std::transform(label.begin(), label.end(), label.begin(),
                 [](unsigned char ch) {
                   return std::toupper(ch);
                 });
  if (t.kind == values::tax_kind::sales_tax)
    label = "Sales tax";
  if (t.rate_percent != decimal{})
    label += " " + t.rate_percent.to_string() + "%";
  return label;
}

} // namespace

// -- formats and filters ------------------------------------------------------

std::string_view to_string(export_format format) noexcept {
  switch (format) {
    case export_format::excel: return "excel";
    case export_format::quickbooks: return "quickbooks";
    case export_format::xero: return "xero";
    case export_format::journal: return "journal";
    case export_format::universal: return "universal";
  }
  return "universal";
}

std::optional<export_format> parse_export_format(std::string_view text) {
  for (auto f :
       {export_format::excel, export_format::quickbooks, export_format::xero,
        export_format::journal, export_format::universal})
    if (to_string(f) == text)
      return f;
  return std::nullopt;
}

expected<export_filter> parse_export_filter(const query_pairs& pairs) {
  export_filter f;
  auto bad = [](std::string message) {
    return make_error(errc::invalid_argument, std::move(message));
  };
  std::vector<std::string_view> seen;
  for (const auto& [name, value] : pairs) {
    if (name != "status") {
      if (std::find(seen.begin(), seen.end(), name) != seen.end())
        return bad(name + " is given more than once");
      seen.push_back(name);
    }
    if (name == "status") {
      if (auto refused = add_statuses(value, f.statuses))
        return *refused;
    } else if (name == "issue_from" || name == "issue_to") {
      auto d = values::date::parse(value);
      if (!d)
        return bad(name + " must be a date written YYYY-MM-DD");
      (name == "issue_from" ? f.issue_from : f.issue_to) = *d;
    } else if (name == "paid") {
      if (value != "yes" && value != "no")
        return bad("paid must be yes or no");
      f.paid = value == "yes";
    } else if (name == "supplier") {
      auto t = values::trim_space(value);
      if (t.empty() || values::check_text(name, t, 1, 200))
        return bad("supplier must be a supplier's name or key, at most 200 "
                   "characters");
      f.supplier = std::string{t};
    } else if (name == "file") {
      if (value != "invoices" && value != "lines")
        return bad("file must be invoices or lines");
      f.lines_file = value == "lines";
    } else if (name != "after") {
      std::string shown = name.size() > 40 ? name.substr(0, 40) + "…" : name;
      return bad("unknown parameter '" + shown
                 + "'; exports take issue_from, issue_to, status, paid, "
                   "supplier and file");
    }
  }
  if (f.issue_from && f.issue_to && *f.issue_to < *f.issue_from)
    return bad("issue_to is before issue_from");
  return f;
}

int minor_units_of(std::string_view currency) {
  if (auto c = values::currency::parse(currency))
    return c->minor_units;
  return 2;
}

std::string unexportable_reason(const export_invoice& inv) {
  if (inv.status != display_status::approved_unpaid
      && inv.status != display_status::approved_paid)
    return "not approved (" + std::string{to_string(inv.status)} + ")";
  if (inv.supplier_name.empty())
    return "no supplier";
  if (!inv.issue_date)
    return "no issue date";
  if (inv.currency.empty())
    return "no currency";
  if (!inv.total)
    return "no total";
  return {};
}

// -- accounts -----------------------------------------------------------------

std::map<account_purpose, domain::export_account>
default_accounts(std::string_view region) {
  // Codes follow Xero's default charts (310 cost of goods sold, 800
  // accounts payable, 820 sales tax / GST / VAT, 090 bank).
  std::map<account_purpose, domain::export_account> a{
    {account_purpose::expenses, {"Cost of Goods Sold", "310"}},
    {account_purpose::accounts_payable, {"Accounts Payable", "800"}},
    {account_purpose::sales_tax, {"Sales Tax Paid", "429"}},
    {account_purpose::bank, {"Bank", "090"}},
  };
  if (region.starts_with("CA")) {
    a[account_purpose::gst_itc] = {"GST Paid on Purchases", "820"};
    a[account_purpose::qst_itc] = {"QST Paid on Purchases", "821"};
    a[account_purpose::hst_itc] = {"HST Paid on Purchases", "822"};
    a[account_purpose::vat_input] = {"Input Tax", "820"};
    a[account_purpose::sales_tax] = {"PST Paid", "429"};
  } else if (region == "GB") {
    a[account_purpose::expenses] = {"Cost of Sales", "310"};
    a[account_purpose::vat_input] = {"VAT on Purchases", "820"};
    a[account_purpose::gst_itc] = {"Input Tax", "820"};
    a[account_purpose::qst_itc] = {"Input Tax", "820"};
    a[account_purpose::hst_itc] = {"Input Tax", "820"};
  } else {
    a[account_purpose::gst_itc] = {"Input Tax", "820"};
    a[account_purpose::qst_itc] = {"Input Tax", "820"};
    a[account_purpose::hst_itc] = {"Input Tax", "820"};
    a[account_purpose::vat_input] = {"Input Tax", "820"};
  }
  return a;
}

books books_for(const domain::tenant_state& tenant, std::string generated_at) {
  books b;
  b.tenant_name = tenant.name;
  b.region = tenant.region;
  b.currency = tenant.currency.code;
  b.accounts = default_accounts(tenant.region);
  for (const auto& [purpose, account] : tenant.settings.export_accounts) {
    auto& mine = b.accounts[purpose];
    if (!account.name.empty())
      mine.name = account.name;
    if (!account.code.empty())
      mine.code = account.code;
  }
  b.generated_at = std::move(generated_at);
  return b;
}

account_purpose tax_account(values::tax_kind kind) noexcept {
  switch (kind) {
    case values::tax_kind::gst: return account_purpose::gst_itc;
    case values::tax_kind::qst: return account_purpose::qst_itc;
    case values::tax_kind::hst: return account_purpose::hst_itc;
    case values::tax_kind::vat: return account_purpose::vat_input;
    default: return account_purpose::sales_tax;
  }
}

posting_plan plan_postings(const export_invoice& inv) {
  posting_plan plan;
  plan.minor_units = minor_units_of(inv.currency);
  auto round = [&](decimal d) {
    return d.round(plan.minor_units);
  };
  plan.payable = round(inv.total.value_or(decimal{}));
  std::vector<posting> taxes;
  decimal tax_sum;
  for (const auto& t : inv.taxes) {
    // A zero-rated line of the invoice's tax breakdown books nothing.
    if (round(t.amount) == decimal{})
      continue;
    posting p;
    p.account = tax_account(t.kind);
    p.memo = tax_label(t);
    p.amount = round(t.amount);
    tax_sum = tax_sum + p.amount;
    taxes.push_back(std::move(p));
  }
  if (inv.taxes.empty() && inv.tax_total && *inv.tax_total != decimal{}) {
    // A tax total that was never broken down by kind cannot be claimed
    // back as GST, QST or VAT: it is booked as tax paid, visibly.
    posting p;
    p.account = account_purpose::sales_tax;
    p.memo = "Tax (not broken down by kind)";
    p.amount = round(*inv.tax_total);
    tax_sum = tax_sum + p.amount;
    taxes.push_back(std::move(p));
  }
  decimal net = plan.payable - tax_sum;
  decimal lines_sum;
  for (const auto& l : inv.lines) {
    posting p;
    p.account = account_purpose::expenses;
    p.category = l.category;
    p.memo = l.description;
    p.amount = round(l.line_total);
    p.line_no = l.line_no;
    p.quantity = l.quantity;
    p.unit_price = l.unit_price;
    lines_sum = lines_sum + p.amount;
    plan.debits.push_back(std::move(p));
  }
  if (inv.lines.empty()) {
    posting p;
    p.memo = inv.invoice_number.empty()
               ? inv.supplier_name
               : inv.supplier_name + " " + inv.invoice_number;
    p.amount = net;
    p.quantity = decimal::from_int(1);
    p.unit_price = net;
    plan.debits.push_back(std::move(p));
  } else if (net != lines_sum) {
    posting p;
    p.memo = "Charges, discounts and rounding not in the lines";
    p.amount = net - lines_sum;
    p.quantity = decimal::from_int(1);
    p.unit_price = p.amount;
    plan.debits.push_back(std::move(p));
  }
  for (auto& t : taxes)
    plan.debits.push_back(std::move(t));
  return plan;
}

// -- the summary --------------------------------------------------------------

export_summary summarize(pqxx::transaction_base& txn,
                         const events::uuid& tenant,
                         const export_filter& filter) {
  export_summary s;
  simdjson::dom::parser json;
  std::map<std::string, currency_totals> totals;
  std::optional<std::string> after;
  for (;;) {
    auto p = filter_params(tenant, filter);
    p.add(after).add(std::to_string(page_rows));
    auto rows = p.exec(txn, selected_page_sql);
    for (const auto& r : rows) {
      auto inv = read_invoice(r, json);
      ++s.selected;
      auto reason = unexportable_reason(inv);
      if (!reason.empty()) {
        ++s.excluded;
        ++s.excluded_by_reason[reason];
        if (s.excluded_invoices.size() < excluded_listed)
          s.excluded_invoices.push_back({inv.id, inv.supplier_name,
                                         inv.invoice_number, inv.issue_date,
                                         inv.status, reason});
        continue;
      }
      ++s.exportable;
      s.lines += r[23].as<std::int64_t>();
      auto& t = totals[inv.currency];
      t.currency = inv.currency;
      ++t.invoices;
      auto plan = plan_postings(inv);
      t.total = t.total + plan.payable;
      (inv.paid ? t.paid : t.unpaid) =
        (inv.paid ? t.paid : t.unpaid) + plan.payable;
      for (const auto& tax : inv.taxes) {
        auto amount = tax.amount.round(plan.minor_units);
        t.tax = t.tax + amount;
        auto& by_kind = t.taxes[std::string{values::to_string(tax.kind)}];
        by_kind = by_kind + amount;
      }
      if (inv.taxes.empty() && inv.tax_total) {
        auto amount = inv.tax_total->round(plan.minor_units);
        t.tax = t.tax + amount;
        auto& by_kind = t.taxes["other"];
        by_kind = by_kind + amount;
      }
    }
    if (rows.size() < page_rows)
      break;
    after = rows[rows.size() - 1][0].c_str();
  }
  // Keep the order of the rows: the exclusions listed by invoice id would
  // look random, so list them by issue date, then supplier.
  std::sort(s.excluded_invoices.begin(), s.excluded_invoices.end(),
            [](const auto& a, const auto& b) {
              return std::tie(a.issue_date, a.supplier_name, a.invoice_number)
                     < std::tie(b.issue_date, b.supplier_name,
                                b.invoice_number);
            });
  for (auto& [code, t] : totals) {
    t.subtotal = t.total - t.tax;
    s.totals.push_back(std::move(t));
  }
  std::int64_t per_file = xero_invoices_per_file;
  s.xero_files = (s.exportable + per_file - 1) / per_file;
  return s;
}

void write_json(events::json_writer& w, const export_summary& s) {
  w.begin_object()
    .field("selected", s.selected)
    .field("exportable", s.exportable)
    .field("lines", s.lines)
    .field("excluded", s.excluded)
    .field("xero_files", s.xero_files);
  w.key("totals").begin_array();
  for (const auto& t : s.totals) {
    int digits = minor_units_of(t.currency);
    w.begin_object()
      .field("currency", t.currency)
      .field("invoices", t.invoices)
      .field("subtotal", t.subtotal.to_string(digits))
      .field("tax", t.tax.to_string(digits))
      .field("total", t.total.to_string(digits))
      .field("paid", t.paid.to_string(digits))
      .field("unpaid", t.unpaid.to_string(digits));
    w.key("taxes").begin_object();
    for (const auto& [kind, amount] : t.taxes)
      w.field(kind, amount.to_string(digits));
    w.end_object().end_object();
  }
  w.end_array();
  w.key("excluded_by_reason").begin_object();
  for (const auto& [reason, n] : s.excluded_by_reason)
    w.field(reason, n);
  w.end_object();
  w.key("excluded_invoices").begin_array();
  for (const auto& e : s.excluded_invoices) {
    w.begin_object().field("id", e.id.to_string());
    if (e.supplier_name.empty())
      w.key("supplier_name").null();
    else
      w.field("supplier_name", e.supplier_name);
    if (e.invoice_number.empty())
      w.key("invoice_number").null();
    else
      w.field("invoice_number", e.invoice_number);
    if (e.issue_date)
      w.field("issue_date", e.issue_date->to_string());
    else
      w.key("issue_date").null();
    w.field("status", to_string(e.status))
      .field("reason", e.reason)
      .end_object();
  }
  w.end_array().end_object();
}

// -- the job ------------------------------------------------------------------

namespace {

/// Thrown through a renderer when the sink refuses more bytes.
struct client_gone {};

constexpr std::size_t chunk_bytes = 64 * 1024;

} // namespace

struct export_job::impl {
  pqxx::connection& conn;
  events::uuid tenant;
  export_format format;
  export_filter filter;
  books book;
  std::filesystem::path scratch;
  std::unique_ptr<
    pqxx::transaction<pqxx::isolation_level::repeatable_read, pqxx::read_only>>
    txn;
  std::int64_t count = 0;
};

export_job::export_job(pqxx::connection& conn, events::uuid tenant,
                       export_format format, export_filter filter, books book,
                       std::filesystem::path scratch_dir)
  : impl_(new impl{conn, tenant, format, std::move(filter), std::move(book),
                   std::move(scratch_dir), nullptr, 0}) {}

export_job::~export_job() = default;

expected<std::int64_t> export_job::open() {
  try {
    impl_->txn =
      std::make_unique<pqxx::transaction<pqxx::isolation_level::repeatable_read,
                                         pqxx::read_only>>(impl_->conn);
    auto p = filter_params(impl_->tenant, impl_->filter);
    impl_->count =
      p.exec(*impl_->txn, count_exportable_sql)[0][0].as<std::int64_t>();
    return impl_->count;
  } catch (const std::exception&) {
    return make_error(errc::unavailable, "the invoices cannot be read now");
  }
}

std::string export_job::media_type() const {
  switch (impl_->format) {
    case export_format::excel:
      return "application/vnd.openxmlformats-officedocument.spreadsheetml."
             "sheet";
    case export_format::quickbooks: return "application/x-iif; charset=utf-8";
    case export_format::xero:
      return impl_->count > xero_invoices_per_file ? "application/zip"
                                                   : "text/csv; charset=utf-8";
    case export_format::journal: return "text/plain; charset=utf-8";
    case export_format::universal: return "text/csv; charset=utf-8";
  }
  return "application/octet-stream";
}

std::string export_job::file_name() const {
  std::string day = impl_->book.generated_at.substr(0, 10);
  switch (impl_->format) {
    case export_format::excel: return "larder-invoices-" + day + ".xlsx";
    case export_format::quickbooks: return "larder-bills-" + day + ".iif";
    case export_format::xero:
      return "larder-xero-bills-" + day
             + (impl_->count > xero_invoices_per_file ? ".zip" : ".csv");
    case export_format::journal: return "larder-" + day + ".journal";
    case export_format::universal:
      return std::string{"larder-"}
             + (impl_->filter.lines_file ? "lines-" : "invoices-") + day
             + ".csv";
  }
  return "larder-export";
}

expected<export_result> export_job::run(const chunk_sink& sink) {
  export_result result;
  std::string buffer;
  buffer.reserve(chunk_bytes + 4096);
  auto push = [&](bool all) {
    if (buffer.empty() || (!all && buffer.size() < chunk_bytes))
      return;
    result.bytes += buffer.size();
    if (!sink(buffer))
      throw client_gone{};
    buffer.clear();
  };
  try {
    if (!impl_->txn)
      return make_error(errc::unavailable, "the export was not opened");
    auto r =
      make_renderer(impl_->format, impl_->book, impl_->filter, impl_->count,
                    impl_->scratch, [&](std::string_view bytes) {
                      buffer.append(bytes);
                      push(false);
                    });
    simdjson::dom::parser json;
    std::optional<std::string> after_day, after_id;
    std::vector<export_invoice> page;
    for (;;) {
      page.clear();
      auto p = filter_params(impl_->tenant, impl_->filter);
      p.add(after_day).add(after_id).add(std::to_string(page_rows));
      auto rows = p.exec(*impl_->txn, exportable_page_sql);
      for (const auto& row : rows)
        page.push_back(read_invoice(row, json));
      read_lines(*impl_->txn, page);
      for (const auto& inv : page) {
        r->add(inv);
        result.invoice_ids.push_back(inv.id);
        result.lines += static_cast<std::int64_t>(inv.lines.size());
      }
      if (rows.size() < page_rows)
        break;
      after_day = page.back().issue_date->to_string();
      after_id = page.back().id.to_string();
    }
    r->finish();
    push(true);
    impl_->txn->commit();
    impl_->txn.reset();
    return result;
  } catch (const client_gone&) {
    impl_->txn.reset();
    return make_error(errc::unavailable, "the client went away");
  } catch (const std::exception& e) {
    // For the server's log: the client has its head already and learns
    // only that the file is incomplete.
    impl_->txn.reset();
    return make_error(errc::unavailable,
                      std::string{"the export could not be written: "}
                        + e.what());
  }
}

} // namespace larder::projections::exports
