#include "tests/support/test_database.hpp"

#include <atomic>
#include <cstdlib>
#include <stdexcept>

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <unistd.h>

#include "events/migrations.hpp"

namespace larder::testing {

namespace {

std::string cluster_prefix() {
  const char* prefix = std::getenv("LARDER_TEST_PG");
  if (prefix == nullptr || *prefix == 0)
    throw std::runtime_error(
      "LARDER_TEST_PG is not set: run the PostgreSQL tests through "
      "'./dev test', which starts a throwaway cluster");
  return prefix;
}

} // namespace

test_database::test_database() : prefix_(cluster_prefix()) {
  static std::atomic<int> counter{0};
  name_ = "larder_test_" + std::to_string(::getpid()) + "_"
          + std::to_string(counter++);
  pqxx::connection admin{superuser_url_for_db("postgres")};
  pqxx::nontransaction{admin}.exec("DROP DATABASE IF EXISTS " + name_);
  pqxx::nontransaction{admin}.exec("CREATE DATABASE " + name_
                                   + " OWNER larder_owner");
  auto report = events::migrate(owner_url());
  if (!report)
    throw std::runtime_error("migrating the test database failed: "
                             + report.error().message);
}

test_database::~test_database() {
  try {
    pqxx::connection admin{superuser_url_for_db("postgres")};
    pqxx::nontransaction{admin}.exec("DROP DATABASE IF EXISTS " + name_
                                     + " WITH (FORCE)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "could not drop " << name_ << ": " << e.what();
  }
}

std::string test_database::superuser_url_for_db(const std::string& db) const {
  return prefix_ + " user=postgres dbname=" + db;
}

std::string test_database::url_for(const char* role) const {
  return prefix_ + " user=" + role + " dbname=" + name_;
}

std::string test_database::app_url() const {
  return url_for("larder_app");
}

std::string test_database::owner_url() const {
  return url_for("larder_owner");
}

std::string test_database::superuser_url() const {
  return url_for("postgres");
}

events::append_request
make_append(const std::string& stream_id, const events::uuid& tenant,
            std::int64_t expected_version, const events::hash_bytes& head,
            std::size_t count, const std::string& payload) {
  events::append_request req;
  req.stream_id = stream_id;
  req.tenant_id = tenant;
  req.stream_type = stream_id.substr(0, stream_id.find('-'));
  req.expected_version = expected_version;
  req.expected_head = head;
  req.metadata.actor = events::actor_kind::system;
  req.metadata.actor_id = "test";
  req.metadata.source = "test";
  for (std::size_t i = 0; i < count; ++i)
    req.events.push_back({events::uuid::make_v7(), "TestHappened", 1, payload});
  return req;
}

} // namespace larder::testing
