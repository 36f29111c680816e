// GET /api/events/stream over real HTTP: a tenant's tabs hear about its
// invoices as the log moves, and only about its own.
#include "tests/pg/http/http_fixture.hpp"

using namespace larder;
using namespace larder::testing;

namespace {

class live_updates : public http_fixture {
 protected:
  /// Opens a stream as `who`; the answer's head is read.
  std::unique_ptr<http_connection> open(const session& who, http_answer& head) {
    auto conn = std::make_unique<http_connection>(port);
    conn->send_raw("GET /api/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "Accept: text/event-stream\r\nCookie: larder_session="
                   + who.cookie + "\r\n\r\n");
    head = conn->read_answer().value_or(http_answer{});
    return conn;
  }

  /// Reads the stream until `text` appears or `wait` passes.
  static std::string read_until(http_connection& conn, std::string& seen,
                                const std::string& text,
                                std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (seen.find(text) == std::string::npos
           && std::chrono::steady_clock::now() < deadline)
      seen += conn.read_some(std::chrono::milliseconds(100));
    return seen;
  }
};

TEST_F(live_updates, a_tenant_hears_its_invoices_and_only_its_own) {
  start();
  auto [alice, tenant_a] = owner("alice@a.test", "alpha-live");
  auto [bob, tenant_b] = owner("bob@b.test", "bravo-live");

  http_answer head_a, head_b;
  auto stream_a = open(alice, head_a);
  auto stream_b = open(bob, head_b);
  ASSERT_EQ(head_a.status, 200) << head_a.body;
  EXPECT_EQ(head_a.header("content-type"), "text/event-stream; charset=utf-8");
  EXPECT_EQ(head_a.header("cache-control"), "no-store");
  EXPECT_TRUE(head_a.header("content-length").empty());
  ASSERT_EQ(head_b.status, 200);

  auto invoice = make_invoice(tenant_a).to_string();
  std::string seen_a = head_a.body;
  read_until(*stream_a, seen_a, "ExtractionSucceeded",
             std::chrono::seconds(10));
  EXPECT_NE(seen_a.find("retry: 3000\n\n"), std::string::npos) << seen_a;
  for (auto type :
       {"DocumentReceived", "ExtractionStarted", "ExtractionSucceeded"})
    EXPECT_NE(seen_a.find("event: invoice\ndata: {\"id\":\"" + invoice
                          + "\",\"type\":\"" + type + "\",\"position\":"),
              std::string::npos)
      << type << " missing from:\n"
      << seen_a;
  EXPECT_NE(seen_a.find("\nid: "), std::string::npos);

  // Bob's tab heard nothing of Alice's invoice.
  std::string seen_b = head_b.body;
  read_until(*stream_b, seen_b, "event:", std::chrono::seconds(1));
  EXPECT_EQ(seen_b.find("event:"), std::string::npos) << seen_b;
  EXPECT_EQ(seen_b.find(invoice), std::string::npos);
}

// A stream lasts as long as its person may read the business: signed out,
// or removed from the business, their tab stops hearing of its invoices at
// the next check (every heartbeat; 200 ms here).
TEST_F(live_updates, a_stream_ends_with_its_session_or_membership) {
  cfg_.live_heartbeat_ms = 200;
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-ends");
  ASSERT_EQ(call("POST", "/api/tenant/invitations", &alice,
                 R"({"email":"sam@a.test","role":"member"})")
              .status,
            201);
  auto sam = joined("sam@a.test");
  ASSERT_TRUE(sam);
  http_answer head_a, head_s;
  auto stream_a = open(alice, head_a);
  auto stream_s = open(*sam, head_s);
  ASSERT_EQ(head_a.status, 200) << head_a.body;
  ASSERT_EQ(head_s.status, 200) << head_s.body;
  // Several checks pass and both stay open.
  EXPECT_FALSE(stream_a->closed_by_peer(std::chrono::milliseconds(800)));
  EXPECT_FALSE(stream_s->closed_by_peer(std::chrono::milliseconds(10)));

  ASSERT_EQ(
    call("DELETE", "/api/tenant/members/" + sam->user_id, &alice).status, 200);
  EXPECT_TRUE(stream_s->closed_by_peer(std::chrono::seconds(5)))
    << "a removed member's tab still hears the business";
  EXPECT_FALSE(stream_a->closed_by_peer(std::chrono::milliseconds(10)));

  ASSERT_EQ(call("POST", "/api/auth/logout", &alice).status, 204);
  EXPECT_TRUE(stream_a->closed_by_peer(std::chrono::seconds(5)))
    << "a signed-out tab still hears the business";
}

// A HEAD of the stream gets its head and the end, and holds no stream: a
// link checker's HEADs must not use up a person's streams. Nor does a
// stream asked for with garbage behind it, whose connection is refused: it
// used to start on a connection no message reached, its socket open for
// good.
TEST_F(live_updates, a_head_of_the_stream_holds_nothing_open) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-head");
  // Ten times each (more than a person's eight streams): the head, then the
  // end of the connection.
  auto ends_at_its_head = [&](const std::string& method,
                              const std::string& behind) {
    for (int i = 0; i < 10; ++i) {
      http_connection conn{port};
      ASSERT_TRUE(conn.send_raw(method
                                + " /api/events/stream HTTP/1.1\r\n"
                                  "Host: 127.0.0.1\r\nCookie: larder_session="
                                + alice.cookie + "\r\n\r\n" + behind));
      auto head = conn.read_answer();
      ASSERT_TRUE(head) << method << " " << i;
      EXPECT_EQ(head->status, 200);
      EXPECT_EQ(head->header("connection"), "close");
      EXPECT_TRUE(conn.closed_by_peer(std::chrono::seconds(5)))
        << method << " " << i;
    }
  };
  ends_at_its_head("HEAD", "");
  ends_at_its_head("GET", "NOT HTTP\r\n\r\n");
  http_answer head;
  auto stream = open(alice, head);
  EXPECT_EQ(head.status, 200) << head.body;
}

TEST_F(live_updates, one_person_may_hold_only_so_many_streams) {
  start();
  auto [alice, tenant_a] = owner("alice@a.test", "alpha-many");
  std::vector<std::unique_ptr<http_connection>> open_streams;
  for (int i = 0; i < 8; ++i) {
    http_answer head;
    open_streams.push_back(open(alice, head));
    ASSERT_EQ(head.status, 200) << i;
  }
  http_answer refused;
  auto ninth = open(alice, refused);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("too many live update streams"),
            std::string::npos);
  // Closing a tab frees its place.
  open_streams.pop_back();
  for (int i = 0; i < 100; ++i) {
    http_answer again;
    auto s = open(alice, again);
    if (again.status == 200)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ADD_FAILURE() << "a closed stream never freed its place";
}

} // namespace
