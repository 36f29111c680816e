#include "projections/invoices.hpp"

#include <charconv>
#include <map>

#include <pqxx/pqxx>

#include "actors/domain.hpp"
#include "events/event_store.hpp"
#include "events/json_writer.hpp"

namespace larder::projections {

namespace {

// -- the row ------------------------------------------------------------------

/// The table's columns in the order the upsert names them; `search` comes
/// last, computed from the row's `search_text`.
constexpr std::string_view columns[] = {"invoice_id",
                                        "tenant_id",
                                        "status",
                                        "display_status",
                                        "paid",
                                        "paid_on",
                                        "payment_method",
                                        "payment_reference",
                                        "source",
                                        "file_name",
                                        "media_type",
                                        "size_bytes",
                                        "sha256",
                                        "sender",
                                        "received_at",
                                        "supplier_name",
                                        "supplier_tax_id",
                                        "invoice_number",
                                        "issue_date",
                                        "due_date",
                                        "currency",
                                        "subtotal",
                                        "tax_total",
                                        "total",
                                        "purchase_order",
                                        "payment_terms",
                                        "confidence",
                                        "overall_confidence",
                                        "corrected_fields",
                                        "lines",
                                        "taxes",
                                        "provider",
                                        "model",
                                        "extraction_attempts",
                                        "extraction_cost",
                                        "extracted_at",
                                        "duplicate_of",
                                        "duplicate_reason",
                                        "failure_reason",
                                        "failure_retryable",
                                        "not_an_invoice_reason",
                                        "rejection_reason",
                                        "approved_at",
                                        "approved_by",
                                        "rejected_at",
                                        "rejected_by",
                                        "updated_at",
                                        "version",
                                        "position"};

/// `INSERT … SELECT … FROM jsonb_array_elements($1)` of whole rows, each
/// replacing what an earlier batch wrote. Unqualified: the runner sets the
/// search path to the model's schema (or its rebuild copy).
std::string make_upsert_sql() {
  std::string names, values, updates;
  for (auto c : columns) {
    auto col = std::string{c};
    names += col + ", ";
    values += "r." + col + ", ";
    updates += col + " = EXCLUDED." + col + ", ";
  }
  return "INSERT INTO invoices (" + names + "search) SELECT " + values
         + "to_tsvector('simple', e->>'search_text')"
           " FROM jsonb_array_elements($1::jsonb) e,"
           " jsonb_populate_record(NULL::invoices, e) r"
           " ON CONFLICT (invoice_id) DO UPDATE SET "
         + updates + "search = EXCLUDED.search";
}

constexpr auto delete_sql =
  "DELETE FROM invoices WHERE invoice_id = ANY($1::uuid[])";

/// An invoice as the model follows it: the domain's state plus what the
/// envelopes say (when, by whom).
struct tracked {
  domain::invoice_state state;
  std::string received_at;
  std::string extracted_at;
  std::string approved_at, approved_by;
  std::string rejected_at, rejected_by;
  std::string updated_at;
  std::int64_t version = 0;
  std::int64_t position = 0;
};

void follow(tracked& t, const events::recorded_event& ev,
            const domain::invoice_event& e) {
  using namespace domain;
  t.state = invoice_entity::evolve(std::move(t.state), e);
  const auto& at = ev.env.recorded_at;
  auto who = [&] {
    auto meta = events::decode_metadata(ev.env.metadata);
    return meta ? meta->actor_id : std::string{};
  };
  if (std::holds_alternative<document_received>(e))
    t.received_at = at;
  else if (std::holds_alternative<extraction_succeeded>(e))
    t.extracted_at = at;
  else if (std::holds_alternative<invoice_approved>(e)) {
    t.approved_at = at;
    t.approved_by = who();
  } else if (std::holds_alternative<invoice_rejected>(e)) {
    t.rejected_at = at;
    t.rejected_by = who();
  } else if (std::holds_alternative<reprocess_requested>(e)) {
    t.extracted_at.clear();
    t.approved_at.clear();
    t.approved_by.clear();
    t.rejected_at.clear();
    t.rejected_by.clear();
  }
  t.updated_at = at;
  t.version = ev.env.stream_version;
  t.position = ev.global_position;
}

template <class T>
void opt(events::json_writer& w, std::string_view name,
         const std::optional<T>& v) {
  w.key(name);
  if (!v)
    w.null();
  else if constexpr (std::is_same_v<T, std::string>)
    w.value(*v);
  else
    w.value(v->to_string());
}

void text_or_null(events::json_writer& w, std::string_view name,
                  const std::string& v) {
  w.key(name);
  if (v.empty())
    w.null();
  else
    w.value(v);
}

void write_lines(events::json_writer& w,
                 const std::vector<values::line_item>& lines) {
  w.begin_array();
  for (const auto& l : lines) {
    w.begin_object()
      .field("description", l.description)
      .field("quantity", l.quantity.to_string())
      .field("unit", l.unit)
      .field("unit_price", l.unit_price.to_string())
      .field("line_total", l.line_total.to_string())
      .field("tax_code", l.tax_code);
    opt(w, "category", l.category);
    w.field("total_mismatch", l.total_mismatch).end_object();
  }
  w.end_array();
}

void write_row(events::json_writer& w, const tracked& t) {
  const auto& s = t.state;
  const auto& f = s.fields;
  w.begin_object()
    .field("invoice_id", s.invoice_id.to_string())
    .field("tenant_id", s.tenant_id.to_string())
    .field("status", domain::to_string(s.status))
    .field("display_status", display_status(s.status, s.paid))
    .field("paid", s.paid);
  opt(w, "paid_on", s.paid_on);
  w.key("payment_method");
  if (s.payment)
    w.value(domain::to_string(*s.payment));
  else
    w.null();
  opt(w, "payment_reference", s.payment_reference);
  w.field("source", domain::to_string(s.document.source))
    .field("file_name", s.document.file_name)
    .field("media_type", s.document.media_type)
    .field("size_bytes", s.document.size_bytes)
    .field("sha256", s.document.sha256)
    .field("sender", s.document.sender)
    .field("received_at", t.received_at.empty() ? t.updated_at : t.received_at);
  opt(w, "supplier_name", f.supplier_name);
  opt(w, "supplier_tax_id", f.supplier_tax_id);
  opt(w, "invoice_number", f.invoice_number);
  opt(w, "issue_date", f.issue_date);
  opt(w, "due_date", f.due_date);
  w.key("currency");
  if (f.currency)
    w.value(f.currency->code);
  else
    w.null();
  opt(w, "subtotal", f.subtotal);
  opt(w, "tax_total", f.tax_total);
  opt(w, "total", f.total);
  opt(w, "purchase_order", f.purchase_order);
  opt(w, "payment_terms", f.payment_terms);
  w.key("confidence").begin_object();
  for (const auto& [name, c] : s.confidence)
    w.field(name, c.to_string());
  w.end_object();
  opt(w, "overall_confidence", s.overall_confidence);
  w.key("corrected_fields").begin_array();
  for (const auto& name : s.corrected_fields)
    w.value(name);
  w.end_array();
  w.key("lines");
  write_lines(w, s.lines);
  w.key("taxes").begin_array();
  for (const auto& tax : s.taxes)
    w.begin_object()
      .field("kind", values::to_string(tax.kind))
      .field("rate_percent", tax.rate_percent.to_string())
      .field("amount", tax.amount.to_string())
      .end_object();
  w.end_array();
  w.field("provider", s.provider)
    .field("model", s.model)
    .field("extraction_attempts", s.extraction_attempts)
    .field("extraction_cost", s.extraction_cost.to_string());
  text_or_null(w, "extracted_at", t.extracted_at);
  w.key("duplicate_of");
  if (s.duplicate_of)
    w.value(s.duplicate_of->to_string());
  else
    w.null();
  w.key("duplicate_reason");
  if (s.duplicate_why)
    w.value(domain::to_string(*s.duplicate_why));
  else
    w.null();
  opt(w, "failure_reason", s.failure_reason);
  w.field("failure_retryable", s.failure_retryable);
  opt(w, "not_an_invoice_reason", s.not_an_invoice_reason);
  opt(w, "rejection_reason", s.rejection_reason);
  text_or_null(w, "approved_at", t.approved_at);
  text_or_null(w, "approved_by", t.approved_by);
  text_or_null(w, "rejected_at", t.rejected_at);
  text_or_null(w, "rejected_by", t.rejected_by);
  w.field("updated_at", t.updated_at)
    .field("version", t.version)
    .field("position", t.position);
  std::string search =
    f.supplier_name.value_or("") + " " + f.invoice_number.value_or("");
  for (const auto& l : s.lines)
    search += " " + l.description;
  w.field("search_text", fold_for_search(search));
  w.end_object();
}

/// The batch's invoices, by id.
struct batch_buffer {
  std::map<events::uuid, tracked> touched;
};

// -- search text --------------------------------------------------------------

/// Base letters of U+00C0–U+00FF ("" for × and ÷).
constexpr const char* latin1[64] = {
  "a", "a", "a", "a", "a",  "a",  "ae", "c", "e", "e", "e",  "e", "i",
  "i", "i", "i", "d", "n",  "o",  "o",  "o", "o", "o", "",   "o", "u",
  "u", "u", "u", "y", "th", "ss", "a",  "a", "a", "a", "a",  "a", "ae",
  "c", "e", "e", "e", "e",  "i",  "i",  "i", "i", "d", "n",  "o", "o",
  "o", "o", "o", "",  "o",  "u",  "u",  "u", "u", "y", "th", "y"};

/// Base letters of U+0100–U+017F by ranges.
const char* latin_extended_a(char32_t cp) {
  struct range {
    char32_t last;
    const char* base;
  };
  static constexpr range ranges[] = {
    {0x105, "a"}, {0x10D, "c"}, {0x111, "d"},  {0x11B, "e"},  {0x123, "g"},
    {0x127, "h"}, {0x131, "i"}, {0x133, "ij"}, {0x135, "j"},  {0x138, "k"},
    {0x142, "l"}, {0x14B, "n"}, {0x151, "o"},  {0x153, "oe"}, {0x159, "r"},
    {0x161, "s"}, {0x167, "t"}, {0x173, "u"},  {0x175, "w"},  {0x178, "y"},
    {0x17E, "z"}, {0x17F, "s"}};
  for (const auto& r : ranges)
    if (cp <= r.last)
      return r.base;
  return nullptr;
}

} // namespace

std::string fold_for_search(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += std::isalnum(c) ? static_cast<char>(std::tolower(c)) : ' ';
      ++i;
      continue;
    }
    // A two-byte sequence covers Latin-1 and Latin Extended-A.
    if ((c & 0xE0) == 0xC0 && i + 1 < text.size()) {
      char32_t cp = (static_cast<char32_t>(c & 0x1F) << 6)
                    | (static_cast<unsigned char>(text[i + 1]) & 0x3F);
      const char* base = nullptr;
      if (cp >= 0xC0 && cp <= 0xFF)
        base = latin1[cp - 0xC0];
      else if (cp >= 0x100 && cp <= 0x17F)
        base = latin_extended_a(cp);
      if (base) {
        out += *base ? base : " ";
        i += 2;
        continue;
      }
    }
    // Anything else (other scripts) is kept as it is.
    auto len = c >= 0xF0 ? 4u : c >= 0xE0 ? 3u : c >= 0xC0 ? 2u : 1u;
    out.append(text.substr(i, len));
    i += len;
  }
  return out;
}

