#include "events/event_store.hpp"

#include <charconv>
#include <map>
#include <set>

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include "events/crypto.hpp"
#include "events/hash_chain.hpp"
#include "events/jcs.hpp"
#include "events/pg_array.hpp"
#include "events/sql_time.hpp"

namespace larder::events {

namespace {

// -- SQL ----------------------------------------------------------------------

/// The whole append of a batch in one statement (DOC: decision 0001):
/// compare-and-set the existing streams, create the new ones, and insert the
/// events of exactly the streams that moved. $1..$7 describe the requests,
/// one element each; $8..$17 the events; $18 the batch's recorded_at. The
/// arrays arrive in binary (`pg_binary_array`), hashes as raw bytea.
constexpr auto append_sql = R"sql(
WITH req AS (
  SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::bigint[],
                       $5::bytea[], $6::bigint[], $7::bytea[])
    AS r(stream_id, tenant_id, stream_type, expected, expected_head,
         new_version, new_head)
), moved AS (
  UPDATE es.streams s
     SET version = r.new_version, last_hash = r.new_head
    FROM req r
   WHERE r.expected > 0
     AND s.stream_id = r.stream_id
     AND s.tenant_id = r.tenant_id
     AND s.version = r.expected
     AND s.last_hash = r.expected_head
  RETURNING s.stream_id
), created AS (
  INSERT INTO es.streams (stream_id, tenant_id, stream_type, version,
                          last_hash)
  SELECT r.stream_id, r.tenant_id, r.stream_type, r.new_version, r.new_head
    FROM req r
   WHERE r.expected = 0
  ON CONFLICT (stream_id) DO NOTHING
  RETURNING stream_id
)
INSERT INTO es.events (event_id, tenant_id, stream_id, stream_version,
                       event_type, schema_version, payload, metadata,
                       recorded_at, prev_hash, hash)
SELECT e.event_id, e.tenant_id, e.stream_id, e.stream_version, e.event_type,
       e.schema_version, e.payload::jsonb, e.metadata::jsonb,
       $18::timestamptz, e.prev_hash, e.hash
  FROM unnest($8::uuid[], $9::uuid[], $10::text[], $11::bigint[],
              $12::text[], $13::int[], $14::text[], $15::text[],
              $16::bytea[], $17::bytea[])
       AS e(event_id, tenant_id, stream_id, stream_version, event_type,
            schema_version, payload, metadata, prev_hash, hash)
 WHERE e.stream_id IN (SELECT stream_id FROM moved
                       UNION ALL SELECT stream_id FROM created)
RETURNING stream_id, global_position)sql";

constexpr auto append_statement = "larder_append";

// clang-format off
#define LARDER_EVENT_COLUMNS                                                   \
  "global_position, transaction_id::text, event_id::text, tenant_id::text, "   \
  "stream_id, stream_version, event_type, schema_version, payload::text, "     \
  "metadata::text, " LARDER_RFC3339("recorded_at") ", "                        \
  "encode(prev_hash, 'hex'), encode(hash, 'hex')"
// clang-format on

constexpr auto read_stream_sql =
  "SELECT " LARDER_EVENT_COLUMNS " FROM es.events"
  " WHERE stream_id = $1 AND stream_version >= $2"
  " ORDER BY stream_version LIMIT $3";

constexpr auto head_sql =
  "SELECT tenant_id::text, stream_type, version, encode(last_hash, 'hex')"
  " FROM es.streams WHERE stream_id = $1";

/// The ordering fence of DESIGN.md §4.3. ORDER BY names the table's
/// columns (`e.`): unqualified, `transaction_id` would be the output column
/// `transaction_id::text`, sorted as text (so "1000" before "999") and
/// without the index.
constexpr auto read_log_sql =
  "SELECT " LARDER_EVENT_COLUMNS " FROM es.events e"
  " WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)"
  "   AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())"
  " ORDER BY e.transaction_id, e.global_position LIMIT $3";

constexpr auto read_tenant_log_sql =
  "SELECT " LARDER_EVENT_COLUMNS " FROM es.events e"
  " WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)"
  "   AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())"
  "   AND e.tenant_id = $4::uuid"
  " ORDER BY e.transaction_id, e.global_position LIMIT $3";

