// Exports to the books over real HTTP: the summary, each download streamed
// whole (chunked, so a cut-off file is visible), the record of who exported
// what in the audit history, filters, and who may export.
#include "tests/pg/http/http_fixture.hpp"

#include <cstdio>
#include <fstream>
#include <thread>

#include <simdjson.h>
#include <sys/wait.h>

using namespace larder;
using namespace larder::testing;

namespace {

class exports : public http_fixture {
 protected:
  /// An approved invoice of `tenant` with GST, QST and two lines; paid
  /// when `paid_on` is set.
  std::string approved(const std::string& tenant, session& who,
                       const std::string& supplier, const std::string& number,
                       values::date issued, const char* paid_on = nullptr) {
    domain::record_extraction read;
    read.fields.supplier_name = supplier;
    read.fields.invoice_number = number;
    read.fields.issue_date = issued;
    read.fields.due_date = issued.plus_days(30);
    read.fields.currency = *values::currency::parse("CAD");
    read.fields.subtotal = *values::decimal::parse("100");
    read.fields.tax_total = *values::decimal::parse("14.98");
    read.fields.total = *values::decimal::parse("114.98");
    read.taxes = {{values::tax_kind::gst, *values::decimal::parse("5"),
                   *values::decimal::parse("5")},
                  {values::tax_kind::qst, *values::decimal::parse("9.975"),
                   *values::decimal::parse("9.98")}};
    values::line_item butter;
    butter.description = "Beurre doux, 454 g";
    butter.quantity = *values::decimal::parse("10");
    butter.unit = "ea";
    butter.unit_price = *values::decimal::parse("6");
    butter.line_total = *values::decimal::parse("60");
    butter.tax_code = "GST+QST";
    values::line_item cream = butter;
    cream.description = "=Crème 35%, \"fraîche\"";
    cream.quantity = *values::decimal::parse("4");
    cream.unit_price = *values::decimal::parse("10");
    cream.line_total = *values::decimal::parse("40");
    read.lines = {butter, cream};
    read.overall_confidence = *values::decimal::parse("0.95");
    read.provider = "test";
    auto id = make_invoice(tenant, read).to_string();
    auto ok = call("POST", "/api/invoices/" + id + "/approve", &who);
    EXPECT_EQ(ok.status, 200) << ok.body;
    after = "after=" + position_in(ok.body);
    if (paid_on) {
      auto paid = call("POST", "/api/invoices/" + id + "/paid", &who,
                       std::string{R"({"paid_on":")"} + paid_on
                         + R"(","method":"cheque"})");
      EXPECT_EQ(paid.status, 200) << paid.body;
      after = "after=" + position_in(paid.body);
    }
    return id;
  }

  /// The `position` of a command's answer, for read-your-writes.
  static std::string position_in(const std::string& json) {
    auto at = json.find("\"position\":");
    if (at == std::string::npos)
      return "0";
    auto start = at + 11;
    return json.substr(start, json.find_first_of(",}", start) - start);
  }

  /// Waits (bounded) until `target` answers a body containing `text`.
  http_answer eventually(const std::string& target, session& who,
                         const std::string& text) {
    http_answer a;
    for (int i = 0; i < 200; ++i) {
      a = call("GET", target, &who);
      if (a.status == 200 && a.body.find(text) != std::string::npos)
        return a;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return a;
  }

  /// `after=<position>` of the last command `approved` sent.
  std::string after = "after=0";
};

int run_status(const std::string& command, std::string* out = nullptr) {
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p)
    return -1;
  char buf[4096];
  std::size_t n;
  std::string text;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    text.append(buf, n);
  if (out)
    *out = text;
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST_F(exports, every_format_downloads_whole_and_is_recorded) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-exports");
  auto a =
    approved(tenant, alice, "Fromagerie Côte, \"Nord\"", "FC-1", {2026, 10, 3});
  auto b = approved(tenant, alice, "Boucherie Centrale", "BC-9", {2026, 10, 5},
                    "2026-10-20");
  (void)b;
  auto waiting = make_invoice(tenant).to_string(); // not approved
  // It was made without the edge: wait until the model has it too.
  eventually("/api/invoices/" + waiting, alice, "awaiting_approval");
  auto summary = call("GET", "/api/exports/summary?" + after, &alice);
  ASSERT_EQ(summary.status, 200) << summary.body;
  simdjson::dom::parser parser;
  auto s = parser.parse(summary.body).value();
  EXPECT_EQ(s["selected"].get_int64().value(), 3);
  EXPECT_EQ(s["exportable"].get_int64().value(), 2);
  EXPECT_EQ(s["lines"].get_int64().value(), 4);
  EXPECT_EQ(s["excluded"].get_int64().value(), 1);
  EXPECT_EQ(
    std::string_view{s["excluded_invoices"].at(0)["id"].get_string().value()},
    waiting);
  EXPECT_EQ(
    std::string_view{
      s["excluded_invoices"].at(0)["reason"].get_string().value()},
    "not approved (awaiting_approval)");
  auto cad = s["totals"].at(0);
  EXPECT_EQ(std::string_view{cad["total"].get_string().value()}, "229.96");
  EXPECT_EQ(std::string_view{cad["taxes"]["gst"].get_string().value()},
            "10.00");
  EXPECT_EQ(std::string_view{cad["taxes"]["qst"].get_string().value()},
            "19.96");
  EXPECT_EQ(std::string_view{cad["paid"].get_string().value()}, "114.98");

