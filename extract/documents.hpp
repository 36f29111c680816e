#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "events/error.hpp"
#include "events/uuid.hpp"

namespace larder::extract {

/// Replaces `dir/name` with `bytes` so that a reader sees the old file or
/// the new one, never a part, and the new one survives a crash once this
/// returns true: a hidden temporary file (never matching a name callers
/// list or load), fsync, rename, fsync of the directory, and of its parent
/// and grandparent when `dir` had to be created.
bool write_file_durably(const std::filesystem::path& dir,
                        const std::string& name, std::string_view bytes);

/// fsyncs directory `dir`, making a rename or unlink in it durable.
bool fsync_directory(const std::filesystem::path& dir);

/// The invoice a stored document belongs to: the same bytes in the same
/// tenant map to the same invoice id, so a second upload (or a retried one)
/// finds the first instead of racing it. `generation` moves on past
/// invoices that were deleted, so a deleted invoice's document can come
/// back.
events::uuid document_invoice_id(const events::uuid& tenant,
                                 std::string_view sha256, int generation = 0);

/// The documents people send, stored by content under the data directory:
/// `<data dir>/documents/<tenant id>/<sha256 hex>` (DESIGN.md §9). No text a
/// person supplied (a file name, a sender) ever reaches a path: the only
/// variable parts are a uuid and 64 lower-case hexadecimal digits.
/// Safe to use from several threads and processes at once.
class document_store {
 public:
  explicit document_store(std::filesystem::path data_dir);

  /// Stores `bytes` for `tenant` and returns their lower-case hex SHA-256.
  /// Written atomically and durably: a temporary file in the same
  /// directory, fsync, rename, fsync of the directory. Storing bytes that are
  /// already there changes nothing. `unavailable` when the disk refuses.
  expected<std::string> put(const events::uuid& tenant, std::string_view bytes);

  /// The bytes stored under `sha256` (either case) for `tenant`;
  /// `not_found` when there are none, `invalid_argument` when `sha256` is
  /// not 64 hexadecimal digits. The bytes are checked against the hash.
  expected<std::string> get(const events::uuid& tenant,
                            std::string_view sha256) const;

  /// Whether `tenant` has a document with this hash.
  bool contains(const events::uuid& tenant, std::string_view sha256) const;

  /// Deletes a tenant's document (retention); deleting what is not there is
  /// not an error.
  expected<bool> remove(const events::uuid& tenant, std::string_view sha256);

 private:
  std::filesystem::path root_;
};

} // namespace larder::extract
