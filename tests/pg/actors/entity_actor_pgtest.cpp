// The generic entity shell (registry + entity actor) over a small counter
// entity, against a real PostgreSQL: loading, idempotency, tenant isolation,
// conflicts between two nodes, passivation and the cap on live actors.
#include "actors/entity_actor.hpp"

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <variant>

#include <sys/wait.h>
#include <unistd.h>

#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <simdjson.h>

#include "actors/reader_pool.hpp"
#include "actors/system_config.hpp"
#include "events/json_writer.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace std::chrono_literals;
using larder::testing::test_database;

namespace counter {

struct created {
  static constexpr const char* type = "CounterCreated";
  events::uuid tenant_id;
};
struct added {
  static constexpr const char* type = "CounterAdded";
  std::int64_t n = 0;
};
using event = std::variant<created, added>;

struct create {};
struct add {
  std::int64_t n = 0;
};
using command = std::variant<create, add>;

struct state {
  bool exists = false;
  events::uuid tenant_id;
  std::int64_t total = 0;
};

struct entity {
  using state = counter::state;
  using event = counter::event;
  using command = counter::command;
  static constexpr const char* stream_type = "counter";

  static state evolve(state s, const event& e) {
    if (auto* c = std::get_if<created>(&e)) {
      s.exists = true;
      s.tenant_id = c->tenant_id;
    } else {
      s.total += std::get<added>(e).n;
    }
    return s;
  }

  static expected<std::vector<event>>
  decide(const state& s, const command& c, const domain::command_context& ctx) {
    if (std::holds_alternative<create>(c)) {
      if (s.exists)
        return make_error(errc::conflict, "the counter exists");
      return std::vector<event>{created{ctx.tenant_id}};
    }
    if (!s.exists)
      return make_error(errc::not_found, "no such counter");
    auto n = std::get<add>(c).n;
    if (n <= 0)
      return make_error(errc::invalid_argument, "n must be positive");
    return std::vector<event>{added{n}};
  }

  static events::new_event encode(const event& e) {
    events::json_writer w;
    w.begin_object();
    if (auto* c = std::get_if<created>(&e))
      w.field("tenant_id", c->tenant_id.to_string());
    else
      w.field("n", std::get<added>(e).n);
    w.end_object();
    return {events::uuid::make_v7(),
            std::holds_alternative<created>(e) ? created::type : added::type, 1,
            w.take()};
  }

  static expected<event> decode(const events::envelope& env) {
    simdjson::dom::parser parser;
    simdjson::dom::object obj;
    if (parser.parse(env.payload).get(obj))
      return make_error(errc::invalid_argument, "bad payload");
    if (env.event_type == created::type) {
      std::string_view text;
      if (obj["tenant_id"].get(text))
        return make_error(errc::invalid_argument, "bad payload");
      return event{created{*events::uuid::parse(text)}};
    }
    std::int64_t n = 0;
    if (obj["n"].get(n))
      return make_error(errc::invalid_argument, "bad payload");
    return event{added{n}};
  }
};

} // namespace counter

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(counter::command)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::entity_reply<counter::entity>)

namespace {

using reply = entity_reply<counter::entity>;

/// One larder node: its own actor system, writer, readers and registry.
struct node {
  node(const test_database& db, registry_options opts = {}) {
    store_writer_options wopts;
    wopts.database_url = db.app_url();
    auto catalog = std::make_shared<events::catalog>();
    catalog->add_type(counter::created::type, 1);
    catalog->add_type(counter::added::type, 1);
    writer = spawn_store_writer(sys, wopts);
    readers = spawn_reader_pool(sys, db.app_url(), 2);
    registry = spawn_registry<counter::entity>(
      sys, entity_services{writer, readers, catalog}, opts);
  }

  ~node() {
    caf::scoped_actor self{sys};
    for (const caf::actor& a :
         {registry, caf::actor_cast<caf::actor>(writer), readers}) {
      self->send_exit(a, caf::exit_reason::user_shutdown);
      self->wait_for(a);
    }
  }

  expected<reply> send(const std::string& stream, counter::command cmd,
                       const events::uuid& tenant, std::string key = {}) {
    caf::scoped_actor self{sys};
    domain::command_context ctx;
    ctx.meta.actor = events::actor_kind::user;
    ctx.meta.actor_id = "user-test";
    ctx.meta.idempotency_key = std::move(key);
    ctx.now = events::now_timestamp();
    ctx.tenant_id = tenant;
    expected<reply> out{make_error(errc::unavailable, "no answer")};
    self->request(registry, 20s, command_atom_v, stream, std::move(cmd), ctx)
      .receive(
        [&](reply& r) {
          out = std::move(r);
        },
        [&](caf::error& e) {
          out = from_caf_error(e);
        });
    return out;
  }