  struct expectation {
    const char* format;
    const char* media_type;
    const char* extension;
  };
  const expectation formats[] = {
    {"excel",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
     ".xlsx"},
    {"quickbooks", "application/x-iif; charset=utf-8", ".iif"},
    {"xero", "text/csv; charset=utf-8", ".csv"},
    {"journal", "text/plain; charset=utf-8", ".journal"},
    {"universal", "text/csv; charset=utf-8", ".csv"},
  };
  auto dir = std::filesystem::temp_directory_path() / ("exports-" + db_.name());
  std::filesystem::create_directories(dir);
  for (const auto& f : formats) {
    SCOPED_TRACE(f.format);
    auto got = call("GET", std::string{"/api/exports/"} + f.format, &alice);
    ASSERT_EQ(got.status, 200) << got.body;
    EXPECT_EQ(got.header("content-type"), f.media_type);
    EXPECT_EQ(got.header("transfer-encoding"), "chunked");
    EXPECT_EQ(got.header("x-larder-invoices"), "2");
    auto disposition = got.header("content-disposition");
    EXPECT_EQ(disposition.rfind("attachment; filename=\"larder-", 0), 0u)
      << disposition;
    EXPECT_NE(disposition.find(f.extension), std::string::npos);
    EXPECT_EQ(got.header("x-content-type-options"), "nosniff");
    ASSERT_FALSE(got.body.empty());
    if (std::string_view{f.format} == "excel") {
      EXPECT_EQ(got.body.substr(0, 2), "PK");
    }
    if (std::string_view{f.format} == "journal") {
      auto file = dir / "export.journal";
      std::ofstream{file} << got.body;
      std::string out;
      EXPECT_EQ(run_status("hledger -f '" + file.string() + "' check -s", &out),
                0)
        << out << got.body;
      EXPECT_EQ(run_status("hledger -f '" + file.string()
                             + "' bal -N --flat liabilities",
                           &out),
                0);
      // Only the unpaid invoice is still owed.
      EXPECT_NE(out.find("-114.98 CAD"), std::string::npos) << out;
    }
    if (std::string_view{f.format} == "universal") {
      EXPECT_NE(got.body.find("\"Fromagerie Côte, \"\"Nord\"\"\""),
                std::string::npos);
      EXPECT_EQ(got.body.find(waiting), std::string::npos);
    }
  }
  std::filesystem::remove_all(dir);

