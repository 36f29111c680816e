#include "events/migrations.hpp"

#include <charconv>
#include <map>
#include <set>

#include <pqxx/pqxx>

#include "events/crypto.hpp"

namespace larder::events {

namespace {

constexpr auto create_table_sql = R"sql(
CREATE TABLE IF NOT EXISTS public.larder_migrations (
  version    int PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";

constexpr auto select_applied_sql =
  "SELECT version, name, checksum FROM public.larder_migrations";

constexpr auto insert_applied_sql =
  "INSERT INTO public.larder_migrations (version, name, checksum) "
  "VALUES ($1, $2, $3)";

/// Any constant shared by all larder nodes; identifies the migration lock.
constexpr auto advisory_lock_sql = "SELECT pg_advisory_lock(7310023001)";
constexpr auto advisory_unlock_sql = "SELECT pg_advisory_unlock(7310023001)";

int version_of(std::string_view name) {
  int version = 0;
  auto [end, ec] =
    std::from_chars(name.data(), name.data() + name.size(), version);
  if (ec != std::errc{} || end == name.data() || *end != '_')
    return -1;
  return version;
}

} // namespace

expected<migration_report>
migrate(const std::string& url, const std::vector<migration_source>& sources) {
  migration_report report;
  try {
    pqxx::connection conn{url};
    pqxx::nontransaction{conn}.exec(advisory_lock_sql);
    {
      pqxx::work txn{conn};
      txn.exec(create_table_sql);
      txn.commit();
    }
    std::map<int, std::pair<std::string, std::string>> applied;
    {
      pqxx::read_transaction txn{conn};
      for (const auto& row : txn.exec(select_applied_sql))
        applied[row[0].as<int>()] = {row[1].as<std::string>(),
                                     row[2].as<std::string>()};
    }
    int previous = 0;
    for (const auto& src : sources) {
      int version = version_of(src.name);
      if (version <= previous)
        return make_error(errc::invalid_argument,
                          "migration " + std::string{src.name}
                            + " must start with a number greater than the "
                              "one before it, followed by '_'");
      previous = version;
      auto checksum = to_hex(sha256({src.sql}));
      if (auto i = applied.find(version); i != applied.end()) {
        if (i->second.second != checksum)
          return make_error(errc::conflict,
                            "migration " + std::string{src.name}
                              + " was changed after it was applied; add a "
                                "new migration instead of editing it");
        ++report.already_applied;
        continue;
      }
      pqxx::work txn{conn};
      txn.exec(std::string{src.sql});
      txn.exec_params(insert_applied_sql, version, std::string{src.name},
                      checksum);
      txn.commit();
      report.applied.emplace_back(src.name);
    }
    pqxx::nontransaction{conn}.exec(advisory_unlock_sql);
  } catch (const pqxx::broken_connection& e) {
    return make_error(errc::unavailable,
                      std::string{"cannot reach PostgreSQL: "} + e.what());
  } catch (const pqxx::sql_error& e) {
    return make_error(errc::invalid_argument,
                      std::string{"migration failed: "} + e.what());
  }
  return report;
}

expected<std::vector<std::string>> pending_migrations(const std::string& url) {
  std::vector<std::string> pending;
  try {
    pqxx::connection conn{url};
    pqxx::read_transaction txn{conn};
    auto exists = txn.exec1("SELECT to_regclass('public.larder_migrations')");
    std::set<int> applied;
    if (!exists[0].is_null())
      for (const auto& row : txn.exec(select_applied_sql))
        applied.insert(row[0].as<int>());
    for (const auto& src : embedded_migrations())
      if (!applied.contains(version_of(src.name)))
        pending.emplace_back(src.name);
  } catch (const pqxx::broken_connection& e) {
    return make_error(errc::unavailable,
                      std::string{"cannot reach PostgreSQL: "} + e.what());
  } catch (const pqxx::sql_error& e) {
    return make_error(errc::unavailable,
                      std::string{"cannot read the schema version: "}
                        + e.what());
  }
  return pending;
}

} // namespace larder::events