/// The fence read of a reader that applies only some event types
/// (`$4`, a text array): the others come with their position, transaction
/// and type only, since it only steps past them. No row carries the
/// hashes, which only `verify` needs.
// clang-format off
constexpr auto read_log_of_types_sql =
  "SELECT e.global_position, e.transaction_id::text, e.event_type, k.wanted,"
  " CASE WHEN k.wanted THEN e.event_id::text END,"
  " CASE WHEN k.wanted THEN e.tenant_id::text END,"
  " CASE WHEN k.wanted THEN e.stream_id END,"
  " CASE WHEN k.wanted THEN e.stream_version END,"
  " CASE WHEN k.wanted THEN e.schema_version END,"
  " CASE WHEN k.wanted THEN e.payload::text END,"
  " CASE WHEN k.wanted THEN e.metadata::text END,"
  " CASE WHEN k.wanted THEN " LARDER_RFC3339("e.recorded_at") " END"
  " FROM es.events e,"
  " LATERAL (SELECT e.event_type = ANY($4::text[]) AS wanted) k"
  " WHERE (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)"
  "   AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())"
  " ORDER BY e.transaction_id, e.global_position LIMIT $3";
// clang-format on

constexpr auto verify_page_sql =
  "SELECT " LARDER_EVENT_COLUMNS
  " FROM es.events WHERE (stream_id, stream_version) > ($1, $2)"
  " ORDER BY stream_id, stream_version LIMIT $3";

constexpr auto verify_tenant_page_sql =
  "SELECT " LARDER_EVENT_COLUMNS
  " FROM es.events WHERE (stream_id, stream_version) > ($1, $2)"
  "   AND tenant_id = $4::uuid"
  " ORDER BY stream_id, stream_version LIMIT $3";

#undef LARDER_EVENT_COLUMNS

constexpr auto verify_streams_sql =
  "SELECT stream_id, version, encode(last_hash, 'hex') FROM es.streams"
  " WHERE ($1 = '' OR tenant_id = NULLIF($1, '')::uuid)"
  " ORDER BY stream_id";

constexpr auto session_setup_sql =
  "SET idle_in_transaction_session_timeout = '30s';"
  "SET statement_timeout = '60s';"
  "SET application_name = 'larder'";

// -- helpers ------------------------------------------------------------------

std::uint64_t parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

hash_bytes parse_hash(std::string_view hex) {
  auto raw = from_hex<32>(hex);
  return raw ? *raw : hash_bytes{};
}

recorded_event to_event(const pqxx::row& row) {
  recorded_event ev;
  ev.global_position = row[0].as<std::int64_t>();
  ev.transaction_id = parse_u64(row[1].c_str());
  ev.env.event_id = uuid::parse(row[2].c_str()).value_or(uuid{});
  ev.env.tenant_id = uuid::parse(row[3].c_str()).value_or(uuid{});
  ev.env.stream_id = row[4].c_str();
  ev.env.stream_version = row[5].as<std::int64_t>();
  ev.env.event_type = row[6].c_str();
  ev.env.schema_version = row[7].as<std::int32_t>();
  ev.env.payload = row[8].c_str();
  ev.env.metadata = row[9].c_str();
  ev.env.recorded_at = row[10].c_str();
  ev.prev_hash = parse_hash(row[11].c_str());
  ev.hash = parse_hash(row[12].c_str());
  return ev;
}

/// A row of `read_log_of_types_sql`.
recorded_event to_typed_event(const pqxx::row& row) {
  recorded_event ev;
  ev.global_position = row[0].as<std::int64_t>();
  ev.transaction_id = parse_u64(row[1].c_str());
  ev.env.event_type = row[2].c_str();
  if (!row[3].as<bool>())
    return ev;
  ev.env.event_id = uuid::parse(row[4].c_str()).value_or(uuid{});
  ev.env.tenant_id = uuid::parse(row[5].c_str()).value_or(uuid{});
  ev.env.stream_id = row[6].c_str();
  ev.env.stream_version = row[7].as<std::int64_t>();
  ev.env.schema_version = row[8].as<std::int32_t>();
  ev.env.payload = row[9].c_str();
  ev.env.metadata = row[10].c_str();
  ev.env.recorded_at = row[11].c_str();
  return ev;
}

