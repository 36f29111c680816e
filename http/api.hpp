#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>
#include <simdjson.h>

#include "actors/db_pool.hpp"
#include "actors/errors.hpp"
#include "actors/registries.hpp"
#include "events/json_writer.hpp"
#include "http/edge.hpp"
#include "http/message.hpp"
#include "http/rate_limit.hpp"
#include "http/token.hpp"

/// What the route handlers (http/api_*.cpp) share with the edge actor
/// (http/edge.cpp). Internal to http/: include only from its .cpp files.
namespace larder::http {

/// Who may call a route. Declared once per route in http/routes.cpp.
enum class access : std::uint8_t {
  /// No session needed (sign-in, health, webhooks).
  anyone,
  /// Any signed-in person, with or without a business.
  signed_in,
  /// Any role in the current tenant, auditors included (reads).
  tenant_reader,
  /// Admins and members of the current tenant (changes to invoices).
  tenant_member,
  /// Admins of the current tenant (settings, people).
  tenant_admin,
  /// Platform administrators.
  global_admin,
  /// Admins and auditors of the current tenant (exports to the books).
  tenant_books,
};

std::string_view to_string(access a) noexcept;

/// Which rate-limit bucket a route draws from.
enum class limit_class : std::uint8_t { api, signin, webhook, none };

/// The person behind a request, once the session cookie checked out.
struct identity {
  events::uuid session_id;
  events::uuid user_id;
  std::string email;
  bool global_admin = false;
  std::optional<events::uuid> tenant_id;
  std::optional<domain::tenant_role> role;
  std::string tenant_name;
  /// Epoch seconds.
  std::int64_t session_expires = 0;
};

struct edge_state;
using edge_actor = caf::stateful_actor<edge_state>*;

/// One request on its way through a handler. Held by shared_ptr so that the
/// continuations of asynchronous requests keep it alive.
struct call {
  edge_actor self;
  request req;
  caf::response_promise rp;
  /// `{name}` segments of the route's pattern.
  std::map<std::string, std::string, std::less<>> params;
  std::optional<identity> who;
  /// The parsed JSON body (an object), when the route takes one, and the
  /// parser that owns its memory.
  simdjson::dom::element body;
  std::shared_ptr<simdjson::dom::parser> body_parser;
  std::string route;
  /// Set-Cookie and other headers every answer of this call carries.
  header_list extra_headers;
  bool answered = false;
  /// `event_metadata::request_hash` of this request, once a command with
  /// an Idempotency-Key asked for it (a batch upload asks once per file).
  mutable std::string request_hash;

  /// Sends `res` (once; later calls are ignored) with `extra_headers`.
  void reply(response res);
  void fail(const larder::error& err);
  void fail(int status, std::string_view code, std::string_view message);

  /// The metadata and clock for a command on behalf of this call.
  domain::command_context context(const events::uuid& tenant) const;

  std::string_view param(std::string_view name) const;

  /// Whether the JSON body (if the request has one) holds only `allowed`
  /// members; otherwise answers 400 naming the first other one.
  bool body_has_only(std::initializer_list<std::string_view> allowed);
};

using call_ptr = std::shared_ptr<call>;

/// What a request asked, for `event_metadata::request_hash`: 128 bits of
/// the SHA-256 of `parts`, in hex.
std::string request_digest(std::initializer_list<std::string_view> parts);
using handler_fn = void (*)(const call_ptr&);

struct route {
  std::string_view method;
  /// Segments separated by '/', `{name}` for a parameter.
  std::string_view pattern;
  access needs;
  limit_class limit = limit_class::api;
  /// Whether the handler reads a JSON object body.
  bool json_body = false;
  handler_fn handler;
  /// One line for docs/api/openapi.yaml and the route table test.
  std::string_view summary;
};

/// Every route of the API, in one table (http/routes.cpp).
const std::vector<route>& routes();

/// Per-route request counts by status and latency histograms, for /metrics.
struct route_metrics {
  std::map<int, std::uint64_t> by_status;
  /// Cumulative counts at the bucket bounds of `latency_bounds_ms`.
  std::vector<std::uint64_t> latency_buckets;
  double latency_sum_seconds = 0;
  std::uint64_t count = 0;
};

inline constexpr double latency_bounds_ms[] = {
  1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000};

struct cached_session {
  events::uuid user_id;
  std::optional<events::uuid> tenant_id;
  std::int64_t created_at = 0;
  std::int64_t expires_at = 0;
  std::chrono::steady_clock::time_point fetched;
  /// The session's CSRF token (`session_csrf`), computed once.
  std::string csrf;
};

/// An identity as resolved for a session in its tenant.
struct cached_identity {
  identity who;
  std::chrono::steady_clock::time_point fetched;
};

struct edge_state {
  static inline const char* name = "larder.edge";

