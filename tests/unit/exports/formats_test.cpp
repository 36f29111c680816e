#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>
#include <unistd.h>

#include "projections/exports/exports.hpp"

/// The renderers, proven against the tools their files are for: hledger
/// checks and balances the journal, openpyxl (an independent reader) opens
/// the workbook, Python's csv module reads the CSVs and zipfile the zip.
/// Every invoice carries the names that break naive writers.
namespace {

namespace ex = larder::projections::exports;
using larder::values::decimal;
using larder::values::tax_kind;

decimal d(const char* text) {
  return *decimal::parse(text);
}

larder::values::date day(const char* text) {
  return *larder::values::date::parse(text);
}

/// Names with commas, quotes, tabs, newlines, accents, emoji and a
/// leading '=' — each must come back as it was.
const std::vector<std::string> hostile_names = {
  "Boulangerie Épi d'Or",
  "=HYPERLINK(\"http://evil.example\",\"click\")",
  "Smith, Jones & \"Sons\" Ltd",
  "Tab\there",
  "Line\nbreak Foods",
  "Fresh 🍅 Tomatoes | Co; (Ltd)",
  "+Plus -Minus @At",
};

struct result {
  int status = -1;
  std::string out;
};

/// Runs `command` with sh, returning its exit status and standard output.
result run(const std::string& command) {
  result r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p)
    return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    r.out.append(buf, n);
  int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

std::filesystem::path scratch() {
  auto dir = std::filesystem::temp_directory_path()
             / ("larder-exports-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream out{p, std::ios::binary};
  out << bytes;
}

struct region_case {
  const char* region;
  const char* currency;
  std::vector<ex::export_tax> (*taxes)(decimal net);
};

ex::export_tax tax(tax_kind kind, const char* rate, decimal net) {
  auto r = d(rate);
  return {kind, r, decimal::divide(net * r, decimal::from_int(100)).round(2)};
}

const region_case regions[] = {
  {"CA-QC", "CAD",
   [](decimal net) {
     return std::vector{tax(tax_kind::gst, "5", net),
                        tax(tax_kind::qst, "9.975", net)};
   }},
  {"CA-ON", "CAD",
   [](decimal net) {
     return std::vector{tax(tax_kind::hst, "13", net)};
   }},
  {"GB", "GBP",
   [](decimal net) {
     return std::vector{tax(tax_kind::vat, "20", net)};
   }},
  {"US-NY", "USD",
   [](decimal net) {
     return std::vector{tax(tax_kind::sales_tax, "8.875", net)};
   }},
};

/// Invoices of `rc`'s region: lines that add up, lines that miss a charge,
/// no lines at all, a paid one and a credit note.
std::vector<ex::export_invoice> invoices_for(const region_case& rc) {
  std::vector<ex::export_invoice> out;
  for (std::size_t i = 0; i < hostile_names.size(); ++i) {
    ex::export_invoice inv;
    inv.id =
      larder::events::uuid::make_v8(std::string{rc.region} + std::to_string(i));
    inv.status = i % 3 == 0
                   ? larder::projections::display_status::approved_paid
                   : larder::projections::display_status::approved_unpaid;
    inv.paid = i % 3 == 0;
    if (inv.paid)
      inv.paid_on = day("2026-03-28");
    inv.payment_method = "cheque, \"urgent\"";
    inv.supplier_name = hostile_names[i];
    inv.invoice_number =
      i == 2 ? "INV (7) =1+1" : "F-" + std::to_string(100 + i);
    inv.issue_date = day("2026-03-15").plus_days(static_cast<int>(i));
    inv.due_date = inv.issue_date->plus_days(30);
    inv.currency = rc.currency;
    inv.source = "upload";
    inv.file_name = "scan, \"" + std::to_string(i) + "\".pdf";
    decimal net;
    int lines = i == 4 ? 0 : 1 + static_cast<int>(i % 3);
    for (int l = 1; l <= lines; ++l) {
      ex::export_line line;
      line.line_no = l;
      line.description = hostile_names[(i + l) % hostile_names.size()];
      line.quantity = i == 6 ? d("-2.5") : d("2.5"); // 6: a credit note
      line.unit = "kg";
      line.unit_price = decimal::from_int(4 + l);
      line.line_total = (line.quantity * line.unit_price).round(2);
      line.category = l == 1 ? "Produce: fresh" : "";
      net = net + line.line_total;
      inv.lines.push_back(line);
    }
    if (lines == 0)
      net = d("87.40");
    if (i == 5)
      net = net + d("3.99"); // a delivery charge the lines leave out
    inv.taxes = rc.taxes(net);
    decimal tax_sum;
    for (const auto& t : inv.taxes)
      tax_sum = tax_sum + t.amount;
    inv.subtotal = net;
    inv.tax_total = tax_sum;
    inv.total = net + tax_sum;
    out.push_back(inv);
  }
  return out;
}

ex::books books_for(const region_case& rc) {
  ex::books b;
  b.tenant_name = "Bistro \"Chez Nous\"; Montréal";
  b.region = rc.region;
  b.currency = rc.currency;
  b.accounts = ex::default_accounts(rc.region);
  b.generated_at = "2026-12-04T10:00:00.000000Z";
  return b;
}

std::string render(ex::export_format format, const region_case& rc,
                   const std::vector<ex::export_invoice>& invoices,
                   ex::export_filter filter = {}) {
  std::string bytes;
  auto book = books_for(rc);
  auto r = ex::make_renderer(format, book, filter,
                             static_cast<std::int64_t>(invoices.size()),
                             scratch(), [&](std::string_view chunk) {
                               bytes.append(chunk);
                             });
  for (const auto& inv : invoices)
    r->add(inv);
  r->finish();
  return bytes;
}

/// `hledger bal` as account → amount text, flat, without the total.
std::map<std::string, std::string> balances(const std::string& file) {
  auto r = run("hledger -f '" + file + "' bal --flat -N -O csv");
  EXPECT_EQ(r.status, 0) << r.out;
  std::map<std::string, std::string> out;
  std::istringstream in{r.out};
  std::string line;
  std::getline(in, line); // "account","balance"
  while (std::getline(in, line)) {
    auto comma = line.find("\",\"");
    if (comma == std::string::npos)
      continue;
    out[line.substr(1, comma - 1)] =
      line.substr(comma + 3, line.size() - comma - 4);
  }
  return out;
}

std::string amount_text(decimal amount, const char* currency) {
  return amount.round(2).to_string(2) + " " + currency;
}

TEST(ExportJournal, PassesHledgerCheckAndBalancesToLarderTotals) {
  for (const auto& rc : regions) {
    SCOPED_TRACE(rc.region);
    auto invoices = invoices_for(rc);
    auto file = scratch() / (std::string{rc.region} + ".journal");
    write_file(file, render(ex::export_format::journal, rc, invoices));
    auto check = run("hledger -f '" + file.string() + "' check -s");
    ASSERT_EQ(check.status, 0) << check.out;
    // What larder computed: unpaid totals stay payable, taxes by account.
    decimal unpaid, expenses;
    std::map<std::string, decimal> taxes;
    for (const auto& inv : invoices) {
      if (!inv.paid)
        unpaid = unpaid + *inv.total;
      for (const auto& t : inv.taxes)
        taxes[std::string{larder::values::to_string(t.kind)}] =
          taxes[std::string{larder::values::to_string(t.kind)}] + t.amount;
      expenses = expenses + *inv.subtotal;
    }
    auto bal = balances(file.string());
    auto accounts = ex::default_accounts(rc.region);
    using P = larder::domain::account_purpose;
    EXPECT_EQ(bal["liabilities:" + accounts[P::accounts_payable].name],
              amount_text(decimal{} - unpaid, rc.currency));
    const std::pair<const char*, P> itcs[] = {{"gst", P::gst_itc},
                                              {"qst", P::qst_itc},
                                              {"hst", P::hst_itc},
                                              {"vat", P::vat_input}};
    for (const auto& [kind, purpose] : itcs) {
      if (taxes.contains(kind)) {
        EXPECT_EQ(bal["assets:" + accounts[purpose].name],
                  amount_text(taxes[kind], rc.currency))
          << kind;
      }
    }
    // Expenses (lines, charges and non-reclaimable tax) add up to the
    // invoices' net amounts plus the US sales tax.
    auto r =
      run("hledger -f '" + file.string() + "' bal type:X -N --depth 1 -O csv");
    ASSERT_EQ(r.status, 0) << r.out;
    auto expected = expenses + taxes["sales_tax"];
    EXPECT_NE(r.out.find(amount_text(expected, rc.currency)), std::string::npos)
      << r.out;
    // Every supplier is a payee, intact but for the characters that end
    // one (| and ;) and line breaks.
    auto payees = run("hledger -f '" + file.string() + "' payees");
    EXPECT_NE(payees.out.find("Boulangerie Épi d'Or"), std::string::npos)
      << payees.out;
    EXPECT_NE(payees.out.find("=HYPERLINK(\"http://evil.example\""),
              std::string::npos);
  }
}

/// The cells openpyxl reads, as JSON: per sheet, each row's cells with
/// their Python type and value; with and without cached formula values.
simdjson::dom::element read_workbook(simdjson::dom::parser& parser,
                                     const std::filesystem::path& file) {
  auto script = scratch() / "read_xlsx.py";
  write_file(script, R"PY(
import json, sys, datetime, openpyxl
def dump(data_only):
    wb = openpyxl.load_workbook(sys.argv[1], data_only=data_only)
    out = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            cells = []
            for c in row:
                v = c.value
                if isinstance(v, datetime.datetime):
                    cells.append(["date", v.date().isoformat(), c.number_format])
                elif isinstance(v, (int, float)):
                    cells.append(["number", v, c.number_format])
                elif v is None:
                    cells.append(["empty", None, ""])
                else:
                    cells.append(["text", str(v), ""])
            rows.append(cells)
        out[ws.title] = {"rows": rows, "freeze": ws.freeze_panes}
    return out
print(json.dumps({"formulas": dump(False), "values": dump(True)}))
)PY");
  auto r =
    run("/usr/bin/python3 '" + script.string() + "' '" + file.string() + "'");
  EXPECT_EQ(r.status, 0) << r.out;
  static std::string keep;
  keep = r.out;
  return parser.parse(keep).value();
}

TEST(ExportExcel, OpensInOpenpyxlWithRealDatesNumbersAndFormulas) {
  const auto& rc = regions[0];
  auto invoices = invoices_for(rc);
  auto file = scratch() / "export.xlsx";
  write_file(file, render(ex::export_format::excel, rc, invoices));
  simdjson::dom::parser parser;
  auto doc = read_workbook(parser, file);
  auto sheets = doc["formulas"];
  for (auto name : {"Invoices", "Lines", "Summary"})
    ASSERT_FALSE(sheets[name].error()) << name;
  EXPECT_EQ(std::string_view{sheets["Invoices"]["freeze"].get_string().value()},
            "A2");
  auto rows = sheets["Invoices"]["rows"].get_array().value();
  ASSERT_EQ(rows.size(), invoices.size() + 1);
  EXPECT_EQ(std::string_view{rows.at(0).at(2).at(1).get_string().value()},
            "Supplier");
  for (std::size_t i = 0; i < invoices.size(); ++i) {
    auto row = rows.at(i + 1);
    EXPECT_EQ(std::string_view{row.at(0).at(0).get_string().value()}, "date");
    EXPECT_EQ(std::string_view{row.at(0).at(1).get_string().value()},
              invoices[i].issue_date->to_string());
    EXPECT_EQ(std::string_view{row.at(2).at(1).get_string().value()},
              invoices[i].supplier_name);
    EXPECT_EQ(std::string_view{row.at(8).at(0).get_string().value()}, "number");
    EXPECT_DOUBLE_EQ(row.at(8).at(1).get_double().value(),
                     static_cast<double>(invoices[i].total->units()) / 10000);
    EXPECT_EQ(std::string_view{row.at(8).at(2).get_string().value()},
              "#,##0.00");
  }
  std::size_t lines = 0;
  for (const auto& inv : invoices)
    lines += inv.lines.size();
  EXPECT_EQ(sheets["Lines"]["rows"].get_array().value().size(), lines + 1);
  // The summary's totals are formulas over the Invoices sheet, with their
  // values cached for readers that do not calculate.
  auto summary = sheets["Summary"]["rows"].get_array().value();
  auto cached = doc["values"]["Summary"]["rows"].get_array().value();
  bool found = false;
  for (std::size_t r = 0; r < summary.size(); ++r) {
    auto row = summary.at(r);
    if (row.get_array().value().size() < 5 || row.at(0).at(1).is_null()
        || std::string_view{row.at(0).at(1).get_string().value()} != "CAD")
      continue;
    found = true;
    EXPECT_EQ(std::string_view{row.at(4).at(1).get_string().value()},
              "=SUMIF(Invoices!$F$2:$F$8,\"CAD\",Invoices!$I$2:$I$8)");
    decimal total;
    for (const auto& inv : invoices)
      total = total + *inv.total;
    EXPECT_NEAR(cached.at(r).at(4).at(1).get_double().value(),
                static_cast<double>(total.units()) / 10000, 0.005);
    EXPECT_EQ(cached.at(r).at(1).at(1).get_int64().value(),
              static_cast<std::int64_t>(invoices.size()));
  }
  EXPECT_TRUE(found);
}

/// Splits `text` at `sep`.
std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : text) {
    if (ch == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += ch;
    }
  }
  out.push_back(cur);
  return out;
}