  // Who exported what and when: five exports by Alice, and each included
  // invoice's history says so; the one left out's does not.
  http_answer history;
  for (int i = 0; i < 200; ++i) {
    history = call("GET", "/api/exports/history", &alice);
    if (history.body.find("\"universal\"") != std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ASSERT_EQ(history.status, 200) << history.body;
  auto h = parser.parse(history.body).value();
  auto list = h["exports"].get_array().value();
  ASSERT_EQ(list.size(), 5u) << history.body;
  for (auto e : list) {
    EXPECT_EQ(std::string_view{e["exported_by"].get_string().value()},
              "alice@a.test");
    EXPECT_EQ(e["invoices"].get_int64().value(), 2);
  }
  auto trail = call("GET", "/api/invoices/" + a + "/history", &alice);
  ASSERT_EQ(trail.status, 200);
  std::size_t exported = 0;
  for (auto at = trail.body.find("\"InvoicesExported\"");
       at != std::string::npos;
       at = trail.body.find("\"InvoicesExported\"", at + 1))
    ++exported;
  EXPECT_EQ(exported, 5u) << trail.body;
  EXPECT_NE(trail.body.find("alice@a.test"), std::string::npos);
  auto untouched = call("GET", "/api/invoices/" + waiting + "/history", &alice);
  EXPECT_EQ(untouched.body.find("InvoicesExported"), std::string::npos);
}

TEST_F(exports, filters_narrow_and_bad_ones_are_refused) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-filters");
  approved(tenant, alice, "Boulangerie", "B-1", {2026, 9, 1});
  approved(tenant, alice, "Boulangerie", "B-2", {2026, 9, 20}, "2026-09-30");
  approved(tenant, alice, "Poissonnerie", "P-1", {2026, 10, 2}, "2026-10-09");

  auto count = [&](const std::string& query) {
    auto got =
      call("GET", "/api/exports/universal?" + query + "&" + after, &alice);
    EXPECT_EQ(got.status, 200) << query << ": " << got.body;
    return got.header("x-larder-invoices");
  };
  EXPECT_EQ(count("paid=yes"), "2");
  EXPECT_EQ(count("paid=no"), "1");
  EXPECT_EQ(count("issue_from=2026-09-10&issue_to=2026-09-30"), "1");
  EXPECT_EQ(count("issue_from=2026-09-01&issue_to=2026-09-19"), "1");
  EXPECT_EQ(count("issue_from=2026-09-01&issue_to=2026-09-30"), "2");
  EXPECT_EQ(count("supplier=POISSONNERIE"), "1");
  EXPECT_EQ(count("status=approved_unpaid"), "1");
  EXPECT_EQ(count("status=awaiting_approval"), "0");
  auto lines = call("GET", "/api/exports/universal?file=lines", &alice);
  ASSERT_EQ(lines.status, 200);
  EXPECT_NE(lines.body.find("'=Crème 35%"), std::string::npos)
    << "a formula-looking description is neutralised";

  for (const char* bad :
       {"/api/exports/journal?colour=red", "/api/exports/journal?paid=maybe",
        "/api/exports/excel?issue_from=2026-02-30",
        "/api/exports/excel?file=lines",
        "/api/exports/summary?issue_from=2026-10-01&issue_to=2026-09-01",
        "/api/exports/xero?status=approved"}) {
    auto got = call("GET", bad, &alice);
    EXPECT_EQ(got.status, 400) << bad;
    EXPECT_NE(got.body.find("\"code\":\"invalid_argument\""), std::string::npos)
      << got.body;
  }
  // Nine downloads went out; the refused ones record nothing.
  simdjson::dom::parser parser;
  auto recorded = [&] {
    auto history = call("GET", "/api/exports/history", &alice);
    return parser.parse(history.body)["exports"].get_array().value().size();
  };
  for (int i = 0; i < 200 && recorded() < 9; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(recorded(), 9u);
}

TEST_F(exports, only_admins_and_auditors_export_and_only_their_own) {
  start();
  auto [alice, tenant_a] = owner("alice@a.test", "alpha-access");
  auto [bob, tenant_b] = owner("bob@b.test", "bravo-access");
  approved(tenant_a, alice, "Boulangerie", "B-1", {2026, 9, 1});
  for (auto [email, role] : {std::pair{"cook@a.test", "member"},
                             std::pair{"books@a.test", "auditor"}})
    ASSERT_EQ(call("POST", "/api/tenant/invitations", &alice,
                   std::string{R"({"email":")"} + email + R"(","role":")" + role
                     + "\"}")
                .status,
              201);
  auto cook = joined("cook@a.test");
  auto books = joined("books@a.test");
  ASSERT_TRUE(cook && books);

  auto refused = call("GET", "/api/exports/journal", &*cook);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("admins and auditors"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/exports/summary", &*cook).status, 403);
  auto audited = call("GET", "/api/exports/journal?" + after, &*books);
  EXPECT_EQ(audited.status, 200);
  EXPECT_EQ(audited.header("x-larder-invoices"), "1");
  EXPECT_NE(audited.body.find("Boulangerie"), std::string::npos);
  // Bob's business has nothing of Alice's.
  auto other = call("GET", "/api/exports/universal", &bob);
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.header("x-larder-invoices"), "0");
  EXPECT_EQ(other.body.find("Boulangerie"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/exports/excel").status, 401);
}

} // namespace
