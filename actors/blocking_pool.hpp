#pragma once

#include <cstddef>
#include <functional>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

/// A pool of detached workers for blocking work that is not a database
/// query: parsing an upload, hashing it and writing it durably to disk,
/// reading a stored document back. The HTTP edge hands such work here so
/// that no scheduler thread waits on a disk.
///
/// Accepts `(blocking_job)`; runs it and replies `caf::ok_atom`, or a larder
/// `unavailable` error when the job throws (its text is logged, never
/// returned). A job reports its result through what it captured.
namespace larder {

struct blocking_job {
  std::function<void()> run;
};

caf::actor spawn_blocking_pool(caf::actor_system& sys, std::size_t workers);

} // namespace larder

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::blocking_job)
