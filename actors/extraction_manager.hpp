#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include "extract/documents.hpp"

/// The extraction process manager (DESIGN.md §6, §9). It follows the
/// pending jobs of the `extraction_jobs` read model — the log is the queue —
/// and for each: tells the invoice that extraction started, reads the
/// stored document in a child process (`larder extract -`, bounded in time
/// and memory, so a document that crashes or hangs a parser takes only the
/// child down), and records the result as a command to the invoice actor:
/// RecordExtraction, MarkNotAnInvoice or, after bounded retries with
/// backoff, RecordExtractionFailure. An extraction below the configured
/// confidence is rejected with the reason recorded; one that repeats
/// another invoice's supplier, number and total is flagged as a likely
/// duplicate. At most `workers` documents are read at once.
///
/// Messages: `(tick_atom)` from its own timer and from the jobs projection
/// after each batch (work may be waiting); `(caf::get_atom)` answers
/// `extraction_stats` for /metrics.
namespace larder {

struct extraction_options {
  /// The extractor command: the larder binary and its `extract` verb;
  /// the manager adds `-` and the document's options.
  std::vector<std::string> command;
  std::size_t workers = 2;
  std::chrono::milliseconds document_timeout{std::chrono::seconds(120)};
  /// Extractions whose overall confidence is below this are rejected
  /// automatically; 0 turns that off.
  double min_confidence = 0.2;
  /// Runs of one document that may end in a retryable failure before the
  /// failure is recorded.
  int max_tries = 3;
  /// The first retry waits this long, each next one twice as long.
  std::chrono::milliseconds retry_backoff{std::chrono::seconds(5)};
  /// How often the queue is looked at when nothing announced work.
  std::chrono::milliseconds poll{std::chrono::seconds(2)};
  std::string ocr_languages = "eng+fra";
  /// The installation's templates, and the data directory under which each
  /// tenant's own templates live (`templates/<tenant id>/`).
  std::filesystem::path templates_dir;
  std::filesystem::path data_dir;
  /// RLIMIT_AS of a child; 0 leaves it unlimited (sanitizer builds).
  std::size_t memory_limit_bytes = 0;
  std::chrono::milliseconds command_timeout{std::chrono::seconds(10)};
};

struct extraction_services {
  caf::actor invoices;
  caf::actor tenants;
  /// actors/db_pool, for the queue and the duplicate check.
  caf::actor db;
  std::shared_ptr<extract::document_store> documents;
};

/// What the manager did since it started, for /metrics.
struct extraction_stats {
  std::uint64_t succeeded = 0;
  std::uint64_t not_invoices = 0;
  std::uint64_t failed = 0;
  std::uint64_t retried = 0;
  std::uint64_t rejected_low_confidence = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t running = 0;
  double seconds_total = 0;
};

caf::actor spawn_extraction_manager(caf::actor_system& sys,
                                    extraction_options options,
                                    extraction_services services);

} // namespace larder

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::extraction_stats)