  edge_options options;
  edge_services services;
  caf::actor broker;
  rate_limiter signin_limiter{{}};
  rate_limiter webhook_limiter{{}};
  rate_limiter api_address_limiter{{}};
  rate_limiter api_user_limiter{{}};
  std::unordered_map<std::string, cached_session> sessions;
  /// Keyed by session id and tenant id; see `identity_cache_ttl`.
  std::unordered_map<std::string, cached_identity> identities;
  std::map<std::string, route_metrics, std::less<>> metrics;
  std::uint64_t requests_total = 0;
  /// Downloads of exports running now (http/api_exports.cpp); each
  /// exporter decrements it when it ends.
  std::shared_ptr<std::atomic<int>> exports_running;
};

// -- helpers for handlers -----------------------------------------------------

/// Sends a command to an entity registry on behalf of `c`; calls `done` with
/// the reply, or answers the error. Requests to the entity actors carry no
/// CAF timeout: each would be an entry in the actor clock for its whole
/// duration, answered or not (at 6,000 commands/s and 10 s, 60,000 of
/// them; the clock's thread took 13-15% of a core), and a timeout message
/// to the edge 10 s later. An entity always answers: its appends fail with
/// `timeout` by the store writer's tick, its reads by the readers' timeout.
/// A call still unanswered after the broker's `handler_timeout` gets 504
/// from the broker, as every request does.
template <class Entity, class F>
void send_command(const call_ptr& c, const caf::actor& registry,
                  std::string stream, typename Entity::command cmd,
                  const events::uuid& tenant, F done) {
  c->self
    ->request(registry, caf::infinite, command_atom_v, std::move(stream),
              std::move(cmd), c->context(tenant))
    .then(
      [c, done](entity_reply<Entity>& r) mutable {
        // A person or a business changed: who anyone is may have too.
        if constexpr (!std::is_same_v<Entity, domain::invoice_entity>)
          c->self->state.identities.clear();
        done(r);
      },
      [c](const caf::error& e) {
        c->fail(from_caf_error(e));
      });
}

/// Asks an entity registry for an entity's current state.
template <class Entity, class F>
void get_entity(const call_ptr& c, const caf::actor& registry,
                std::string stream, const events::uuid& tenant, F done) {
  domain::command_context ctx;
  ctx.tenant_id = tenant;
  c->self
    ->request(registry, caf::infinite, caf::get_atom_v, std::move(stream),
              std::move(ctx))
    .then(
      [c, done](entity_reply<Entity>& r) mutable {
        done(r);
      },
      [c](const caf::error& e) {
        c->fail(from_caf_error(e));
      });
}

/// Runs `job` on a database worker; `done` runs on the edge after it
/// finished. The job must not touch the edge's state.
template <class Job, class F>
void with_db(const call_ptr& c, Job job, F done) {
  c->self
    ->request(c->self->state.services.db, c->self->state.options.job_timeout,
              db_job{std::function<void(pqxx::connection&)>(std::move(job))})
    .then(
      [done](caf::ok_atom) mutable {
        done();
      },
      [c](const caf::error& e) {
        c->fail(from_caf_error(e));
      });
}

// -- read-model queries
// ---------------------------------------------------------

/// A query's URL parameters, without `after` (read-your-writes), which
/// `run_query` handles for every query alike.
struct query_params {
  std::vector<std::pair<std::string, std::string>> rest;
  /// A global position from a command's answer: the query waits (at most
  /// `read_your_writes_wait`) until its read model has applied that event.
  std::int64_t after = 0;
};

/// The request's query string, decoded; answers 400 and returns nothing
/// when it is malformed or `after` is not a position.
std::optional<query_params> read_query_params(const call_ptr& c);

inline constexpr auto read_your_writes_wait = std::chrono::seconds(2);

/// Blocks (on a database worker) until read model `model` has applied the
/// event at `after`, or `read_your_writes_wait` passed; false on timeout.
/// A position with no event waits for nothing.
bool wait_for_read_model(pqxx::connection& conn, const std::string& model,
                         std::int64_t after);

/// JSON text, or nothing for "not found".
using query_fn =
  std::function<std::optional<std::string>(pqxx::transaction_base&)>;

/// Runs `query` in a read-only transaction on a database worker, after
/// waiting for read model `model` to reach `after` (when both are set).
/// Answers 200 with the JSON (and `X-Larder-Stale: true` when the wait
/// timed out), 404, or the error.
void run_query(const call_ptr& c, std::string model, std::int64_t after,
               query_fn query);

/// The command reply body: `{"id", "version", "position", …}`.
std::string command_result(std::string_view id, std::int64_t version,
                           std::int64_t position);

// -- reading JSON bodies
// --------------------------------------------------------

/// Refuses members outside `allowed`, and a member given twice: the
/// message names the first such.
std::optional<larder::error>
check_members(const simdjson::dom::element& obj,
              std::initializer_list<std::string_view> allowed);

/// A string member: missing is an error when `required`, else "".
expected<std::string> string_member(const simdjson::dom::element& obj,
                                    std::string_view name,
                                    bool required = true);
/// Present → value; absent → nullopt; wrong type → error.
expected<std::optional<std::string>>
optional_string(const simdjson::dom::element& obj, std::string_view name);
expected<std::optional<bool>> optional_bool(const simdjson::dom::element& obj,
                                            std::string_view name);
expected<std::optional<std::int64_t>>
optional_int(const simdjson::dom::element& obj, std::string_view name);

/// A uuid path parameter or member; `invalid_argument` naming `what`.
expected<events::uuid> parse_id(std::string_view text, std::string_view what);

// -- the handlers (one file per area)
// ------------------------------------------

namespace handlers {

// http/api_ops.cpp
void health(const call_ptr&);
void client_config(const call_ptr&);
void ready(const call_ptr&);
void metrics(const call_ptr&);
void event_stream(const call_ptr&);

// http/api_auth.cpp
void magic_request(const call_ptr&);
void verify(const call_ptr&);
void me(const call_ptr&);
void logout(const call_ptr&);
void logout_all(const call_ptr&);
void switch_tenant(const call_ptr&);
void join_waitlist(const call_ptr&);

// http/api_tenant.cpp
void onboarding_status(const call_ptr&);
void onboarding_complete(const call_ptr&);
void checklist(const call_ptr&);
void checklist_step(const call_ptr&);
void tenant_view(const call_ptr&);
void change_settings(const call_ptr&);
void members(const call_ptr&);
void invite(const call_ptr&);
void revoke_invitation(const call_ptr&);
void change_role(const call_ptr&);
void remove_member(const call_ptr&);
void whatsapp_list(const call_ptr&);
void whatsapp_add(const call_ptr&);
void whatsapp_update(const call_ptr&);
void whatsapp_remove(const call_ptr&);
void acknowledge_alert(const call_ptr&);

// http/api_exports.cpp
void export_excel(const call_ptr&);
void export_quickbooks(const call_ptr&);
void export_xero(const call_ptr&);
void export_journal(const call_ptr&);
void export_universal(const call_ptr&);
void export_summary(const call_ptr&);
void export_history(const call_ptr&);

// http/api_invoices.cpp
void invoice_state(const call_ptr&);
void approve(const call_ptr&);
void reject(const call_ptr&);
void mark_paid(const call_ptr&);
void mark_unpaid(const call_ptr&);
void correct_fields(const call_ptr&);
void replace_lines(const call_ptr&);
void reprocess(const call_ptr&);
void delete_invoice(const call_ptr&);
void bulk(const call_ptr&);
void poll_status(const call_ptr&);
void invoice_history(const call_ptr&);
void invoice_list(const call_ptr&);
void invoice_detail(const call_ptr&);
void overview(const call_ptr&);
void supplier_list(const call_ptr&);
void supplier_detail(const call_ptr&);
void supplier_invoices(const call_ptr&);
void supplier_items(const call_ptr&);
void item_prices(const call_ptr&);
void alert_list(const call_ptr&);
void alert_count(const call_ptr&);

// http/api_documents.cpp
void upload(const call_ptr&);
void upload_batch(const call_ptr&);
void invoice_document(const call_ptr&);

// http/api_templates.cpp
void template_list(const call_ptr&);
void template_put(const call_ptr&);
void template_delete(const call_ptr&);

// http/api_admin.cpp
void allowlist(const call_ptr&);
void allowlist_add(const call_ptr&);
void allowlist_remove(const call_ptr&);
void waitlist(const call_ptr&);
void waitlist_approve(const call_ptr&);
void admin_tenants(const call_ptr&);
void deactivate_tenant(const call_ptr&);
void admin_users(const call_ptr&);
void admin_change_user(const call_ptr&);
void disable_user(const call_ptr&);

} // namespace handlers

// -- sign-in pieces the handlers and the start-up bootstrap share
// --------------

/// Seconds since the Unix epoch, the unit of session expiries.
std::int64_t epoch_seconds();

/// The Set-Cookie value that removes the session cookie.
std::string clear_session_cookie();

/// The Set-Cookie value carrying a session token; `Secure` unless the
/// public URL is plain http on localhost.
std::string session_cookie_header(const edge_options& options,
                                  const session_claims& claims);

/// The CSRF token of a session: an HMAC of its id under the secret, so the
/// server stores nothing and a token works only with its own session.
std::string session_csrf(const edge_options& options,
                         const events::uuid& session_id);

/// Mints a magic link for `email` (rate-limited per address) and mails it;
/// `done(link)` gets the link when one was issued (for the dev console), or
/// "" when the address was over its limit.
void send_magic_link(const call_ptr& c, const std::string& email,
                     std::function<void(const std::string&)> done);

} // namespace larder::http
