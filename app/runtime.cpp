#include "app/runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/blocking_pool.hpp"
#include "actors/db_pool.hpp"
#include "actors/extraction_manager.hpp"
#include "actors/projection_actor.hpp"
#include "actors/reader_pool.hpp"
#include "actors/registries.hpp"
#include "actors/type_ids.hpp"
#include "http/live_feed.hpp"
#include "projections/models.hpp"

namespace larder::app {

http::edge_options edge_options_from(const config& cfg) {
  http::edge_options o;
  o.production = cfg.production;
  o.public_url = cfg.public_url;
  while (!o.public_url.empty() && o.public_url.back() == '/')
    o.public_url.pop_back();
  o.secret_key = cfg.secret_key;
  o.admin_email = cfg.admin_email;
  o.cors_origins = cfg.cors_origins;
  o.web_root = std::filesystem::weakly_canonical(cfg.web_dir);
  if (!std::filesystem::is_directory(o.web_root))
    o.web_root.clear();
  o.mail_domain = cfg.mail_domain;
  // load_config checked every rate it read; a config made in code may leave
  // them empty, which keeps edge_options' defaults.
  auto policy = [](const std::string& text, http::bucket_policy fallback,
                   double scale = 1) {
    auto r = parse_rate(text);
    if (!r)
      return fallback;
    return http::bucket_policy{r->first * scale, r->second * scale};
  };
  o.signin_limit = policy(cfg.rate_signin, o.signin_limit);
  o.webhook_limit = policy(cfg.rate_webhooks, o.webhook_limit);
  o.api_user_limit = policy(cfg.rate_api, o.api_user_limit);
  o.api_address_limit = policy(cfg.rate_api, o.api_address_limit, 2);
  return o;
}

extraction_options extraction_options_from(const config& cfg) {
  extraction_options o;
  namespace fs = std::filesystem;
  fs::path binary = cfg.extract_binary;
  if (binary.empty()) {
    // larder-extract next to this binary (it starts far faster than the
    // server's binary), else this binary's own `extract` verb.
    std::error_code ec;
    auto self = fs::read_symlink("/proc/self/exe", ec);
    auto sibling = self.parent_path() / "larder-extract";
    binary = fs::exists(sibling, ec) ? sibling : self;
  }
  o.command = {binary.string()};
  if (binary.filename() == "larder")
    o.command.emplace_back("extract");
  else if (binary.filename() != "larder-extract" && cfg.extract_binary.empty())
    o.command.clear(); // no extractor here: see runtime::start
  o.workers = static_cast<std::size_t>(cfg.extract_workers);
  o.document_timeout = std::chrono::seconds(cfg.extract_timeout_seconds);
  o.min_confidence = cfg.extract_min_confidence;
  o.retry_backoff = std::chrono::milliseconds(cfg.extract_retry_backoff_ms);
  o.ocr_languages = cfg.ocr_languages;
  o.templates_dir = cfg.templates_dir;
  o.data_dir = cfg.data_dir;
#if defined(__SANITIZE_ADDRESS__)
  o.memory_limit_bytes = 0; // ASan reserves terabytes of address space
#else
  o.memory_limit_bytes = std::size_t{2} << 30;
#endif
  return o;
}

http::server_options server_options_from(const config& cfg) {
  http::server_options o;
  auto colon = cfg.http_addr.rfind(':');
  if (!cfg.http_addr.empty())
    o.host = cfg.http_addr.substr(0, colon);
  if (colon != std::string::npos)
    o.port =
      static_cast<std::uint16_t>(std::stoi(cfg.http_addr.substr(colon + 1)));
  o.common_headers =
    http::security_headers(cfg.public_url.starts_with("https://"));
  return o;
}

expected<std::unique_ptr<runtime>> runtime::start(caf::actor_system& sys,
                                                  const config& cfg,
                                                  http::edge_options edge,
                                                  http::server_options server) {
  std::unique_ptr<runtime> rt{new runtime(sys)};
  // Development mail without SMTP lands in the outbox: the sign-in page
  // says where (GET /api/config).
  if (edge.dev_outbox.empty() && !cfg.production && cfg.smtp_url.empty())
    edge.dev_outbox =
      std::filesystem::weakly_canonical(cfg.dev_outbox).string();
  store_writer_options writer_opts;
  writer_opts.database_url = cfg.database_url;
  auto writer_stats = writer_opts.stats;
  rt->writer_ = spawn_store_writer(sys, writer_opts);
  rt->readers_ = spawn_reader_pool(sys, cfg.database_url, 4);
  auto catalog = make_domain_catalog();
  entity_services services{rt->writer_, rt->readers_, catalog};
  auto& s = rt->services_;
  s.platform = spawn_platform_registry(sys, services);
  s.tenants = spawn_tenant_registry(sys, services);
  s.users = spawn_user_registry(sys, services);
  s.invoices = spawn_invoice_registry(sys, services);
  s.db = spawn_db_pool(sys, cfg.database_url, 4);
  s.blocking = spawn_blocking_pool(sys, 2);
  s.documents = std::make_shared<extract::document_store>(cfg.data_dir);
  s.data_dir = cfg.data_dir;
  s.writer = rt->writer_;
  s.database_url = cfg.database_url;
  s.mail = http::spawn_mail_worker(sys, cfg.smtp_url, cfg.dev_outbox);
  s.writer_stats = writer_stats;
  http::live_feed_options feed;
  feed.heartbeat = std::chrono::milliseconds(cfg.live_heartbeat_ms);
  s.feed = http::spawn_live_feed(sys, feed);
  // A node with no extraction workers (or no extractor binary) leaves
  // documents to other nodes.
  if (cfg.extract_workers > 0) {
    auto extraction = extraction_options_from(cfg);
    if (extraction.command.empty())
      spdlog::warn("no larder-extract next to this program: documents wait "
                   "for a node that can read them");
    else
      rt->extraction_ = spawn_extraction_manager(
        sys, std::move(extraction), {s.invoices, s.tenants, s.db, s.documents});
  }
  s.extraction = rt->extraction_;
  auto models = projections::all_models(catalog);
  for (auto& model : models)
    if (model.name == "extraction_jobs" && rt->extraction_)
      model.committed = [manager = rt->extraction_] {
        caf::anon_send(manager, tick_atom_v);
      };
  models.push_back(
    http::live_model([feed = s.feed](std::vector<http::feed_item> items) {
      caf::anon_send(feed, caf::forward_atom_v, std::move(items));
    }));
  auto group =
    spawn_projections(sys, cfg.database_url, std::move(models), catalog);
  rt->projection_tail_ = group.tail;
  for (const auto& model : group.models)
    rt->projections_.push_back(caf::actor_cast<caf::actor>(model));
  s.projections = rt->projections_;
  rt->edge_ = http::spawn_edge(sys, std::move(edge), s);
  auto bound = http::spawn_server(sys, std::move(server), rt->edge_);
  if (!bound) {
    rt->stop();
    return std::move(bound).error();
  }
  rt->broker_ = bound->first;
  rt->port_ = bound->second;
  caf::anon_send(rt->edge_, caf::put_atom_v, rt->broker_);
  return rt;
}

runtime::~runtime() {
  stop();
}

void runtime::stop_projections() {
  caf::scoped_actor self{sys_};
  // The tail first: it hands out no slice once the models are gone.
  if (projection_tail_) {
    self->send_exit(projection_tail_, caf::exit_reason::user_shutdown);
    self->wait_for(projection_tail_);
    projection_tail_ = nullptr;
  }
  for (const auto& p : projections_) {
    self->send_exit(p, caf::exit_reason::user_shutdown);
    self->wait_for(p);
  }
  projections_.clear();
}

void runtime::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  caf::scoped_actor self{sys_};
  auto stop_one = [&](const caf::actor& a) {
    if (!a)
      return;
    self->send_exit(a, caf::exit_reason::user_shutdown);
    self->wait_for(a);
  };
  // The broker drains in-flight requests first (they still need the edge
  // and the registries), then the edge, then the entity actors (their last
  // appends reach the writer), the writer drains, and the readers go last.
  if (broker_) {
    self->send(broker_, caf::close_atom_v);
    self->wait_for(broker_);
  }
  stop_one(edge_);
  stop_one(extraction_);
  for (const auto& a : {services_.platform, services_.tenants, services_.users,
                        services_.invoices})
    stop_one(a);
  stop_one(projection_tail_);
  for (const auto& p : projections_)
    stop_one(p);
  stop_one(services_.feed);
  stop_one(services_.mail);
  stop_one(services_.db);
  stop_one(services_.blocking);
  if (writer_) {
    self->send_exit(writer_, caf::exit_reason::user_shutdown);
    self->wait_for(writer_);
  }
  stop_one(readers_);
}

} // namespace larder::app
