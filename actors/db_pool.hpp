#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <pqxx/connection>

/// A pool of detached workers, each owning one PostgreSQL connection, for
/// the short queries of the HTTP edge (sessions, magic links, the directory)
/// so that no scheduler thread blocks on libpq.
///
/// Accepts `(db_job)`; runs it with the worker's connection and replies
/// `caf::ok_atom`, or a larder `unavailable` error when the database cannot
/// be reached or the job throws (the exception's text is logged, never
/// returned). A job reports its result through what it captured.
namespace larder {

struct db_job {
  std::function<void(pqxx::connection&)> run;
};

caf::actor spawn_db_pool(caf::actor_system& sys, std::string database_url,
                         std::size_t workers);

} // namespace larder

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::db_job)
