#pragma once

#include <cstddef>
#include <string>

#include <caf/fwd.hpp>

#include "actors/type_ids.hpp"

namespace larder {

/// A pool of detached readers, each owning one connection, that load
/// streams for entity actors so that no scheduler thread blocks on libpq.
/// Accepts `(read_atom, std::string stream_id, std::int64_t from_version)`
/// and replies `std::vector<events::recorded_event>` or a larder error
/// (`unavailable` when the database is). Requests are spread round-robin.
caf::actor spawn_reader_pool(caf::actor_system& sys, std::string database_url,
                             std::size_t readers);

} // namespace larder
