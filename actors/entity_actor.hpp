#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/domain.hpp"
#include "actors/entity_types.hpp"
#include "actors/errors.hpp"
#include "actors/store_writer.hpp"
#include "actors/type_ids.hpp"
#include "events/catalog.hpp"

/// The CAF shell around a pure entity module (actors/domain.hpp): one actor
/// per stream that loads its events, decides one command at a time, appends
/// through the store writer and answers only after the commit; and the
/// registry that finds, spawns, passivates and caps those actors.
///
/// Included only by the `<entity>_actor.cpp` files that instantiate it, so
/// the template weight stays out of everything else.
namespace larder {

/// Whether `cmd` can only succeed on a stream that does not exist yet (an
/// invoice's receive_document with a fresh id). The registry then spawns the
/// actor without reading the stream first: if the stream does exist after
/// all, the append at version 0 conflicts, the actor loads the stream and
/// decides again, so the answer is the same, one database read cheaper in
/// the common case. Specialize next to the registry's instantiation.
template <class Entity>
struct creates_stream {
  static bool test(const typename Entity::command&) {
    return false;
  }
};

namespace detail {

template <class Entity>
struct entity_actor_state {
  static inline const char* name = "larder.entity";

  using state_type = typename Entity::state;

  entity_services services;
  std::string stream_id;
  /// Shared with the replies that carry it (`entity_reply`), never changed
  /// while one of them still holds it: `own` copies it first then.
  std::shared_ptr<state_type> state = std::make_shared<state_type>();
  std::int64_t version = 0;
  events::hash_bytes head = events::genesis_hash;
  /// What the first command with an idempotency key appended.
  struct first_outcome {
    /// The global position of its last event.
    std::int64_t position = 0;
    /// The request it came from (`event_metadata::request_hash`).
    std::string request_hash;
  };
  /// Idempotency key → its first outcome. Rebuilt from metadata.
  std::unordered_map<std::string, first_outcome> idempotent;

  /// The state, to change: copied first if a reply still shares it. A
  /// command's reply is usually read and dropped before the next command,
  /// so the copy is rare; that a reply alone held it is seen through the
  /// count, which the other holder dropped with a release.
  state_type& own() {
    if (state.use_count() != 1)
      state = std::make_shared<state_type>(std::as_const(*state));
    else
      std::atomic_thread_fence(std::memory_order_acquire);
    return *state;
  }

  /// The state as a reply carries it.
  std::shared_ptr<const state_type> shared() const {
    return state;
  }

