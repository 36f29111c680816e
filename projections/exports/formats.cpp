#include <cstdio>
#include <fstream>
#include <set>

#include <xlsxwriter.h>
#include <zip.h>

#include "projections/exports/exports.hpp"

/// The renderers: universal CSV, QuickBooks IIF, Xero CSV (or a zip of
/// them), hledger journal and the Excel workbook. Each writes through `out`
/// as it goes; the workbook and the zip are built in a scratch file (their
/// formats need the whole file before its first byte is final) and then
/// streamed.
namespace larder::projections::exports {

using domain::account_purpose;
using values::decimal;

namespace {

using output = std::function<void(std::string_view)>;

/// "03/15/2026" (US) or "15/03/2026" (everywhere else).
std::string slashed(const values::date& d, bool us) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d/%02d/%04d", us ? d.month : d.day,
                us ? d.day : d.month, d.year);
  return buf;
}

bool is_us(std::string_view region) {
  return region.starts_with("US");
}

/// Text on one line: tabs, carriage returns and line feeds become spaces.
std::string one_line(std::string_view text) {
  std::string out{text};
  for (auto& ch : out)
    if (ch == '\t' || ch == '\r' || ch == '\n')
      ch = ' ';
  return out;
}

std::string money(decimal amount, int digits) {
  return amount.round(digits).to_string(digits);
}

/// RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled.
std::string csv_quoted(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos)
    return std::string{text};
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"')
      out += '"';
    out += ch;
  }
  return out + "\"";
}

std::string day_or_empty(const std::optional<values::date>& d) {
  return d ? d->to_string() : std::string{};
}

std::string amount_or_empty(const std::optional<decimal>& d, int digits) {
  return d ? money(*d, digits) : std::string{};
}

/// Hands the file at `path` to `out` in pieces of 64 KiB.
void stream_file(const std::filesystem::path& path, const output& out) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw std::runtime_error("cannot read back the file");
  std::string buf(64 * 1024, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (auto n = in.gcount(); n > 0)
      out(std::string_view{buf.data(), static_cast<std::size_t>(n)});
  }
}

// -- universal CSV ------------------------------------------------------------

constexpr values::tax_kind tax_columns[] = {
  values::tax_kind::gst,  values::tax_kind::hst, values::tax_kind::pst,
  values::tax_kind::qst,  values::tax_kind::vat, values::tax_kind::sales_tax,
  values::tax_kind::other};

class universal_csv final : public renderer {
 public:
  universal_csv(bool lines, output out) : lines_(lines), out_(std::move(out)) {
    out_("\xEF\xBB\xBF"); // spreadsheets read UTF-8 only with a BOM
    if (lines_)
      out_("invoice_id,supplier_name,invoice_number,issue_date,currency,"
           "line_no,description,quantity,unit,unit_price,line_total,"
           "tax_code,category\r\n");
    else
      out_("invoice_id,status,supplier_name,supplier_tax_id,invoice_number,"
           "issue_date,due_date,currency,subtotal,tax_total,total,gst,hst,"
           "pst,qst,vat,sales_tax,other_tax,paid,paid_on,payment_method,"
           "payment_reference,purchase_order,payment_terms,source,file_name,"
           "received_at,approved_at,approved_by,line_count\r\n");
  }