TEST(ExportQuickbooks, EveryBillBalancesInColumnsAndOrder) {
  for (const auto& rc : regions) {
    SCOPED_TRACE(rc.region);
    auto invoices = invoices_for(rc);
    auto text = render(ex::export_format::quickbooks, rc, invoices);
    std::vector<std::string> lines;
    std::istringstream in{text};
    for (std::string line; std::getline(in, line);) {
      ASSERT_FALSE(line.empty());
      ASSERT_EQ(line.back(), '\r');
      line.pop_back();
      lines.push_back(line);
    }
    ASSERT_GE(lines.size(), 3u);
    auto trns_cols = split(lines[0], '\t').size();
    auto spl_cols = split(lines[1], '\t').size();
    EXPECT_EQ(lines[0].rfind("!TRNS\t", 0), 0u);
    EXPECT_EQ(lines[1].rfind("!SPL\t", 0), 0u);
    EXPECT_EQ(lines[2], "!ENDTRNS");
    std::size_t bills = 0;
    std::size_t i = 3;
    while (i < lines.size()) {
      auto trns = split(lines[i], '\t');
      ASSERT_EQ(trns[0], "TRNS") << lines[i];
      ASSERT_EQ(trns.size(), trns_cols);
      EXPECT_EQ(trns[2], "BILL");
      const auto& inv = invoices[bills];
      // MM/DD/YYYY, the supplier's invoice number, the due date.
      auto date = inv.issue_date->to_string();
      EXPECT_EQ(trns[3], date.substr(5, 2) + "/" + date.substr(8, 2) + "/"
                           + date.substr(0, 4));
      EXPECT_EQ(trns[7], inv.invoice_number);
      EXPECT_FALSE(trns[9].empty());
      decimal sum = *decimal::parse(trns[6]);
      EXPECT_EQ(sum, decimal{} - inv.total->round(2));
      ++i;
      std::size_t splits = 0;
      while (i < lines.size() && lines[i].rfind("SPL\t", 0) == 0) {
        auto spl = split(lines[i], '\t');
        ASSERT_EQ(spl.size(), spl_cols) << lines[i];
        EXPECT_EQ(spl[5], trns[5]);
        sum = sum + *decimal::parse(spl[6]);
        ++splits;
        ++i;
      }
      EXPECT_GE(splits, 2u);
      ASSERT_LT(i, lines.size());
      EXPECT_EQ(lines[i], "ENDTRNS");
      EXPECT_EQ(sum, decimal{}) << "bill " << trns[7] << " does not balance";
      ++i;
      ++bills;
    }
    EXPECT_EQ(bills, invoices.size());
  }
}

