#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "events/catalog.hpp"
#include "events/error.hpp"
#include "projections/runner.hpp"

/// Operating read models from the command line (`larder projections
/// status|rebuild`): where each stands, and rebuilding one from the whole
/// log while the old tables keep serving. No CAF.
namespace larder::projections {

/// A read model's checkpoint as the database holds it.
struct projection_report {
  std::string name;
  std::int64_t last_position = 0;
  /// Events after the checkpoint (counted up to a cap of 1,000,000).
  std::int64_t lag_events = 0;
  /// How long the oldest event not yet applied has waited; 0 when none.
  double lag_seconds = 0;
  /// RFC 3339 UTC; empty before the first batch.
  std::string updated_at;
  /// Why its last batch failed; empty while healthy.
  std::string last_error;
};

/// The reports of `names`, in that order. A model that never ran reports
/// position 0 and the whole log as its lag.
expected<std::vector<projection_report>>
projection_reports(const std::string& database_url,
                   const std::vector<std::string>& names);

/// The steps of one model's rebuild after it has loaded the log, each
/// reported as it begins (`rebuild_progress::step`).
enum class rebuild_step : std::uint8_t {
  /// Running the model's `settle` over its loaded copy.
  settling,
  /// Building the indexes left out while loading, and statistics.
  indexing,
  /// Caught up and indexed: swapping the copy in.
  swapping,
};

/// What a rebuild tells as it goes, so that a person watching knows what
/// it is doing. Both optional; called from the rebuild's threads, `step`
/// from several at once (one per model).
struct rebuild_progress {
  /// How many events of the log have been read so far, after each batch.
  std::function<void(std::int64_t)> read;
  /// `model` begins `step`.
  std::function<void(const std::string& model, rebuild_step step)> step;
};

struct rebuild_report {
  std::string name;
  std::int64_t events = 0;
  double seconds = 0;
};

/// Rebuilds `model` from the start of the log into a fresh copy of its
/// schema (`<schema>_rebuild`: every table copied empty with its columns,
/// defaults, constraints and grants, every index under its live name),
/// while the live tables keep serving queries and the live runner keeps
/// applying. The copy is filled without the indexes that `apply` does not
/// look rows up by (`read_model::indexes_for_apply`); they are built, and
/// the copy analyzed, once it has caught up. Then one transaction locks the
/// live checkpoint (pausing the live runner), lets the copy apply whatever
/// is left, renames the schemas, moves the live checkpoint to the copy's
/// position and drops the old tables: readers see the old tables or the
/// new, never a mix. A rebuild that fails drops its copy.
///
/// Needs the owner's URL (`LARDER_MIGRATE_URL`): it creates and renames
/// schemas. Only models with a `schema` can be rebuilt.
expected<rebuild_report> rebuild(const std::string& owner_url, read_model model,
                                 std::shared_ptr<const events::catalog> catalog,
                                 rebuild_progress progress = {},
                                 std::size_t batch = 5000);

/// `rebuild` of several models at once, reading the log once for all of
/// them: one thread streams the log (`event_store::scan_log`) in batches of
/// `batch` events to one thread per model, each applying on its own
/// connection, so the models are applied in parallel and no model waits
/// for its own reads. Each model then reads what arrived meanwhile by
/// itself and swaps its copy in when it is ready. A model that fails (a
/// poison event, say) fails alone; the others are rebuilt. Results are in
/// the order of `models`.
std::vector<expected<rebuild_report>>
rebuild_all(const std::string& owner_url, std::vector<read_model> models,
            std::shared_ptr<const events::catalog> catalog,
            rebuild_progress progress = {}, std::size_t batch = 5000);

} // namespace larder::projections