  void add(const export_invoice& inv) override {
    int digits = minor_units_of(inv.currency);
    std::string row;
    if (lines_) {
      for (const auto& l : inv.lines) {
        row.clear();
        for (auto cell :
             {inv.id.to_string(), csv_text_cell(inv.supplier_name),
              csv_text_cell(inv.invoice_number), day_or_empty(inv.issue_date),
              inv.currency, std::to_string(l.line_no),
              csv_text_cell(l.description), l.quantity.to_string(),
              csv_text_cell(l.unit), l.unit_price.to_string(),
              money(l.line_total, digits), csv_text_cell(l.tax_code),
              csv_text_cell(l.category)})
          row += (row.empty() ? "" : ",") + cell;
        out_(row + "\r\n");
      }
      return;
    }
    decimal tax_sum;
    for (const auto& t : inv.taxes)
      tax_sum = tax_sum + t.amount;
    auto subtotal = inv.subtotal;
    if (!subtotal && inv.total)
      subtotal = *inv.total - (inv.tax_total ? *inv.tax_total : tax_sum);
    std::vector<std::string> cells{
      inv.id.to_string(),
      std::string{to_string(inv.status)},
      csv_text_cell(inv.supplier_name),
      csv_text_cell(inv.supplier_tax_id),
      csv_text_cell(inv.invoice_number),
      day_or_empty(inv.issue_date),
      day_or_empty(inv.due_date),
      inv.currency,
      amount_or_empty(subtotal, digits),
      amount_or_empty(inv.tax_total ? inv.tax_total : std::optional{tax_sum},
                      digits),
      amount_or_empty(inv.total, digits)};
    for (auto kind : tax_columns) {
      std::optional<decimal> sum;
      for (const auto& t : inv.taxes)
        if (t.kind == kind)
          sum = sum.value_or(decimal{}) + t.amount;
      cells.push_back(amount_or_empty(sum, digits));
    }
    for (auto cell :
         {std::string{inv.paid ? "yes" : "no"}, day_or_empty(inv.paid_on),
          csv_text_cell(inv.payment_method),
          csv_text_cell(inv.payment_reference),
          csv_text_cell(inv.purchase_order), csv_text_cell(inv.payment_terms),
          inv.source, csv_text_cell(inv.file_name), inv.received_at,
          inv.approved_at, csv_text_cell(inv.approved_by),
          std::to_string(inv.lines.size())})
      cells.push_back(std::move(cell));
    for (const auto& cell : cells)
      row += (row.empty() ? "" : ",") + cell;
    out_(row + "\r\n");
  }

  void finish() override {}

 private:
  bool lines_;
  output out_;
};

// -- QuickBooks Desktop IIF ---------------------------------------------------

class quickbooks_iif final : public renderer {
 public:
  quickbooks_iif(const books& book, output out)
    : book_(book), out_(std::move(out)) {
    out_("!TRNS\tTRNSID\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO\t"
         "DUEDATE\r\n"
         "!SPL\tSPLID\tTRNSTYPE\tDATE\tACCNT\tNAME\tAMOUNT\tDOCNUM\tMEMO\r\n"
         "!ENDTRNS\r\n");
  }

  void add(const export_invoice& inv) override {
    auto plan = plan_postings(inv);
    auto date = slashed(*inv.issue_date, true);
    auto name = one_line(inv.supplier_name);
    auto doc = one_line(inv.invoice_number);
    std::string text =
      "TRNS\t\tBILL\t" + date + "\t"
      + account(account_purpose::accounts_payable) + "\t" + name + "\t"
      + money(-plan.payable, plan.minor_units) + "\t" + doc + "\tlarder "
      + inv.id.to_string() + "\t"
      + (inv.due_date ? slashed(*inv.due_date, true) : std::string{}) + "\r\n";
    for (const auto& p : plan.debits)
      text += "SPL\t\tBILL\t" + date + "\t" + account(p.account) + "\t" + name
              + "\t" + money(p.amount, plan.minor_units) + "\t" + doc + "\t"
              + one_line(p.memo) + "\r\n";
    out_(text + "ENDTRNS\r\n");
  }

  void finish() override {}

 private:
  std::string account(account_purpose purpose) const {
    auto it = book_.accounts.find(purpose);
    return it == book_.accounts.end() ? std::string{}
                                      : one_line(it->second.name);
  }

  const books& book_;
  output out_;
};

// -- Xero bills CSV -----------------------------------------------------------

constexpr auto xero_header =
  "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,"
  "POAddressLine4,POCity,PORegion,POPostalCode,POCountry,*InvoiceNumber,"
  "*InvoiceDate,*DueDate,Total,InventoryItemCode,Description,*Quantity,"
  "*UnitAmount,*AccountCode,*TaxType,TaxAmount,TrackingName1,"
  "TrackingOption1,TrackingName2,TrackingOption2,Currency\r\n";