std::string_view display_status(domain::invoice_status status, bool paid) {
  using enum domain::invoice_status;
  switch (status) {
    case received:
    case extracting: return "processing";
    case awaiting_approval: return "awaiting_approval";
    case approved: return paid ? "approved_paid" : "approved_unpaid";
    case rejected: return "rejected";
    case failed: return "failed";
    case not_an_invoice: return "not_an_invoice";
    case deleted: return "deleted";
  }
  return "processing";
}

read_model invoices_model(std::shared_ptr<const events::catalog> catalog) {
  auto buffer = std::make_shared<batch_buffer>();
  read_model m;
  m.name = "invoices";
  m.schema = "rm_invoices";
  using namespace domain;
  m.event_types = {document_received::type,     extraction_started::type,
                   extraction_succeeded::type,  extraction_failed::type,
                   marked_not_an_invoice::type, duplicate_suspected::type,
                   fields_corrected::type,      lines_replaced::type,
                   invoice_approved::type,      invoice_rejected::type,
                   invoice_paid::type,          invoice_marked_unpaid::type,
                   reprocess_requested::type,   invoice_deleted::type};
  m.apply = [buffer, catalog](
              pqxx::work& txn,
              const events::recorded_event& ev) -> std::optional<error> {
    auto e = invoice_entity::decode(ev.env);
    if (!e)
      return e.error();
    auto id_text = ev.env.stream_id.substr(ev.env.stream_id.find('-') + 1);
    auto id = events::uuid::parse(id_text);
    if (!id)
      return make_error(errc::invalid_argument,
                        "not an invoice stream: " + ev.env.stream_id);
    auto [it, fresh] = buffer->touched.try_emplace(*id);
    auto& t = it->second;
    if (fresh && ev.env.stream_version > 1) {
      // First met mid-stream in this batch: catch up from the stream.
      for (auto& earlier : events::event_store::read_stream_in(
             txn, ev.env.stream_id, 1, ev.env.stream_version - 1)) {
        if (auto up = catalog->upcast(earlier.env); !up)
          return up.error();
        auto decoded = invoice_entity::decode(earlier.env);
        if (!decoded)
          return decoded.error();
        follow(t, earlier, *decoded);
      }
    }
    if (t.version + 1 != ev.env.stream_version)
      return make_error(errc::invalid_argument,
                        "invoice " + id_text + " skipped from version "
                          + std::to_string(t.version) + " to "
                          + std::to_string(ev.env.stream_version));
    follow(t, ev, *e);
    return std::nullopt;
  };
  m.flush = [buffer, upsert = make_upsert_sql()](
              pqxx::work& txn) -> std::optional<error> {
    events::json_writer rows;
    rows.begin_array();
    std::string gone = "{";
    for (const auto& [id, t] : buffer->touched) {
      if (t.state.status == domain::invoice_status::deleted)
        gone += (gone.size() > 1 ? "," : "") + id.to_string();
      else
        write_row(rows, t);
    }
    rows.end_array();
    gone += "}";
    if (rows.str().size() > 2)
      txn.exec_params(upsert, rows.str());
    if (gone.size() > 2)
      txn.exec_params(delete_sql, gone);
    buffer->touched.clear();
    return std::nullopt;
  };
  m.discard = [buffer] {
    buffer->touched.clear();
  };
  return m;
}

