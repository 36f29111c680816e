#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "actors/blocking_pool.hpp"
#include "events/envelope.hpp"
#include "extract/text/detail/template_model.hpp"
#include "extract/text/templates.hpp"
#include "http/api.hpp"

/// A business's own invoice2data templates over HTTP. They live as files in
/// `<data dir>/templates/<tenant id>/<name>`, where the extraction manager
/// points the extractor (`--templates`), so an uploaded template reads the
/// next document. A template is parsed strictly before it is stored: the
/// extractor refuses a whole directory when one file in it is broken, so a
/// bad one must never reach the disk. The only user text in a path is the
/// template's name, checked against a narrow alphabet first; the disk work
/// runs on the blocking pool.
namespace larder::http {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t max_template_bytes = 256 * 1024;
constexpr std::size_t max_templates = 200;
constexpr std::size_t max_name_length = 64;

/// Writes, replacements, deletions and the count they check hold this, so
/// that two uploads at once cannot pass the limit together.
std::mutex& writes_mutex() {
  static std::mutex m;
  return m;
}

bool ends_with_template_extension(std::string_view name) {
  return name.ends_with(".yml") || name.ends_with(".yaml")
         || name.ends_with(".json");
}

/// Whether `name` may be a file name: 1–64 of [a-z0-9._-], not starting with
/// a dot, ending .yml, .yaml or .json. No '/', so it never leaves the
/// tenant's directory, and no hidden file, so it never is a temporary one.
bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > max_name_length || name.front() == '.')
    return false;
  for (char ch : name) {
    bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.'
              || ch == '_' || ch == '-';
    if (!ok)
      return false;
  }
  return ends_with_template_extension(name);
}

/// Answers 400 and returns false unless the path's `{name}` is valid.
bool check_name(const call_ptr& c) {
  if (valid_name(c->param("name")))
    return true;
  c->fail(400, "invalid_argument",
          "a template name is 1 to 64 lower-case letters, digits, '.', '_' "
          "or '-', does not start with '.', and ends with .yml, .yaml or "
          ".json");
  return false;
}

/// Whether the request's Content-Type is one a template may come as.
bool template_media_type(std::string_view header) {
  auto type = header.substr(0, header.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.remove_suffix(1);
  std::string lower{type};
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) {
                   return static_cast<char>(std::tolower(ch));
                 });
  return lower == "application/yaml" || lower == "text/yaml"
         || lower == "application/x-yaml" || lower == "application/json";
}

fs::path tenant_dir(const fs::path& data_dir, const events::uuid& tenant) {
  return data_dir / "templates" / tenant.to_string();
}

/// A stored template as GET lists it.
struct template_info {
  std::string name;
  std::string issuer;
  std::vector<std::string> keywords;
  int priority = 5;
  std::int64_t size_bytes = 0;
  std::string uploaded_at;
  std::vector<std::string> warnings;
  /// Set when the stored file no longer loads (placed by hand, or read by
  /// a newer larder); the extractor then refuses the tenant's documents.
  std::optional<std::string> error;
};

std::string timestamp_of(const struct ::stat& st) {
  using namespace std::chrono;
  auto t = sys_seconds{seconds{st.st_mtim.tv_sec}}
           + duration_cast<microseconds>(nanoseconds{st.st_mtim.tv_nsec});
  return events::format_timestamp(t);
}

