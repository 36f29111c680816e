#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <caf/actor.hpp>

#include "actors/store_writer.hpp"
#include "events/catalog.hpp"

/// The light part of the entity shell (actors/entity_actor.hpp): what callers
/// of a registry need, without the templates.
namespace larder {

/// The answer to a command: the entity after it, its stream version, and the
/// global position of the last event the command appended (0 when it
/// appended nothing), for read-your-writes. The state is the entity
/// actor's own, shared rather than copied (an invoice with its lines was
/// copied twice a command, 4-5% of the server's CPU under commands); the
/// actor copies it before changing it while a reply still holds it.
template <class Entity>
struct entity_reply {
  std::shared_ptr<const typename Entity::state> state;
  std::int64_t version = 0;
  std::int64_t last_position = 0;
};

/// What the shells need from the rest of the system.
struct entity_services {
  store_writer_actor writer;
  caf::actor readers;
  std::shared_ptr<const events::catalog> catalog;
  std::chrono::milliseconds timeout{10000};
};

/// Registry limits.
struct registry_options {
  /// Actors idle this long are passivated (their state is in the store).
  std::chrono::milliseconds idle_after{std::chrono::minutes(5)};
  /// At most this many actors alive; the least recently used go first.
  std::size_t max_alive = 10000;
};

} // namespace larder