/// The name of the tax rate an invoice's lines carry in a Xero
/// organisation of `region` (Xero matches rates by name).
std::string xero_tax_type(const books& book, const export_invoice& inv) {
  bool any = false;
  std::set<values::tax_kind> kinds;
  decimal vat_rate;
  for (const auto& t : inv.taxes)
    if (t.amount != decimal{}) {
      any = true;
      kinds.insert(t.kind);
      if (t.kind == values::tax_kind::vat)
        vat_rate = t.rate_percent;
    }
  if (!any && inv.tax_total && *inv.tax_total != decimal{})
    any = true;
  if (book.region == "GB") {
    if (!any)
      return kinds.empty() ? "No VAT" : "Zero Rated Expenses";
    if (vat_rate == decimal::from_int(5))
      return "5% (VAT on Expenses)";
    return "20% (VAT on Expenses)";
  }
  if (!any)
    return "Tax Exempt";
  if (book.region.starts_with("CA")) {
    if (kinds.contains(values::tax_kind::hst))
      return "HST on Purchases";
    if (kinds.contains(values::tax_kind::qst))
      return "GST/QST on Purchases";
    if (kinds.contains(values::tax_kind::pst))
      return "GST/PST on Purchases";
    return "GST on Purchases";
  }
  return "Tax on Purchases";
}

/// Writes one CSV for up to 500 bills, or a zip of such files; the zip is
/// built in a scratch file and streamed at the end.
class xero_csv final : public renderer {
 public:
  xero_csv(const books& book, std::int64_t count,
           const std::filesystem::path& scratch, output out)
    : book_(book), out_(std::move(out)) {
    if (count > xero_invoices_per_file) {
      std::filesystem::create_directories(scratch);
      zip_path_ =
        scratch / ("xero-" + events::uuid::make_v7().to_string() + ".zip");
      zip_ = zipOpen64(zip_path_.c_str(), APPEND_STATUS_CREATE);
      if (!zip_)
        throw std::runtime_error("cannot create the zip");
    } else {
      out_(xero_header);
    }
  }

  ~xero_csv() override {
    if (zip_)
      zipClose(zip_, nullptr);
    if (!zip_path_.empty()) {
      std::error_code ec;
      std::filesystem::remove(zip_path_, ec);
    }
  }

  void add(const export_invoice& inv) override {
    if (zip_ && in_file_ % xero_invoices_per_file == 0)
      next_entry();
    ++in_file_;
    auto plan = plan_postings(inv);
    bool us = is_us(book_.region);
    auto contact = csv_quoted(inv.supplier_name);
    auto number =
      csv_quoted(inv.invoice_number.empty() ? inv.id.to_string().substr(0, 8)
                                            : inv.invoice_number);
    auto issued = slashed(*inv.issue_date, us);
    auto due = slashed(inv.due_date.value_or(*inv.issue_date), us);
    auto total = money(plan.payable, plan.minor_units);
    auto tax_type = csv_quoted(xero_tax_type(book_, inv));
    auto code = csv_quoted(book_.accounts.at(account_purpose::expenses).code);
    // Lines are tax-exclusive; the invoice's tax is shared out over them
    // by amount, the last one taking what rounding leaves.
    std::vector<const posting*> lines;
    decimal net, tax;
    for (const auto& p : plan.debits)
      if (p.account == account_purpose::expenses) {
        lines.push_back(&p);
        net = net + p.amount;
      } else {
        tax = tax + p.amount;
      }
    decimal shared;
    std::string text;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const auto& p = *lines[i];
      decimal share;
      if (i + 1 == lines.size())
        share = tax - shared;
      else if (net != decimal{})
        share = decimal::divide(tax * p.amount, net).round(plan.minor_units);
      shared = shared + share;
      // Xero computes a line as quantity × unit amount: use the line's own
      // only when they give its total.
      bool exact =
        p.line_no != 0
        && (p.quantity * p.unit_price).round(plan.minor_units) == p.amount;
      auto quantity = exact ? p.quantity.to_string() : std::string{"1"};
      auto unit =
        exact ? p.unit_price.to_string() : money(p.amount, plan.minor_units);
      text += contact + ",,,,,,,,,," + number + "," + issued + "," + due + ","
              + total + ",," + csv_quoted(p.memo) + "," + quantity + "," + unit
              + "," + code + "," + tax_type + ","
              + money(share, plan.minor_units) + ",,,,," + inv.currency
              + "\r\n";
    }
    write(text);
  }

  void finish() override {
    if (!zip_)
      return;
    if (entry_open_)
      zipCloseFileInZip(zip_);
    entry_open_ = false;
    if (zipClose(zip_, nullptr) != ZIP_OK) {
      zip_ = nullptr;
      throw std::runtime_error("cannot finish the zip");
    }
    zip_ = nullptr;
    stream_file(zip_path_, out_);
  }

 private:
  void next_entry() {
    if (entry_open_)
      zipCloseFileInZip(zip_);
    ++files_;
    char name[64];
    std::snprintf(name, sizeof name, "xero-bills-%03d.csv", files_);
    zip_fileinfo info{};
    if (zipOpenNewFileInZip64(zip_, name, &info, nullptr, 0, nullptr, 0,
                              nullptr, Z_DEFLATED, Z_DEFAULT_COMPRESSION, 0)
        != ZIP_OK)
      throw std::runtime_error("cannot add to the zip");
    entry_open_ = true;
    in_file_ = 0;
    write(xero_header);
  }

  void write(std::string_view text) {
    if (!zip_) {
      out_(text);
      return;
    }
    if (zipWriteInFileInZip(zip_, text.data(),
                            static_cast<unsigned>(text.size()))
        != ZIP_OK)
      throw std::runtime_error("cannot write the zip");
  }

  const books& book_;
  output out_;
  std::filesystem::path zip_path_;
  zipFile zip_ = nullptr;
  bool entry_open_ = false;
  int files_ = 0;
  std::int64_t in_file_ = 0;
};