/// The events of a fence read, each row made one by `convert`, and where
/// the next read starts.
log_batch to_batch(const pqxx::result& rows, log_position after,
                   recorded_event (*convert)(const pqxx::row&)) {
  log_batch batch;
  batch.next = after;
  batch.events.reserve(rows.size());
  for (const auto& row : rows)
    batch.events.push_back(convert(row));
  if (!batch.events.empty())
    batch.next = {batch.events.back().transaction_id,
                  batch.events.back().global_position};
  return batch;
}

/// A validated request with its events enveloped and chained.
struct prepared {
  std::size_t index = 0;
  std::vector<envelope> envelopes;
  std::vector<hash_bytes> prev_hashes;
  std::vector<hash_bytes> hashes;
};

expected<prepared> prepare(const append_request& req, std::size_t index,
                           const std::string& recorded_at) {
  auto invalid = [&](std::string what) {
    return make_error(errc::invalid_argument, std::move(what));
  };
  if (req.stream_id.empty() || req.stream_id.size() > 200)
    return invalid("a stream id must be 1 to 200 characters");
  if (req.stream_type.empty() || req.stream_type.size() > 50)
    return invalid("a stream type must be 1 to 50 characters");
  if (req.tenant_id.is_nil())
    return invalid("an event needs a tenant id");
  if (req.expected_version < 0)
    return invalid("an expected version cannot be negative");
  if (req.events.empty())
    return invalid("an append needs at least one event");
  if (req.events.size() > max_events_per_append)
    return invalid("too many events in one append");
  auto metadata = canonicalize(encode_metadata(req.metadata));
  if (!metadata)
    return invalid("event metadata: " + metadata.error().message);
  prepared out;
  out.index = index;
  out.envelopes.reserve(req.events.size());
  hash_bytes prev = req.expected_head;
  std::int64_t version = req.expected_version;
  for (const auto& ev : req.events) {
    if (ev.event_type.empty() || ev.event_type.size() > 100)
      return invalid("an event type must be 1 to 100 characters");
    if (ev.schema_version < 1)
      return invalid("a schema version starts at 1");
    if (ev.payload.size() > max_payload_bytes)
      return invalid("an event payload is larger than 256 KiB");
    auto payload = canonicalize(ev.payload);
    if (!payload)
      return invalid("event payload: " + payload.error().message);
    if (payload->empty() || payload->front() != '{')
      return invalid("an event payload must be a JSON object");
    // PostgreSQL's jsonb cannot hold U+0000; refuse it here rather than
    // failing the whole batch in the database.
    if (payload->find("\\u0000") != std::string::npos)
      return invalid("an event payload cannot contain U+0000");
    envelope env{ev.event_id,         req.tenant_id, req.stream_id,
                 ++version,           ev.event_type, ev.schema_version,
                 std::move(*payload), *metadata,     recorded_at};
    auto hash = chain_hash_of_canonical(prev, env);
    out.prev_hashes.push_back(prev);
    out.hashes.push_back(hash);
    prev = hash;
    out.envelopes.push_back(std::move(env));
  }
  return out;
}

} // namespace

// -- event_store --------------------------------------------------------------

struct event_store::connection_holder {
  explicit connection_holder(const std::string& url) : conn(url) {}

  operator pqxx::connection&() {
    return conn;
  }

  pqxx::connection conn;
};

event_store::event_store(std::string url) : url_(std::move(url)) {}

event_store::~event_store() = default;

event_store::connection_holder& event_store::conn() {
  if (!conn_ || !conn_->conn.is_open()) {
    conn_.reset();
    auto fresh = std::make_unique<connection_holder>(url_);
    pqxx::nontransaction{fresh->conn}.exec(session_setup_sql);
    conn_ = std::move(fresh);
  }
  return *conn_;
}

expected<bool> event_store::connect() {
  try {
    pqxx::nontransaction{conn()}.exec("SELECT 1");
    return true;
  } catch (const pqxx::failure& e) {
    conn_.reset();
    return make_error(errc::unavailable,
                      std::string{"cannot connect to PostgreSQL: "} + e.what());
  }
}

