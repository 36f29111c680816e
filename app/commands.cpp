#include "app/commands.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <pqxx/pqxx>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/registries.hpp"
#include "actors/system_config.hpp"
#include "app/runtime.hpp"
#include "events/crypto.hpp"
#include "events/event_store.hpp"
#include "events/migrations.hpp"
#include "extract/documents.hpp"
#include "extract/ocr/sniff.hpp"
#include "http/auth_store.hpp"
#include "http/token.hpp"
#include "projections/models.hpp"
#include "projections/rebuild.hpp"

namespace larder::app {

namespace {

/// Escapes the log message for the JSON-lines format, so a message with a
/// quote or a newline still yields one valid JSON object per line.
class json_message_flag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char hex[] = "0123456789abcdef";
    for (char c : std::string_view{msg.payload.data(), msg.payload.size()}) {
      auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        dest.push_back('\\');
        dest.push_back(c);
      } else if (u < 0x20) {
        const char esc[] = {'\\', 'u', '0', '0', hex[u >> 4], hex[u & 15]};
        dest.append(esc, esc + sizeof(esc));
      } else {
        dest.push_back(c);
      }
    }
  }

  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_message_flag>();
  }
};

} // namespace

void init_logging(bool production) {
  if (production) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>(
      spdlog::pattern_time_type::utc);
    formatter->add_flag<json_message_flag>('*').set_pattern(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":"%*"})");
    auto logger = spdlog::stdout_logger_mt("larder");
    logger->set_formatter(std::move(formatter));
    spdlog::set_default_logger(logger);
  } else {
    auto logger = spdlog::stdout_color_mt("larder");
    logger->set_pattern("%H:%M:%S.%e %^%-5l%$ %v");
    spdlog::set_default_logger(logger);
  }
  spdlog::flush_on(spdlog::level::info);
}