/// Python's csv module over `file`: the rows as JSON arrays.
simdjson::dom::element read_csv(simdjson::dom::parser& parser,
                                const std::filesystem::path& file,
                                const char* encoding) {
  auto r = run("/usr/bin/python3 -c 'import csv, json, sys; "
               "print(json.dumps(list(csv.reader(open(sys.argv[1], "
               "newline=\"\", encoding=\""
               + std::string{encoding} + "\")))))' '" + file.string() + "'");
  EXPECT_EQ(r.status, 0) << r.out;
  static std::string keep;
  keep = r.out;
  return parser.parse(keep).value();
}

TEST(ExportXero, ParsesWithTheExactTemplateHeader) {
  const auto& rc = regions[2];
  auto invoices = invoices_for(rc);
  auto file = scratch() / "xero.csv";
  write_file(file, render(ex::export_format::xero, rc, invoices));
  simdjson::dom::parser parser;
  auto rows = read_csv(parser, file, "utf-8").get_array().value();
  std::string header;
  simdjson::dom::array first_row = rows.at(0).get_array().value();
  for (auto cell : first_row)
    header += std::string{cell.get_string().value()} + ",";
  EXPECT_EQ(header,
            "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,"
            "POAddressLine3,POAddressLine4,POCity,PORegion,POPostalCode,"
            "POCountry,*InvoiceNumber,*InvoiceDate,*DueDate,Total,"
            "InventoryItemCode,Description,*Quantity,*UnitAmount,"
            "*AccountCode,*TaxType,TaxAmount,TrackingName1,TrackingOption1,"
            "TrackingName2,TrackingOption2,Currency,");
  // One row per line (plus one for the charge the lines leave out, and
  // one for an invoice without lines); each bill's rows add up to its
  // total, tax included; names come back exactly.
  std::map<std::string, decimal> by_number;
  std::size_t data_rows = 0;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    auto row = rows.at(r).get_array().value();
    ASSERT_EQ(row.size(), 26u);
    ++data_rows;
    std::string number{row.at(10).get_string().value()};
    auto qty = *decimal::parse(row.at(16).get_string().value());
    auto unit = *decimal::parse(row.at(17).get_string().value());
    auto tax_amount = *decimal::parse(row.at(20).get_string().value());
    by_number[number] = by_number[number] + (qty * unit).round(2) + tax_amount;
    EXPECT_EQ(std::string_view{row.at(25).get_string().value()}, "GBP");
    EXPECT_EQ(std::string_view{row.at(19).get_string().value()},
              "20% (VAT on Expenses)");
  }
  std::size_t expected_rows = 0;
  for (const auto& inv : invoices) {
    expected_rows += inv.lines.empty() ? 1 : inv.lines.size();
    if (&inv == &invoices[5])
      ++expected_rows;
    EXPECT_EQ(by_number[inv.invoice_number], inv.total->round(2))
      << inv.invoice_number;
  }
  EXPECT_EQ(data_rows, expected_rows);
  std::set<std::string> contacts;
  for (std::size_t r = 1; r < rows.size(); ++r)
    contacts.insert(std::string{rows.at(r).at(0).get_string().value()});
  for (const auto& name : hostile_names)
    EXPECT_TRUE(contacts.contains(name)) << name;
  // Dates in the tenant's locale: day first in the UK.
  EXPECT_EQ(std::string_view{rows.at(1).at(11).get_string().value()},
            "15/03/2026");
}