std::vector<expected<append_result>>
event_store::append_in(pqxx::transaction_base& txn,
                       std::span<const append_request> requests) {
  std::vector<expected<append_result>> results(
    requests.size(), expected<append_result>{append_result{}});
  auto recorded_at = now_timestamp();
  std::vector<prepared> ready;
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (!seen.insert(requests[i].stream_id).second) {
      results[i] = make_error(errc::invalid_argument,
                              "one batch cannot append to a stream twice");
      continue;
    }
    auto p = prepare(requests[i], i, recorded_at);
    if (!p)
      results[i] = std::move(p).error();
    else
      ready.push_back(std::move(*p));
  }
  if (ready.empty())
    return results;
  using el = pg_binary_array::element;
  pg_binary_array ids{el::text}, tenants{el::uuid}, types{el::text},
    expected_versions{el::int8}, expected_heads{el::bytea},
    new_versions{el::int8}, new_heads{el::bytea};
  pg_binary_array ev_ids{el::uuid}, ev_tenants{el::uuid}, ev_streams{el::text},
    ev_versions{el::int8}, ev_types{el::text}, ev_schemas{el::int4},
    ev_payloads{el::text}, ev_metas{el::text}, ev_prevs{el::bytea},
    ev_hashes{el::bytea};
  std::map<std::string_view, std::size_t> index_of_stream;
  for (const auto& p : ready) {
    const auto& req = requests[p.index];
    index_of_stream[req.stream_id] = p.index;
    ids.add_bytes(req.stream_id);
    tenants.add_bytes(req.tenant_id.bytes);
    types.add_bytes(req.stream_type);
    expected_versions.add_int8(req.expected_version);
    expected_heads.add_bytes(req.expected_head);
    new_versions.add_int8(p.envelopes.back().stream_version);
    new_heads.add_bytes(p.hashes.back());
    for (std::size_t k = 0; k < p.envelopes.size(); ++k) {
      const auto& env = p.envelopes[k];
      ev_ids.add_bytes(env.event_id.bytes);
      ev_tenants.add_bytes(req.tenant_id.bytes);
      ev_streams.add_bytes(env.stream_id);
      ev_versions.add_int8(env.stream_version);
      ev_types.add_bytes(env.event_type);
      ev_schemas.add_int4(env.schema_version);
      ev_payloads.add_bytes(env.payload);
      ev_metas.add_bytes(env.metadata);
      ev_prevs.add_bytes(p.prev_hashes[k]);
      ev_hashes.add_bytes(p.hashes[k]);
    }
  }
  // Registering is idempotent and cheap; the server prepares the statement
  // once per connection, on first use. A binarystring parameter is sent in
  // binary format, which the statement's casts read with array_recv.
  auto bin = [](pg_binary_array& a) {
    return pqxx::binarystring{a.take()};
  };
  txn.conn().prepare(append_statement, append_sql);
  auto rows = txn.exec_prepared(
    append_statement, bin(ids), bin(tenants), bin(types),
    bin(expected_versions), bin(expected_heads), bin(new_versions),
    bin(new_heads), bin(ev_ids), bin(ev_tenants), bin(ev_streams),
    bin(ev_versions), bin(ev_types), bin(ev_schemas), bin(ev_payloads),
    bin(ev_metas), bin(ev_prevs), bin(ev_hashes), recorded_at);
  std::set<std::size_t> won;
  for (const auto& row : rows) {
    auto index = index_of_stream.at(row[0].c_str());
    won.insert(index);
    auto& res = *results[index];
    auto position = row[1].as<std::int64_t>();
    if (res.first_position == 0 || position < res.first_position)
      res.first_position = position;
    res.last_position = std::max(res.last_position, position);
  }
  for (const auto& p : ready) {
    const auto& req = requests[p.index];
    if (!won.contains(p.index)) {
      results[p.index] = make_error(
        errc::conflict, "stream " + req.stream_id + " is no longer at version "
                          + std::to_string(req.expected_version));
      continue;
    }
    results[p.index]->version = p.envelopes.back().stream_version;
    results[p.index]->head = p.hashes.back();
  }
  return results;
}