namespace {

/// A fixed id for the development demo tenant, so `./dev up` finds the one
/// it made on an earlier run.
events::uuid demo_tenant_id() {
  return events::uuid::make_v8("larder-demo-tenant");
}

/// Sends one command and waits for its answer; logs and returns false on
/// an error.
template <class Reply, class Command>
std::optional<Reply> ask(caf::scoped_actor& self, const caf::actor& registry,
                         std::string stream, Command cmd,
                         const events::uuid& tenant, bool get) {
  domain::command_context ctx;
  ctx.tenant_id = tenant;
  ctx.now = events::now_timestamp();
  ctx.meta.actor = events::actor_kind::system;
  ctx.meta.source = "cli";
  std::optional<Reply> out;
  auto on_error = [&](const caf::error& e) {
    spdlog::error("start-up: {}", from_caf_error(e).message);
  };
  if (get)
    self
      ->request(registry, std::chrono::seconds(10), caf::get_atom_v,
                std::move(stream), std::move(ctx))
      .receive(
        [&](Reply& r) {
          out = std::move(r);
        },
        on_error);
  else
    self
      ->request(registry, std::chrono::seconds(10), command_atom_v,
                std::move(stream), std::move(cmd), std::move(ctx))
      .receive(
        [&](Reply& r) {
          out = std::move(r);
        },
        on_error);
  return out;
}

/// Puts sample documents into the demo tenant as if its admin had uploaded
/// them, so the first screen has invoices to open; extraction then runs on
/// them as on any upload. A document that is already there (by content) is
/// skipped, so each `./dev up` adds nothing twice, and one a developer
/// deleted stays deleted.
void seed_demo_documents(caf::scoped_actor& self, runtime& rt,
                         const events::uuid& tenant, const std::string& email,
                         const std::vector<std::filesystem::path>& files) {
  const auto& s = rt.services();
  int added = 0;
  for (const auto& file : files) {
    std::ifstream in{file, std::ios::binary};
    std::string bytes{std::istreambuf_iterator<char>{in}, {}};
    auto kind = in ? extract::sniff(bytes) : std::nullopt;
    if (!kind) {
      spdlog::warn("start-up: skipped demo document {}: not a readable "
                   "invoice file",
                   file.string());
      continue;
    }
    auto sha = s.documents->put(tenant, bytes);
    if (!sha) {
      spdlog::error("start-up: cannot store demo document {}: {}",
                    file.string(), sha.error().message);
      return;
    }
    auto id = extract::document_invoice_id(tenant, *sha);
    auto stream = domain::stream_id("invoice", id);
    auto known = ask<invoice_reply>(self, s.invoices, stream,
                                    domain::invoice_command{}, tenant, true);
    if (!known || known->state->exists)
      continue;
    domain::receive_document cmd;
    cmd.invoice_id = id;
    cmd.source = domain::document_source::upload;
    cmd.file_name = file.filename().string();
    cmd.media_type = std::string{extract::media_type_of(*kind)};
    cmd.size_bytes = static_cast<std::int64_t>(bytes.size());
    cmd.sha256 = *sha;
    cmd.sender = email;
    if (ask<invoice_reply>(self, s.invoices, stream,
                           domain::invoice_command{std::move(cmd)}, tenant,
                           false))
      ++added;
  }
  if (added > 0)
    spdlog::info("start-up: put {} sample documents into the demo tenant",
                 added);
}

void bootstrap(caf::actor_system& sys, const config& cfg, runtime& rt,
               bool demo,
               const std::vector<std::filesystem::path>& demo_documents) {
  caf::scoped_actor self{sys};
  const auto& s = rt.services();
  auto email = cfg.admin_email;
  auto user_id = domain::user_id_for_email(email);
  auto user_stream = domain::stream_id("user", user_id);
  auto pid = domain::platform_tenant_id;
  auto user = ask<user_reply>(self, s.users, user_stream,
                              domain::user_command{}, pid, true);
  if (!user)
    return;
  if (!user->state->exists) {
    domain::register_user reg{user_id, email, std::nullopt, true, true};
    if (!ask<user_reply>(self, s.users, user_stream, domain::user_command{reg},
                         pid, false))
      return;
    spdlog::info("start-up: {} is the first platform admin", email);
  }
  if (demo) {
    auto tid = demo_tenant_id();
    auto tstream = domain::stream_id("tenant", tid);
    auto tenant = ask<tenant_reply>(self, s.tenants, tstream,
                                    domain::tenant_command{}, tid, true);
    if (tenant && !tenant->state->exists) {
      try {
        pqxx::connection conn{cfg.database_url};
        http::auth_store::reserve_key(conn, "inbound_alias", "demo", tid);
      } catch (const std::exception& e) {
        spdlog::error("start-up: cannot reserve the demo address: {}",
                      e.what());
        return;
      }
      domain::create_tenant create{
        "Demo Bistro", "", "CA-QC", std::nullopt, "demo", user_id, email};
      if (ask<tenant_reply>(self, s.tenants, tstream,
                            domain::tenant_command{create}, tid, false))
        spdlog::info("start-up: created the demo tenant 'Demo Bistro'");
    }
    seed_demo_documents(self, rt, tid, email, demo_documents);
  }
  if (cfg.production)
    return;
  // A ready link, so a new developer is signed in within a minute.
  std::array<std::uint8_t, 32> raw{};
  events::random_bytes(raw);
  auto token = http::base64url_encode(
    std::string_view{reinterpret_cast<const char*>(raw.data()), raw.size()});
  try {
    pqxx::connection conn{cfg.database_url};
    if (http::auth_store::issue_magic_link(
          conn, email, events::to_hex(events::sha256({token})),
          std::chrono::minutes(15), 3, std::chrono::minutes(15), "start-up"))
      spdlog::info("Sign in as {}: {}/api/auth/verify?token={}", email,
                   cfg.public_url, token);
    else
      spdlog::info("Sign in as {}: ask for a link at {} (three links were "
                   "made in the last 15 minutes)",
                   email, cfg.public_url);
  } catch (const std::exception& e) {
    spdlog::error("start-up: cannot make a sign-in link: {}", e.what());
  }
  spdlog::info("dev outbox (sign-in mail): {}", cfg.dev_outbox);
}

} // namespace

const char* version() noexcept {
  return LARDER_VERSION;
}

int migrate(const config& cfg) {
  auto report = events::migrate(cfg.migrate_url);
  if (!report) {
    spdlog::error("migrate: {}", report.error().message);
    return 1;
  }
  for (const auto& name : report->applied)
    spdlog::info("migrate: applied {}", name);
  spdlog::info("migrate: schema is current ({} applied now, {} before)",
               report->applied.size(), report->already_applied);
  return 0;
}

int verify(const config& cfg, const std::string& tenant) {
  std::optional<events::uuid> tenant_id;
  if (!tenant.empty()) {
    tenant_id = events::uuid::parse(tenant);
    if (!tenant_id) {
      spdlog::error("verify: '{}' is not a tenant id (a UUID)", tenant);
      return 2;
    }
  }
  events::event_store store{cfg.database_url};
  auto report = store.verify(tenant_id);
  if (!report) {
    spdlog::error("verify: {}", report.error().message);
    return 1;
  }
  if (report->failure) {
    const auto& f = *report->failure;
    spdlog::error("verify: BROKEN at stream {} version {}: {}", f.stream_id,
                  f.stream_version, f.reason);
    return 1;
  }
  spdlog::info("verify: {} events in {} streams, every hash chain intact",
               report->events, report->streams);
  return 0;
}