// -- queries ------------------------------------------------------------------

namespace {

std::optional<values::date> parse_date(const std::string& text) {
  auto d = values::date::parse(text);
  if (!d)
    return std::nullopt;
  return *d;
}

/// What a sort name orders by.
const std::map<std::string, std::string, std::less<>> sort_columns{
  {"received_at", "received_at"},
  {"issue_date", "issue_date"},
  {"due_date", "due_date"},
  {"total", "total"},
  {"supplier", "lower(supplier_name)"},
  {"invoice_number", "invoice_number"},
  {"status", "display_status"}};

constexpr auto rfc3339 = "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'";

std::string ts(const std::string& column) {
  return "to_char(" + column + " AT TIME ZONE 'UTC', " + rfc3339 + ")";
}

/// The JSON of an invoice as a list shows it.
std::string list_item_sql() {
  return "json_build_object('id', invoice_id, 'status', display_status,"
         " 'supplier_name', supplier_name, 'invoice_number', invoice_number,"
         " 'issue_date', issue_date, 'due_date', due_date,"
         " 'currency', currency, 'total', total::text,"
         " 'paid_on', paid_on, 'source', source, 'file_name', file_name,"
         " 'received_at', "
         + ts("received_at")
         + ", 'duplicate_of', duplicate_of,"
           " 'overall_confidence', overall_confidence::text,"
           " 'version', version, 'position', position)";
}

/// The word prefixes of `q`, as a tsquery ("butt:* & fromag:*"); only
/// letters and digits survive the folding, so nothing else can reach it.
std::string prefix_query(const std::string& q) {
  auto folded = fold_for_search(q);
  std::string out, word;
  auto flush_word = [&] {
    if (word.empty())
      return;
    out += (out.empty() ? "" : " & ") + word + ":*";
    word.clear();
  };
  for (char ch : folded) {
    if (ch == ' ')
      flush_word();
    else if (ch == '\'' || ch == '\\' || ch == ':' || ch == '&' || ch == '|'
             || ch == '!' || ch == '(' || ch == ')' || ch == '*')
      continue;
    else
      word += ch;
  }
  flush_word();
  return out;
}

} // namespace

