#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include "actors/extraction_manager.hpp"
#include "actors/store_writer.hpp"
#include "app/config.hpp"
#include "events/error.hpp"
#include "http/edge.hpp"
#include "http/server.hpp"

/// The running server: store writer, readers, registries, projections, the
/// HTTP edge and its broker, started in dependency order and stopped in the
/// reverse order. `larder serve` runs one; the HTTP tests run one in
/// process on port 0.
namespace larder::app {

/// The edge's and the broker's options as the configuration sets them.
http::edge_options edge_options_from(const config& cfg);
http::server_options server_options_from(const config& cfg);
extraction_options extraction_options_from(const config& cfg);

class runtime {
 public:
  /// Starts everything; `unavailable` when the HTTP address cannot be
  /// bound.
  static expected<std::unique_ptr<runtime>> start(caf::actor_system& sys,
                                                  const config& cfg,
                                                  http::edge_options edge,
                                                  http::server_options server);

  ~runtime();
  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  std::uint16_t port() const noexcept {
    return port_;
  }

  const http::edge_services& services() const noexcept {
    return services_;
  }

  /// Stops accepting, lets in-flight requests finish, then stops every
  /// actor in order. Idempotent.
  void stop();

  /// Stops the projections alone, for good: the read models stay where
  /// they are while commands go on being stored. Only for measuring what
  /// the command path costs without them (`./dev bench http`); queries
  /// that wait for a position, and `/ready`, fail afterwards.
  void stop_projections();

 private:
  explicit runtime(caf::actor_system& sys) : sys_(sys) {}

  caf::actor_system& sys_;
  store_writer_actor writer_;
  caf::actor readers_;
  /// Reads the log for the models in `projections_`.
  caf::actor projection_tail_;
  std::vector<caf::actor> projections_;
  http::edge_services services_;
  caf::actor edge_;
  caf::actor extraction_;
  caf::actor broker_;
  std::uint16_t port_ = 0;
  bool stopped_ = false;
};

} // namespace larder::app
