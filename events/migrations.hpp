#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"

namespace larder::events {

/// One `schema/NNN_name.sql` file: its name without extension and its text.
struct migration_source {
  std::string_view name;
  std::string_view sql;
};

/// The schema files compiled into this binary, in order.
const std::vector<migration_source>& embedded_migrations();

struct migration_report {
  std::vector<std::string> applied;
  std::size_t already_applied = 0;
};

/// Applies every migration not yet recorded in `public.larder_migrations`,
/// in order, each in its own transaction, under an advisory lock so that two
/// nodes starting at once do not race. A recorded migration whose text has
/// changed since (checksum mismatch) is an error: history is never silently
/// re-run. `url` is a libpq URL of the owner role.
expected<migration_report>
migrate(const std::string& url,
        const std::vector<migration_source>& sources = embedded_migrations());

} // namespace larder::events

namespace larder::events {

/// The names of embedded migrations the database at `url` has not applied
/// (any role that may read `public.larder_migrations`). The server refuses
/// to start on a schema older than itself.
expected<std::vector<std::string>> pending_migrations(const std::string& url);

} // namespace larder::events
