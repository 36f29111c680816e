// Every read model the server runs, against a real PostgreSQL: random
// sequences of valid commands over many tenants, applied in batches of
// random sizes, leave exactly the tables a rebuild from the whole log
// makes, table by table, row by row; and a runner killed in the middle of
// a batch leaves nothing half applied.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <random>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "actors/domain.hpp"
#include "projections/models.hpp"
#include "projections/rebuild.hpp"
#include "tests/pg/projections/projection_test_support.hpp"
#include "tests/support/test_database.hpp"

using namespace larder;
using namespace larder::domain;
using larder::events::uuid;
using larder::projections::projection_runner;
using larder::projections::read_model;
using larder::testing::catch_up;
using larder::testing::domain_log;
using larder::testing::full_catalog;
using larder::testing::test_database;

namespace {

values::decimal dec(const std::string& text) {
  return *values::decimal::parse(text);
}

/// Writes random but valid histories: each command is decided by the
/// domain against the entity's current state, as an actor would, and only
/// its events are appended.
class history_writer {
 public:
  history_writer(domain_log& log, unsigned seed) : log_(log), rng_(seed) {}

  void tenant() {
    auto id = uuid::make_v7();
    create_tenant c;
    c.name = "Bistro " + std::to_string(tenants_.size());
    c.region = "CA-QC";
    c.inbound_alias = "bistro-" + std::to_string(tenants_.size());
    c.created_by = uuid::make_v7();
    c.creator_email = "owner" + std::to_string(tenants_.size()) + "@x.test";
    auto& st = tenants_[id];
    decide_and_append<tenant_entity>(st, c, id, id);
    tenant_ids_.push_back(id);
  }

  /// One random step: a new invoice, or a command on an existing one, or
  /// a tenant's price-alert threshold.
  void step() {
    auto tenant = tenant_ids_[pick(tenant_ids_.size())];
    auto roll = pick(100);
    if (roll >= 3 && roll < 5 && !invoices_.empty()) {
      // An export of some of the tenant's invoices (every 2,000 ids an
      // event of its own: the size is random, up to a few of them).
      std::vector<uuid> ids;
      for (const auto& [id, inv] : invoices_)
        if (inv.tenant == tenant && pick(2) == 0)
          ids.push_back(id);
      auto export_id = uuid::make_v7();
      projections::exports::export_filter f;
      f.paid = pick(2) == 0;
      log_.create("export-" + export_id.to_string(), tenant, "export",
                  projections::exports::exported_events(
                    export_id, projections::exports::export_format::journal, f,
                    "larder.journal", ids));
      return;
    }
    if (roll < 3) {
      change_tenant_settings s;
      s.price_alert_threshold_percent =
        dec(std::to_string(2 + pick(10)) + ".5");
      decide_and_append<tenant_entity>(tenants_[tenant], s, tenant, tenant);
      return;
    }
    if (roll < 25 || invoices_.empty()) {
      auto id = uuid::make_v7();
      // Some go all the way to approval at once, so items gather prices
      // (and price alerts) from several invoices.
      bool approve_now = roll >= 15;
      receive_document r;
      r.invoice_id = id;
      r.source = pick(2) ? document_source::email : document_source::upload;
      r.file_name = "f" + std::to_string(invoices_.size()) + ".pdf";
      r.media_type = "application/pdf";
      r.size_bytes = 1000 + static_cast<std::int64_t>(pick(5000));
      r.sha256 = std::string(64, "0123456789abcdef"[pick(16)]);
      auto& inv = invoices_[id];
      inv.tenant = tenant;
      decide_and_append<invoice_entity>(inv.state, r, tenant, id);
      if (approve_now) {
        decide_and_append<invoice_entity>(inv.state, start_extraction{}, tenant,
                                          id);
        decide_and_append<invoice_entity>(inv.state, extraction(), tenant, id);
        decide_and_append<invoice_entity>(inv.state, approve{}, tenant, id);
      }
      return;
    }
    auto it =
      std::next(invoices_.begin(), static_cast<long>(pick(invoices_.size())));
    auto& inv = it->second;
    // Try a few commands until one is valid for the invoice's state.
    for (int attempt = 0; attempt < 6; ++attempt)
      if (decide_and_append<invoice_entity>(inv.state, random_command(),
                                            inv.tenant, it->first))
        return;
  }

 private:
  struct invoice {
    uuid tenant;
    invoice_state state;
  };

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  static constexpr const char* suppliers[] = {
    "Fromagerie du Village Ltée", "Boucherie Centrale Inc.", "Épicerie Côté"};