// -- hledger journal ----------------------------------------------------------

/// An hledger account name: no double spaces (which end a name), no
/// semicolons, tabs or line breaks, no brackets in front (virtual
/// postings).
std::string ledger_name(std::string_view text) {
  std::string out;
  for (char ch : one_line(text)) {
    if (ch == ';')
      ch = ',';
    if (ch == ' ' && !out.empty() && out.back() == ' ')
      continue;
    out += ch;
  }
  while (!out.empty()
         && (out.front() == '(' || out.front() == '[' || out.front() == ' '))
    out.erase(0, 1);
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out.empty() ? "unnamed" : out;
}

/// A payee: no `|` (which starts a note) or `;` (a comment).
std::string ledger_text(std::string_view text) {
  std::string out = one_line(text);
  for (auto& ch : out)
    if (ch == '|' || ch == ';')
      ch = ',';
  return out;
}

class hledger_journal final : public renderer {
 public:
  hledger_journal(const books& book, output out)
    : book_(book), out_(std::move(out)) {
    out_("; larder export for " + ledger_text(book.tenant_name) + ", made "
         + book.generated_at
         + "\n; Bills from approved supplier invoices; payments of those "
           "marked paid.\n; Check it with: hledger -f FILE check -s\n\n");
  }

  void add(const export_invoice& inv) override {
    auto plan = plan_postings(inv);
    std::string text;
    declare_commodity(inv.currency, plan.minor_units, text);
    auto payable = account(account_purpose::accounts_payable, "", text);
    std::vector<std::pair<std::string, const posting*>> postings;
    for (const auto& p : plan.debits)
      postings.emplace_back(account(p.account, p.category, text), &p);
    auto code = ledger_text(inv.invoice_number);
    for (auto& ch : code)
      if (ch == '(' || ch == ')')
        ch = ' ';
    auto payee = ledger_text(inv.supplier_name);
    text += inv.issue_date->to_string()
            + (code.empty() ? "" : " (" + code + ")") + " " + payee
            + "\n    ; larder: " + inv.id.to_string() + "\n";
    if (inv.due_date)
      text += "    ; due: " + inv.due_date->to_string() + "\n";
    for (const auto& [name, p] : postings) {
      text += "    " + name + "  " + money(p->amount, plan.minor_units) + " "
              + inv.currency;
      if (!p->memo.empty())
        text += "  ; " + memo(*p);
      text += "\n";
    }
    text += "    " + payable + "  " + money(-plan.payable, plan.minor_units)
            + " " + inv.currency + "\n\n";
    if (inv.paid) {
      auto bank = account(account_purpose::bank, "", text);
      auto when = inv.paid_on.value_or(*inv.issue_date);
      text += when.to_string() + (code.empty() ? "" : " (" + code + ")") + " "
              + payee + " | payment\n    ; larder: " + inv.id.to_string()
              + "\n";
      if (!inv.payment_method.empty() || !inv.payment_reference.empty())
        text += "    ; " + ledger_text(inv.payment_method) + " "
                + ledger_text(inv.payment_reference) + "\n";
      text += "    " + payable + "  " + money(plan.payable, plan.minor_units)
              + " " + inv.currency + "\n    " + bank + "  "
              + money(-plan.payable, plan.minor_units) + " " + inv.currency
              + "\n\n";
    }
    out_(text);
  }

  void finish() override {}