  /// Applies stored events; false (with `error`) on one that cannot be
  /// decoded: the actor then refuses to serve a stream it cannot read.
  bool fold(std::vector<events::recorded_event>& events, larder::error& err) {
    for (auto& ev : events) {
      if (ev.env.stream_version != version + 1) {
        err = {errc::unavailable, "stream " + stream_id + " skipped a version"};
        return false;
      }
      auto meta = events::decode_metadata(ev.env.metadata);
      if (meta && !meta->idempotency_key.empty())
        idempotent[meta->idempotency_key] = {ev.global_position,
                                             std::move(meta->request_hash)};
      auto upcast = services.catalog->upcast(ev.env);
      if (!upcast) {
        err = upcast.error();
        return false;
      }
      auto decoded = Entity::decode(ev.env);
      if (!decoded) {
        err = decoded.error();
        return false;
      }
      auto& now = own();
      now = Entity::evolve(std::move(now), *decoded);
      version = ev.env.stream_version;
      head = ev.hash;
    }
    return true;
  }
};

template <class Entity>
using entity_pointer = caf::stateful_actor<entity_actor_state<Entity>>*;

template <class Entity>
void handle_command(entity_pointer<Entity> self,
                    std::shared_ptr<typename Entity::command> cmd,
                    std::shared_ptr<domain::command_context> ctx,
                    caf::response_promise rp, bool may_retry) {
  auto& st = self->state;
  // Another tenant's stream is not there, whatever key comes with the
  // command: a key its sender used there before they left tells nothing.
  if (st.state->exists && st.state->tenant_id != ctx->tenant_id) {
    rp.deliver(to_caf_error(
      {errc::not_found, "no such " + std::string{Entity::stream_type}}));
    return;
  }
  const auto& key = ctx->meta.idempotency_key;
  if (!key.empty()) {
    if (auto i = st.idempotent.find(key); i != st.idempotent.end()) {
      // A key sent again with another request is a client's mistake: acting
      // would break the promise of the key, answering would tell it the
      // second request was done.
      const auto& first = i->second.request_hash;
      if (!first.empty() && first != ctx->meta.request_hash) {
        rp.deliver(to_caf_error(
          {errc::invalid_argument,
           "this Idempotency-Key was used for another request; send a new "
           "key for a new request"}));
        return;
      }
      rp.deliver(
        entity_reply<Entity>{st.shared(), st.version, i->second.position});
      return;
    }
  }
  auto decided = Entity::decide(*st.state, *cmd, *ctx);
  if (!decided) {
    rp.deliver(to_caf_error(decided.error()));
    return;
  }
  if (decided->empty()) {
    rp.deliver(entity_reply<Entity>{st.shared(), st.version, 0});
    return;
  }
  events::append_request req;
  req.stream_id = st.stream_id;
  req.stream_type = Entity::stream_type;
  req.expected_version = st.version;
  req.expected_head = st.head;
  req.metadata = ctx->meta;
  for (const auto& ev : *decided)
    req.events.push_back(Entity::encode(ev));
  // A stream's tenant never changes; a new stream takes it from the event
  // that creates it (evolving an empty state costs next to nothing).
  if (st.state->exists) {
    req.tenant_id = st.state->tenant_id;
  } else {
    auto fresh = *st.state;
    for (const auto& ev : *decided)
      fresh = Entity::evolve(std::move(fresh), ev);
    req.tenant_id = fresh.tenant_id;
  }
  // The events are applied once they are stored, to the state itself
  // rather than a copy made beforehand: nothing else reads it meanwhile.
  auto applied =
    std::make_shared<std::decay_t<decltype(*decided)>>(std::move(*decided));
  // await: no other command of this stream runs until this one is answered.
  // No timeout of our own: the writer answers every append, within its
  // commit timeout at worst, and a CAF request timeout costs a clock entry
  // that lives (and fires) for its whole duration even once answered; at
  // thousands of appends per second that clock was 6% of the CPU.
  self
    ->request(caf::actor_cast<caf::actor>(st.services.writer), caf::infinite,
              append_atom_v, std::move(req))
    .await(
      [self, rp, applied, key, request_hash = ctx->meta.request_hash](
        const events::append_result& res) mutable {
        auto& st = self->state;
        auto& now = st.own();
        for (const auto& ev : *applied)
          now = Entity::evolve(std::move(now), ev);
        st.version = res.version;
        st.head = res.head;
        if (!key.empty())
          st.idempotent[key] = {res.last_position, request_hash};
        rp.deliver(
          entity_reply<Entity>{st.shared(), st.version, res.last_position});
      },
      [self, rp, cmd, ctx, may_retry](const caf::error& e) mutable {
        auto err = from_caf_error(e);
        if (err.code != errc::conflict || !may_retry) {
          rp.deliver(to_caf_error(err));
          return;
        }
        // Another node wrote first: load what it wrote, decide once more.
        auto& st = self->state;
        self
          ->request(st.services.readers, st.services.timeout, read_atom_v,
                    st.stream_id, st.version + 1)
          .await(
            [self, rp, cmd,
             ctx](std::vector<events::recorded_event>& evs) mutable {
              larder::error fold_error;
              if (!self->state.fold(evs, fold_error)) {
                rp.deliver(to_caf_error(fold_error));
                self->quit();
                return;
              }
              handle_command<Entity>(self, cmd, ctx, rp, false);
            },
            [rp](const caf::error& e) mutable {
              rp.deliver(e);
            });
      });
}

template <class Entity>
caf::behavior entity_behavior(entity_pointer<Entity> self) {
  return {
    [self](command_atom, const std::string&, typename Entity::command& cmd,
           domain::command_context& ctx) {
      auto rp = self->make_response_promise();
      handle_command<Entity>(
        self, std::make_shared<typename Entity::command>(std::move(cmd)),
        std::make_shared<domain::command_context>(std::move(ctx)), rp, true);
      return rp;
    },
    [self](
      caf::get_atom, const std::string&,
      const domain::command_context& ctx) -> caf::result<entity_reply<Entity>> {
      auto& st = self->state;
      if (st.state->exists && st.state->tenant_id != ctx.tenant_id)
        return to_caf_error(
          {errc::not_found, "no such " + std::string{Entity::stream_type}});
      return entity_reply<Entity>{st.shared(), st.version, 0};
    },
    [self](passivate_atom) {
      self->quit();
    },
  };
}

template <class Entity>
caf::behavior entity_actor(entity_pointer<Entity> self, std::string stream_id,
                           entity_services services, bool fresh) {
  auto& st = self->state;
  st.stream_id = std::move(stream_id);
  st.services = std::move(services);
  if (fresh)
    return entity_behavior<Entity>(self);
  // Load before anything else: await keeps commands in the mailbox.
  self
    ->request(st.services.readers, st.services.timeout, read_atom_v,
              st.stream_id, std::int64_t{1})
    .await(
      [self](std::vector<events::recorded_event>& evs) {
        larder::error err;
        if (!self->state.fold(evs, err)) {
          spdlog::error("cannot load {}: {}", self->state.stream_id,
                        err.message);
          self->quit(to_caf_error(err));
        }
      },
      [self](const caf::error& e) {
        self->quit(e);
      });
  return entity_behavior<Entity>(self);
}

} // namespace detail

namespace detail {

template <class Entity>
struct registry_state {
  static inline const char* name = "larder.registry";