expected<invoice_list_query>
parse_invoice_list_query(const query_pairs& params) {
  invoice_list_query q;
  auto bad = [](std::string message) {
    return make_error(errc::invalid_argument, std::move(message));
  };
  for (const auto& [name, value] : params) {
    if (name == "status") {
      std::size_t start = 0;
      while (start <= value.size()) {
        auto end = value.find(',', start);
        if (end == std::string::npos)
          end = value.size();
        auto one = value.substr(start, end - start);
        bool known = false;
        for (auto s : display_statuses)
          known = known || s == one;
        if (!known)
          return bad("status must be one or more (comma-separated) of "
                     "processing, awaiting_approval, approved_unpaid, "
                     "approved_paid, rejected, failed, not_an_invoice");
        q.statuses.push_back(one);
        start = end + 1;
      }
    } else if (name == "supplier") {
      q.supplier = value;
    } else if (name == "source") {
      if (!domain::parse_document_source(value))
        return bad("source must be one of upload, email, whatsapp, api");
      q.source = value;
    } else if (name == "q") {
      if (value.size() > 200)
        return bad("q is at most 200 characters");
      q.q = value;
    } else if (name == "issue_from" || name == "issue_to" || name == "due_from"
               || name == "due_to") {
      auto d = parse_date(value);
      if (!d)
        return bad(name + " must be a date (YYYY-MM-DD)");
      (name == "issue_from" ? q.issue_from
       : name == "issue_to" ? q.issue_to
       : name == "due_from" ? q.due_from
                            : q.due_to) = d;
    } else if (name == "min_total" || name == "max_total") {
      auto amount = values::decimal::parse(value);
      if (!amount)
        return bad(name + " must be an amount such as 125.50");
      (name == "min_total" ? q.min_total : q.max_total) = *amount;
    } else if (name == "sort") {
      if (!sort_columns.contains(value))
        return bad("sort must be one of received_at, issue_date, due_date, "
                   "total, supplier, invoice_number, status");
      q.sort = value;
    } else if (name == "order") {
      if (value != "asc" && value != "desc")
        return bad("order must be asc or desc");
      q.descending = value == "desc";
    } else if (name == "limit" || name == "offset") {
      std::int64_t n = -1;
      auto [end, ec] =
        std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || end != value.data() + value.size())
        n = -1;
      if (name == "limit") {
        if (n < 1 || n > 200)
          return bad("limit must be between 1 and 200");
        q.limit = static_cast<int>(n);
      } else {
        if (n < 0)
          return bad("offset must be 0 or more");
        q.offset = n;
      }
    } else {
      return bad("unknown parameter '" + name
                 + "'; filters are status, supplier, issue_from, issue_to, "
                   "due_from, due_to, min_total, max_total, source, q");
    }
  }
  return q;
}

