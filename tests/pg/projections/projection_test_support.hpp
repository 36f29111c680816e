#pragma once

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "actors/invoice/invoice.hpp"
#include "actors/platform/platform.hpp"
#include "actors/tenant/tenant.hpp"
#include "actors/user/user.hpp"
#include "events/event_store.hpp"
#include "projections/exports/exports.hpp"
#include "projections/runner.hpp"

/// What the projection tests share: writing domain events the way entity
/// actors do, and running a projection until it has caught up.
namespace larder::testing {

/// Appends domain events to their streams, keeping each stream's version
/// and head hash as an entity actor would.
class domain_log {
 public:
  explicit domain_log(const std::string& url) : store_(url) {}

  template <class Entity>
  events::append_result append(const std::string& stream_id,
                               const events::uuid& tenant,
                               const std::vector<typename Entity::event>& evs) {
    auto& head = heads_[stream_id];
    events::append_request req;
    req.stream_id = stream_id;
    req.tenant_id = tenant;
    req.stream_type = Entity::stream_type;
    req.expected_version = head.version;
    req.expected_head = head.hash;
    req.metadata.actor_id = "test";
    req.metadata.source = "test";
    for (const auto& e : evs)
      req.events.push_back(Entity::encode(e));
    auto res = store_.append(req);
    if (!res)
      throw std::runtime_error("append to " + stream_id
                               + " failed: " + res.error().message);
    head = {res->version, res->head};
    return *res;
  }

  events::append_result tenant(const events::uuid& id,
                               const std::vector<domain::tenant_event>& evs) {
    return append<domain::tenant_entity>(
      domain::stream_id(domain::tenant_entity::stream_type, id), id, evs);
  }

  events::append_result user(const events::uuid& id,
                             const std::vector<domain::user_event>& evs) {
    return append<domain::user_entity>(
      domain::stream_id(domain::user_entity::stream_type, id),
      domain::platform_tenant_id, evs);
  }

  events::append_result invoice(const events::uuid& tenant,
                                const events::uuid& id,
                                const std::vector<domain::invoice_event>& evs) {
    return append<domain::invoice_entity>(
      domain::stream_id(domain::invoice_entity::stream_type, id), tenant, evs);
  }

  /// A new stream of `type` holding `evs` (an export's record).
  events::append_result create(const std::string& stream_id,
                               const events::uuid& tenant,
                               const std::string& type,
                               std::vector<events::new_event> evs) {
    events::append_request req;
    req.stream_id = stream_id;
    req.tenant_id = tenant;
    req.stream_type = type;
    req.metadata.actor_id = "test";
    req.metadata.source = "test";
    req.events = std::move(evs);
    auto res = store_.append(req);
    if (!res)
      throw std::runtime_error("append to " + stream_id
                               + " failed: " + res.error().message);
    return *res;
  }

  events::event_store& store() {
    return store_;
  }

 private:
  struct stream_head {
    std::int64_t version = 0;
    events::hash_bytes hash = events::genesis_hash;
  };

  events::event_store store_;
  std::map<std::string, stream_head> heads_;
};

/// The catalogue of the tenant, user and platform events.
inline std::shared_ptr<events::catalog> directory_catalog() {
  auto catalog = std::make_shared<events::catalog>();
  domain::tenant_entity::register_events(*catalog);
  domain::user_entity::register_events(*catalog);
  domain::platform_entity::register_events(*catalog);
  return catalog;
}

/// The catalogue of every entity's events.
inline std::shared_ptr<events::catalog> full_catalog() {
  auto catalog = directory_catalog();
  domain::invoice_entity::register_events(*catalog);
  projections::exports::register_export_events(*catalog);
  return catalog;
}

/// Runs batches until nothing is left after the checkpoint. The fence is
/// cluster-wide, so a test writing in another database may hold it back
/// for a moment: the loop waits for that, up to a deadline, as the
/// projection actor would.
inline void catch_up(projections::projection_runner& runner,
                     std::size_t limit = 100) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto consumed = runner.run_batch(limit);
    ASSERT_TRUE(consumed) << consumed.error().message;
    auto left = runner.backlog();
    ASSERT_TRUE(left) << left.error().message;
    if (*left == 0)
      return;
    if (*consumed == 0) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
        << "the projection never caught up: " << *left << " events behind";
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

/// Waits until the fence has let through every event in the log. From then
/// on no transaction can hold those events back (any transaction that
/// starts has a newer id), so a reader that must see them all at once (a
/// rebuild's shared read) does, whatever the test binaries sharing the
/// cluster are doing.
inline void wait_for_fence(const std::string& url) {
  pqxx::connection conn{url};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto passed = pqxx::nontransaction{conn}
                    .exec1("SELECT coalesce(max(transaction_id)"
                           "  < pg_snapshot_xmin(pg_current_snapshot()), true)"
                           " FROM es.events")[0]
                    .as<bool>();
    if (passed)
      return;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline)
      << "the fence never passed the log's last event";
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

} // namespace larder::testing