std::vector<expected<append_result>>
event_store::append_batch(std::span<const append_request> requests) {
  auto all_fail = [&](errc code, const std::string& message) {
    return std::vector<expected<append_result>>(
      requests.size(), expected<append_result>{make_error(code, message)});
  };
  for (int attempt = 0;; ++attempt) {
    try {
      // The append is one statement, so it commits on its own: no BEGIN
      // and COMMIT round trips (they were a tenth of the writer's CPU).
      pqxx::nontransaction txn{conn()};
      return append_in(txn, requests);
    } catch (const pqxx::deadlock_detected&) {
      // Two writers locked overlapping streams in different orders; the
      // database aborted this one. Nothing was written: go again.
      if (attempt < 3)
        continue;
      return all_fail(errc::unavailable, "the event store is busy");
    } catch (const pqxx::broken_connection&) {
      // Lost before or while the statement ran: it committed whole or not
      // at all, and the caller learns which by reading the stream.
      conn_.reset();
      return all_fail(errc::unavailable,
                      "the event store connection was lost; retry");
    } catch (const pqxx::sql_error& e) {
      // One request tripped a constraint (say, a reused event id). Nothing
      // was written; append each request alone so only it fails.
      if (requests.size() > 1) {
        std::vector<expected<append_result>> results;
        results.reserve(requests.size());
        for (std::size_t i = 0; i < requests.size(); ++i)
          results.push_back(std::move(append_batch(requests.subspan(i, 1))[0]));
        return results;
      }
      spdlog::warn("event store: append to {} refused by the database: {}",
                   requests[0].stream_id, e.sqlstate());
      return all_fail(errc::invalid_argument,
                      "the event store refused this append");
    } catch (const pqxx::failure&) {
      conn_.reset();
      return all_fail(errc::unavailable, "the event store is unavailable");
    }
  }
}

expected<append_result> event_store::append(const append_request& request) {
  auto result = std::move(append_batch(std::span{&request, 1})[0]);
  if (result)
    notify_appended(); // a hint: a reader that misses it polls
  return result;
}

expected<bool> event_store::notify_appended() {
  try {
    pqxx::nontransaction{conn()}.exec(std::string{"SELECT pg_notify('"}
                                      + notify_channel + "', '')");
    return true;
  } catch (const pqxx::broken_connection& e) {
    conn_.reset();
    return make_error(errc::unavailable,
                      std::string{"cannot reach PostgreSQL: "} + e.what());
  } catch (const pqxx::failure& e) {
    return make_error(errc::unavailable,
                      std::string{"the wake-up notification failed: "}
                        + e.what());
  }
}

std::vector<recorded_event>
event_store::read_stream_in(pqxx::transaction_base& txn,
                            std::string_view stream_id,
                            std::int64_t from_version, std::size_t limit) {
  std::vector<recorded_event> out;
  auto rows = txn.exec_params(read_stream_sql, std::string{stream_id},
                              from_version, static_cast<std::int64_t>(limit));
  out.reserve(rows.size());
  for (const auto& row : rows)
    out.push_back(to_event(row));
  return out;
}

expected<std::vector<recorded_event>>
event_store::read_stream(std::string_view stream_id, std::int64_t from_version,
                         std::size_t limit) {
  try {
    pqxx::read_transaction txn{conn()};
    return read_stream_in(txn, stream_id, from_version, limit);
  } catch (const pqxx::failure&) {
    conn_.reset();
    return make_error(errc::unavailable, "the event store is unavailable");
  }
}

expected<std::optional<stream_head>>
event_store::head(std::string_view stream_id) {
  try {
    pqxx::read_transaction txn{conn()};
    auto rows = txn.exec_params(head_sql, std::string{stream_id});
    if (rows.empty())
      return std::optional<stream_head>{};
    const auto& row = rows[0];
    return std::optional<stream_head>{
      stream_head{uuid::parse(row[0].c_str()).value_or(uuid{}), row[1].c_str(),
                  row[2].as<std::int64_t>(), parse_hash(row[3].c_str())}};
  } catch (const pqxx::failure&) {
    conn_.reset();
    return make_error(errc::unavailable, "the event store is unavailable");
  }
}