 private:
  static std::string memo(const posting& p) {
    auto text = ledger_text(p.memo);
    if (p.line_no != 0 && p.quantity != decimal{})
      text +=
        " (" + p.quantity.to_string() + " × " + p.unit_price.to_string() + ")";
    return text;
  }

  void declare_commodity(const std::string& code, int digits,
                         std::string& text) {
    if (!commodities_.insert(code).second)
      return;
    text += "commodity 1000"
            + (digits > 0 ? "." + std::string(digits, '0') : std::string{})
            + " " + code + "\n\n";
  }

  /// The full name of the account for `purpose` (and a line category),
  /// declared with its type the first time it is used.
  std::string account(account_purpose purpose, std::string_view category,
                      std::string& text) {
    std::string_view root, type;
    switch (purpose) {
      case account_purpose::expenses:
      case account_purpose::sales_tax:
        root = "expenses";
        type = "X";
        break;
      case account_purpose::accounts_payable:
        root = "liabilities";
        type = "L";
        break;
      default: root = "assets"; type = "A";
    }
    auto it = book_.accounts.find(purpose);
    std::string name = ledger_name(
      it == book_.accounts.end() ? to_string(purpose) : it->second.name);
    if (name.find(':') == std::string::npos)
      name = std::string{root} + ":" + name;
    if (!category.empty()) {
      // A colon would start a deeper account: "Produce: fresh" becomes
      // "Produce - fresh".
      std::string flat;
      for (char ch : category)
        flat += ch == ':' ? std::string{" -"} : std::string(1, ch);
      name += ":" + ledger_name(flat);
    }
    if (declared_.insert(name).second)
      text += "account " + name + "  ; type: " + std::string{type} + "\n\n";
    return name;
  }

  const books& book_;
  output out_;
  std::set<std::string> commodities_;
  std::set<std::string> declared_;
};

// -- Excel --------------------------------------------------------------------

/// libxlsxwriter refuses strings longer than Excel's cell limit.
std::string cell_text(std::string_view text) {
  constexpr std::size_t limit = 32767;
  if (text.size() <= limit)
    return std::string{text};
  auto cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string{text.substr(0, cut)};
}

lxw_datetime to_lxw(const values::date& d) {
  return lxw_datetime{d.year, d.month, d.day, 0, 0, 0};
}

class excel_workbook final : public renderer {
 public:
  excel_workbook(const books& book, const export_filter& filter,
                 const std::filesystem::path& scratch, output out)
    : book_(book), filter_(filter), out_(std::move(out)) {
    std::filesystem::create_directories(scratch);
    path_ =
      scratch / ("excel-" + events::uuid::make_v7().to_string() + ".xlsx");
    scratch_ = scratch.string();
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;
    options.tmpdir = scratch_.data();
    wb_ = workbook_new_opt(path_.c_str(), &options);
    if (!wb_)
      throw std::runtime_error("cannot create the workbook");
    bold_ = workbook_add_format(wb_);
    format_set_bold(bold_);
    format_set_bottom(bold_, LXW_BORDER_THIN);
    date_ = workbook_add_format(wb_);
    format_set_num_format(date_, "yyyy-mm-dd");
    money_ = workbook_add_format(wb_);
    format_set_num_format(money_, "#,##0.00");
    whole_ = workbook_add_format(wb_);
    format_set_num_format(whole_, "#,##0");
    quantity_ = workbook_add_format(wb_);
    format_set_num_format(quantity_, "#,##0.####");
    invoices_ = workbook_add_worksheet(wb_, "Invoices");
    lines_ = workbook_add_worksheet(wb_, "Lines");
    summary_ = workbook_add_worksheet(wb_, "Summary");
    header(invoices_, {{"Issue date", 12},
                       {"Due date", 12},
                       {"Supplier", 32},
                       {"Supplier tax number", 20},
                       {"Invoice number", 18},
                       {"Currency", 9},
                       {"Subtotal", 14},
                       {"Tax", 12},
                       {"Total", 14},
                       {"Status", 16},
                       {"Paid", 6},
                       {"Paid on", 12},
                       {"Payment method", 16},
                       {"Payment reference", 20},
                       {"Purchase order", 16},
                       {"Source", 10},
                       {"File name", 28},
                       {"Approved by", 24},
                       {"larder id", 38}});
    header(lines_, {{"Issue date", 12},
                    {"Supplier", 32},
                    {"Invoice number", 18},
                    {"Line", 6},
                    {"Description", 48},
                    {"Quantity", 10},
                    {"Unit", 8},
                    {"Unit price", 12},
                    {"Line total", 14},
                    {"Currency", 9},
                    {"Tax code", 10},
                    {"Category", 16},
                    {"larder id", 38}});
  }

