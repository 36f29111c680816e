#include <chrono>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "events/event_store.hpp"
#include "events/hash_chain.hpp"
#include "events/pg_array.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::events;
using larder::testing::make_append;
using larder::testing::test_database;

namespace {

std::vector<std::string> streams_of(const log_batch& batch) {
  std::vector<std::string> out;
  for (const auto& ev : batch.events)
    out.push_back(ev.env.stream_id);
  return out;
}

/// Reads from `from` until `want` events arrived. The fence is
/// cluster-wide: a writer in another database (a test running in parallel)
/// may hold it back for a moment, so a reader keeps reading, as a projection
/// runner would; it never passes anything.
log_batch read_at_least(event_store& store, const std::string& admin_url,
                        log_position from, std::size_t want,
                        std::optional<uuid> tenant = std::nullopt) {
  log_batch all;
  all.next = from;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (all.events.size() < want
         && std::chrono::steady_clock::now() < deadline) {
    auto batch = store.read_log(all.next, 3, tenant);
    if (!batch)
      break;
    if (batch->events.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    EXPECT_GT(batch->next, all.next);
    all.next = batch->next;
    for (auto& ev : batch->events)
      all.events.push_back(std::move(ev));
  }
  if (all.events.size() < want) {
    // Name whoever held the fence, so a failure here explains itself.
    pqxx::connection conn{admin_url};
    pqxx::read_transaction txn{conn};
    for (const auto& row :
         txn.exec("SELECT datname, usename, state, backend_xid::text, "
                  "(now() - xact_start)::text, left(query, 80) "
                  "FROM pg_stat_activity WHERE backend_xid IS NOT NULL"))
      ADD_FAILURE() << "writer still open: db=" << row[0].c_str()
                    << " user=" << row[1].c_str() << " state=" << row[2].c_str()
                    << " xid=" << row[3].c_str() << " for " << row[4].c_str()
                    << ": " << row[5].c_str();
  }
  return all;
}

/// Scans from `from` until `want` events arrived, each call asking for at
/// most what is missing; like `read_at_least`, it keeps going while a
/// writer elsewhere in the cluster holds the fence a moment.
std::vector<recorded_event>
scan_at_least(event_store& store, log_position& from, std::size_t want) {
  std::vector<recorded_event> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
    auto next =
      store.scan_log(from, static_cast<std::int64_t>(want - out.size()),
                     [&](recorded_event& ev) {
                       out.push_back(std::move(ev));
                     });
    if (!next) {
      ADD_FAILURE() << next.error().message;
      break;
    }
    if (*next == from)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    from = *next;
  }
  return out;
}

} // namespace

// The failure the fence exists for: transaction A takes its id first but
// inserts last; transaction B inserts and commits while A is still open. A
// reader that followed global_position alone would pass B's position and
// never see A's event. The fence holds the reader back until A commits and
// then delivers A before B.
TEST(fence, a_late_commit_is_never_skipped) {
  test_database db;
  event_store reader{db.app_url()};
  event_store writer_b{db.app_url()};
  auto tenant = uuid::make_v7();

  pqxx::connection conn_a{db.app_url()};
  pqxx::work txn_a{conn_a};
  // A takes its transaction id now, before B starts.
  auto xid_a =
    txn_a.exec1("SELECT pg_current_xact_id()::text")[0].as<std::string>();

  auto b = writer_b.append(make_append("invoice-b", tenant, 0, genesis_hash));
  ASSERT_TRUE(b);
  std::vector<append_request> a_req = {
    make_append("invoice-a", tenant, 0, genesis_hash)};
  auto a = event_store::append_in(txn_a, a_req);
  ASSERT_TRUE(a[0]);
  EXPECT_GT(a[0]->last_position, b->last_position);

  auto while_open = reader.read_log({}, 100);
  ASSERT_TRUE(while_open);
  EXPECT_TRUE(while_open->events.empty())
    << "the reader passed an event while an older writer was still open";
  EXPECT_EQ(while_open->next, log_position{});

  txn_a.commit();
  auto after = read_at_least(reader, db.superuser_url(), while_open->next, 2);
  ASSERT_EQ(after.events.size(), 2u);
  const auto& first = after.events[0];
  const auto& second = after.events[1];
  EXPECT_EQ(std::to_string(first.transaction_id), xid_a)
    << "A's event must come first: its transaction is the older one";
  EXPECT_EQ(first.env.stream_id, "invoice-a");
  EXPECT_EQ(second.env.stream_id, "invoice-b");
  EXPECT_LT(first.transaction_id, second.transaction_id);
  auto nothing_more = reader.read_log(after.next, 100);
  ASSERT_TRUE(nothing_more);
  EXPECT_TRUE(nothing_more->events.empty());
}