/// Reads and describes the stored template `name` in `dir`; nothing when
/// it is not (or no longer) a regular file.
std::optional<template_info> describe(const fs::path& dir,
                                      const std::string& name) {
  auto path = dir / name;
  std::ifstream in{path, std::ios::binary};
  struct ::stat st {};
  if (!in || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  std::string text{std::istreambuf_iterator<char>{in},
                   std::istreambuf_iterator<char>{}};
  template_info info;
  info.name = name;
  info.size_bytes = static_cast<std::int64_t>(text.size());
  info.uploaded_at = timestamp_of(st);
  // As the extractor reads it, so that the warnings are what it would see.
  auto entry =
    extract::parse_template(text, name, extract::template_checks::upstream);
  if (!entry) {
    info.error = entry.error().message;
    return info;
  }
  info.issuer = entry->issuer;
  info.priority = entry->priority;
  info.warnings = entry->warnings;
  if (entry->compiled)
    for (const auto& k : entry->compiled->keywords)
      info.keywords.push_back(k.pattern());
  return info;
}

void write_info(events::json_writer& w, const template_info& t) {
  w.begin_object()
    .field("name", t.name)
    .field("issuer", t.issuer)
    .key("keywords")
    .begin_array();
  for (const auto& k : t.keywords)
    w.value(k);
  w.end_array()
    .field("priority", t.priority)
    .field("size_bytes", t.size_bytes)
    .field("uploaded_at", t.uploaded_at)
    .key("warnings")
    .begin_array();
  for (const auto& m : t.warnings)
    w.value(m);
  w.end_array();
  if (t.error)
    w.field("error", *t.error);
  w.end_object();
}

/// The names of the stored templates in `dir`, sorted; none when it does
/// not exist. Leftover temporary files (hidden) are not templates.
std::vector<std::string> stored_names(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    auto name = e.path().filename().string();
    if (valid_name(name) && e.is_regular_file(ec))
      names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

larder::error disk_error(std::string_view what) {
  return {errc::unavailable,
          "the template could not be " + std::string{what} + "; try again"};
}

struct put_job {
  fs::path dir;
  std::string name;
  std::string text;
  /// Out.
  std::optional<larder::error> refused;
  std::optional<template_info> stored;
  bool replaced = false;
};

void run_put(put_job& job) {
  auto entry = extract::parse_template(job.text, job.name,
                                       extract::template_checks::strict);
  if (!entry) {
    job.refused = larder::error{errc::rejected, entry.error().message};
    return;
  }
  std::lock_guard<std::mutex> guard{writes_mutex()};
  auto names = stored_names(job.dir);
  job.replaced = std::binary_search(names.begin(), names.end(), job.name);
  if (!job.replaced && names.size() >= max_templates) {
    job.refused = larder::error{
      errc::rejected, "a business can have at most "
                        + std::to_string(max_templates)
                        + " templates; delete one before adding another"};
    return;
  }
  if (!extract::write_file_durably(job.dir, job.name, job.text)) {
    spdlog::error("a tenant template could not be written: {}",
                  std::strerror(errno));
    job.refused = disk_error("saved");
    return;
  }
  job.stored = describe(job.dir, job.name);
  if (!job.stored)
    job.refused = disk_error("read back");
}

/// Runs `job` on the blocking pool, then `done` on the edge.
template <class F>
void on_blocking_pool(const call_ptr& c, std::function<void()> job, F done) {
  auto& st = c->self->state;
  c->self
    ->request(st.services.blocking, st.options.job_timeout,
              blocking_job{std::move(job)})
    .then(
      [done](caf::ok_atom) mutable {
        done();
      },
      [c](const caf::error& e) {
        c->fail(from_caf_error(e));
      });
}

/// Answers 503 and returns false when the node keeps no data directory.
bool has_data_dir(const call_ptr& c) {
  if (!c->self->state.services.data_dir.empty())
    return true;
  c->fail(503, "unavailable", "templates cannot be stored on this server");
  return false;
}

} // namespace

namespace handlers {

void template_list(const call_ptr& c) {
  if (!has_data_dir(c))
    return;
  auto dir = tenant_dir(c->self->state.services.data_dir, *c->who->tenant_id);
  auto found = std::make_shared<std::vector<template_info>>();
  on_blocking_pool(
    c,
    [dir, found] {
      for (const auto& name : stored_names(dir))
        if (auto info = describe(dir, name))
          found->push_back(std::move(*info));
    },
    [c, found] {
      events::json_writer w;
      w.begin_object().key("templates").begin_array();
      for (const auto& t : *found)
        write_info(w, t);
      w.end_array().end_object();
      c->reply(json_response(w.take()));
    });
}

void template_put(const call_ptr& c) {
  if (!check_name(c) || !has_data_dir(c))
    return;
  if (!template_media_type(c->req.header("content-type"))) {
    c->fail(415, "unsupported_media_type",
            "send the template as application/yaml, text/yaml, "
            "application/x-yaml or application/json");
    return;
  }
  if (c->req.body.size() > max_template_bytes) {
    c->fail(413, "too_large", "a template is at most 256 KiB");
    return;
  }
  if (c->req.body.empty()) {
    c->fail(400, "invalid_argument", "the template is empty");
    return;
  }
  auto tenant = *c->who->tenant_id;
  auto job = std::make_shared<put_job>();
  job->dir = tenant_dir(c->self->state.services.data_dir, tenant);
  job->name = std::string{c->param("name")};
  job->text = std::move(c->req.body);
  on_blocking_pool(
    c,
    [job] {
      run_put(*job);
    },
    [c, job, tenant] {
      if (job->refused) {
        c->fail(*job->refused);
        return;
      }
      spdlog::info("tenant {}: template '{}' {} by user {}", tenant.to_string(),
                   job->name, job->replaced ? "replaced" : "added",
                   c->who->user_id.to_string());
      events::json_writer w;
      write_info(w, *job->stored);
      c->reply(json_response(w.take(), job->replaced ? 200 : 201));
    });
}

void template_delete(const call_ptr& c) {
  if (!check_name(c) || !has_data_dir(c))
    return;
  auto tenant = *c->who->tenant_id;
  auto dir = tenant_dir(c->self->state.services.data_dir, tenant);
  auto name = std::string{c->param("name")};
  auto outcome = std::make_shared<std::optional<larder::error>>();
  on_blocking_pool(
    c,
    [dir, name, outcome] {
      std::lock_guard<std::mutex> guard{writes_mutex()};
      auto path = dir / name;
      if (::unlink(path.c_str()) != 0) {
        *outcome = errno == ENOENT
                     ? larder::error{errc::not_found, "no such template"}
                     : disk_error("deleted");
        return;
      }
      if (!extract::fsync_directory(dir))
        *outcome = disk_error("deleted");
    },
    [c, tenant, name, outcome] {
      if (*outcome) {
        c->fail(**outcome);
        return;
      }
      spdlog::info("tenant {}: template '{}' deleted by user {}",
                   tenant.to_string(), name, c->who->user_id.to_string());
      response res;
      res.status = 204;
      c->reply(std::move(res));
    });
}

} // namespace handlers

} // namespace larder::http