log_batch event_store::read_log_of_types_in(pqxx::transaction_base& txn,
                                            log_position after,
                                            std::size_t limit,
                                            const std::string& types) {
  // Not prepared, though planning costs PostgreSQL a fifth as much as
  // running it. Prepared (named, in the batch's transaction, through
  // libpqxx), the read missed an event the fence had just let through:
  // projection_actor_test's held-back test failed 4 runs of 5, after
  // several reads during the hold. The same statement PREPAREd in psql,
  // generic plan forced, found the event; the cause is not understood.
  auto rows = txn.exec_params(
    read_log_of_types_sql, std::to_string(after.transaction_id),
    after.global_position, static_cast<std::int64_t>(limit), types);
  return to_batch(rows, after, to_typed_event);
}

expected<log_batch> event_store::read_log(log_position after, std::size_t limit,
                                          std::optional<uuid> tenant) {
  try {
    pqxx::read_transaction txn{conn()};
    auto xid = std::to_string(after.transaction_id);
    auto lim = static_cast<std::int64_t>(limit);
    auto rows =
      tenant ? txn.exec_params(read_tenant_log_sql, xid, after.global_position,
                               lim, tenant->to_string())
             : txn.exec_params(read_log_sql, xid, after.global_position, lim);
    return to_batch(rows, after, to_event);
  } catch (const pqxx::failure&) {
    conn_.reset();
    return make_error(errc::unavailable, "the event store is unavailable");
  }
}

expected<verify_report> event_store::verify(std::optional<uuid> tenant) {
  verify_report report;
  auto fail = [&report](const std::string& stream, std::int64_t version,
                        std::string reason) {
    report.failure = verify_failure{stream, version, std::move(reason)};
    return report;
  };
  try {
    // Stream rows first, so a head that disagrees with its events is found.
    std::map<std::string, std::pair<std::int64_t, std::string>> heads;
    {
      pqxx::read_transaction txn{conn()};
      auto t = tenant ? tenant->to_string() : std::string{};
      for (const auto& row : txn.exec_params(verify_streams_sql, t))
        heads[row[0].c_str()] = {row[1].as<std::int64_t>(), row[2].c_str()};
    }
    std::string stream;
    std::int64_t version = 0;
    hash_bytes prev = genesis_hash;
    auto finish_stream = [&]() -> std::optional<std::string> {
      if (stream.empty())
        return std::nullopt;
      ++report.streams;
      auto i = heads.find(stream);
      if (i == heads.end())
        return "events exist but the stream has no head row";
      if (i->second.first != version)
        return "the stream head says version " + std::to_string(i->second.first)
               + " but the last event is " + std::to_string(version);
      if (i->second.second != to_hex(prev))
        return std::string{"the stream head hash does not match its last "
                           "event"};
      heads.erase(i);
      return std::nullopt;
    };
    constexpr std::int64_t page = 5000;
    for (;;) {
      pqxx::read_transaction txn{conn()};
      auto rows = tenant
                    ? txn.exec_params(verify_tenant_page_sql, stream, version,
                                      page, tenant->to_string())
                    : txn.exec_params(verify_page_sql, stream, version, page);
      for (const auto& row : rows) {
        auto ev = to_event(row);
        if (ev.env.stream_id != stream) {
          if (auto why = finish_stream())
            return fail(stream, version, *why);
          stream = ev.env.stream_id;
          version = 0;
          prev = genesis_hash;
        }
        ++report.events;
        if (ev.env.stream_version != version + 1)
          return fail(stream, ev.env.stream_version,
                      "version " + std::to_string(version + 1) + " is missing");
        if (ev.prev_hash != prev)
          return fail(stream, ev.env.stream_version,
                      "prev_hash does not match the hash of the event before");
        auto hash = chain_hash(prev, ev.env);
        if (!hash)
          return fail(stream, ev.env.stream_version,
                      "the stored event cannot be canonicalized: "
                        + hash.error().message);
        if (*hash != ev.hash)
          return fail(stream, ev.env.stream_version,
                      "the stored hash does not match the event's content");
        version = ev.env.stream_version;
        prev = ev.hash;
      }
      if (rows.size() < static_cast<std::size_t>(page))
        break;
    }
    if (auto why = finish_stream())
      return fail(stream, version, *why);
    if (!heads.empty())
      return fail(heads.begin()->first, 0,
                  "the stream head exists but it has no events");
    return report;
  } catch (const pqxx::failure&) {
    conn_.reset();
    return make_error(errc::unavailable, "the event store is unavailable");
  }
}

} // namespace larder::events
