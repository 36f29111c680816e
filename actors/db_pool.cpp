#include "actors/db_pool.hpp"

#include <memory>

#include <caf/actor_pool.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/type_ids.hpp"
#include "projections/sql.hpp"

namespace larder {

namespace {

struct db_worker_state {
  static inline const char* name = "larder.db";
  std::string url;
  std::unique_ptr<pqxx::connection> conn;
};

caf::behavior db_worker(caf::stateful_actor<db_worker_state>* self,
                        std::string url) {
  self->state.url = std::move(url);
  return {
    [self](db_job& job) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      try {
        if (!st.conn || !st.conn->is_open()) {
          st.conn = std::make_unique<pqxx::connection>(st.url);
          projections::prepare_query_session(*st.conn);
        }
        job.run(*st.conn);
        return caf::ok_atom_v;
      } catch (const pqxx::broken_connection& e) {
        st.conn.reset();
        spdlog::warn("database connection lost: {}", e.what());
      } catch (const std::exception& e) {
        spdlog::error("database query failed: {}", e.what());
      }
      return to_caf_error(
        {errc::unavailable, "the database is unavailable; try again"});
    },
  };
}

} // namespace

caf::actor spawn_db_pool(caf::actor_system& sys, std::string database_url,
                         std::size_t workers) {
  auto factory = [&sys, database_url] {
    return sys.spawn<caf::detached>(db_worker, database_url);
  };
  return caf::actor_pool::make(sys.dummy_execution_unit(),
                               std::max<std::size_t>(1, workers), factory,
                               caf::actor_pool::round_robin());
}

} // namespace larder
