// Sign-in, sessions and the full first-day flow, over real HTTP.
#include "tests/pg/http/http_fixture.hpp"

#include <pqxx/pqxx>

#include "http/api.hpp"
#include "http/token.hpp"

using namespace larder;
using namespace larder::testing;

namespace {

class auth : public http_fixture {};

TEST_F(auth, the_whole_first_day_of_a_restaurant_owner) {
  start();
  // The platform admin allows the owner's address.
  auto root = sign_in(root_email);
  ASSERT_TRUE(root);
  auto allowed = call("POST", "/api/admin/allowlist", &*root,
                      R"({"entry":"owner@bistro.test"})");
  ASSERT_EQ(allowed.status, 201) << allowed.body;

  // The owner signs in with the mailed link and has no business yet.
  auto owner = sign_in("Owner@Bistro.test");
  ASSERT_TRUE(owner);
  auto status = call("GET", "/api/onboarding/status", &*owner);
  EXPECT_EQ(status.status, 200);
  EXPECT_NE(status.body.find("\"has_tenant\":false"), std::string::npos);

  // Onboarding creates the business and makes the owner its admin.
  auto made =
    call("POST", "/api/onboarding/complete", &*owner,
         R"({"name":"Bistro Lune","region":"CA-QC","inbound_alias":"lune"})");
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_NE(made.body.find("\"inbound_address\":\"lune@in.larder.local\""),
            std::string::npos);
  auto tenant_id = http_fixture::member(made.body, "id");
  auto me = call("GET", "/api/auth/me", &*owner);
  ASSERT_EQ(me.status, 200);
  EXPECT_NE(me.body.find("\"role\":\"admin\""), std::string::npos) << me.body;

  // The alias is one inbox across every tenant.
  auto root_made =
    call("POST", "/api/onboarding/complete", &*root,
         R"({"name":"Other","region":"GB","inbound_alias":"LUNE"})");
  EXPECT_EQ(root_made.status, 409) << root_made.body;

  // The owner invites a cook, who gets a link, signs in, and is a member.
  auto invited = call("POST", "/api/tenant/invitations", &*owner,
                      R"({"email":"cook@bistro.test","role":"member"})");
  ASSERT_EQ(invited.status, 201) << invited.body;
  // The directory learns of the invitation from the log.
  // Signing in joins the invitation once the directory has it, so a
  // loaded machine may need a second link.
  std::optional<session> cook;
  http_answer cook_me;
  for (int i = 0; i < 200; ++i) {
    cook = sign_in("cook@bistro.test");
    if (cook) {
      cook_me = call("GET", "/api/auth/me", &*cook);
      if (cook_me.body.find("\"role\":\"member\"") != std::string::npos)
        break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(cook);
  EXPECT_NE(cook_me.body.find("\"role\":\"member\""), std::string::npos)
    << cook_me.body;

  // The cook approves an invoice; approving twice is refused with a reason.
  auto invoice = make_invoice(tenant_id).to_string();
  auto approved = call("POST", "/api/invoices/" + invoice + "/approve", &*cook);
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_NE(approved.body.find("\"status\":\"approved\""), std::string::npos);
  auto again = call("POST", "/api/invoices/" + invoice + "/approve", &*cook);
  EXPECT_EQ(again.status, 422) << again.body;
  EXPECT_NE(again.body.find("\"error\":{\"code\":\"rejected\""),
            std::string::npos);

  // Marking it paid, then the state as read back.
  auto paid = call("POST", "/api/invoices/" + invoice + "/paid", &*cook,
                   R"({"paid_on":"2026-11-20","method":"card"})");
  EXPECT_EQ(paid.status, 200) << paid.body;
  auto state = call("GET", "/api/invoices/" + invoice + "/state", &*owner);
  EXPECT_NE(state.body.find("\"paid\":true"), std::string::npos) << state.body;

  // Signing out ends the session for good.
  auto out = call("POST", "/api/auth/logout", &*cook);
  EXPECT_EQ(out.status, 204);
  EXPECT_EQ(call("GET", "/api/auth/me", &*cook).status, 401);
}

TEST_F(auth, a_link_works_once_and_unknown_addresses_get_the_same_answer) {
  start();
  auto known = call("POST", "/api/auth/magic/request", nullptr,
                    std::string{R"({"email":")"} + root_email + "\"}");
  auto unknown = call("POST", "/api/auth/magic/request", nullptr,
                      R"({"email":"stranger@nowhere.test"})");
  EXPECT_EQ(known.status, 202);
  EXPECT_EQ(unknown.status, 202) << unknown.body;
  EXPECT_EQ(known.body, unknown.body);
  auto token = link_for(root_email);
  ASSERT_TRUE(token);
  EXPECT_EQ(mails_to("stranger@nowhere.test"), 0u);
  // A link checker's HEAD neither signs in nor spends the link.
  auto looked = call("HEAD", "/api/auth/verify?token=" + *token);
  EXPECT_EQ(looked.status, 200);
  EXPECT_FALSE(looked.cookie("larder_session"));
  auto first = call("GET", "/api/auth/verify?token=" + *token, nullptr, "",
                    {{"Accept", "application/json"}});
  EXPECT_EQ(first.status, 200) << first.body;
  auto second = call("GET", "/api/auth/verify?token=" + *token, nullptr, "",
                     {{"Accept", "application/json"}});
  EXPECT_EQ(second.status, 401);
  EXPECT_FALSE(second.cookie("larder_session"));
  // A browser following a spent link lands on the sign-in page.
  auto browser = call("GET", "/api/auth/verify?token=" + *token);
  EXPECT_EQ(browser.status, 303);
  EXPECT_EQ(browser.header("location"), "/signin?error=invalid_link");
}

TEST_F(auth, an_expired_link_signs_nobody_in) {
  start();
  call("POST", "/api/auth/magic/request", nullptr,
       std::string{R"({"email":")"} + root_email + "\"}");
  auto token = link_for(root_email);
  ASSERT_TRUE(token);
  pqxx::connection conn{db_.superuser_url()};
  pqxx::work txn{conn};
  txn.exec("UPDATE auth.magic_links SET expires_at = now() - interval '1s'");
  txn.commit();
  auto res = call("GET", "/api/auth/verify?token=" + *token, nullptr, "",
                  {{"Accept", "application/json"}});
  EXPECT_EQ(res.status, 401);
}

TEST_F(auth, at_most_three_links_per_address_per_window) {
  edge.magic_links_per_window = 3;
  start();
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(call("POST", "/api/auth/magic/request", nullptr,
                   std::string{R"({"email":")"} + root_email + "\"}")
                .status,
              202);
  // The answers are all alike; only three links are mailed and stored.
  ASSERT_TRUE(link_for(root_email, 2));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(mails_to(root_email), 3u);
  pqxx::connection conn{db_.superuser_url()};
  pqxx::read_transaction txn{conn};
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM auth.magic_links")[0].as<int>(), 3);
  // And no table holds a token in the clear: only 32-byte hashes.
  EXPECT_EQ(txn.exec1("SELECT min(length(token_hash)) FROM auth.magic_links")[0]
              .as<int>(),
            32);
}

TEST_F(auth, tampered_and_revoked_sessions_are_refused) {
  start();
  auto root = sign_in(root_email);
  ASSERT_TRUE(root);
  EXPECT_EQ(call("GET", "/api/auth/me", &*root).status, 200);
  // One changed character of the signature.
  auto tampered = *root;
  tampered.cookie.back() = tampered.cookie.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(call("GET", "/api/auth/me", &tampered).status, 401);
  // A token signed with another key.
  auto forged = *root;
  auto claims_end = forged.cookie.rfind('.');
  forged.cookie = forged.cookie.substr(0, claims_end) + "."
                  + http::base64url_encode(
                    http::hmac_sha256("another-key-of-32-bytes-or-more!!",
                                      forged.cookie.substr(0, claims_end)));
  EXPECT_EQ(call("GET", "/api/auth/me", &forged).status, 401);
  // State changes need the session's CSRF token.
  auto no_csrf = *root;
  no_csrf.csrf = "wrong";
  EXPECT_EQ(
    call("POST", "/api/admin/allowlist", &no_csrf, R"({"entry":"a@b.test"})")
      .status,
    403);
  // Sign out everywhere voids every session of the person.
  auto second = sign_in(root_email);
  ASSERT_TRUE(second);
  EXPECT_EQ(call("POST", "/api/auth/logout-all", &*root).status, 204);
  EXPECT_EQ(call("GET", "/api/auth/me", &*second).status, 401);
}

TEST_F(auth, cross_site_posts_are_refused) {
  start();
  auto res =
    call("POST", "/api/auth/magic/request", nullptr, R"({"email":"a@b.test"})",
         {{"Origin", "https://evil.example"}});
  EXPECT_EQ(res.status, 403);
  auto site =
    call("POST", "/api/auth/magic/request", nullptr, R"({"email":"a@b.test"})",
         {{"Sec-Fetch-Site", "cross-site"}});
  EXPECT_EQ(site.status, 403);
  // A form post cannot send JSON.
  http_request form;
  form.method = "POST";
  form.target = "/api/auth/magic/request";
  form.body = "email=a%40b.test";
  form.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  EXPECT_EQ(http_call(port, form).status, 415);
}

} // namespace

namespace {

TEST_F(auth, the_waitlist_answers_alike_for_new_and_known_addresses) {
  start();
  auto first = call("POST", "/api/waitlist", nullptr,
                    R"({"email":"chef@new.test","note":"a small bistro"})");
  auto again = call("POST", "/api/waitlist", nullptr,
                    R"({"email":"chef@new.test","note":"a small bistro"})");
  EXPECT_EQ(first.status, 202) << first.body;
  EXPECT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(first.body, again.body);
  EXPECT_EQ(
    call("POST", "/api/waitlist", nullptr, R"({"email":"nope"})").status, 400);
}

TEST_F(auth, the_sign_in_page_learns_where_development_mail_goes) {
  start();
  auto config = call("GET", "/api/config");
  ASSERT_EQ(config.status, 200) << config.body;
  EXPECT_NE(config.body.find(R"("environment":"development")"),
            std::string::npos);
  auto outbox = std::filesystem::weakly_canonical(outbox_).string();
  EXPECT_NE(config.body.find(R"("dev_outbox":")" + outbox + "\""),
            std::string::npos)
    << config.body;
}

TEST_F(auth, in_production_the_outbox_stays_unsaid) {
  edge.production = true;
  cfg_.production = true;
  start();
  auto config = call("GET", "/api/config");
  ASSERT_EQ(config.status, 200) << config.body;
  EXPECT_NE(config.body.find(R"("environment":"production")"),
            std::string::npos);
  EXPECT_NE(config.body.find(R"("dev_outbox":null)"), std::string::npos)
    << config.body;
}

} // namespace

// The session cookie is Secure unless the public URL is plain http on this
// machine, the host matched exactly.
TEST(session_cookie, is_secure_everywhere_but_plain_http_on_this_machine) {
  larder::http::edge_options options;
  options.secret_key = std::string(32, 'k');
  larder::http::session_claims claims;
  claims.session_id = larder::events::uuid::make_v7();
  claims.user_id = larder::events::uuid::make_v7();
  claims.issued_at = 1000;
  claims.expires_at = 1000 + 86400;
  auto secure = [&](const std::string& url) {
    options.public_url = url;
    auto h = larder::http::session_cookie_header(options, claims);
    EXPECT_NE(h.find("; HttpOnly; SameSite=Lax"), std::string::npos) << h;
    return h.find("; Secure") != std::string::npos;
  };
  for (const auto* url : {"http://localhost:8080", "http://127.0.0.1",
                          "http://[::1]:8080/", "http://localhost"})
    EXPECT_FALSE(secure(url)) << url;
  for (const auto* url :
       {"https://localhost:8080", "https://larder.example.com",
        "http://localhost.example.com", "http://127.0.0.1.nip.io:8080",
        "http://larder.example.com"})
    EXPECT_TRUE(secure(url)) << url;
}