  struct entry {
    std::string stream_id;
    caf::actor actor;
    std::chrono::steady_clock::time_point last_used;
  };

  entity_services services;
  registry_options options;
  /// Most recently used first.
  std::list<entry> lru;
  std::unordered_map<std::string, typename std::list<entry>::iterator> index;
  std::uint64_t spawned = 0;
};

template <class Entity>
using registry_pointer = caf::stateful_actor<registry_state<Entity>>*;

/// The live actor of `stream_id`, spawned (and loading) if there is none.
template <class Entity>
caf::actor find_or_spawn(registry_pointer<Entity> self,
                         const std::string& stream_id, bool fresh) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  if (auto i = st.index.find(stream_id); i != st.index.end()) {
    i->second->last_used = now;
    st.lru.splice(st.lru.begin(), st.lru, i->second);
    return i->second->actor;
  }
  auto target =
    self->spawn(entity_actor<Entity>, stream_id, st.services, fresh);
  self->monitor(target);
  ++st.spawned;
  st.lru.push_front({stream_id, target, now});
  st.index[stream_id] = st.lru.begin();
  while (st.lru.size() > st.options.max_alive) {
    auto& oldest = st.lru.back();
    self->send(oldest.actor, passivate_atom_v);
    self->demonitor(oldest.actor);
    st.index.erase(oldest.stream_id);
    st.lru.pop_back();
  }
  return target;
}

/// Idle actors passivated per message: a sweep that finds more sends
/// itself the rest, so commands queued meanwhile are not held up behind
/// hundreds of passivations (and their actors' clean-up) at once.
inline constexpr std::size_t sweep_chunk = 64;

/// Passivates up to `sweep_chunk` of the actors idle for `idle_after`.
template <class Entity>
void sweep_some(registry_pointer<Entity> self) {
  auto& st = self->state;
  auto cutoff = std::chrono::steady_clock::now() - st.options.idle_after;
  for (std::size_t n = 0; !st.lru.empty() && st.lru.back().last_used < cutoff;
       ++n) {
    if (n == sweep_chunk) {
      self->send(self, sweep_atom_v, true);
      return;
    }
    auto& oldest = st.lru.back();
    self->send(oldest.actor, passivate_atom_v);
    self->demonitor(oldest.actor);
    st.index.erase(oldest.stream_id);
    st.lru.pop_back();
  }
}

template <class Entity>
caf::behavior registry(registry_pointer<Entity> self, entity_services services,
                       registry_options options) {
  self->state.services = std::move(services);
  self->state.options = options;
  self->set_down_handler([self](const caf::down_msg& msg) {
    auto& st = self->state;
    for (auto i = st.lru.begin(); i != st.lru.end(); ++i)
      if (i->actor.address() == msg.source) {
        st.index.erase(i->stream_id);
        st.lru.erase(i);
        return;
      }
  });
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    // Entity actors hold no unsaved state: stop them with the registry.
    for (auto& e : self->state.lru)
      self->send_exit(e.actor, msg.reason);
    self->quit(msg.reason);
  });
  auto sweep_every =
    std::max(options.idle_after / 4, std::chrono::milliseconds(10));
  self->delayed_send(self, sweep_every, sweep_atom_v);
  return {
    [self](command_atom, const std::string& stream_id,
           typename Entity::command& cmd, domain::command_context& ctx) {
      auto target =
        find_or_spawn(self, stream_id, creates_stream<Entity>::test(cmd));
      return self->delegate(target, command_atom_v, stream_id, std::move(cmd),
                            std::move(ctx));
    },
    [self](caf::get_atom, const std::string& stream_id,
           domain::command_context& ctx) {
      auto target = find_or_spawn(self, stream_id, false);
      return self->delegate(target, caf::get_atom_v, stream_id, std::move(ctx));
    },
    [self, sweep_every](sweep_atom) {
      sweep_some(self);
      self->delayed_send(self, sweep_every, sweep_atom_v);
    },
    [self](sweep_atom, bool) {
      sweep_some(self); // the rest of a sweep
    },
    [self](caf::get_atom) {
      return std::make_tuple(static_cast<std::uint64_t>(self->state.lru.size()),
                             self->state.spawned);
    },
  };
}

} // namespace detail

/// Spawns the registry of one entity type. Send it
/// `(command_atom, stream_id, Entity::command, domain::command_context)`;
/// the entity actor answers with `entity_reply<Entity>` or a larder error.
/// `(get_atom, stream_id, domain::command_context)` answers the entity as
/// it is now (`state.exists` false for a stream with no events), or
/// `not_found` when it belongs to another tenant than `ctx.tenant_id`.
/// `(get_atom)` answers `(alive, spawned so far)` for metrics and tests.
template <class Entity>
caf::actor spawn_registry(caf::actor_system& sys, entity_services services,
                          registry_options options = {}) {
  return sys.spawn(detail::registry<Entity>, std::move(services), options);
}

} // namespace larder