std::string invoice_list_json(pqxx::transaction_base& txn,
                              const events::uuid& tenant,
                              const invoice_list_query& q) {
  std::string where = " WHERE tenant_id = " + txn.quote(tenant.to_string())
                      + "::uuid AND display_status <> 'deleted'";
  if (!q.statuses.empty()) {
    where += " AND display_status IN (";
    for (std::size_t i = 0; i < q.statuses.size(); ++i)
      where += (i ? ", " : "") + txn.quote(q.statuses[i]);
    where += ")";
  }
  if (!q.supplier.empty())
    where += " AND lower(supplier_name) = lower(" + txn.quote(q.supplier) + ")";
  if (!q.source.empty())
    where += " AND source = " + txn.quote(q.source);
  auto date_bound = [&](const char* column, const char* op,
                        const std::optional<values::date>& d) {
    if (d)
      where += std::string{" AND "} + column + " " + op + " "
               + txn.quote(d->to_string()) + "::date";
  };
  date_bound("issue_date", ">=", q.issue_from);
  date_bound("issue_date", "<=", q.issue_to);
  date_bound("due_date", ">=", q.due_from);
  date_bound("due_date", "<=", q.due_to);
  if (q.min_total)
    where +=
      " AND total >= " + txn.quote(q.min_total->to_string()) + "::numeric";
  if (q.max_total)
    where +=
      " AND total <= " + txn.quote(q.max_total->to_string()) + "::numeric";
  if (auto words = prefix_query(q.q); !words.empty())
    where += " AND search @@ to_tsquery('simple', " + txn.quote(words) + ")";
  auto dir = q.descending ? " DESC" : " ASC";
  auto order = " ORDER BY " + sort_columns.at(q.sort) + dir + " NULLS LAST, "
               + "invoice_id" + dir;
  auto total =
    txn.exec("SELECT count(*) FROM rm_invoices.invoices" + where)[0][0]
      .as<std::int64_t>();
  std::string page =
    txn
      .exec("SELECT coalesce(json_agg(item), '[]') FROM (SELECT "
            + list_item_sql() + " AS item FROM rm_invoices.invoices" + where
            + order + " LIMIT " + std::to_string(q.limit) + " OFFSET "
            + std::to_string(q.offset) + ") page")[0][0]
      .c_str();
  events::json_writer w;
  w.begin_object().key("invoices").raw(page);
  w.field("total", total).field("limit", q.limit).field("offset", q.offset);
  w.key("next_offset");
  if (q.offset + q.limit < total)
    w.value(q.offset + q.limit);
  else
    w.null();
  w.end_object();
  return w.take();
}