TEST(ExportXero, MoreThanFiveHundredBillsComeAsAZipOfFiles) {
  const auto& rc = regions[3];
  auto base = invoices_for(rc);
  std::vector<ex::export_invoice> many;
  for (int i = 0; i < 1001; ++i) {
    auto inv = base[static_cast<std::size_t>(i) % base.size()];
    inv.id = larder::events::uuid::make_v8("many" + std::to_string(i));
    inv.invoice_number = "N-" + std::to_string(i);
    many.push_back(inv);
  }
  auto file = scratch() / "xero.zip";
  write_file(file, render(ex::export_format::xero, rc, many));
  auto r =
    run("/usr/bin/python3 -c 'import csv, io, sys, zipfile; "
        "z = zipfile.ZipFile(sys.argv[1]); "
        "[print(n, len({row[10] for row in list(csv.reader(io.TextIOWrapper("
        "z.open(n), encoding=\"utf-8\", newline=\"\")))[1:]})) "
        "for n in z.namelist()]' '"
        + file.string() + "'");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "xero-bills-001.csv 500\nxero-bills-002.csv 500\n"
                   "xero-bills-003.csv 1\n");
}

TEST(ExportUniversal, CsvWithBomNeutralisesFormulasAndKeepsText) {
  const auto& rc = regions[0];
  auto invoices = invoices_for(rc);
  auto text = render(ex::export_format::universal, rc, invoices);
  ASSERT_EQ(text.substr(0, 3), "\xEF\xBB\xBF");
  auto file = scratch() / "invoices.csv";
  write_file(file, text);
  simdjson::dom::parser parser;
  auto rows = read_csv(parser, file, "utf-8-sig").get_array().value();
  ASSERT_EQ(rows.size(), invoices.size() + 1);
  auto width = rows.at(0).get_array().value().size();
  for (std::size_t i = 0; i < invoices.size(); ++i) {
    auto row = rows.at(i + 1).get_array().value();
    ASSERT_EQ(row.size(), width);
    std::string name{row.at(2).get_string().value()};
    const auto& original = invoices[i].supplier_name;
    char first = original[0];
    if (first == '=' || first == '+' || first == '-' || first == '@')
      EXPECT_EQ(name, "'" + original);
    else
      EXPECT_EQ(name, original);
    EXPECT_EQ(std::string_view{row.at(10).get_string().value()},
              invoices[i].total->round(2).to_string(2));
  }
  // The lines file: one row per line, descriptions intact or neutralised.
  ex::export_filter lines_filter;
  lines_filter.lines_file = true;
  auto lines_file = scratch() / "lines.csv";
  write_file(lines_file,
             render(ex::export_format::universal, rc, invoices, lines_filter));
  simdjson::dom::parser parser2;
  auto line_rows =
    read_csv(parser2, lines_file, "utf-8-sig").get_array().value();
  std::size_t lines = 0;
  for (const auto& inv : invoices)
    lines += inv.lines.size();
  EXPECT_EQ(line_rows.size(), lines + 1);
  EXPECT_EQ(ex::csv_text_cell("-5 kg"), "'-5 kg");
  EXPECT_EQ(ex::csv_text_cell("\tx"), "'\tx");
  EXPECT_EQ(ex::csv_text_cell("a,\"b\""), "\"a,\"\"b\"\"\"");
}

