#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include "actors/store_writer.hpp"
#include "extract/documents.hpp"
#include "http/mailer.hpp"
#include "http/rate_limit.hpp"
#include "http/token.hpp"

/// The HTTP edge actor: the handler behind the broker (http/server). For
/// each `(http::request)` it matches a route of the one route table
/// (http/routes.cpp), applies the rate limits, the origin and CSRF checks,
/// authenticates the session cookie, checks the route's role, and runs the
/// route's handler, which turns the request into commands to the entity
/// registries or queries to the database workers and answers
/// `http::response`. Requests never wait for one another: every command
/// and query is an asynchronous request with a timeout.
namespace larder::http {

struct edge_options {
  bool production = false;
  /// Scheme, host and port people use, without a trailing slash.
  std::string public_url = "http://127.0.0.1:8080";
  /// Session tokens and CSRF tokens are signed with this (at least 32
  /// bytes).
  hmac_key secret_key;
  /// The first platform admin; may sign in from the first start.
  std::string admin_email;
  /// Origins allowed to call the API from a browser, besides the public
  /// URL's own.
  std::vector<std::string> cors_origins;
  /// `web/dist`; empty or missing means no SPA is served.
  std::filesystem::path web_root;
  /// Tenants' inbound addresses are `<alias>@<mail_domain>`.
  std::string mail_domain = "in.larder.local";
  /// Where sign-in mail is written instead of sent, in development without
  /// SMTP (shown by `GET /api/config`); empty otherwise.
  std::string dev_outbox;
  /// The sender address of sign-in mail.
  std::string mail_from = "sign-in@larder.local";
  std::chrono::seconds magic_link_ttl{15 * 60};
  int magic_links_per_window = 3;
  std::chrono::seconds magic_link_window{15 * 60};
  std::chrono::seconds session_ttl{24 * 3600};
  /// How long a session row read from the database is trusted before it is
  /// read again (revocations on this node apply at once).
  std::chrono::seconds session_cache_ttl{5};
  /// How long who a session's person is (disabled? global admin? role in
  /// the session's tenant?) is reused without asking the user and tenant
  /// actors again. Any user or tenant command through this edge forgets
  /// them all at once; another node's commands show within this time.
  std::chrono::milliseconds identity_cache_ttl{1000};
  /// Per client address.
  bucket_policy signin_limit{10, 10.0 / 60};
  bucket_policy webhook_limit{600, 10};
  bucket_policy api_address_limit{2400, 40};
  /// Per signed-in user.
  bucket_policy api_user_limit{1200, 20};
  /// How long a job on a blocking worker (the database pool, document and
  /// template work) may take before the request fails with `timeout`.
  /// Requests to the entity actors carry no CAF timeout (`send_command`).
  std::chrono::milliseconds job_timeout{10000};
};

/// The actors the edge talks to.
struct edge_services {
  caf::actor tenants;
  caf::actor users;
  caf::actor platform;
  caf::actor invoices;
  /// actors/db_pool: sessions, magic links, the directory.
  caf::actor db;
  /// Answers `(http::mail_message)` by sending it (fire and forget).
  caf::actor mail;
  /// For /metrics (may be null).
  std::shared_ptr<const store_writer_stats> writer_stats;
  /// Projection runners, each answering `(caf::get_atom)` with its
  /// `projection_status`, for /ready and /metrics.
  std::vector<caf::actor> projections;
  /// http/live_feed: the Server-Sent Events of /api/events/stream.
  caf::actor feed;
  /// actors/extraction_manager, for /metrics (may be null).
  caf::actor extraction;
  /// actors/blocking_pool: uploads and stored documents.
  caf::actor blocking;
  /// Where documents are stored, by content.
  std::shared_ptr<extract::document_store> documents;
  /// The store writer and the database, for what writes events or reads
  /// at length outside the entities (the exports).
  store_writer_actor writer;
  std::string database_url;
  /// The data directory: tenants' own templates live in
  /// `templates/<tenant id>/` under it, where the extractor finds them.
  std::filesystem::path data_dir;
};

caf::actor spawn_edge(caf::actor_system& sys, edge_options options,
                      edge_services services);

/// The mail worker: a detached actor owning `mailer`, sending each
/// `(http::mail_message)` it receives and logging failures.
caf::actor spawn_mail_worker(caf::actor_system& sys, std::string smtp_url,
                             std::filesystem::path outbox);

} // namespace larder::http

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(larder::http::mail_message)
