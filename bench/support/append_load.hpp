#pragma once

#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "actors/store_writer.hpp"

/// Many concurrent callers appending one ~500-byte event at a time to their
/// own streams through the store writer: the load `bench_append` measures
/// and `bench_commands` uses as its raw append baseline.
namespace larder::bench {

/// An extracted-invoice-shaped JSON payload of about 500 bytes.
std::string invoice_payload(int i);

struct stream_state {
  std::int64_t version = 0;
  events::hash_bytes head = events::genesis_hash;
};

/// One event on `stream` after `st`, as a user's web request would append.
events::append_request request_for(const std::string& stream,
                                   const events::uuid& tenant,
                                   const stream_state& st, int i);

struct store_run {
  double events_per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double avg_batch = 0;
  int failures = 0;
};

/// Keeps every stream's head between runs, so runs can follow each other.
class append_load {
 public:
  append_load(caf::actor_system& sys, store_writer_actor writer,
              std::shared_ptr<store_writer_stats> stats, events::uuid tenant,
              int streams, int callers);

  /// Each caller appends `appends_per_caller` events, round-robin over its
  /// streams, waiting for each answer; returns the rate and latencies.
  store_run run(int appends_per_caller);

 private:
  caf::actor_system& sys_;
  store_writer_actor writer_;
  std::shared_ptr<store_writer_stats> stats_;
  events::uuid tenant_;
  std::shared_ptr<std::vector<stream_state>> heads_;
  int callers_;
};

} // namespace larder::bench