  ~excel_workbook() override {
    if (wb_)
      lxw_workbook_free(wb_);
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }

  void add(const export_invoice& inv) override {
    auto plan = plan_postings(inv);
    auto* money = plan.minor_units == 0 ? whole_ : money_;
    decimal tax;
    for (const auto& p : plan.debits)
      if (p.account != account_purpose::expenses)
        tax = tax + p.amount;
    auto r = ++invoice_row_;
    auto d = to_lxw(*inv.issue_date);
    worksheet_write_datetime(invoices_, r, 0, &d, date_);
    if (inv.due_date) {
      auto due = to_lxw(*inv.due_date);
      worksheet_write_datetime(invoices_, r, 1, &due, date_);
    }
    text(invoices_, r, 2, inv.supplier_name);
    text(invoices_, r, 3, inv.supplier_tax_id);
    text(invoices_, r, 4, inv.invoice_number);
    text(invoices_, r, 5, inv.currency);
    number(invoices_, r, 6, plan.payable - tax, money);
    number(invoices_, r, 7, tax, money);
    number(invoices_, r, 8, plan.payable, money);
    text(invoices_, r, 9, to_string(inv.status));
    text(invoices_, r, 10, inv.paid ? "Yes" : "No");
    if (inv.paid_on) {
      auto paid = to_lxw(*inv.paid_on);
      worksheet_write_datetime(invoices_, r, 11, &paid, date_);
    }
    text(invoices_, r, 12, inv.payment_method);
    text(invoices_, r, 13, inv.payment_reference);
    text(invoices_, r, 14, inv.purchase_order);
    text(invoices_, r, 15, inv.source);
    text(invoices_, r, 16, inv.file_name);
    text(invoices_, r, 17, inv.approved_by);
    text(invoices_, r, 18, inv.id.to_string());
    auto& t = totals_[inv.currency];
    ++t.invoices;
    t.subtotal = t.subtotal + (plan.payable - tax);
    t.tax = t.tax + tax;
    t.total = t.total + plan.payable;
    for (const auto& l : inv.lines) {
      auto lr = ++line_row_;
      worksheet_write_datetime(lines_, lr, 0, &d, date_);
      text(lines_, lr, 1, inv.supplier_name);
      text(lines_, lr, 2, inv.invoice_number);
      worksheet_write_number(lines_, lr, 3, l.line_no, nullptr);
      text(lines_, lr, 4, l.description);
      number(lines_, lr, 5, l.quantity, quantity_);
      text(lines_, lr, 6, l.unit);
      number(lines_, lr, 7, l.unit_price, quantity_);
      number(lines_, lr, 8, l.line_total, money);
      text(lines_, lr, 9, inv.currency);
      text(lines_, lr, 10, l.tax_code);
      text(lines_, lr, 11, l.category);
      text(lines_, lr, 12, inv.id.to_string());
    }
  }

  void finish() override {
    worksheet_autofilter(invoices_, 0, 0, std::max<lxw_row_t>(invoice_row_, 1),
                         18);
    worksheet_autofilter(lines_, 0, 0, std::max<lxw_row_t>(line_row_, 1), 12);
    write_summary();
    auto* wb = wb_;
    wb_ = nullptr;
    if (workbook_close(wb) != LXW_NO_ERROR)
      throw std::runtime_error("cannot write the workbook");
    stream_file(path_, out_);
  }

 private:
  struct column {
    const char* title;
    double width;
  };

  struct sums {
    std::int64_t invoices = 0;
    decimal subtotal, tax, total;
  };

  void header(lxw_worksheet* ws, std::initializer_list<column> columns) {
    lxw_col_t c = 0;
    for (const auto& col : columns) {
      worksheet_set_column(ws, c, c, col.width, nullptr);
      worksheet_write_string(ws, 0, c, col.title, bold_);
      ++c;
    }
    worksheet_freeze_panes(ws, 1, 0);
  }