  std::pair<std::uint64_t, std::uint64_t> alive_and_spawned() {
    caf::scoped_actor self{sys};
    std::pair<std::uint64_t, std::uint64_t> out;
    self->request(registry, 5s, caf::get_atom_v)
      .receive(
        [&](std::uint64_t alive, std::uint64_t spawned) {
          out = {alive, spawned};
        },
        [](caf::error&) {});
    return out;
  }

  system_config cfg;
  caf::actor_system sys{cfg};
  store_writer_actor writer;
  caf::actor readers;
  caf::actor registry;
};

int count_events(const test_database& db, const std::string& stream) {
  pqxx::connection conn{db.app_url()};
  pqxx::read_transaction txn{conn};
  return txn
    .exec_params1("SELECT count(*) FROM es.events WHERE stream_id = $1",
                  stream)[0]
    .as<int>();
}

} // namespace

TEST(entity_actor, commands_answer_with_the_committed_state) {
  test_database db;
  node n{db};
  auto tenant = events::uuid::make_v7();
  ASSERT_TRUE(n.send("counter-1", counter::create{}, tenant));
  auto r = n.send("counter-1", counter::add{5}, tenant);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->state->total, 5);
  EXPECT_EQ(r->version, 2);
  EXPECT_GT(r->last_position, 0);
  auto bad = n.send("counter-1", counter::add{-1}, tenant);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, errc::invalid_argument);
  auto missing = n.send("counter-2", counter::add{1}, tenant);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, errc::not_found);
  EXPECT_EQ(count_events(db, "counter-1"), 2);
}

// A reply shares the actor's state instead of copying it: one still held
// must keep what it answered while later commands change the entity.
TEST(entity_actor, a_held_reply_keeps_the_state_it_answered_with) {
  test_database db;
  node n{db};
  auto tenant = events::uuid::make_v7();
  ASSERT_TRUE(n.send("counter-1", counter::create{}, tenant));
  auto held = n.send("counter-1", counter::add{5}, tenant);
  ASSERT_TRUE(held);
  auto next = n.send("counter-1", counter::add{2}, tenant);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->state->total, 7);
  EXPECT_EQ(held->state->total, 5);
  // A refused command and a failed one change nothing either.
  ASSERT_FALSE(n.send("counter-1", counter::add{-1}, tenant));
  EXPECT_EQ(next->state->total, 7);
  auto last = n.send("counter-1", counter::add{1}, tenant);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->state->total, 8);
  EXPECT_EQ(next->state->total, 7);
  EXPECT_EQ(held->state->total, 5);
  EXPECT_EQ(last->version, 4);
}

TEST(entity_actor, a_repeated_idempotency_key_returns_the_first_outcome) {
  test_database db;
  auto tenant = events::uuid::make_v7();
  std::int64_t first_position = 0;
  {
    node n{db};
    ASSERT_TRUE(n.send("counter-1", counter::create{}, tenant));
    auto first = n.send("counter-1", counter::add{3}, tenant, "key-1");
    ASSERT_TRUE(first);
    first_position = first->last_position;
    auto again = n.send("counter-1", counter::add{3}, tenant, "key-1");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->last_position, first_position);
    EXPECT_EQ(again->state->total, 3);
  }
  // Also after a restart: the key is rebuilt from the stored metadata.
  node restarted{db};
  auto later = restarted.send("counter-1", counter::add{3}, tenant, "key-1");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->last_position, first_position);
  EXPECT_EQ(later->state->total, 3);
  EXPECT_EQ(count_events(db, "counter-1"), 2);
}

// A key is no pass into another tenant: whoever once sent it there (and has
// left, or switched business) gets what anyone else from outside gets.
TEST(entity_actor, a_key_used_before_does_not_open_another_tenants_stream) {
  test_database db;
  node n{db};
  auto mine = events::uuid::make_v7();
  ASSERT_TRUE(n.send("counter-1", counter::create{}, mine));
  ASSERT_TRUE(n.send("counter-1", counter::add{3}, mine, "key-1"));
  auto theirs =
    n.send("counter-1", counter::add{3}, events::uuid::make_v7(), "key-1");
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().code, errc::not_found);
  EXPECT_EQ(count_events(db, "counter-1"), 2);
}

TEST(entity_actor, another_tenants_stream_is_not_found) {
  test_database db;
  node n{db};
  auto mine = events::uuid::make_v7();
  ASSERT_TRUE(n.send("counter-1", counter::create{}, mine));
  auto theirs = n.send("counter-1", counter::add{1}, events::uuid::make_v7());
  ASSERT_FALSE(theirs);
  EXPECT_EQ(theirs.error().code, errc::not_found);
  EXPECT_EQ(count_events(db, "counter-1"), 1);
}

