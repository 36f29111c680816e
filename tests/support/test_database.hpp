#pragma once

#include <string>

#include <pqxx/connection>
#include <pqxx/notification>

#include "events/envelope.hpp"
#include "events/event_store.hpp"

namespace larder::testing {

/// A fresh database on the test cluster, migrated, dropped on destruction.
/// The cluster comes from LARDER_TEST_PG, a libpq "host=… port=…" prefix
/// that `./dev test` exports; its roles are postgres (superuser),
/// larder_owner (migrations) and larder_app (the server).
class test_database {
 public:
  test_database();
  ~test_database();

  test_database(const test_database&) = delete;
  test_database& operator=(const test_database&) = delete;

  /// libpq connection strings of the three roles for this database.
  std::string app_url() const;
  std::string owner_url() const;
  std::string superuser_url() const;

  const std::string& name() const {
    return name_;
  }

 private:
  std::string url_for(const char* role) const;
  std::string superuser_url_for_db(const std::string& db) const;

  std::string prefix_;
  std::string name_;
};

/// An append request of `count` small events to a new or existing stream.
events::append_request
make_append(const std::string& stream_id, const events::uuid& tenant,
            std::int64_t expected_version, const events::hash_bytes& head,
            std::size_t count = 1, const std::string& payload = R"({"n":1})");

/// Listens on the event store's wake-up channel of `conn` and counts what
/// arrives (`conn.await_notification` delivers).
struct wake_up_counter : pqxx::notification_receiver {
  explicit wake_up_counter(pqxx::connection& conn)
    : pqxx::notification_receiver(conn, events::event_store::notify_channel) {}
  void operator()(const std::string&, int) override {
    ++count;
  }
  int count = 0;
};

} // namespace larder::testing
