// The read side over real HTTP: invoice history, read-your-writes.
#include "tests/pg/http/http_fixture.hpp"

#include <simdjson.h>

using namespace larder;
using namespace larder::testing;

namespace {

class queries : public http_fixture {};

TEST_F(queries, an_invoice_history_names_who_did_what) {
  start();
  auto [alice, tenant_a] = owner("alice@a.test", "alpha-history");
  auto [bob, tenant_b] = owner("bob@b.test", "bravo-history");
  auto invoice = make_invoice(tenant_a).to_string();
  auto corrected = call("PATCH", "/api/invoices/" + invoice + "/fields", &alice,
                        R"({"fields":{"invoice_number":"BC-1A"}})");
  ASSERT_EQ(corrected.status, 200) << corrected.body;
  ASSERT_EQ(
    call("POST", "/api/invoices/" + invoice + "/approve", &alice).status, 200);

  auto history = call("GET", "/api/invoices/" + invoice + "/history", &alice);
  ASSERT_EQ(history.status, 200) << history.body;
  const auto& b = history.body;
  auto at = [&](const std::string& text) {
    return b.find(text);
  };
  ASSERT_NE(at(R"("summary":"Corrected invoice_number")"), std::string::npos)
    << b;
  EXPECT_NE(
    at(R"("changes":[{"field":"invoice_number","from":"BC-1","to":"BC-1A"}])"),
    std::string::npos)
    << b;
  EXPECT_NE(at(R"("summary":"Approved")"), std::string::npos);
  // Oldest first; the person behind the web commands is named.
  EXPECT_LT(at("DocumentReceived"), at("InvoiceApproved"));
  EXPECT_NE(at(R"("kind":"user","id":")" + alice.user_id
               + R"(","email":"alice@a.test"})"),
            std::string::npos)
    << b;

  // Another tenant's invoice does not exist for Bob; nor does a made-up id.
  EXPECT_EQ(call("GET", "/api/invoices/" + invoice + "/history", &bob).status,
            404);
  EXPECT_EQ(
    call("GET",
         "/api/invoices/" + events::uuid::make_v7().to_string() + "/history",
         &alice)
      .status,
    404);
  EXPECT_EQ(call("GET", "/api/invoices/not-a-uuid/history", &alice).status,
            400);
  EXPECT_EQ(
    call("GET", "/api/invoices/" + invoice + "/history?after=x", &alice).status,
    400);
  EXPECT_EQ(
    call("GET", "/api/invoices/" + invoice + "/history?sort=y", &alice).status,
    400);
}

} // namespace

