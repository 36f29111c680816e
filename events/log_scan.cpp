// event_store::scan_log: the global log through one binary COPY.
#include <chrono>
#include <cstring>
#include <memory>
#include <string>

#include <libpq-fe.h>

#include "events/event_store.hpp"

namespace larder::events {

namespace {

/// 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix microseconds.
constexpr std::int64_t pg_epoch_unix_us = 946'684'800'000'000;

/// The columns in the order the parser reads them; the values travel in
/// PostgreSQL's binary send formats, so nothing is printed as text on the
/// server only to be parsed back here.
#define LARDER_SCAN_COLUMNS                                                    \
  "global_position, transaction_id, event_id, tenant_id, stream_id,"           \
  " stream_version, event_type, schema_version, payload, metadata,"            \
  " recorded_at, prev_hash, hash"

constexpr int scan_fields = 13;

struct pg_closer {
  void operator()(PGconn* conn) const noexcept {
    PQfinish(conn);
  }
  void operator()(PGresult* res) const noexcept {
    PQclear(res);
  }
  void operator()(char* buf) const noexcept {
    PQfreemem(buf);
  }
};

std::uint64_t big_endian(const char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

/// One CopyData message of a binary COPY: libpq hands over one row per
/// message, the first one preceded by the file header.
class copy_row {
 public:
  copy_row(const char* data, int size) : p_(data), end_(data + size) {}

  /// Skips the 11-byte signature, the flags and the header extension.
  bool skip_header() {
    static constexpr char signature[] = "PGCOPY\n\377\r\n";
    if (left() < 19 || std::memcmp(p_, signature, 11) != 0)
      return false;
    p_ += 15;
    auto extension = static_cast<std::int64_t>(big_endian(p_, 4));
    p_ += 4;
    if (extension < 0 || extension > left())
      return false;
    p_ += extension;
    return true;
  }

  /// The number of fields of the row; -1 for the trailer.
  bool field_count(int& count) {
    if (left() < 2)
      return false;
    count = static_cast<std::int16_t>(big_endian(p_, 2));
    p_ += 2;
    return true;
  }

  /// The next field's bytes; false if it is NULL or the message is short.
  bool field(std::string_view& out) {
    if (left() < 4)
      return false;
    auto size = static_cast<std::int32_t>(big_endian(p_, 4));
    p_ += 4;
    if (size < 0 || size > left())
      return false;
    out = {p_, static_cast<std::size_t>(size)};
    p_ += size;
    return true;
  }

 private:
  std::int64_t left() const {
    return end_ - p_;
  }

  const char* p_;
  const char* end_;
};

template <std::size_t N>
bool copy_bytes(std::string_view field, std::array<std::uint8_t, N>& out) {
  if (field.size() != N)
    return false;
  std::memcpy(out.data(), field.data(), N);
  return true;
}

bool integer(std::string_view field, std::size_t size, std::uint64_t& out) {
  if (field.size() != size)
    return false;
  out = big_endian(field.data(), static_cast<int>(size));
  return true;
}

/// jsonb's send format is a version byte (1) and the JSON text.
bool jsonb_text(std::string_view field, std::string& out) {
  if (field.empty() || field.front() != 1)
    return false;
  out.assign(field.substr(1));
  return true;
}

/// `format_timestamp` of `unix_us` into `out`, without snprintf: this runs
/// once per event of a whole-log read.
void write_timestamp(std::int64_t unix_us, std::string& out) {
  using namespace std::chrono;
  sys_time<microseconds> t{microseconds{unix_us}};
  auto day = floor<days>(t);
  year_month_day ymd{day};
  auto us = (t - day).count(); // microseconds into the day
  char buf[27];
  auto put = [&buf](int at, long long value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10)
      buf[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, static_cast<int>(ymd.year()), 4);
  buf[4] = '-';
  put(5, static_cast<unsigned>(ymd.month()), 2);
  buf[7] = '-';
  put(8, static_cast<unsigned>(ymd.day()), 2);
  buf[10] = 'T';
  put(11, us / 3'600'000'000LL, 2);
  buf[13] = ':';
  put(14, us / 60'000'000LL % 60, 2);
  buf[16] = ':';
  put(17, us / 1'000'000LL % 60, 2);
  buf[19] = '.';
  put(20, us % 1'000'000LL, 6);
  buf[26] = 'Z';
  out.assign(buf, sizeof buf);
}

/// Decodes the row's 13 fields into `ev`.
bool decode_row(copy_row& row, recorded_event& ev) {
  std::string_view f[scan_fields];
  for (auto& field : f)
    if (!row.field(field))
      return false;
  std::uint64_t position = 0, xid = 0, version = 0, schema = 0, at = 0;
  if (!integer(f[0], 8, position) || !integer(f[1], 8, xid)
      || !copy_bytes(f[2], ev.env.event_id.bytes)
      || !copy_bytes(f[3], ev.env.tenant_id.bytes) || !integer(f[5], 8, version)
      || !integer(f[7], 4, schema) || !jsonb_text(f[8], ev.env.payload)
      || !jsonb_text(f[9], ev.env.metadata) || !integer(f[10], 8, at)
      || !copy_bytes(f[11], ev.prev_hash) || !copy_bytes(f[12], ev.hash))
    return false;
  ev.global_position = static_cast<std::int64_t>(position);
  ev.transaction_id = xid;
  ev.env.stream_id.assign(f[4]);
  ev.env.stream_version = static_cast<std::int64_t>(version);
  ev.env.event_type.assign(f[6]);
  ev.env.schema_version = static_cast<std::int32_t>(schema);
  write_timestamp(static_cast<std::int64_t>(at) + pg_epoch_unix_us,
                  ev.env.recorded_at);
  return true;
}

} // namespace

expected<log_position>
event_store::scan_log(log_position after, std::int64_t limit,
                      const std::function<void(recorded_event&)>& visit) {
  auto unavailable = [](const char* what, PGconn* conn) {
    std::string detail = conn != nullptr ? PQerrorMessage(conn) : "";
    if (auto eol = detail.find('\n'); eol != std::string::npos)
      detail.resize(eol);
    return make_error(errc::unavailable,
                      std::string{"reading the event log failed: "} + what
                        + (detail.empty() ? "" : ": " + detail));
  };
  std::unique_ptr<PGconn, pg_closer> conn{PQconnectdb(url_.c_str())};
  if (PQstatus(conn.get()) != CONNECTION_OK)
    return unavailable("cannot connect", conn.get());
  // Only numbers we formatted ourselves reach the statement: COPY takes no
  // bind parameters.
  std::string sql =
    "COPY (SELECT " LARDER_SCAN_COLUMNS " FROM es.events e"
    " WHERE (e.transaction_id, e.global_position) > ('"
    + std::to_string(after.transaction_id) + "'::xid8, "
    + std::to_string(after.global_position)
    + "::bigint)"
      " AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())"
      " ORDER BY e.transaction_id, e.global_position"
    + (limit > 0 ? " LIMIT " + std::to_string(limit) : std::string{})
    + ") TO STDOUT (FORMAT binary)";
  {
    std::unique_ptr<PGresult, pg_closer> res{PQexec(conn.get(), sql.c_str())};
    if (PQresultStatus(res.get()) != PGRES_COPY_OUT)
      return unavailable("the log query was refused", conn.get());
  }
  log_position at = after;
  bool first = true;
  recorded_event ev;
  for (;;) {
    char* raw = nullptr;
    int size = PQgetCopyData(conn.get(), &raw, 0);
    std::unique_ptr<char, pg_closer> buf{raw};
    if (size == -1)
      break;
    if (size < 0)
      return unavailable("the log stream broke off", conn.get());
    copy_row row{buf.get(), size};
    if (first && !row.skip_header())
      return make_error(errc::unavailable,
                        "reading the event log failed: no COPY header");
    first = false;
    int fields = 0;
    if (!row.field_count(fields))
      return make_error(errc::unavailable,
                        "reading the event log failed: a short COPY row");
    if (fields == -1)
      continue; // the trailer; the end of data follows
    // One event reused row after row, so its strings keep their capacity
    // (a visitor that moves from it only costs that reuse).
    if (fields != scan_fields || !decode_row(row, ev))
      return make_error(errc::unavailable,
                        "reading the event log failed: an unreadable row");
    at = {ev.transaction_id, ev.global_position};
    visit(ev);
  }
  std::unique_ptr<PGresult, pg_closer> done{PQgetResult(conn.get())};
  if (PQresultStatus(done.get()) != PGRES_COMMAND_OK)
    return unavailable("the log query failed", conn.get());
  return at;
}

#undef LARDER_SCAN_COLUMNS

} // namespace larder::events