  record_extraction extraction() {
    const char* items[] = {"Beurre doux 454 g", "Crème 35% 2 L", "Gruyère"};
    record_extraction e;
    e.fields.supplier_name = suppliers[pick(3)];
    e.fields.invoice_number = "N-" + std::to_string(pick(50));
    e.fields.issue_date = values::date{2026, 1 + static_cast<int>(pick(10)),
                                       1 + static_cast<int>(pick(28))};
    e.fields.currency = *values::currency::parse("CAD");
    long long total = 0;
    for (std::size_t l = 0, n = 1 + pick(3); l < n; ++l) {
      long long unit = 300 + static_cast<long long>(pick(400));
      long long qty = 1 + static_cast<long long>(pick(5));
      total += unit * qty;
      auto money = [](long long c) {
        return dec(std::to_string(c / 100) + "." + std::to_string(c % 100));
      };
      e.lines.push_back({items[pick(3)], dec(std::to_string(qty)),
                         pick(4) ? "ea" : "kg", money(unit), money(unit * qty),
                         "", std::nullopt, false});
    }
    e.fields.total =
      dec(std::to_string(total / 100) + "." + std::to_string(total % 100));
    e.overall_confidence = dec("0.9");
    e.provider = "pdf_text";
    return e;
  }

  invoice_command random_command() {
    switch (pick(12)) {
      case 0: return start_extraction{};
      case 1:
      case 2: return extraction();
      case 3: return record_extraction_failure{"unreadable", pick(2) == 0};
      case 4:
        return correct_fields{
          {{"supplier_name", suppliers[pick(3)]},
           {"invoice_number", "C-" + std::to_string(pick(50))}}};
      case 5:
      case 6: return approve{};
      case 7: return reject{"not ours"};
      case 8:
        return mark_paid{values::date{2026, 11, 1}, payment_method::cash, ""};
      case 9: return mark_unpaid{};
      case 10: return request_reprocess{""};
      default:
        return pick(3) == 0 ? invoice_command{delete_invoice{""}}
                            : invoice_command{approve{}};
    }
  }

  template <class Entity>
  bool decide_and_append(typename Entity::state& st,
                         const typename Entity::command& cmd,
                         const uuid& tenant, const uuid& id) {
    command_context ctx;
    ctx.tenant_id = tenant;
    ctx.now = "2026-11-20T12:00:00.000000Z";
    ctx.meta.actor = events::actor_kind::user;
    ctx.meta.actor_id = "tester";
    auto evs = Entity::decide(st, cmd, ctx);
    if (!evs || evs->empty())
      return false;
    log_.append<Entity>(stream_id(Entity::stream_type, id), tenant, *evs);
    for (const auto& e : *evs)
      st = Entity::evolve(std::move(st), e);
    return true;
  }