namespace {

TEST_F(queries, a_changed_role_applies_at_the_next_request) {
  start();
  auto [alice, tenant_a] = owner("alice@a.test", "alpha-roles");
  ASSERT_EQ(call("POST", "/api/tenant/invitations", &alice,
                 R"({"email":"sam@a.test","role":"member"})")
              .status,
            201);
  // Sam's sign-in joins the invitation; the directory may take a moment.
  std::optional<session> sam;
  for (int i = 0; i < 200 && !sam; ++i) {
    auto s = sign_in("sam@a.test");
    if (s && call("GET", "/api/tenant", &*s).status == 200)
      sam = s;
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(sam);
  auto invoice = make_invoice(tenant_a).to_string();
  // Sam's identity is now cached by the edge; demoting him must still
  // take effect on his very next request.
  ASSERT_EQ(call("GET", "/api/tenant", &*sam).status, 200);
  ASSERT_EQ(call("PATCH", "/api/tenant/members/" + sam->user_id, &alice,
                 R"({"role":"auditor"})")
              .status,
            200);
  EXPECT_EQ(call("POST", "/api/invoices/" + invoice + "/approve", &*sam).status,
            403);
  ASSERT_EQ(
    call("DELETE", "/api/tenant/members/" + sam->user_id, &alice).status, 200);
  EXPECT_EQ(call("GET", "/api/tenant", &*sam).status, 403);
}

} // namespace

namespace {

TEST_F(queries, lists_and_details_see_a_command_at_once_with_after) {
  start();
  auto [alice, tenant_a] = owner("alice@a.test", "alpha-lists");
  auto [bob, tenant_b] = owner("bob@b.test", "bravo-lists");
  auto one = make_invoice(tenant_a).to_string();
  auto two = make_invoice(tenant_a).to_string();
  auto theirs = make_invoice(tenant_b).to_string();

  auto approved = call("POST", "/api/invoices/" + one + "/approve", &alice);
  ASSERT_EQ(approved.status, 200) << approved.body;
  auto at = approved.body.find("\"position\":");
  ASSERT_NE(at, std::string::npos) << approved.body;
  auto position = std::stoll(approved.body.substr(at + 11));
  simdjson::dom::parser parser;

  // Read-your-writes: asked with the command's position, the list already
  // shows the approval.
  auto listed = call("GET",
                     "/api/invoices?status=approved_unpaid&after="
                       + std::to_string(position),
                     &alice);
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_TRUE(listed.header("x-larder-stale").empty());
  EXPECT_NE(listed.body.find(one), std::string::npos) << listed.body;
  EXPECT_EQ(listed.body.find(two), std::string::npos);
  EXPECT_EQ(parser.parse(listed.body)["total"].get_int64().value(), 1);

  auto all =
    call("GET",
         "/api/invoices?sort=total&order=asc&after=" + std::to_string(position),
         &alice);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(parser.parse(all.body)["total"].get_int64().value(), 2) << all.body;
  EXPECT_EQ(all.body.find(theirs), std::string::npos);

  auto detail =
    call("GET", "/api/invoices/" + one + "?after=" + std::to_string(position),
         &alice);
  ASSERT_EQ(detail.status, 200) << detail.body;
  auto d = parser.parse(detail.body);
  EXPECT_EQ(d["status"].get_string().value(), "approved_unpaid") << detail.body;
  // Who approved it is named.
  EXPECT_NE(detail.body.find(alice.user_id), std::string::npos);

  // Bob's business has no such invoice; bad parameters say what is allowed.
  EXPECT_EQ(call("GET", "/api/invoices/" + one, &bob).status, 404);
  auto bad = call("GET", "/api/invoices?sort=price", &alice);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("sort must be one of"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/invoices?limit=1000", &alice).status, 400);

  auto overview = call("GET",
                       "/api/stats/overview?today=2026-11-22&after="
                         + std::to_string(position),
                       &alice);
  ASSERT_EQ(overview.status, 200) << overview.body;
  auto o = parser.parse(overview.body);
  EXPECT_EQ(o["counts"]["approved_unpaid"].get_int64().value(), 1)
    << overview.body;
  EXPECT_EQ(o["counts"]["awaiting_approval"].get_int64().value(), 1);
  EXPECT_EQ(call("GET", "/api/stats/overview?today=tomorrow", &alice).status,
            400);
}

} // namespace

namespace {

TEST_F(queries, a_refused_business_does_not_keep_its_inbound_address) {
  start();
  auto root = sign_in(root_email);
  ASSERT_TRUE(root);
  ASSERT_EQ(
    call("POST", "/api/admin/allowlist", &*root, R"({"entry":"carla@c.test"})")
      .status,
    201);
  auto carla = sign_in("carla@c.test");
  ASSERT_TRUE(carla);
  auto refused = call(
    "POST", "/api/onboarding/complete", &*carla,
    R"({"name":"Chez Carla","region":"XX-NOWHERE","inbound_alias":"chez-carla"})");
  EXPECT_EQ(refused.status, 400) << refused.body;
  auto made = call(
    "POST", "/api/onboarding/complete", &*carla,
    R"({"name":"Chez Carla","region":"CA-QC","inbound_alias":"chez-carla"})");
  EXPECT_EQ(made.status, 201) << made.body;
}

} // namespace

namespace {

TEST_F(queries, suppliers_and_alerts_are_served_per_tenant) {
  start();
  auto [alice, tenant_a] = owner("alice@a.test", "alpha-suppliers");
  auto [bob, tenant_b] = owner("bob@b.test", "bravo-suppliers");
  auto invoice = make_invoice(tenant_a).to_string();
  auto approved = call("POST", "/api/invoices/" + invoice + "/approve", &alice);
  ASSERT_EQ(approved.status, 200) << approved.body;
  auto at = approved.body.find("\"position\":");
  auto after =
    "after="
    + approved.body.substr(at + 11, approved.body.find_first_of(",}", at + 11)
                                      - (at + 11));
  auto list = call("GET", "/api/suppliers?" + after, &alice);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_TRUE(list.header("x-larder-stale").empty());
  EXPECT_NE(list.body.find("Boucherie Centrale"), std::string::npos)
    << list.body;
  auto id_at = list.body.find(R"("id":")");
  ASSERT_NE(id_at, std::string::npos);
  auto supplier = list.body.substr(id_at + 6, 36);
  auto one = call("GET", "/api/suppliers/" + supplier, &alice);
  EXPECT_EQ(one.status, 200) << one.body;
  auto invoices =
    call("GET", "/api/suppliers/" + supplier + "/invoices", &alice);
  EXPECT_EQ(invoices.status, 200);
  EXPECT_NE(invoices.body.find(invoice), std::string::npos) << invoices.body;
  // The status as every list says it, besides the lifecycle's.
  EXPECT_NE(invoices.body.find(R"("status":"approved","display_status":)"
                               R"("approved_unpaid")"),
            std::string::npos)
    << invoices.body;
  // The dashboard's top supplier leads to the same supplier.
  auto overview =
    call("GET", "/api/stats/overview?today=2026-11-20&" + after, &alice);
  EXPECT_NE(overview.body.find(R"("supplier_id":")" + supplier),
            std::string::npos)
    << overview.body;
  EXPECT_EQ(call("GET", "/api/suppliers/" + supplier + "/items", &alice).status,
            200);
  auto count = call("GET", "/api/price-alerts/count", &alice);
  EXPECT_EQ(count.status, 200);
  EXPECT_EQ(count.body, R"({"unacknowledged":0})");
  EXPECT_EQ(call("GET", "/api/price-alerts?acknowledged=false", &alice).status,
            200);

  // Bob's business knows nothing of Alice's supplier.
  auto theirs = call("GET", "/api/suppliers", &bob);
  EXPECT_EQ(theirs.body.find("Boucherie"), std::string::npos) << theirs.body;
  EXPECT_EQ(call("GET", "/api/suppliers/" + supplier, &bob).status, 404);
  EXPECT_EQ(call("GET", "/api/suppliers?sort=colour", &alice).status, 400);
  EXPECT_EQ(call("GET", "/api/price-alerts/count?x=1", &alice).status, 400);
}

} // namespace

namespace {

// A price alert is acknowledged only where it is: another business's alert,
// or an id that names none, is not found and changes nothing.
TEST_F(queries, only_an_alert_of_ones_own_business_can_be_acknowledged) {
  start();
  auto [alice, tenant_a] = owner("alice@a.test", "alpha-alerts");
  auto [bob, tenant_b] = owner("bob@b.test", "bravo-alerts");
  auto priced = [](int day, const char* price) {
    domain::record_extraction found;
    found.fields.supplier_name = "Boucherie Centrale";
    found.fields.invoice_number = "BC-" + std::to_string(day);
    found.fields.issue_date = values::date{2026, 11, day};
    found.fields.currency = *values::currency::parse("CAD");
    found.fields.total = *values::decimal::parse(price);
    found.overall_confidence = *values::decimal::parse("0.9");
    found.provider = "test";
    values::line_item beef;
    beef.description = "Beef brisket";
    beef.quantity = *values::decimal::parse("1");
    beef.unit = "kg";
    beef.unit_price = *values::decimal::parse(price);
    beef.line_total = *values::decimal::parse(price);
    found.lines.push_back(beef);
    return found;
  };
  std::string position;
  for (auto [day, price] : {std::pair{3, "10.00"}, std::pair{10, "13.00"}}) {
    auto invoice = make_invoice(tenant_a, priced(day, price)).to_string();
    auto approved =
      call("POST", "/api/invoices/" + invoice + "/approve", &alice);
    ASSERT_EQ(approved.status, 200) << approved.body;
    auto at = approved.body.find("\"position\":") + 11;
    position =
      approved.body.substr(at, approved.body.find_first_of(",}", at) - at);
  }
  auto alerts = call("GET", "/api/price-alerts?after=" + position, &alice);
  ASSERT_EQ(alerts.status, 200) << alerts.body;
  auto id_at = alerts.body.find(R"("id":")");
  ASSERT_NE(id_at, std::string::npos) << alerts.body;
  auto alert = alerts.body.substr(id_at + 6, 36);
  auto path = [](const std::string& id) {
    return "/api/tenant/price-alerts/" + id + "/acknowledge";
  };

  EXPECT_EQ(
    call("POST", path(events::uuid::make_v7().to_string()), &alice).status,
    404);
  EXPECT_EQ(call("POST", path(alert), &bob).status, 404);
  auto count = call("GET", "/api/price-alerts/count", &alice);
  EXPECT_EQ(count.body, R"({"unacknowledged":1})");
  auto acked = call("POST", path(alert), &alice);
  ASSERT_EQ(acked.status, 200) << acked.body;
  auto at = acked.body.find("\"position\":") + 11;
  auto after = acked.body.substr(at, acked.body.find_first_of(",}", at) - at);
  EXPECT_EQ(call("GET", "/api/price-alerts/count?after=" + after, &alice).body,
            R"({"unacknowledged":0})");
}

} // namespace
