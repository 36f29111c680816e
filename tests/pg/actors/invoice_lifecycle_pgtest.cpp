// 1,000 invoices driven concurrently through the real invoice registry end in
// the states the lifecycle table predicts, read back from the log alone.
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "actors/errors.hpp"
#include "actors/reader_pool.hpp"
#include "actors/registries.hpp"
#include "actors/system_config.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace std::chrono_literals;
using larder::testing::test_database;

namespace {

values::decimal dec(const char* text) {
  return *values::decimal::parse(text);
}

domain::record_extraction extraction(int i) {
  domain::record_extraction found;
  found.fields.supplier_name = "Boucherie Centrale";
  found.fields.invoice_number = "BC-" + std::to_string(i);
  found.fields.issue_date = values::date{2026, 11, 3};
  found.fields.currency = *values::currency::parse("CAD");
  found.fields.total = dec("114.98");
  found.lines = {{"Bavette 1 kg", dec("4"), "kg", dec("25"), dec("100"), "",
                  std::nullopt, false}};
  found.overall_confidence = dec("0.9");
  found.provider = "test";
  return found;
}

/// The path invoice `i` takes, by its number: the prediction the test
/// checks. Every fourth is rejected, every other approved one is paid.
std::vector<domain::invoice_command> path_of(const events::uuid& id, int i) {
  domain::receive_document receive;
  receive.invoice_id = id;
  receive.file_name = "scan-" + std::to_string(i) + ".pdf";
  receive.media_type = "application/pdf";
  receive.size_bytes = 1000 + i;
  receive.sha256 = std::string(64, 'b');
  std::vector<domain::invoice_command> path = {
    receive, domain::start_extraction{}, extraction(i)};
  if (i % 4 == 3) {
    path.push_back(domain::reject{"not ours"});
    return path;
  }
  path.push_back(domain::approve{});
  if (i % 2 == 0)
    path.push_back(domain::mark_paid{values::date{2026, 11, 20},
                                     domain::payment_method::card, ""});
  return path;
}

} // namespace

TEST(invoice_lifecycle, a_thousand_concurrent_invoices_end_as_predicted) {
  test_database db;
  auto tenant = events::uuid::make_v7();
  constexpr int invoices = 1000;
  constexpr int threads = 8;
  std::vector<events::uuid> ids(invoices);
  for (auto& id : ids)
    id = events::uuid::make_v7();
  {
    system_config cfg;
    caf::actor_system sys{cfg};
    store_writer_options wopts;
    wopts.database_url = db.app_url();
    auto writer = spawn_store_writer(sys, wopts);
    auto readers = spawn_reader_pool(sys, db.app_url(), 2);
    registry_options ropts;
    ropts.max_alive = 100; // most invoices get passivated along the way
    auto registry = spawn_invoice_registry(
      sys, entity_services{writer, readers, make_domain_catalog()}, ropts);
    std::atomic<int> failures{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        caf::scoped_actor self{sys};
        for (int i = t; i < invoices; i += threads) {
          auto stream = domain::stream_id("invoice", ids[i]);
          for (auto& cmd : path_of(ids[i], i)) {
            domain::command_context ctx;
            ctx.meta.actor = events::actor_kind::user;
            ctx.meta.actor_id = "user-1";
            ctx.now = "2026-11-22T12:00:00.000000Z";
            ctx.tenant_id = tenant;
            self->request(registry, 30s, command_atom_v, stream, cmd, ctx)
              .receive([](const invoice_reply&) {},
                       [&](const caf::error& e) {
                         if (failures++ == 0)
                           ADD_FAILURE() << from_caf_error(e).message;
                       });
          }
        }
      });
    for (auto& th : pool)
      th.join();
    EXPECT_EQ(failures.load(), 0);
    // Receiving a document again under an existing id (its actor long
    // passivated, so the registry spawns a fresh one without reading) is a
    // conflict, and appends nothing.
    {
      caf::scoped_actor self{sys};
      domain::command_context ctx;
      ctx.now = "2026-11-22T12:00:00.000000Z";
      ctx.tenant_id = tenant;
      self
        ->request(registry, 30s, command_atom_v,
                  domain::stream_id("invoice", ids[0]), path_of(ids[0], 0)[0],
                  ctx)
        .receive(
          [](const invoice_reply&) {
            ADD_FAILURE() << "received twice";
          },
          [](const caf::error& e) {
            EXPECT_EQ(from_caf_error(e).code, errc::conflict);
          });
    }
    caf::scoped_actor self{sys};
    for (const caf::actor& a :
         {registry, caf::actor_cast<caf::actor>(writer), readers}) {
      self->send_exit(a, caf::exit_reason::user_shutdown);
      self->wait_for(a);
    }
  }
  // Read every stream back with the pure fold: nothing but the log.
  events::event_store store{db.app_url()};
  auto catalog = make_domain_catalog();
  for (int i = 0; i < invoices; ++i) {
    auto evs = store.read_stream(domain::stream_id("invoice", ids[i]));
    ASSERT_TRUE(evs);
    domain::invoice_state st;
    for (auto& ev : *evs) {
      ASSERT_TRUE(catalog->upcast(ev.env));
      auto decoded = domain::invoice_entity::decode(ev.env);
      ASSERT_TRUE(decoded) << decoded.error().message;
      st = domain::invoice_entity::evolve(std::move(st), *decoded);
    }
    auto expected_status = i % 4 == 3 ? domain::invoice_status::rejected
                                      : domain::invoice_status::approved;
    ASSERT_EQ(st.status, expected_status) << "invoice " << i;
    EXPECT_EQ(st.paid, i % 4 != 3 && i % 2 == 0) << "invoice " << i;
    EXPECT_EQ(st.tenant_id, tenant);
    EXPECT_EQ(evs->size(), path_of(ids[i], i).size());
  }
  EXPECT_FALSE(store.verify()->failure);
}
