#include "app/commands.hpp"

#include <csignal>
#include <cstdio>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "actors/reader_pool.hpp"
#include "actors/registries.hpp"
#include "actors/store_writer.hpp"
#include "actors/system_config.hpp"
#include "events/event_store.hpp"
#include "events/migrations.hpp"

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

int serve(const config& cfg) {
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
  caf::actor_system sys{caf_cfg};
  store_writer_options writer_opts;
  writer_opts.database_url = cfg.database_url;
  auto writer = spawn_store_writer(sys, writer_opts);
  auto readers = spawn_reader_pool(sys, cfg.database_url, 4);
  entity_services services{writer, readers, make_domain_catalog()};
  std::vector<caf::actor> registries{spawn_platform_registry(sys, services),
                                     spawn_tenant_registry(sys, services),
                                     spawn_user_registry(sys, services),
                                     spawn_invoice_registry(sys, services)};
  spdlog::info("larder {} ready ({} mode); the HTTP edge is not built yet, "
               "so nothing listens on {}",
               version(), cfg.production ? "production" : "development",
               cfg.http_addr);

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("serve: {} received, draining",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  {
    // Registries first (their actors' last appends reach the writer), then
    // the writer drains, then the readers.
    caf::scoped_actor self{sys};
    for (auto& r : registries) {
      self->send_exit(r, caf::exit_reason::user_shutdown);
      self->wait_for(r);
    }
    self->send_exit(writer, caf::exit_reason::user_shutdown);
    self->wait_for(writer);
    self->send_exit(readers, caf::exit_reason::user_shutdown);
    self->wait_for(readers);
  }
  spdlog::info("serve: stopped cleanly");
  return 0;
}

} // namespace larder::app