TEST(fence, a_rolled_back_writer_releases_the_fence_and_leaves_no_trace) {
  test_database db;
  event_store reader{db.app_url()};
  event_store writer{db.app_url()};
  auto tenant = uuid::make_v7();
  {
    pqxx::connection conn{db.app_url()};
    pqxx::work txn{conn};
    std::vector<append_request> req = {
      make_append("invoice-x", tenant, 0, genesis_hash)};
    ASSERT_TRUE(event_store::append_in(txn, req)[0]);
    ASSERT_TRUE(
      writer.append(make_append("invoice-y", tenant, 0, genesis_hash)));
    EXPECT_TRUE(reader.read_log({}, 10)->events.empty());
    txn.abort();
  }
  auto batch = read_at_least(reader, db.superuser_url(), {}, 1);
  EXPECT_EQ(streams_of(batch), std::vector<std::string>{"invoice-y"});
  EXPECT_TRUE(reader.read_log(batch.next, 10)->events.empty());
}

TEST(fence, batches_page_through_the_log_in_order_without_repeats) {
  test_database db;
  event_store store{db.app_url()};
  auto tenant = uuid::make_v7();
  auto other = uuid::make_v7();
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(
      store.append(make_append("invoice-" + std::to_string(i),
                               i % 2 ? other : tenant, 0, genesis_hash, 2)));
  auto all = read_at_least(store, db.superuser_url(), {}, 14);
  std::vector<std::int64_t> seen;
  for (const auto& ev : all.events)
    seen.push_back(ev.global_position);
  ASSERT_EQ(seen.size(), 14u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()).size(), 14u);
  EXPECT_TRUE(store.read_log(all.next, 100)->events.empty());

  auto mine = read_at_least(store, db.superuser_url(), {}, 8, tenant);
  EXPECT_EQ(mine.events.size(), 8u);
  for (const auto& ev : mine.events)
    EXPECT_EQ(ev.env.tenant_id, tenant);
  EXPECT_TRUE(store.read_log(mine.next, 100, tenant)->events.empty());
}

// The binary COPY scan is the same log as read_log, field for field: a
// reader may use either. It holds at the fence like read_log, and stops at
// its limit with the position to go on from.
TEST(fence, a_scan_reads_the_same_log_as_read_log_and_holds_at_the_fence) {
  test_database db;
  event_store store{db.app_url()};
  auto tenant = uuid::make_v7();
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store.append(
      make_append("invoice-" + std::to_string(i), tenant, 0, genesis_hash, 2,
                  R"({"note":"Crème brûlée \"maison\"\n","n":)"
                    + std::to_string(i) + "}")));
  auto read = read_at_least(store, db.superuser_url(), {}, 10);
  ASSERT_EQ(read.events.size(), 10u);

  log_position end;
  auto scanned = scan_at_least(store, end, 10);
  ASSERT_EQ(scanned.size(), 10u);
  EXPECT_EQ(end, read.next);
  for (std::size_t i = 0; i < scanned.size(); ++i) {
    const auto &a = read.events[i], &b = scanned[i];
    EXPECT_EQ(a.global_position, b.global_position);
    EXPECT_EQ(a.transaction_id, b.transaction_id);
    EXPECT_EQ(a.env.event_id, b.env.event_id);
    EXPECT_EQ(a.env.tenant_id, b.env.tenant_id);
    EXPECT_EQ(a.env.stream_id, b.env.stream_id);
    EXPECT_EQ(a.env.stream_version, b.env.stream_version);
    EXPECT_EQ(a.env.event_type, b.env.event_type);
    EXPECT_EQ(a.env.schema_version, b.env.schema_version);
    EXPECT_EQ(a.env.payload, b.env.payload);
    EXPECT_EQ(a.env.metadata, b.env.metadata);
    EXPECT_EQ(a.env.recorded_at, b.env.recorded_at);
    EXPECT_EQ(a.prev_hash, b.prev_hash);
    EXPECT_EQ(a.hash, b.hash);
    // What the scan hands over still proves itself against the chain.
    auto hash = chain_hash(b.prev_hash, b.env);
    ASSERT_TRUE(hash);
    EXPECT_EQ(*hash, b.hash);
  }

  // A limit stops the scan where the next one picks up.
  log_position middle;
  auto first = scan_at_least(store, middle, 4);
  ASSERT_EQ(first.size(), 4u);
  EXPECT_EQ(middle, (log_position{read.events[3].transaction_id,
                                  read.events[3].global_position}));
  auto rest = scan_at_least(store, middle, 6);
  ASSERT_EQ(rest.size(), 6u);
  EXPECT_EQ(rest.front().global_position, read.events[4].global_position);
  EXPECT_EQ(middle, read.next);

  // An open writer holds the scan back, as it holds read_log back.
  pqxx::connection conn{db.app_url()};
  pqxx::work open{conn};
  std::vector<append_request> late = {
    make_append("invoice-late", tenant, 0, genesis_hash)};
  ASSERT_TRUE(event_store::append_in(open, late)[0]);
  ASSERT_TRUE(
    store.append(make_append("invoice-after", tenant, 0, genesis_hash)));
  int passed = 0;
  auto held = store.scan_log(read.next, 0, [&](recorded_event&) {
    ++passed;
  });
  ASSERT_TRUE(held);
  EXPECT_EQ(passed, 0) << "the scan passed an event while an older writer "
                          "was still open";
  EXPECT_EQ(*held, read.next);
  open.abort();
}