  domain_log& log_;
  std::mt19937 rng_;
  std::map<uuid, tenant_entity::state> tenants_;
  std::vector<uuid> tenant_ids_;
  std::map<uuid, invoice> invoices_;
};

/// Every index of `schema`: its name and definition.
std::vector<std::string> indexes(const std::string& url,
                                 const std::string& schema) {
  pqxx::connection conn{url};
  pqxx::read_transaction txn{conn};
  std::vector<std::string> out;
  for (auto row : txn.exec_params("SELECT indexname || ': ' || indexdef"
                                  "  FROM pg_indexes WHERE schemaname = $1"
                                  " ORDER BY indexname",
                                  schema))
    out.emplace_back(row[0].c_str());
  return out;
}

/// Every row of every table of `schema`, as text, in a stable order.
std::map<std::string, std::vector<std::string>>
snapshot(const std::string& url, const std::string& schema) {
  pqxx::connection conn{url};
  pqxx::read_transaction txn{conn};
  std::map<std::string, std::vector<std::string>> out;
  for (auto t : txn.exec_params(
         "SELECT tablename FROM pg_tables WHERE schemaname = $1", schema)) {
    std::string table = t[0].c_str();
    auto& rows = out[table];
    for (auto r :
         txn.exec("SELECT to_jsonb(x)::text FROM " + txn.quote_name(schema)
                  + "." + txn.quote_name(table) + " x ORDER BY 1"))
      rows.emplace_back(r[0].c_str());
  }
  return out;
}

class equivalence : public ::testing::Test {
 protected:
  test_database db;
  domain_log log{db.app_url()};
  std::shared_ptr<events::catalog> catalog = full_catalog();
};

TEST_F(equivalence, random_histories_project_as_a_rebuild_does) {
  auto models = projections::all_models(catalog);
  ASSERT_GE(models.size(), 2u);
  std::vector<std::unique_ptr<projection_runner>> runners;
  for (const auto& m : models)
    runners.push_back(
      std::make_unique<projection_runner>(db.app_url(), m, catalog));

  history_writer writer{log, 20261122};
  for (int t = 0; t < 6; ++t)
    writer.tenant();
  std::mt19937 rng{7};
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < 60; ++i)
      writer.step();
    // The models follow in batches of random sizes, so the same invoice
    // is often split across batches.
    for (auto& r : runners)
      catch_up(*r, 1 + rng() % 40);
  }
  // Every model rebuilt together, from one read of the log in batches of
  // 37 events, as `larder projections rebuild --all` does.
  std::map<std::string, std::map<std::string, std::vector<std::string>>> live;
  std::map<std::string, std::vector<std::string>> live_indexes;
  for (const auto& m : models) {
    live_indexes[m.name] = indexes(db.app_url(), m.schema);
    auto& tables = live[m.name] = snapshot(db.app_url(), m.schema);
    std::size_t rows = 0;
    for (const auto& [table, r] : tables)
      rows += r.size();
    EXPECT_GT(rows, 0u) << m.name << " holds nothing: the test proves nothing";
  }
  // The rebuild judges price alerts its own way (once, at the end): the
  // history must have some for the comparison to mean anything.
  auto alerts = std::ranges::count_if(
    live["suppliers"]["prices"], [](const std::string& row) {
      return row.find(R"("alert": true)") != std::string::npos;
    });
  EXPECT_GT(alerts, 0) << "no price alerts: the test proves less";
  auto rebuilt =
    projections::rebuild_all(db.owner_url(), models, catalog, {}, 37);
  ASSERT_EQ(rebuilt.size(), models.size());
  for (std::size_t i = 0; i < models.size(); ++i) {
    const auto& m = models[i];
    ASSERT_TRUE(rebuilt[i]) << rebuilt[i].error().message;
    auto fresh = snapshot(db.app_url(), m.schema);
    ASSERT_EQ(fresh.size(), live[m.name].size()) << m.name;
    for (const auto& [table, r] : live[m.name])
      EXPECT_EQ(fresh[table], r) << m.name << "." << table << " differs";
    // Every index is back, under its name, those built late included.
    EXPECT_EQ(indexes(db.app_url(), m.schema), live_indexes[m.name]) << m.name;
  }
}

TEST_F(equivalence, every_model_can_be_rebuilt_and_names_indexes_it_has) {
  // A misspelt name in `indexes_for_apply` would make rebuilds keep every
  // index up to date row by row: slow, and nothing else would notice.
  pqxx::connection conn{db.app_url()};
  pqxx::read_transaction txn{conn};
  for (const auto& m : projections::all_models(catalog)) {
    EXPECT_FALSE(m.schema.empty()) << m.name << " cannot be rebuilt";
    for (const auto& index : m.indexes_for_apply)
      EXPECT_EQ(txn
                  .exec_params1("SELECT count(*) FROM pg_indexes"
                                " WHERE schemaname = $1 AND indexname = $2",
                                m.schema, index)[0]
                  .as<int>(),
                1)
        << m.name << " names index " << index;
  }
}

TEST_F(equivalence, a_runner_killed_mid_batch_leaves_nothing_half_applied) {
  history_writer writer{log, 99};
  for (int t = 0; t < 3; ++t)
    writer.tenant();
  for (int i = 0; i < 400; ++i)
    writer.step();
  auto models = projections::all_models(catalog);
  for (const auto& m : models) {
    if (m.schema.empty())
      continue;
    SCOPED_TRACE(m.name);
    for (int kill_after_ms : {5, 40, 150}) {
      auto pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        // The child applies small batches until it is killed.
        projection_runner child{db.app_url(), m, catalog};
        for (;;)
          (void)child.run_batch(3);
      }
      usleep(static_cast<useconds_t>(kill_after_ms) * 1000);
      kill(pid, SIGKILL);
      int status = 0;
      waitpid(pid, &status, 0);
    }
    // A new runner carries on from wherever the killed ones committed.
    projection_runner after{db.app_url(), m, catalog};
    catch_up(after, 17);
    auto resumed = snapshot(db.app_url(), m.schema);
    auto rebuilt = projections::rebuild(db.owner_url(), m, catalog);
    ASSERT_TRUE(rebuilt) << rebuilt.error().message;
    EXPECT_EQ(snapshot(db.app_url(), m.schema), resumed);
  }
}

} // namespace
