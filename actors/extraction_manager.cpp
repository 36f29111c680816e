#include "actors/extraction_manager.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "actors/blocking_pool.hpp"
#include "actors/db_pool.hpp"
#include "actors/errors.hpp"
#include "actors/registries.hpp"
#include "actors/type_ids.hpp"
#include "extract/extraction.hpp"
#include "extract/subprocess.hpp"
#include "projections/extraction_jobs.hpp"
#include "projections/suppliers.hpp"

namespace larder {

namespace {

using projections::extraction_job;

/// What a child process made of one document.
struct run_outcome {
  std::optional<extract::extraction> result;
  /// Set when there is no result: why, for the person reviewing.
  std::string failure;
  bool retryable = false;
  std::int64_t duration_ms = 0;
};

/// Where one job stands while it runs.
struct job_run {
  extraction_job job;
  std::string region;
  std::string currency;
  std::shared_ptr<run_outcome> outcome = std::make_shared<run_outcome>();
};

struct manager_state {
  static inline const char* name = "larder.extraction";
  extraction_options options;
  extraction_services services;
  std::set<events::uuid> busy;
  bool looking = false;
  extraction_stats stats;
};

using manager_actor = caf::stateful_actor<manager_state>*;

domain::command_context system_context(const events::uuid& tenant,
                                       const events::uuid& invoice) {
  domain::command_context ctx;
  ctx.tenant_id = tenant;
  ctx.now = events::now_timestamp();
  ctx.meta.actor = events::actor_kind::system;
  ctx.meta.actor_id = "extraction";
  ctx.meta.source = "worker";
  ctx.meta.correlation_id = invoice.to_string();
  return ctx;
}

std::string stream_of(const events::uuid& invoice) {
  return domain::stream_id("invoice", invoice);
}

/// Reads the document and runs the extractor child, on a worker thread.
void read_document(const extraction_options& options,
                   extract::document_store& store, const job_run& run) {
  auto& out = *run.outcome;
  auto bytes = store.get(run.job.tenant_id, run.job.sha256);
  if (!bytes) {
    out.failure = bytes.error().code == errc::unavailable
                    ? bytes.error().message
                    : "the stored document is missing; upload it again";
    out.retryable = bytes.error().code == errc::unavailable;
    return;
  }
  std::vector<std::string> argv = options.command;
  argv.insert(argv.end(), {"-", "--format", "larder", "--ocr-languages",
                           options.ocr_languages});
  if (!run.region.empty())
    argv.insert(argv.end(), {"--region", run.region});
  if (!run.currency.empty())
    argv.insert(argv.end(), {"--currency", run.currency});
  std::error_code ec;
  if (!options.templates_dir.empty()
      && std::filesystem::is_directory(options.templates_dir, ec))
    argv.insert(argv.end(), {"--templates", options.templates_dir.string()});
  auto own = options.data_dir / "templates" / run.job.tenant_id.to_string();
  if (!options.data_dir.empty() && std::filesystem::is_directory(own, ec))
    argv.insert(argv.end(), {"--templates", own.string()});

  extract::process_limits limits;
  limits.timeout = options.document_timeout;
  limits.memory_bytes = options.memory_limit_bytes;
  // tesseract's OpenMP threads spin on shared cores; libgomp reads this
  // when it loads, so only the child's environment can set it.
  limits.environment = {"OMP_THREAD_LIMIT=1"};
  auto started = std::chrono::steady_clock::now();
  auto r = extract::run_process(argv, *bytes, limits);
  out.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  if (!r) {
    out.failure = "the extractor could not be started; it will be retried";
    out.retryable = true;
    return;
  }
  if (r->timed_out) {
    auto seconds = options.document_timeout.count() / 1000;
    out.failure = "reading the document took longer than "
                  + std::to_string(seconds)
                  + (seconds == 1 ? " second" : " seconds");
    out.retryable = true;
    return;
  }
  if (r->signal != 0) {
    spdlog::warn("the extractor crashed on a document (signal {})", r->signal);
    out.failure = "the document made the reader crash; it may be damaged";
    return;
  }
  if (r->exit_code == 0) {
    auto x = extract::extraction_from_json(r->out);
    if (x) {
      out.result = std::move(*x);
      return;
    }
    spdlog::error("the extractor's answer did not parse: {}",
                  x.error().message);
    out.failure = "the extractor gave an answer that could not be read";
    return;
  }
  // The extractor refused the document: its message is for the person.
  auto refusal = extract::error_from_json(r->out);
  out.failure =
    refusal ? refusal->message : std::string{"the document could not be read"};
  out.retryable = r->exit_code == 3;
  if (r->exit_code != 1 && r->exit_code != 3)
    spdlog::warn("the extractor exited with {}: {}", r->exit_code, r->err_tail);
}

/// A one-shot detached actor: runs `job` on its own thread, replies, quits.
/// `invoice` names it in logs (and gives CAF 0.17 an argument tuple: it
/// binds a null one for actors spawned without arguments).
caf::behavior one_shot_worker(caf::event_based_actor* self,
                              std::string invoice) {
  return {
    [self, invoice](blocking_job& job) -> caf::result<caf::ok_atom> {
      self->quit();
      try {
        job.run();
      } catch (const std::exception& e) {
        spdlog::error("extraction of invoice {} failed: {}", invoice, e.what());
      }
      return caf::ok_atom_v;
    },
  };
}

void look_for_work(manager_actor self);

void finish(manager_actor self, const extraction_job& job,
            std::chrono::milliseconds hold, int tries, std::string error) {
  auto& st = self->state;
  // Keep the job from starting again before the jobs projection has seen
  // its outcome (or, after a retryable failure, before its backoff).
  auto id = job.invoice_id;
  self
    ->request(st.services.db, st.options.command_timeout,
              db_job{[id, hold, tries, error](pqxx::connection& conn) {
                pqxx::work txn{conn};
                projections::postpone_extraction_job(txn, id, tries, hold,
                                                     error);
                txn.commit();
              }})
    .then(
      [self, id](caf::ok_atom) {
        self->state.busy.erase(id);
        self->state.stats.running = self->state.busy.size();
        look_for_work(self);
      },
      [self, id](const caf::error&) {
        self->state.busy.erase(id);
        self->state.stats.running = self->state.busy.size();
      });
}

/// Sends `cmd` to the job's invoice; `done(ok)` afterwards.
template <class F>
void tell_invoice(manager_actor self, const extraction_job& job,
                  domain::invoice_command cmd, F done) {
  auto& st = self->state;
  self
    ->request(st.services.invoices, st.options.command_timeout, command_atom_v,
              stream_of(job.invoice_id), std::move(cmd),
              system_context(job.tenant_id, job.invoice_id))
    .then(
      [done](invoice_reply& r) mutable {
        done(true, &r);
      },
      [done, id = job.invoice_id](const caf::error& e) mutable {
        auto err = from_caf_error(e);
        spdlog::warn("extraction of invoice {}: the invoice refused the "
                     "result: {}",
                     id.to_string(), err.message);
        done(false, nullptr);
      });
}

constexpr auto likely_duplicate_sql =
  "SELECT invoice_id::text FROM rm_invoices.invoices"
  " WHERE tenant_id = $1::uuid AND invoice_id <> $2::uuid"
  "   AND invoice_number = $3 AND total = $4::numeric AND supplier_key = $5"
  " ORDER BY received_at, invoice_id LIMIT 1";

/// Flags the invoice when another of the tenant's has the same supplier,
/// number and total.
void check_duplicate(manager_actor self, const extraction_job& job,
                     const extract::extraction& x) {
  const auto& f = x.fields;
  if (!f.invoice_number || !f.total || (!f.supplier_name && !f.supplier_tax_id))
    return;
  auto key = projections::supplier_key(f.supplier_name.value_or(""),
                                       f.supplier_tax_id.value_or(""));
  auto found = std::make_shared<std::optional<events::uuid>>();
  auto& st = self->state;
  self
    ->request(
      st.services.db, st.options.command_timeout,
      db_job{[found, job, number = *f.invoice_number,
              total = f.total->to_string(), key](pqxx::connection& conn) {
        pqxx::read_transaction txn{conn};
        auto rows =
          txn.exec_params(likely_duplicate_sql, job.tenant_id.to_string(),
                          job.invoice_id.to_string(), number, total, key);
        if (!rows.empty())
          *found = events::uuid::parse(rows[0][0].c_str());
      }})
    .then(
      [self, job, found](caf::ok_atom) {
        if (!*found)
          return;
        ++self->state.stats.duplicates;
        domain::suspect_duplicate cmd;
        cmd.of = **found;
        cmd.why = domain::duplicate_reason::same_number_supplier_total;
        tell_invoice(self, job, std::move(cmd), [](bool, invoice_reply*) {});
      },
      [](const caf::error&) {});
}

std::string percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", x * 100);
  return buf;
}

/// Records what the child found.
void record(manager_actor self, const std::shared_ptr<job_run>& run) {
  auto& st = self->state;
  const auto& job = run->job;
  auto& out = *run->outcome;
  st.stats.seconds_total += static_cast<double>(out.duration_ms) / 1000;
  if (!out.result) {
    int tries = job.tries + 1;
    if (out.retryable && tries < st.options.max_tries) {
      ++st.stats.retried;
      auto backoff = st.options.retry_backoff * (1 << (tries - 1));
      spdlog::info("extraction of invoice {} will be retried: {}",
                   job.invoice_id.to_string(), out.failure);
      finish(self, job, backoff, tries, out.failure);
      return;
    }
    ++st.stats.failed;
    domain::record_extraction_failure cmd{out.failure, out.retryable};
    tell_invoice(self, job, std::move(cmd),
                 [self, job, tries](bool, invoice_reply*) {
                   finish(self, job, std::chrono::minutes(10), tries, "");
                 });
    return;
  }
  auto x = std::move(*out.result);
  if (!x.not_an_invoice.empty()) {
    ++st.stats.not_invoices;
    tell_invoice(self, job, domain::mark_not_an_invoice{x.not_an_invoice},
                 [self, job](bool, invoice_reply*) {
                   finish(self, job, std::chrono::minutes(10), job.tries, "");
                 });
    return;
  }
  auto cmd = extract::to_record(x);
  cmd.duration_ms = out.duration_ms;
  ++st.stats.succeeded;
  auto min = st.options.min_confidence;
  tell_invoice(
    self, job, std::move(cmd),
    [self, job, x = std::move(x), min](bool ok, invoice_reply*) {
      if (ok && min > 0 && x.overall_confidence < min) {
        ++self->state.stats.rejected_low_confidence;
        domain::reject reject;
        reject.reason = "rejected automatically: the extraction's confidence ("
                        + percent(x.overall_confidence)
                        + ") is below the required " + percent(min)
                        + "; correct the fields or request a reprocess";
        tell_invoice(self, job, std::move(reject), [](bool, invoice_reply*) {});
      } else if (ok) {
        check_duplicate(self, job, x);
      } else {
        // The invoice refused what was read (logged above): say so on the
        // invoice rather than leave it extracting and read it again later.
        ++self->state.stats.failed;
        domain::record_extraction_failure failure{
          "what was read from the document could not be recorded; enter "
          "the fields by hand or request a reprocess",
          false};
        tell_invoice(self, job, std::move(failure),
                     [](bool, invoice_reply*) {});
      }
      finish(self, job, std::chrono::minutes(10), job.tries, "");
    });
}

/// Runs one job: start the extraction on the invoice, learn the tenant's
/// region, read the document in a child process, record the result.
void run_job(manager_actor self, extraction_job job) {
  auto& st = self->state;
  auto run = std::make_shared<job_run>();
  run->job = std::move(job);
  const auto& j = run->job;
  auto start = [self, run]() {
    auto& st = self->state;
    domain::command_context ctx;
    ctx.tenant_id = run->job.tenant_id;
    self
      ->request(st.services.tenants, st.options.command_timeout,
                caf::get_atom_v,
                domain::stream_id("tenant", run->job.tenant_id), ctx)
      .then(
        [self, run](tenant_reply& t) {
          run->region = t.state->region;
          run->currency = t.state->currency.code;
          auto& st = self->state;
          auto worker = self->system().spawn<caf::detached>(
            one_shot_worker, run->job.invoice_id.to_string());
          auto options = st.options;
          auto store = st.services.documents;
          // The worker's own timeout is the child's deadline; this one only
          // guards against a lost reply.
          self
            ->request(worker,
                      st.options.document_timeout + std::chrono::seconds(30),
                      blocking_job{[options, store, run] {
                        read_document(options, *store, *run);
                      }})
            .then(
              [self, run](caf::ok_atom) {
                record(self, run);
              },
              [self, run](const caf::error&) {
                run->outcome->failure = "reading the document did not finish";
                run->outcome->retryable = true;
                record(self, run);
              });
        },
        [self, run](const caf::error&) {
          finish(self, run->job, self->state.options.retry_backoff,
                 run->job.tries, "the tenant could not be read");
        });
  };
  // The invoice decides whether there is anything to do: a received
  // document starts; an extraction left running by a restart resumes;
  // anything else was settled meanwhile.
  domain::command_context ctx;
  ctx.tenant_id = j.tenant_id;
  self
    ->request(st.services.invoices, st.options.command_timeout, caf::get_atom_v,
              stream_of(j.invoice_id), ctx)
    .then(
      [self, run, start](invoice_reply& r) {
        using domain::invoice_status;
        if (r.state->status == invoice_status::extracting) {
          start();
          return;
        }
        if (r.state->status != invoice_status::received) {
          finish(self, run->job, std::chrono::minutes(10), run->job.tries, "");
          return;
        }
        tell_invoice(self, run->job, domain::start_extraction{},
                     [self, run, start](bool ok, invoice_reply*) {
                       if (ok)
                         start();
                       else
                         finish(self, run->job, std::chrono::minutes(1),
                                run->job.tries, "could not start");
                     });
      },
      [self, run](const caf::error&) {
        finish(self, run->job, self->state.options.retry_backoff,
               run->job.tries, "the invoice could not be read");
      });
}

void look_for_work(manager_actor self) {
  auto& st = self->state;
  if (st.looking || st.busy.size() >= st.options.workers)
    return;
  st.looking = true;
  auto limit = st.options.workers - st.busy.size();
  std::vector<events::uuid> busy{st.busy.begin(), st.busy.end()};
  auto jobs = std::make_shared<std::vector<extraction_job>>();
  self
    ->request(st.services.db, st.options.command_timeout,
              db_job{[jobs, limit, busy](pqxx::connection& conn) {
                pqxx::read_transaction txn{conn};
                *jobs = projections::due_extraction_jobs(txn, limit, busy);
              }})
    .then(
      [self, jobs](caf::ok_atom) {
        auto& st = self->state;
        st.looking = false;
        for (auto& job : *jobs) {
          if (st.busy.size() >= st.options.workers)
            break;
          if (!st.busy.insert(job.invoice_id).second)
            continue;
          st.stats.running = st.busy.size();
          run_job(self, std::move(job));
        }
      },
      [self](const caf::error&) {
        self->state.looking = false;
      });
}

caf::behavior manager(manager_actor self, extraction_options options,
                      extraction_services services) {
  self->state.options = std::move(options);
  self->state.services = std::move(services);
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) {
      look_for_work(self);
    },
    [self](poll_atom) {
      look_for_work(self);
      self->delayed_send(self, self->state.options.poll, poll_atom_v);
    },
    [self](caf::get_atom) {
      return self->state.stats;
    },
  };
}

} // namespace

caf::actor spawn_extraction_manager(caf::actor_system& sys,
                                    extraction_options options,
                                    extraction_services services) {
  auto a = sys.spawn(manager, std::move(options), std::move(services));
  caf::anon_send(a, poll_atom_v);
  return a;
}

} // namespace larder