TEST(fence, a_scan_of_an_unreachable_store_is_unavailable) {
  event_store store{"host=127.0.0.1 port=1 connect_timeout=2"};
  int seen = 0;
  auto r = store.scan_log({}, 0, [&](recorded_event&) {
    ++seen;
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::unavailable);
  EXPECT_EQ(seen, 0);
}

namespace {

/// Uses up transaction ids (one per subtransaction that writes) until the
/// next one is at least `target`.
void burn_xids_until(pqxx::connection& conn, std::uint64_t target) {
  pqxx::nontransaction{conn}.exec(
    "CREATE TEMP TABLE IF NOT EXISTS burn (n int)");
  for (;;) {
    auto next = std::stoull(pqxx::nontransaction{conn}
                              .exec1("SELECT pg_current_xact_id()::text")[0]
                              .c_str());
    if (next + 1 >= target)
      return;
    auto n = std::min<std::uint64_t>(target - next - 1, 5000);
    pqxx::nontransaction{conn}.exec(
      "DO $$ BEGIN FOR i IN 1.." + std::to_string(n)
      + " LOOP BEGIN INSERT INTO burn VALUES (i);"
        " EXCEPTION WHEN others THEN NULL; END; END LOOP; END $$");
  }
}

} // namespace

TEST(fence_order, transaction_ids_are_ordered_as_numbers_not_as_text) {
  // "10000" sorts before "9999" as text: a reader ordering the log by the
  // text form of transaction ids would read the later transaction first,
  // move its checkpoint past the earlier one and never read it.
  test_database db;
  event_store store{db.app_url()};
  pqxx::connection conn{db.owner_url()};
  auto tenant = uuid::make_v7();
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto now = std::stoull(pqxx::nontransaction{conn}
                             .exec1("SELECT pg_current_xact_id()::text")[0]
                             .c_str());
    std::uint64_t boundary = 10;
    while (boundary <= now + 20)
      boundary *= 10;
    burn_xids_until(conn, boundary - 3);
    auto before = store.append(make_append("before-" + std::to_string(attempt),
                                           tenant, 0, genesis_hash, 1));
    burn_xids_until(conn, boundary + 1);
    auto after = store.append(make_append("after-" + std::to_string(attempt),
                                          tenant, 0, genesis_hash, 1));
    ASSERT_TRUE(before && after);
    auto xid_of = [&](std::int64_t position) {
      return std::stoull(pqxx::nontransaction{conn}
                           .exec1("SELECT transaction_id::text FROM es.events"
                                  " WHERE global_position = "
                                  + std::to_string(position))[0]
                           .c_str());
    };
    // Writers in other databases share the counter: try again when they
    // took the ids around the boundary.
    if (!(xid_of(before->last_position) < boundary
          && xid_of(after->last_position) >= boundary))
      continue;
    // One event per batch, from the start: both arrive, the earlier
    // transaction first.
    std::vector<std::string> seen;
    log_position at;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (seen.size() < 2 * static_cast<std::size_t>(attempt + 1)
           && std::chrono::steady_clock::now() < deadline) {
      auto batch = store.read_log(at, 1, tenant);
      ASSERT_TRUE(batch);
      at = batch->next;
      for (const auto& ev : batch->events)
        seen.push_back(ev.env.stream_id);
      if (batch->events.empty())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_GE(seen.size(), 2u);
    EXPECT_EQ(seen[seen.size() - 2], "before-" + std::to_string(attempt));
    EXPECT_EQ(seen.back(), "after-" + std::to_string(attempt));
    return;
  }
  FAIL() << "other writers kept taking the transaction ids at the boundary";
}

// A projection reads the log through `read_log_of_types_in`: the same
// events in the same order with the same `next` as read_log, whole where
// the reader applies their type, and only position, transaction and type
// where it steps past them. A type named with quotes and backslashes is
// matched as itself.
TEST(fence, a_typed_read_is_the_log_with_only_the_wanted_events_whole) {
  test_database db;
  event_store store{db.app_url()};
  auto tenant = uuid::make_v7();
  auto req = make_append("invoice-1", tenant, 0, genesis_hash, 4,
                         R"({"supplier":"Beurre \"Bordier\""})");
  const std::string odd = R"(Odd"Type\Name)";
  req.events[1].event_type = "InvoicePaid";
  req.events[3].event_type = odd;
  ASSERT_TRUE(store.append(req));
  ASSERT_TRUE(store.append(make_append("invoice-2", tenant, 0, genesis_hash)));
  auto whole = read_at_least(store, db.superuser_url(), {}, 5);
  ASSERT_EQ(whole.events.size(), 5u);

  pg_array wanted;
  wanted.add("InvoicePaid");
  wanted.add(odd);
  auto types = wanted.take();
  pqxx::connection conn{db.app_url()};
  pqxx::read_transaction txn{conn};
  auto typed = event_store::read_log_of_types_in(txn, {}, 100, types);
  ASSERT_EQ(typed.events.size(), 5u);
  EXPECT_EQ(typed.next, whole.next);
  for (std::size_t i = 0; i < 5; ++i) {
    const auto& got = typed.events[i];
    const auto& want = whole.events[i];
    SCOPED_TRACE("event " + std::to_string(i));
    EXPECT_EQ(got.global_position, want.global_position);
    EXPECT_EQ(got.transaction_id, want.transaction_id);
    EXPECT_EQ(got.env.event_type, want.env.event_type);
    // Hashes are for verify only.
    EXPECT_EQ(got.hash, hash_bytes{});
    if (got.env.event_type == "InvoicePaid" || got.env.event_type == odd) {
      EXPECT_EQ(got.env.event_id, want.env.event_id);
      EXPECT_EQ(got.env.tenant_id, tenant);
      EXPECT_EQ(got.env.stream_id, "invoice-1");
      EXPECT_EQ(got.env.stream_version, want.env.stream_version);
      EXPECT_EQ(got.env.schema_version, want.env.schema_version);
      EXPECT_EQ(got.env.payload, want.env.payload);
      EXPECT_NE(got.env.payload.find("Bordier"), std::string::npos);
      EXPECT_EQ(got.env.metadata, want.env.metadata);
      EXPECT_EQ(got.env.recorded_at, want.env.recorded_at);
    } else {
      EXPECT_TRUE(got.env.event_id.is_nil());
      EXPECT_TRUE(got.env.stream_id.empty());
      EXPECT_TRUE(got.env.payload.empty());
      EXPECT_TRUE(got.env.metadata.empty());
    }
  }
  EXPECT_EQ(typed.events[1].env.event_type, "InvoicePaid");
  EXPECT_EQ(typed.events[3].env.event_type, odd);
  EXPECT_FALSE(typed.events[3].env.payload.empty());

  // Paging: a limit stops where read_log would, and the rest follows.
  auto first = event_store::read_log_of_types_in(txn, {}, 2, types);
  ASSERT_EQ(first.events.size(), 2u);
  EXPECT_EQ(first.next.global_position, whole.events[1].global_position);
  auto rest = event_store::read_log_of_types_in(txn, first.next, 100, types);
  ASSERT_EQ(rest.events.size(), 3u);
  EXPECT_EQ(rest.events[0].global_position, whole.events[2].global_position);
  // No type at all: every event is stepped past.
  auto none =
    event_store::read_log_of_types_in(txn, {}, 100, pg_array{}.take());
  ASSERT_EQ(none.events.size(), 5u);
  for (const auto& ev : none.events)
    EXPECT_TRUE(ev.env.payload.empty());
}