std::optional<std::string> invoice_detail_json(pqxx::transaction_base& txn,
                                               const events::uuid& tenant,
                                               const events::uuid& invoice) {
  auto rows = txn.exec_params(
    "SELECT json_build_object("
    " 'id', invoice_id, 'status', display_status, 'domain_status', status,"
    " 'fields', json_build_object("
    "   'supplier_name', supplier_name, 'supplier_tax_id', supplier_tax_id,"
    "   'invoice_number', invoice_number, 'issue_date', issue_date,"
    "   'due_date', due_date, 'currency', currency,"
    "   'subtotal', subtotal::text, 'tax_total', tax_total::text,"
    "   'total', total::text, 'purchase_order', purchase_order,"
    "   'payment_terms', payment_terms),"
    " 'confidence', confidence, 'overall_confidence', overall_confidence::text,"
    " 'corrected_fields', corrected_fields, 'lines', lines, 'taxes', taxes,"
    " 'document', json_build_object('source', source, 'file_name', file_name,"
    "   'media_type', media_type, 'size_bytes', size_bytes,"
    "   'sha256', sha256, 'sender', sender, 'received_at', "
      + ts("received_at")
      + "),"
        " 'extraction', json_build_object('provider', provider,"
        "   'model', model, 'attempts', extraction_attempts,"
        "   'cost', extraction_cost::text, 'extracted_at', "
      + ts("extracted_at")
      + ", 'failure_reason', failure_reason,"
        "   'retryable', failure_retryable),"
        " 'not_an_invoice_reason', not_an_invoice_reason,"
        " 'duplicate', CASE WHEN duplicate_of IS NULL THEN NULL ELSE"
        "   json_build_object('of', duplicate_of, 'reason', duplicate_reason)"
        "   END,"
        " 'approval', json_build_object('approved_at', "
      + ts("approved_at") + ", 'approved_by', approved_by, 'rejected_at', "
      + ts("rejected_at")
      + ", 'rejected_by', rejected_by, 'rejection_reason', rejection_reason),"
        " 'payment', json_build_object('paid', paid, 'paid_on', paid_on,"
        "   'method', payment_method, 'reference', payment_reference),"
        " 'version', version, 'position', position,"
        " 'updated_at', "
      + ts("updated_at")
      + ") FROM rm_invoices.invoices"
        " WHERE tenant_id = $1::uuid AND invoice_id = $2::uuid",
    tenant.to_string(), invoice.to_string());
  if (rows.empty())
    return std::nullopt;
  return std::string{rows[0][0].c_str()};
}