int projections_status(const config& cfg) {
  std::vector<std::string> names;
  for (const auto& m : projections::all_models(make_domain_catalog()))
    names.push_back(m.name);
  auto reports = projections::projection_reports(cfg.database_url, names);
  if (!reports) {
    spdlog::error("projections: {}", reports.error().message);
    return 1;
  }
  std::printf("%-12s %12s %12s %10s  %-27s %s\n", "projection", "position",
              "lag events", "lag s", "updated", "last error");
  bool healthy = true;
  for (const auto& r : *reports) {
    std::printf("%-12s %12lld %12lld %10.1f  %-27s %s\n", r.name.c_str(),
                static_cast<long long>(r.last_position),
                static_cast<long long>(r.lag_events), r.lag_seconds,
                r.updated_at.empty() ? "never" : r.updated_at.c_str(),
                r.last_error.empty() ? "-" : r.last_error.c_str());
    healthy = healthy && r.last_error.empty();
  }
  return healthy ? 0 : 1;
}

int projections_rebuild(const config& cfg, const std::string& name) {
  auto catalog = make_domain_catalog();
  auto models = projections::all_models(catalog);
  std::vector<projections::read_model> chosen;
  std::string known;
  for (auto& m : models) {
    known += (known.empty() ? "" : ", ") + m.name;
    if (name == "--all" || name == m.name)
      chosen.push_back(std::move(m));
  }
  if (chosen.empty()) {
    spdlog::error("projections rebuild: no projection named '{}' (one of: "
                  "{}; or --all)",
                  name, known);
    return 2;
  }
  std::vector<std::string> names;
  std::string listed;
  for (const auto& m : chosen) {
    names.push_back(m.name);
    listed += (listed.empty() ? "" : ", ") + m.name;
  }
  spdlog::info("rebuilding {} ...", listed);
  std::int64_t next_note = 100000;
  auto started = std::chrono::steady_clock::now();
  projections::rebuild_progress progress;
  progress.read = [&](std::int64_t read) {
    if (read >= next_note) {
      spdlog::info("  {} events read", read);
      next_note += 100000;
    }
  };
  // After the read, the big models take seconds more; say what they do.
  progress.step = [](const std::string& model, projections::rebuild_step step) {
    switch (step) {
      case projections::rebuild_step::settling:
        spdlog::info("  {}: log loaded, settling the copy", model);
        break;
      case projections::rebuild_step::indexing:
        spdlog::info("  {}: caught up, building indexes and statistics", model);
        break;
      case projections::rebuild_step::swapping:
        spdlog::info("  {}: swapping the copy in", model);
        break;
    }
  };
  auto results = projections::rebuild_all(cfg.migrate_url, std::move(chosen),
                                          catalog, std::move(progress));
  std::int64_t events = 0;
  int failed = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& done = results[i];
    if (!done) {
      spdlog::error("projections rebuild {}: {}", names[i],
                    done.error().message);
      ++failed;
      continue;
    }
    spdlog::info("rebuilt {}: {} events, swapped in after {:.2f} s", done->name,
                 done->events, done->seconds);
    events = std::max(events, done->events);
  }
  std::chrono::duration<double> took =
    std::chrono::steady_clock::now() - started;
  if (results.size() > 1 && failed == 0)
    spdlog::info("rebuilt {} projections from {} events in {:.2f} s ({:.0f} "
                 "events/s)",
                 results.size(), events, took.count(),
                 took.count() > 0 ? events / took.count() : 0.0);
  return failed == 0 ? 0 : 1;
}

int serve(const config& cfg, bool demo,
          const std::vector<std::filesystem::path>& demo_documents) {
  // Block the shutdown signals before any thread exists, so every thread
  // inherits the mask and only sigwait below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  {
    events::event_store probe{cfg.database_url};
    if (auto ok = probe.connect(); !ok) {
      spdlog::error("serve: {} (LARDER_DATABASE_URL; with ./dev up the "
                    "embedded cluster is started for you)",
                    ok.error().message);
      return 1;
    }
  }
  auto pending = events::pending_migrations(cfg.database_url);
  if (!pending) {
    spdlog::error("serve: {}", pending.error().message);
    return 1;
  }
  if (!pending->empty()) {
    spdlog::error("serve: the database schema is older than this build "
                  "({} migrations pending, first {}); run 'larder migrate'",
                  pending->size(), pending->front());
    return 1;
  }

  system_config caf_cfg;
  caf_cfg.load<caf::io::middleman>();
  caf::actor_system sys{caf_cfg};
  auto rt =
    runtime::start(sys, cfg, edge_options_from(cfg), server_options_from(cfg));
  if (!rt) {
    spdlog::error("serve: {}", rt.error().message);
    return 1;
  }
  if (!cfg.admin_email.empty())
    bootstrap(sys, cfg, **rt, demo, demo_documents);
  spdlog::info("larder {} ready ({} mode) on http://{}:{} (public URL {})",
               version(), cfg.production ? "production" : "development",
               server_options_from(cfg).host, (*rt)->port(), cfg.public_url);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("serve: {} received, draining",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*rt)->stop();
  spdlog::info("serve: stopped cleanly");
  return 0;
}

} // namespace larder::app