TEST(ExportPlan, PostingsAlwaysBalanceToTheTotal) {
  for (const auto& rc : regions)
    for (const auto& inv : invoices_for(rc)) {
      auto plan = ex::plan_postings(inv);
      decimal sum;
      for (const auto& p : plan.debits)
        sum = sum + p.amount;
      EXPECT_EQ(sum, plan.payable) << inv.supplier_name;
      EXPECT_EQ(plan.payable, inv.total->round(2));
    }
  // A zero-rated entry of the breakdown books nothing.
  {
    ex::export_invoice zero;
    zero.supplier_name = "X";
    zero.currency = "EUR";
    zero.total = d("119");
    zero.taxes = {{tax_kind::vat, d("19"), d("19")},
                  {tax_kind::vat, d("0"), d("0")}};
    auto zp = ex::plan_postings(zero);
    ASSERT_EQ(zp.debits.size(), 2u);
    EXPECT_EQ(zp.debits[0].amount, d("100"));
    EXPECT_EQ(zp.debits[1].amount, d("19"));
  }
  // A tax total never broken down by kind is booked as tax paid.
  ex::export_invoice inv;
  inv.supplier_name = "X";
  inv.currency = "CAD";
  inv.total = d("114.98");
  inv.tax_total = d("14.98");
  auto plan = ex::plan_postings(inv);
  ASSERT_EQ(plan.debits.size(), 2u);
  EXPECT_EQ(plan.debits[0].amount, d("100"));
  EXPECT_EQ(plan.debits[1].account, larder::domain::account_purpose::sales_tax);
}

TEST(ExportFilter, RefusesWhatItDoesNotKnow) {
  using larder::projections::query_pairs;
  EXPECT_FALSE(ex::parse_export_filter(query_pairs{{"colour", "red"}}));
  EXPECT_FALSE(ex::parse_export_filter(query_pairs{{"paid", "maybe"}}));
  EXPECT_FALSE(
    ex::parse_export_filter(query_pairs{{"issue_from", "2026-13-01"}}));
  EXPECT_FALSE(ex::parse_export_filter(
    query_pairs{{"issue_from", "2026-03-02"}, {"issue_to", "2026-03-01"}}));
  EXPECT_FALSE(ex::parse_export_filter(query_pairs{{"status", "approved"}}));
  auto f = ex::parse_export_filter(
    query_pairs{{"status", "approved_paid,approved_unpaid"},
                {"paid", "no"},
                {"supplier", "Épi"},
                {"after", "12"}});
  ASSERT_TRUE(f);
  EXPECT_EQ(f->statuses.size(), 2u);
  EXPECT_EQ(f->paid, std::optional<bool>{false});
}

} // namespace
