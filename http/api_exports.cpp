#include <atomic>
#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "actors/type_ids.hpp"
#include "http/api.hpp"
#include "http/multipart.hpp"
#include "projections/exports/exports.hpp"
#include "projections/sql.hpp"

/// Exports to the books: the summary, the history of exports, and the
/// downloads, each streamed by an exporter of its own (a blocking actor
/// with its own database connection and snapshot) straight into the
/// connection, chunk by chunk, as fast as the client takes them.
namespace larder::http {

namespace ex = projections::exports;

namespace {

/// Exports running at once on this node; more wait for a free one (503).
constexpr int max_running_exports = 2;

/// How long a download may take in all; and how long one chunk may wait
/// for a client that does not read.
constexpr auto export_deadline = std::chrono::minutes(30);
constexpr auto chunk_wait = std::chrono::seconds(60);

struct exporter_job {
  std::string database_url;
  events::uuid tenant;
  ex::export_format format = ex::export_format::universal;
  ex::export_filter filter;
  ex::books book;
  std::filesystem::path scratch;
  store_writer_actor writer;
  events::event_metadata meta;
  /// Read-your-writes: the invoices model must have applied this position.
  std::int64_t after = 0;
  std::shared_ptr<std::atomic<int>> running;
};

/// Opens the snapshot and answers `(caf::get_atom)` with the media type,
/// file name and count; then waits for the broker's `join`, streams the
/// file, records InvoicesExported, and ends the download — with its last
/// chunk only when all of it went out and the record is committed.
void exporter(caf::blocking_actor* self, std::shared_ptr<exporter_job> job) {
  struct release {
    std::shared_ptr<std::atomic<int>> running;
    ~release() {
      --*running;
    }
  } guard{job->running};
  std::unique_ptr<pqxx::connection> conn;
  std::unique_ptr<ex::export_job> run;
  bool opened = false;
  self->receive(
    [&](caf::get_atom) -> caf::result<std::string, std::string, std::int64_t> {
      try {
        conn = std::make_unique<pqxx::connection>(job->database_url);
        projections::prepare_query_session(*conn);
      } catch (const std::exception& e) {
        spdlog::warn("export: cannot connect: {}", e.what());
        return to_caf_error(
          larder::error{errc::unavailable, "the invoices cannot be read now"});
      }
      if (job->after > 0) {
        try {
          wait_for_read_model(*conn, "invoices", job->after);
        } catch (const std::exception& e) {
          spdlog::warn("export: cannot wait for the invoices: {}", e.what());
        }
      }
      run = std::make_unique<ex::export_job>(
        *conn, job->tenant, job->format, job->filter, job->book, job->scratch);
      auto count = run->open();
      if (!count)
        return to_caf_error(count.error());
      opened = true;
      return caf::result<std::string, std::string, std::int64_t>{
        run->media_type(), run->file_name(), *count};
    },
    caf::after(std::chrono::seconds(30)) >> [] {});
  if (!opened)
    return;
  caf::actor broker;
  std::uint64_t serial = 0;
  self->receive(
    [&](caf::join_atom, std::uint64_t, std::uint64_t s) {
      broker = caf::actor_cast<caf::actor>(self->current_sender());
      serial = s;
    },
    // A HEAD request, or a client gone before the head went out.
    [&](caf::leave_atom, std::uint64_t) {},
    caf::after(std::chrono::seconds(30)) >> [] {});
  if (!broker)
    return; // the client left before the head went out, or asked only it
  auto deadline = std::chrono::steady_clock::now() + export_deadline;
  auto sink = [&](std::string_view chunk) {
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    bool ok = false;
    self
      ->request(broker, chunk_wait, caf::put_atom_v, serial, std::string{chunk})
      .receive(
        [&](caf::ok_atom) {
          ok = true;
        },
        [&](caf::error&) {});
    return ok;
  };
  auto result = run->run(sink);
  if (!result)
    spdlog::warn("export: {} stopped: {}", ex::to_string(job->format),
                 result.error().message);
  bool recorded = false;
  if (result) {
    auto export_id = events::uuid::make_v7();
    events::append_request req;
    req.stream_id = "export-" + export_id.to_string();
    req.tenant_id = job->tenant;
    req.stream_type = "export";
    req.metadata = job->meta;
    req.events = ex::exported_events(export_id, job->format, job->filter,
                                     run->file_name(), result->invoice_ids);
    self->request(job->writer, std::chrono::seconds(30), append_atom_v, req)
      .receive(
        [&](events::append_result&) {
          recorded = true;
        },
        [&](caf::error& e) {
          spdlog::error("export: cannot record InvoicesExported: {}",
                        to_string(e));
        });
  }
  if (recorded) {
    self->send(broker, caf::close_atom_v, serial);
    spdlog::info("export: {} of {} invoices, {} bytes",
                 ex::to_string(job->format), result->invoice_ids.size(),
                 result->bytes);
  } else {
    self->send(broker, caf::delete_atom_v, serial);
  }
}

/// The request's parameters and filters, or nothing when a 400 was
/// answered. `file` is for the universal CSV only.
std::optional<std::pair<query_params, ex::export_filter>>
read_filter(const call_ptr& c, bool takes_file) {
  auto params = read_query_params(c);
  if (!params)
    return std::nullopt;
  auto filter = ex::parse_export_filter(params->rest);
  if (!filter) {
    c->fail(filter.error());
    return std::nullopt;
  }
  if (filter->lines_file && !takes_file) {
    c->fail(400, "invalid_argument",
            "file is only for the universal CSV export");
    return std::nullopt;
  }
  return std::pair{std::move(*params), std::move(*filter)};
}

void download(const call_ptr& c, ex::export_format format) {
  auto request = read_filter(c, format == ex::export_format::universal);
  if (!request)
    return;
  auto& [params, filter] = *request;
  auto& st = c->self->state;
  auto job = std::make_shared<exporter_job>();
  job->database_url = st.services.database_url;
  job->tenant = *c->who->tenant_id;
  job->format = format;
  job->filter = std::move(filter);
  job->scratch = st.services.data_dir / "tmp" / "exports";
  job->writer = st.services.writer;
  job->meta = c->context(job->tenant).meta;
  job->meta.idempotency_key.clear();
  job->after = params.after;
  auto tenant = job->tenant;
  get_entity<domain::tenant_entity>(
    c, st.services.tenants, domain::stream_id("tenant", tenant), tenant,
    [c, job](entity_reply<domain::tenant_entity>& t) {
      job->book = ex::books_for(*t.state, events::now_timestamp());
      auto& st = c->self->state;
      if (!st.exports_running)
        st.exports_running = std::make_shared<std::atomic<int>>(0);
      if (st.exports_running->fetch_add(1) >= max_running_exports) {
        --*st.exports_running;
        auto res = error_response(503, "unavailable",
                                  "other exports are running; try again in "
                                  "a few seconds");
        res.set("Retry-After", "5");
        c->reply(std::move(res));
        return;
      }
      // The exporter gives its place back when it ends, however it ends.
      job->running = st.exports_running;
      auto exp = c->self->system().spawn<caf::detached>(exporter, job);
      c->self->request(exp, std::chrono::seconds(35), caf::get_atom_v)
        .then(
          [c, exp](std::string& media_type, std::string& file_name,
                   std::int64_t count) {
            response res;
            res.set("Content-Type", media_type);
            res.set("Content-Disposition",
                    content_disposition("attachment", file_name));
            res.set("Cache-Control", "no-store");
            res.set("X-Larder-Invoices", std::to_string(count));
            res.stream_owner = exp;
            res.stream_token = 1;
            res.chunked = true;
            c->reply(std::move(res));
          },
          [c](caf::error& e) {
            c->fail(from_caf_error(e));
          });
    });
}

} // namespace

namespace handlers {

void export_excel(const call_ptr& c) {
  download(c, ex::export_format::excel);
}

void export_quickbooks(const call_ptr& c) {
  download(c, ex::export_format::quickbooks);
}

void export_xero(const call_ptr& c) {
  download(c, ex::export_format::xero);
}

void export_journal(const call_ptr& c) {
  download(c, ex::export_format::journal);
}

void export_universal(const call_ptr& c) {
  download(c, ex::export_format::universal);
}

void export_summary(const call_ptr& c) {
  auto request = read_filter(c, false);
  if (!request)
    return;
  auto tenant = *c->who->tenant_id;
  run_query(c, "invoices", request->first.after,
            [tenant, f = request->second](pqxx::transaction_base& txn) {
              events::json_writer w;
              ex::write_json(w, ex::summarize(txn, tenant, f));
              return std::optional<std::string>{w.take()};
            });
}

void export_history(const call_ptr& c) {
  auto params = read_query_params(c);
  if (!params)
    return;
  int limit = 50;
  for (const auto& [name, value] : params->rest) {
    if (name != "limit" || value.empty() || value.size() > 3
        || value.find_first_not_of("0123456789") != std::string::npos
        || std::stoi(value) < 1 || std::stoi(value) > 200) {
      c->fail(400, "invalid_argument",
              "the export history takes limit (1 to 200) only");
      return;
    }
    limit = std::stoi(value);
  }
  auto tenant = *c->who->tenant_id;
  run_query(c, "exports", params->after,
            [tenant, limit](pqxx::transaction_base& txn) {
              events::json_writer w;
              w.begin_object().key("exports").begin_array();
              for (const auto& e : ex::recent_exports(txn, tenant, limit))
                ex::write_json(w, e);
              w.end_array().end_object();
              return std::optional<std::string>{w.take()};
            });
}

} // namespace handlers

} // namespace larder::http