  void text(lxw_worksheet* ws, lxw_row_t r, lxw_col_t c,
            std::string_view value) {
    if (value.empty())
      return;
    auto s = cell_text(value);
    worksheet_write_string(ws, r, c, s.c_str(), nullptr);
  }

  static double to_double(decimal d) {
    return static_cast<double>(d.units()) / static_cast<double>(decimal::one);
  }

  void number(lxw_worksheet* ws, lxw_row_t r, lxw_col_t c, decimal value,
              lxw_format* format) {
    worksheet_write_number(ws, r, c, to_double(value), format);
  }

  /// Per currency, the invoices and their sums as formulas over the
  /// Invoices sheet (with their values cached, for readers that do not
  /// calculate).
  void write_summary() {
    worksheet_set_column(summary_, 0, 0, 24, nullptr);
    worksheet_set_column(summary_, 1, 4, 16, nullptr);
    lxw_row_t r = 0;
    worksheet_write_string(summary_, r, 0, "Business", bold_);
    text(summary_, r, 1, book_.tenant_name);
    worksheet_write_string(summary_, ++r, 0, "Exported at (UTC)", bold_);
    text(summary_, r, 1, book_.generated_at);
    worksheet_write_string(summary_, ++r, 0, "Issue dates", bold_);
    std::string range =
      filter_.issue_from ? filter_.issue_from->to_string() : std::string{"any"};
    range += " to ";
    range += filter_.issue_to ? filter_.issue_to->to_string() : "any";
    text(summary_, r, 1, range);
    r += 2;
    lxw_col_t c = 0;
    for (auto title : {"Currency", "Invoices", "Subtotal", "Tax", "Total"})
      worksheet_write_string(summary_, r, c++, title, bold_);
    auto last = std::to_string(std::max<lxw_row_t>(invoice_row_, 1) + 1);
    for (const auto& [currency, s] : totals_) {
      ++r;
      text(summary_, r, 0, currency);
      auto match = "Invoices!$F$2:$F$" + last + ",\"" + currency + "\"";
      auto count = "=COUNTIF(" + match + ")";
      worksheet_write_formula_num(summary_, r, 1, count.c_str(), nullptr,
                                  static_cast<double>(s.invoices));
      const std::pair<char, decimal> sums[] = {
        {'G', s.subtotal}, {'H', s.tax}, {'I', s.total}};
      lxw_col_t col = 2;
      for (const auto& [letter, value] : sums) {
        auto f = "=SUMIF(" + match + ",Invoices!$" + letter + "$2:$" + letter
                 + "$" + last + ")";
        worksheet_write_formula_num(summary_, r, col++, f.c_str(), money_,
                                    to_double(value));
      }
    }
  }

  const books& book_;
  const export_filter& filter_;
  output out_;
  std::filesystem::path path_;
  std::string scratch_;
  lxw_workbook* wb_ = nullptr;
  lxw_worksheet* invoices_ = nullptr;
  lxw_worksheet* lines_ = nullptr;
  lxw_worksheet* summary_ = nullptr;
  lxw_format* bold_ = nullptr;
  lxw_format* date_ = nullptr;
  lxw_format* money_ = nullptr;
  lxw_format* whole_ = nullptr;
  lxw_format* quantity_ = nullptr;
  lxw_row_t invoice_row_ = 0;
  lxw_row_t line_row_ = 0;
  std::map<std::string, sums> totals_;
};

} // namespace

std::string csv_text_cell(std::string_view text) {
  if (!text.empty()
      && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@'
          || text[0] == '\t' || text[0] == '\r'))
    return csv_quoted("'" + std::string{text});
  return csv_quoted(text);
}

std::unique_ptr<renderer>
make_renderer(export_format format, const books& book,
              const export_filter& filter, std::int64_t count,
              const std::filesystem::path& scratch_dir,
              std::function<void(std::string_view)> out) {
  switch (format) {
    case export_format::excel:
      return std::make_unique<excel_workbook>(book, filter, scratch_dir,
                                              std::move(out));
    case export_format::quickbooks:
      return std::make_unique<quickbooks_iif>(book, std::move(out));
    case export_format::xero:
      return std::make_unique<xero_csv>(book, count, scratch_dir,
                                        std::move(out));
    case export_format::journal:
      return std::make_unique<hledger_journal>(book, std::move(out));
    case export_format::universal:
      return std::make_unique<universal_csv>(filter.lines_file, std::move(out));
  }
  return nullptr;
}

} // namespace larder::projections::exports