std::string overview_json(pqxx::transaction_base& txn,
                          const events::uuid& tenant,
                          const values::date& today) {
  auto t = txn.quote(tenant.to_string()) + "::uuid";
  auto d = txn.quote(today.to_string()) + "::date";
  auto sql =
    "WITH mine AS (SELECT * FROM rm_invoices.invoices WHERE tenant_id = " + t
    + "),"
      " months AS (SELECT (date_trunc('month', "
    + d
    + ") - make_interval(months => g))::date AS month"
      "   FROM generate_series(0, 11) g),"
      " spend AS (SELECT date_trunc('month', issue_date)::date AS month,"
      "   currency, sum(total) AS amount, count(*) AS n FROM mine"
      "   WHERE status = 'approved' AND issue_date IS NOT NULL"
      "     AND total IS NOT NULL AND currency IS NOT NULL"
      "     AND issue_date >= (SELECT min(month) FROM months)"
      "     AND issue_date < date_trunc('month', "
    + d
    + ") + interval '1 month'"
      "   GROUP BY 1, 2)"
      " SELECT json_build_object("
      " 'today', "
    + d
    + ","
      " 'counts', (SELECT coalesce(json_object_agg(display_status, n), '{}')"
      "   FROM (SELECT display_status, count(*) AS n FROM mine"
      "         GROUP BY 1) c),"
      " 'spend_by_month', (SELECT coalesce(json_agg(json_build_object("
      "     'month', to_char(m.month, 'YYYY-MM'), 'currency', s.currency,"
      "     'amount', coalesce(s.amount, 0)::text, 'invoices',"
      "     coalesce(s.n, 0)) ORDER BY m.month, s.currency), '[]')"
      "   FROM months m LEFT JOIN spend s ON s.month = m.month),"
      " 'this_month', (SELECT coalesce(json_agg(json_build_object("
      "     'currency', currency, 'amount', amount::text)), '[]') FROM spend"
      "   WHERE month = date_trunc('month', "
    + d
    + ")::date),"
      " 'last_month', (SELECT coalesce(json_agg(json_build_object("
      "     'currency', currency, 'amount', amount::text)), '[]') FROM spend"
      "   WHERE month = (date_trunc('month', "
    + d
    + ") - interval '1 month')::date),"
      " 'top_suppliers', (SELECT coalesce(json_agg(x ORDER BY x_amount DESC),"
      "   '[]') FROM (SELECT json_build_object('supplier_name', supplier_name,"
      "     'currency', currency, 'amount', sum(total)::text, 'invoices',"
      "     count(*)) AS x, sum(total) AS x_amount FROM mine"
      "   WHERE status = 'approved' AND supplier_name IS NOT NULL"
      "     AND total IS NOT NULL AND issue_date >= (SELECT min(month) FROM"
      "     months) GROUP BY supplier_name, currency"
      "   ORDER BY sum(total) DESC LIMIT 5) top),"
      " 'pending_approval', json_build_object('count', (SELECT count(*)"
      "   FROM mine WHERE display_status = 'awaiting_approval'),"
      "   'by_currency', (SELECT coalesce(json_agg(json_build_object("
      "   'currency', currency, 'amount', amount::text)), '[]') FROM"
      "   (SELECT currency, sum(total) AS amount FROM mine"
      "    WHERE display_status = 'awaiting_approval' AND total IS NOT NULL"
      "      AND currency IS NOT NULL GROUP BY currency) p)),"
      " 'unpaid', (SELECT coalesce(json_agg(json_build_object('currency',"
      "   currency, 'amount', amount::text, 'invoices', n)), '[]') FROM"
      "   (SELECT currency, sum(total) AS amount, count(*) AS n FROM mine"
      "    WHERE display_status = 'approved_unpaid' AND total IS NOT NULL"
      "    GROUP BY currency) u),"
      " 'overdue', (SELECT coalesce(json_agg(json_build_object('currency',"
      "   currency, 'amount', amount::text, 'invoices', n)), '[]') FROM"
      "   (SELECT currency, sum(total) AS amount, count(*) AS n FROM mine"
      "    WHERE display_status = 'approved_unpaid' AND total IS NOT NULL"
      "      AND due_date < "
    + d
    + " GROUP BY currency) o),"
      " 'extraction_cost_this_month', json_build_object('currency', 'USD',"
      "   'amount', (SELECT coalesce(sum(extraction_cost), 0)::text FROM mine"
      "   WHERE extracted_at >= date_trunc('month', "
    + d + "))))";
  return txn.exec(sql)[0][0].c_str();
}

} // namespace larder::projections
