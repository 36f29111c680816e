#include "extract/documents.hpp"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events/crypto.hpp"

namespace larder::extract {

events::uuid document_invoice_id(const events::uuid& tenant,
                                 std::string_view sha256, int generation) {
  std::string name =
    "larder.document:" + tenant.to_string() + ":" + std::string{sha256};
  if (generation > 0)
    name += ":" + std::to_string(generation);
  return events::uuid::make_v8(name);
}

namespace fs = std::filesystem;

namespace {

bool is_hex64(std::string_view text) {
  if (text.size() != 64)
    return false;
  for (char ch : text)
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')
          || (ch >= 'A' && ch <= 'F')))
      return false;
  return true;
}

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& ch : out)
    if (ch >= 'A' && ch <= 'F')
      ch = static_cast<char>(ch - 'A' + 'a');
  return out;
}

larder::error disk_error(std::string_view what) {
  return {errc::unavailable,
          "the document could not be " + std::string{what} + "; try again"};
}

/// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

} // namespace

bool fsync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

bool write_file_durably(const fs::path& dir, const std::string& name,
                        std::string_view bytes) {
  std::error_code ec;
  bool created = fs::create_directories(dir, ec);
  if (ec)
    return false;
  // Unique per process and call; a crash leaves at most a hidden
  // `.<name>.tmp-*` file that nothing reads.
  static std::atomic<unsigned> serial{0};
  auto tmp = dir
             / ("." + name + ".tmp-" + std::to_string(::getpid()) + "-"
                + std::to_string(serial.fetch_add(1)));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0)
    return false;
  bool ok = write_all(fd, bytes) && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (ok)
    ok = ::rename(tmp.c_str(), (dir / name).c_str()) == 0;
  if (!ok) {
    ::unlink(tmp.c_str());
    return false;
  }
  if (!fsync_directory(dir))
    return false;
  return !created
         || (fsync_directory(dir.parent_path())
             && fsync_directory(dir.parent_path().parent_path()));
}

document_store::document_store(fs::path data_dir)
  : root_(std::move(data_dir) / "documents") {}

expected<std::string> document_store::put(const events::uuid& tenant,
                                          std::string_view bytes) {
  auto sha = events::to_hex(events::sha256({bytes}));
  auto dir = root_ / tenant.to_string();
  auto target = dir / sha;
  std::error_code ec;
  if (fs::exists(target, ec) && !ec) {
    // Content-addressed: the same name means the same bytes, unless the
    // file was damaged, which `get` detects and a rewrite repairs.
    auto size = fs::file_size(target, ec);
    if (!ec && size == bytes.size())
      return sha;
  }
  if (!write_file_durably(dir, sha, bytes))
    return disk_error("stored");
  return sha;
}

expected<std::string> document_store::get(const events::uuid& tenant,
                                          std::string_view sha256) const {
  if (!is_hex64(sha256))
    return larder::error{errc::invalid_argument,
                         "a document hash is 64 hexadecimal digits"};
  auto sha = lower(sha256);
  auto path = root_ / tenant.to_string() / sha;
  std::ifstream in{path, std::ios::binary};
  if (!in)
    return larder::error{errc::not_found, "the document is not stored"};
  std::string bytes{std::istreambuf_iterator<char>{in},
                    std::istreambuf_iterator<char>{}};
  if (in.bad())
    return disk_error("read");
  if (events::to_hex(events::sha256({bytes})) != sha)
    return larder::error{errc::unavailable,
                         "the stored document is damaged; upload it again"};
  return bytes;
}

bool document_store::contains(const events::uuid& tenant,
                              std::string_view sha256) const {
  if (!is_hex64(sha256))
    return false;
  std::error_code ec;
  return fs::is_regular_file(root_ / tenant.to_string() / lower(sha256), ec);
}

expected<bool> document_store::remove(const events::uuid& tenant,
                                      std::string_view sha256) {
  if (!is_hex64(sha256))
    return larder::error{errc::invalid_argument,
                         "a document hash is 64 hexadecimal digits"};
  std::error_code ec;
  auto dir = root_ / tenant.to_string();
  bool removed = fs::remove(dir / lower(sha256), ec);
  if (ec)
    return disk_error("deleted");
  if (removed && !fsync_directory(dir))
    return disk_error("deleted");
  return removed;
}

} // namespace larder::extract