TEST(entity_actor, two_nodes_never_both_win_one_version) {
  test_database db;
  node a{db};
  node b{db};
  auto tenant = events::uuid::make_v7();
  ASSERT_TRUE(a.send("counter-1", counter::create{}, tenant));
  constexpr int per_node = 40;
  std::atomic<int> ok{0};
  auto hammer = [&](node& n) {
    for (int i = 0; i < per_node; ++i)
      if (n.send("counter-1", counter::add{1}, tenant))
        ++ok;
  };
  std::thread ta{hammer, std::ref(a)};
  std::thread tb{hammer, std::ref(b)};
  ta.join();
  tb.join();
  // Every answered command is in the log exactly once, and nothing else.
  EXPECT_EQ(count_events(db, "counter-1"), 1 + ok.load());
  EXPECT_GT(ok.load(), per_node); // the retry after a conflict usually wins
  auto total = a.send("counter-1", counter::add{1}, tenant);
  ASSERT_TRUE(total);
  EXPECT_EQ(total->state->total, ok.load() + 1);
  events::event_store store{db.app_url()};
  EXPECT_FALSE(store.verify()->failure);
}

TEST(entity_actor, a_passivated_actor_reloads_to_the_same_state) {
  test_database db;
  registry_options opts;
  opts.idle_after = 50ms;
  node n{db, opts};
  auto tenant = events::uuid::make_v7();
  ASSERT_TRUE(n.send("counter-1", counter::create{}, tenant));
  auto before = n.send("counter-1", counter::add{7}, tenant);
  ASSERT_TRUE(before);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (n.alive_and_spawned().first != 0
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(n.alive_and_spawned().first, 0u)
    << "the actor was never passivated";
  auto spawned_before = n.alive_and_spawned().second;
  auto after = n.send("counter-1", counter::add{1}, tenant);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->state->total, 8);
  EXPECT_EQ(after->version, 3);
  // A fresh actor answered, from the stored events alone.
  EXPECT_EQ(n.alive_and_spawned().second, spawned_before + 1);
}

TEST(entity_actor, a_sweep_passivates_every_idle_actor_in_chunks) {
  test_database db;
  registry_options opts;
  opts.idle_after = 2s;
  node n{db, opts};
  auto tenant = events::uuid::make_v7();
  // More than one sweep message takes (sweep_chunk), all idle at once.
  constexpr int streams = 3 * 64 + 10;
  for (int i = 0; i < streams; ++i)
    ASSERT_TRUE(
      n.send("counter-" + std::to_string(i), counter::create{}, tenant));
  EXPECT_GT(n.alive_and_spawned().first, 64u);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (n.alive_and_spawned().first != 0
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(n.alive_and_spawned().first, 0u);
  auto again = n.send("counter-7", counter::add{2}, tenant);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->state->total, 2);
}

TEST(entity_actor, live_actors_stay_under_the_cap) {
  test_database db;
  registry_options opts;
  opts.max_alive = 5;
  node n{db, opts};
  auto tenant = events::uuid::make_v7();
  for (int i = 0; i < 20; ++i) {
    auto id = "counter-" + std::to_string(i);
    ASSERT_TRUE(n.send(id, counter::create{}, tenant));
    ASSERT_TRUE(n.send(id, counter::add{i + 1}, tenant));
    EXPECT_LE(n.alive_and_spawned().first, 5u);
  }
  auto first = n.send("counter-0", counter::add{1}, tenant);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->state->total, 2);
}

// A node killed with SIGKILL in the middle of work loses nothing it
// answered: every reply the child saw (and wrote down before acting on it)
// is in the log after the restart, and the chain verifies.
TEST(entity_actor, a_killed_node_loses_nothing_it_answered) {
  test_database db;
  auto tenant = events::uuid::make_v7();
  auto journal = std::filesystem::temp_directory_path()
                 / ("larder-kill-" + std::to_string(::getpid()));
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    node n{db};
    auto* out = std::fopen(journal.c_str(), "w");
    for (int i = 0;; ++i) {
      auto id = "counter-" + std::to_string(i % 50);
      auto r = i < 50 ? n.send(id, counter::create{}, tenant)
                      : n.send(id, counter::add{1}, tenant);
      if (r) {
        std::fprintf(out, "%s %lld\n", id.c_str(),
                     static_cast<long long>(r->version));
        std::fflush(out);
        ::fsync(::fileno(out));
      }
    }
  }
  // Let it work, then kill it without warning.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
    std::error_code ec;
    auto size = std::filesystem::file_size(journal, ec);
    if (!ec && size > 4000)
      break;
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);

  std::map<std::string, long long> answered;
  std::ifstream in{journal};
  std::string id;
  long long version = 0;
  while (in >> id >> version)
    answered[id] = std::max(answered[id], version);
  std::filesystem::remove(journal);
  ASSERT_GT(answered.size(), 0u) << "the child answered nothing";

  node restarted{db};
  for (const auto& [stream, v] : answered) {
    auto r = restarted.send(stream, counter::add{1}, tenant);
    ASSERT_TRUE(r) << stream << ": " << r.error().message;
    EXPECT_GE(r->version, v + 1) << stream << " lost an answered command";
  }
  events::event_store store{db.app_url()};
  auto report = store.verify();
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->failure);
}
