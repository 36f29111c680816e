#include "projections/invoices.hpp"

#include <algorithm>
#include <charconv>
#include <deque>
#include <limits>
#include <stdexcept>
#include <variant>

#include <pqxx/pqxx>

#include "actors/values/text.hpp"
#include "events/pg_array.hpp"
#include "projections/sql.hpp"
#include "projections/suppliers.hpp"
#include "projections/version_cache.hpp"

namespace larder::projections {

namespace {

using domain::invoice_status;
using events::json_writer;
using values::date;
using values::decimal;

// clang-format off
/// What an invoice's state is read back from, in `read_record`'s order:
/// its document row joined to its status row (LARDER_RECORD_TABLES).
#define LARDER_RECORD_COLUMNS                                                  \
  "invoice_id::text, tenant_id::text, version, position, "                     \
  LARDER_RFC3339("updated_at") ", status, source, file_name, media_type, "     \
  "size_bytes, sha256, sender, " LARDER_RFC3339("received_at") ", "            \
  "supplier_name, supplier_tax_id, invoice_number, "                           \
  LARDER_DAY("issue_date") ", " LARDER_DAY("due_date") ", currency, "          \
  "subtotal::text, tax_total::text, total::text, purchase_order, "             \
  "payment_terms, "                                                            \
  "ARRAY(SELECT key FROM jsonb_each_text(confidence) ORDER BY key), "          \
  "ARRAY(SELECT value FROM jsonb_each_text(confidence) ORDER BY key), "        \
  "overall_confidence::text, "                                                 \
  "ARRAY(SELECT jsonb_array_elements_text(corrected_fields)), "                \
  "ARRAY(SELECT concat_ws(' ', t->>'kind', t->>'rate_percent', t->>'amount')"  \
  "        FROM jsonb_array_elements(taxes) WITH ORDINALITY x(t, n)"           \
  "       ORDER BY n), "                                                       \
  "provider, model, "                                                          \
  "extraction_attempts, extraction_cost::text, "                               \
  LARDER_RFC3339("extracted_at") ", failure_reason, failure_retryable, "       \
  "not_an_invoice_reason, duplicate_of::text, duplicate_reason, "              \
  LARDER_RFC3339("approved_at") ", approved_by, "                              \
  LARDER_RFC3339("rejected_at") ", rejected_by, rejection_reason, paid, "      \
  LARDER_DAY("paid_on") ", payment_method, payment_reference"

#define LARDER_RECORD_TABLES(schema)                                           \
  schema "invoices JOIN " schema "statuses USING (invoice_id, tenant_id)"

#define LARDER_LINE_COLUMNS                                                    \
  "invoice_id::text, description, quantity::text, unit, unit_price::text, "    \
  "line_total::text, tax_code, category, total_mismatch"

// -- SQL: a batch -------------------------------------------------------------
//
// Unqualified: the runner sets the search path to the model's schema, or to
// the copy a rebuild fills.

constexpr auto load_records_sql =
  "SELECT " LARDER_RECORD_COLUMNS " FROM " LARDER_RECORD_TABLES("")
  " WHERE invoice_id = ANY($1::uuid[])";

constexpr auto load_lines_sql =
  "SELECT " LARDER_LINE_COLUMNS " FROM lines l"
  " WHERE invoice_id = ANY($1::uuid[]) ORDER BY l.invoice_id, l.line_no";

/// Deletes the document rows and gives back each one's lexemes, for
/// `word_counts`.
constexpr auto delete_documents_sql =
  "WITH gone AS (DELETE FROM invoices WHERE invoice_id = ANY($1::uuid[])"
  "   RETURNING tenant_id, search)"
  " SELECT tenant_id::text, unnest(tsvector_to_array(search)) FROM gone";

constexpr auto delete_statuses_sql =
  "DELETE FROM statuses WHERE invoice_id = ANY($1::uuid[])";

constexpr auto delete_lines_sql =
  "DELETE FROM lines WHERE invoice_id = ANY($1::uuid[])";

// The per-tenant tables take each batch's changes as sums to add; rows that
// come to no invoices are dropped, so that the tables are the same however
// the log was cut into batches.

constexpr auto add_status_counts_sql =
  "INSERT INTO status_counts (tenant_id, status_rank, invoices)"
  " SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::bigint[])"
  " ON CONFLICT (tenant_id, status_rank) DO UPDATE"
  "   SET invoices = status_counts.invoices + excluded.invoices";

constexpr auto drop_status_counts_sql =
  "DELETE FROM status_counts WHERE tenant_id = ANY($1::uuid[])"
  "   AND invoices = 0";

constexpr auto add_monthly_spend_sql =
  "INSERT INTO monthly_spend (tenant_id, month, currency, supplier_key,"
  "                           supplier_name, invoices, amount)"
  " SELECT * FROM unnest($1::uuid[], $2::date[], $3::text[], $4::text[],"
  "                      $5::text[], $6::bigint[], $7::numeric[])"
  " ON CONFLICT (tenant_id, month, currency, supplier_key, supplier_name)"
  " DO UPDATE SET invoices = monthly_spend.invoices + excluded.invoices,"
  "               amount = monthly_spend.amount + excluded.amount";

constexpr auto drop_monthly_spend_sql =
  "DELETE FROM monthly_spend WHERE tenant_id = ANY($1::uuid[])"
  "   AND invoices = 0";

constexpr auto add_open_amounts_sql =
  "INSERT INTO open_amounts (tenant_id, status_rank, currency, due_date,"
  "                          invoices, with_total, amount)"
  " SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::date[],"
  "                      $5::bigint[], $6::bigint[], $7::numeric[])"
  " ON CONFLICT (tenant_id, status_rank, currency, due_date) DO UPDATE"
  "   SET invoices = open_amounts.invoices + excluded.invoices,"
  "       with_total = open_amounts.with_total + excluded.with_total,"
  "       amount = open_amounts.amount + excluded.amount";

constexpr auto drop_open_amounts_sql =
  "DELETE FROM open_amounts WHERE tenant_id = ANY($1::uuid[])"
  "   AND invoices = 0";

constexpr auto add_word_counts_sql =
  "INSERT INTO word_counts (tenant_id, word, invoices)"
  " SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[])"
  " ON CONFLICT (tenant_id, word) DO UPDATE"
  "   SET invoices = word_counts.invoices + excluded.invoices";

constexpr auto drop_word_counts_sql =
  "DELETE FROM word_counts WHERE (tenant_id, word) IN"
  "   (SELECT * FROM unnest($1::uuid[], $2::text[]))"
  "   AND invoices = 0";

constexpr auto add_extraction_costs_sql =
  "INSERT INTO extraction_costs (tenant_id, month, extractions, cost)"
  " SELECT * FROM unnest($1::uuid[], $2::date[], $3::bigint[],"
  "                      $4::numeric[])"
  " ON CONFLICT (tenant_id, month) DO UPDATE"
  "   SET extractions = extraction_costs.extractions + excluded.extractions,"
  "       cost = extraction_costs.cost + excluded.cost";

/// What `copy_document` writes, in its order: the invoice as extraction,
/// correction and intake left it. `document_fields` writes all but the last
/// two.
constexpr std::array<const char*, 38> document_columns{
  "invoice_id",
  "tenant_id",
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
  "supplier_sort",
  "supplier_key",
  "confidence",
  "overall_confidence",
  "corrected_fields",
  "taxes",
  "provider",
  "model",
  "extraction_attempts",
  "extraction_cost",
  "extracted_at",
  "failure_reason",
  "failure_retryable",
  "not_an_invoice_reason",
  "duplicate_of",
  "duplicate_reason",
  "line_count",
  "search"};

/// What `copy_status` writes, in its order: where the invoice stands, which
/// approval, rejection and payment change without touching its document.
constexpr std::array<const char*, 17> status_columns{
  "invoice_id",
  "tenant_id",
  "version",
  "position",
  "updated_at",
  "status",
  "display_status",
  "status_rank",
  "approved_at",
  "approved_by",
  "rejected_at",
  "rejected_by",
  "rejection_reason",
  "paid",
  "paid_on",
  "payment_method",
  "payment_reference"};

constexpr std::array<const char*, 11> line_columns{
  "invoice_id", "line_no",  "tenant_id", "description",
  "quantity",   "unit",     "unit_price", "line_total",
  "tax_code",   "category", "total_mismatch"};

// -- SQL: queries -------------------------------------------------------------

#define LARDER_LIST_COLUMNS                                                    \
  "invoice_id::text, display_status, source, file_name, "                      \
  LARDER_RFC3339("received_at") ", supplier_name, invoice_number, "            \
  LARDER_DAY("issue_date") ", " LARDER_DAY("due_date") ", currency, "          \
  "total::text, " LARDER_DAY("paid_on") ", duplicate_of::text, "               \
  "overall_confidence::text, line_count, version, "                            \
  LARDER_RFC3339("updated_at")

/// The list's tables: each invoice's document row and its status row. A
/// left join, so that a query that needs nothing of the status row (a count
/// without a status filter) does not read it: PostgreSQL drops the join.
/// A status filter or sort makes it an inner join, and the tenant reaches
/// both tables' indexes through USING.
#define LARDER_LIST_TABLES                                                     \
  " FROM rm_invoices.invoices i LEFT JOIN rm_invoices.statuses s"              \
  " USING (invoice_id, tenant_id)"

/// $1 tenant; then each filter, NULL when not asked for: $2 display status
/// ranks, $3 folded supplier name, $4 supplier key, $5..$8 issue and due
/// date bounds, $9 and $10 total bounds, $11 source, $12 a tsquery text.
#define LARDER_LIST_FILTER LARDER_LIST_FILTER_WHERE("tenant_id = $1::uuid")
#define LARDER_LIST_FILTER_WHERE(tenant)                                       \
  LARDER_LIST_FILTER_BUT_WORDS(tenant)                                         \
  "   AND ($12::tsquery IS NULL OR search @@ $12::tsquery)"
/// LARDER_LIST_FILTER_WHERE but the search ($12), which it leaves unused.
#define LARDER_LIST_FILTER_BUT_WORDS(tenant)                                   \
  " WHERE " tenant                                                             \
  "   AND ($2::smallint[] IS NULL OR status_rank = ANY($2::smallint[]))"       \
  "   AND ($3::text IS NULL OR supplier_sort = $3::text)"                      \
  "   AND ($4::text IS NULL OR supplier_key = $4::text)"                       \
  "   AND ($5::date IS NULL OR issue_date >= $5::date)"                        \
  "   AND ($6::date IS NULL OR issue_date <= $6::date)"                        \
  "   AND ($7::date IS NULL OR due_date >= $7::date)"                          \
  "   AND ($8::date IS NULL OR due_date <= $8::date)"                          \
  "   AND ($9::numeric IS NULL OR total >= $9::numeric)"                       \
  "   AND ($10::numeric IS NULL OR total <= $10::numeric)"                     \
  "   AND ($11::text IS NULL OR source = $11::text)"

/// A page is found in two steps. The filtered, sorted walk selects only
/// the page's ids (`page_id`), so that it reads no more than its sort
/// index and the filters' columns: a walk that passes thousands of rows to
/// keep fifty (a status filter sorted by total probes the status of every
/// row it passes) reads them from indexes alone where it can. Only then
/// are the page's fifty rows joined, each by its primary keys, and put back
/// in order.
#define LARDER_PAGE_ROWS(order)                                                \
  " JOIN rm_invoices.invoices i ON i.invoice_id = page.page_id"                \
  " JOIN rm_invoices.statuses s USING (invoice_id, tenant_id)"                 \
  " ORDER BY " order

/// The rows that have the sort key, after the cursor ($13 key, $14 id) when
/// there is one, in the sort's order.
#define LARDER_KEYED_AFTER(t, key, type, op, dir)                              \
  "   AND " t "." key " IS NOT NULL"                                           \
  "   AND ($14::uuid IS NULL"                                                  \
  "        OR (" t "." key ", " t ".invoice_id) " op                           \
  "           ($13::" type ", $14::uuid))"                                     \
  " ORDER BY " t "." key " " dir ", " t ".invoice_id " dir

/// The rows that have the sort key (`t.key`, t the table alias whose index
/// has it), after the cursor ($13 key, $14 id) when there is one; $15
/// limit, $16 offset. The key's text ends each row. The id is named from
/// the key's table too, so that the cursor's comparison is on that index.
#define LARDER_PAGE_KEYED(tenant, key_text, t, key, type, op, dir)             \
  "SELECT " LARDER_LIST_COLUMNS ", " key_text                                  \
  " FROM (SELECT " t ".invoice_id AS page_id" LARDER_LIST_TABLES               \
  LARDER_LIST_FILTER_WHERE(tenant)                                             \
  LARDER_KEYED_AFTER(t, key, type, op, dir)                                    \
  " LIMIT $15 OFFSET $16) page"                                                \
  LARDER_PAGE_ROWS(t "." key " " dir ", " t ".invoice_id " dir)

/// The rows without the sort key, after the cursor's id ($13) when it is
/// among them; $14 limit, $15 offset.
#define LARDER_PAGE_UNKEYED(tenant, t, key, op, dir)                           \
  "SELECT " LARDER_LIST_COLUMNS ", NULL"                                       \
  " FROM (SELECT i.invoice_id AS page_id" LARDER_LIST_TABLES                   \
  LARDER_LIST_FILTER_WHERE(tenant)                                             \
  "   AND " t "." key " IS NULL"                                               \
  "   AND ($13::uuid IS NULL OR i.invoice_id " op " $13::uuid)"                \
  " ORDER BY i.invoice_id " dir " LIMIT $14 OFFSET $15) page"                  \
  LARDER_PAGE_ROWS("i.invoice_id " dir)

/// LARDER_PAGE_KEYED for a search, over at most $17 rows of the sort's
/// index: they are walked in order and the search tested on each, so the
/// page found is the one the search would give if it fills up (fewer rows
/// than $15 say nothing).
#define LARDER_PAGE_WALKED(key_text, t, key, type, op, dir)                    \
  "SELECT " LARDER_LIST_COLUMNS ", " key_text                                  \
  " FROM (SELECT page_id FROM (SELECT " t ".invoice_id AS page_id,"            \
  "   search @@ $12::tsquery AS hit" LARDER_LIST_TABLES                        \
  LARDER_LIST_FILTER_BUT_WORDS("tenant_id = $1::uuid")                         \
  LARDER_KEYED_AFTER(t, key, type, op, dir)                                    \
  " LIMIT $17) walked WHERE hit LIMIT $15 OFFSET $16) page"                    \
  LARDER_PAGE_ROWS(t "." key " " dir ", " t ".invoice_id " dir)

#define LARDER_COUNT_KEYED(t, key)                                             \
  "SELECT count(*)" LARDER_LIST_TABLES LARDER_LIST_FILTER                      \
  "   AND " t "." key " IS NOT NULL"

#define LARDER_PAGES(tenant, key_text, t, key, type)                            \
  {LARDER_PAGE_KEYED(tenant, key_text, t, key, type, ">", "ASC"),              \
   LARDER_PAGE_KEYED(tenant, key_text, t, key, type, "<", "DESC"),             \
   LARDER_PAGE_UNKEYED(tenant, t, key, ">", "ASC"),                            \
   LARDER_PAGE_UNKEYED(tenant, t, key, "<", "DESC")}

/// A sort's queries, in `sort_spec` order: its pages as the planner chooses
/// them (`by_tenant`), from the words' index alone (`by_words`), a search's
/// bounded walk (`walked_asc`, `walked_desc`), and the count of its keyed
/// rows.
#define LARDER_SORT(key_text, t, key, type)                                    \
  LARDER_PAGES("tenant_id = $1::uuid", key_text, t, key, type),                \
  LARDER_PAGES("(tenant_id = $1::uuid) IS TRUE", key_text, t, key, type),      \
  LARDER_PAGE_WALKED(key_text, t, key, type, ">", "ASC"),                      \
  LARDER_PAGE_WALKED(key_text, t, key, type, "<", "DESC"),                     \
  LARDER_COUNT_KEYED(t, key)

/// Counts matching rows up to one more than `count_cap` ($13).
constexpr auto count_sql =
  "SELECT count(*) FROM (SELECT 1" LARDER_LIST_TABLES
  LARDER_LIST_FILTER " LIMIT $13) matching";

/// `count_sql` for a search: the words' lexemes carry the tenant's tag, so
/// the GIN index alone finds about the tenant's rows. Written so that the
/// planner cannot use `tenant_id` in an index (`IS TRUE`), it checks the
/// tenant on the rows the search found instead of also reading the
/// tenant's whole index range and intersecting the two: 13 ms instead of
/// 19 for a word in 10,000 of a tenant's 100,000 invoices.
constexpr auto count_search_sql =
  "SELECT count(*) FROM (SELECT 1" LARDER_LIST_TABLES
  LARDER_LIST_FILTER_WHERE("(tenant_id = $1::uuid) IS TRUE")
  " LIMIT $13) matching";

/// How the cursor's key is checked before it reaches SQL.
enum class key_kind : std::uint8_t { timestamp, day, amount, text, rank };

/// The page queries of one sort: rows with the key in either order, then
/// rows without it.
struct sort_pages {
  const char* keyed_asc;
  const char* keyed_desc;
  const char* unkeyed_asc;
  const char* unkeyed_desc;
};

/// One way to sort the list.
struct sort_spec {
  invoice_sort sort;
  std::string_view name;
  key_kind kind;
  /// Whether some rows lack the key (they come after the others).
  bool nullable;
  sort_pages by_tenant;
  /// The same pages for a search, written so that no index can take the
  /// tenant (as `count_search_sql`): the page reads the words' matches
  /// from their index alone and sorts them, a cost bounded by the rarest
  /// word.
  sort_pages by_words;
  /// A search's rows with the key, over a bounded stretch of the sort's
  /// index (LARDER_PAGE_WALKED).
  const char* walked_asc;
  const char* walked_desc;
  const char* count_keyed;
};

constexpr sort_spec sort_specs[] = {
  {invoice_sort::received_at, "received_at", key_kind::timestamp, false,
   LARDER_SORT(LARDER_RFC3339("received_at"), "i", "received_at",
               "timestamptz")},
  {invoice_sort::issue_date, "issue_date", key_kind::day, true,
   LARDER_SORT(LARDER_DAY("issue_date"), "i", "issue_date", "date")},
  {invoice_sort::due_date, "due_date", key_kind::day, true,
   LARDER_SORT(LARDER_DAY("due_date"), "i", "due_date", "date")},
  {invoice_sort::total, "total", key_kind::amount, true,
   LARDER_SORT("total::text", "i", "total", "numeric")},
  {invoice_sort::supplier, "supplier", key_kind::text, true,
   LARDER_SORT("supplier_sort", "i", "supplier_sort", "text")},
  {invoice_sort::status, "status", key_kind::rank, false,
   LARDER_SORT("status_rank::text", "s", "status_rank", "smallint")},
};

constexpr auto detail_sql =
  "SELECT " LARDER_RECORD_COLUMNS " FROM " LARDER_RECORD_TABLES("rm_invoices.")
  " WHERE tenant_id = $1::uuid AND invoice_id = $2::uuid";

constexpr auto detail_lines_sql =
  "SELECT " LARDER_LINE_COLUMNS " FROM rm_invoices.lines"
  " WHERE tenant_id = $1::uuid AND invoice_id = $2::uuid ORDER BY line_no";

/// The directory's record of the tenant's currency (TenantCreated).
constexpr auto tenant_currency_sql =
  "SELECT currency FROM rm.tenants WHERE tenant_id = $1::uuid";

constexpr auto status_counts_sql =
  "SELECT status_rank, invoices FROM rm_invoices.status_counts"
  " WHERE tenant_id = $1::uuid";

/// The total of a list filtered by display status ($2) alone.
constexpr auto status_total_sql =
  "SELECT coalesce(sum(invoices), 0)::bigint FROM rm_invoices.status_counts"
  " WHERE tenant_id = $1::uuid"
  "   AND ($2::smallint[] IS NULL OR status_rank = ANY($2::smallint[]))";

/// Spend per month and currency from $3 (a first of month) until $4; $2 is
/// the tenant's currency, which invoices without one count in.
constexpr auto spend_by_month_sql =
  "SELECT to_char(month, 'YYYY-MM'), coalesce(nullif(currency, ''), $2::text),"
  "       sum(amount)::text, sum(invoices)"
  "  FROM rm_invoices.monthly_spend"
  " WHERE tenant_id = $1::uuid AND month >= $3::date AND month < $4::date"
  " GROUP BY 1, 2 ORDER BY 1, 2";

/// The five largest spends per supplier and currency from $3 until $4,
/// named as in the latest month (the last name in it, should it have
/// several).
constexpr auto top_suppliers_sql =
  "SELECT (array_agg(supplier_name ORDER BY supplier_name <> '' DESC,"
  "                  month DESC, supplier_name DESC))[1], c,"
  "       sum(amount)::text, sum(invoices), supplier_key"
  "  FROM (SELECT *, coalesce(nullif(currency, ''), $2::text) AS c"
  "          FROM rm_invoices.monthly_spend"
  "         WHERE tenant_id = $1::uuid AND month >= $3::date"
  "           AND month < $4::date AND supplier_key <> '') s"
  " GROUP BY supplier_key, c ORDER BY sum(amount) DESC, supplier_key, c"
  " LIMIT 5";

/// Per currency: awaiting approval (rank 1), approved and unpaid (rank 2),
/// and of those due before $3; each as invoices, invoices with a total, and
/// their sum.
#define LARDER_TALLY(condition)                                                \
  "coalesce(sum(invoices) FILTER (WHERE " condition "), 0),"                   \
  " coalesce(sum(with_total) FILTER (WHERE " condition "), 0),"                \
  " coalesce(sum(amount) FILTER (WHERE " condition "), 0)::text"

constexpr auto tallies_sql =
  "SELECT coalesce(nullif(currency, ''), $2::text), "
  LARDER_TALLY("status_rank = 1") ", "
  LARDER_TALLY("status_rank = 2") ", "
  LARDER_TALLY("status_rank = 2 AND due_date < $3::date")
  "  FROM rm_invoices.open_amounts WHERE tenant_id = $1::uuid"
  " GROUP BY 1 ORDER BY 1";

constexpr auto extraction_cost_sql =
  "SELECT coalesce(sum(cost), 0)::text FROM rm_invoices.extraction_costs"
  " WHERE tenant_id = $1::uuid AND month = $2::date";

#undef LARDER_TALLY
#undef LARDER_SORT
#undef LARDER_PAGES
#undef LARDER_PAGE_WALKED
#undef LARDER_KEYED_AFTER
#undef LARDER_LIST_FILTER_BUT_WORDS
#undef LARDER_COUNT_KEYED
#undef LARDER_PAGE_UNKEYED
#undef LARDER_PAGE_KEYED
#undef LARDER_PAGE_ROWS
#undef LARDER_LIST_FILTER
#undef LARDER_LIST_FILTER_WHERE
#undef LARDER_LIST_TABLES
#undef LARDER_LIST_COLUMNS
#undef LARDER_LINE_COLUMNS
#undef LARDER_RECORD_TABLES
#undef LARDER_RECORD_COLUMNS
// clang-format on

// -- helpers ------------------------------------------------------------------

/// Array literals for `unnest`, a column each, every element quoted.
class array_columns {
 public:
  explicit array_columns(std::size_t columns) : columns_(columns) {}

  void add(std::initializer_list<std::string_view> row) {
    std::size_t i = 0;
    for (auto value : row)
      columns_.at(i++).add(value);
  }

  bool empty() const {
    return columns_.empty() || columns_.front().empty();
  }

  std::string operator[](std::size_t i) const {
    return columns_.at(i).str();
  }

 private:
  std::vector<events::pg_array> columns_;
};

template <class T>
std::optional<std::string> text_of(const std::optional<T>& v) {
  if (!v)
    return std::nullopt;
  if constexpr (std::is_same_v<T, std::string>)
    return *v;
  else
    return v->to_string();
}

/// An amount at its currency's precision (two places while unknown), or
/// with every place it has when it has more: a display never rounds.
std::string money_text(const decimal& amount, std::string_view currency) {
  int digits = 2;
  if (!currency.empty())
    if (auto c = values::currency::parse(currency))
      digits = c->minor_units;
  if (amount.round(digits) != amount)
    return amount.to_string();
  return amount.to_string(digits);
}

void field_or_null(json_writer& w, std::string_view name,
                   const std::optional<std::string>& v) {
  w.key(name);
  if (v)
    w.value(*v);
  else
    w.null();
}

void text_or_null(json_writer& w, std::string_view name, std::string_view v) {
  w.key(name);
  if (v.empty())
    w.null();
  else
    w.value(v);
}

/// Reads columns of one row in order, keeping the first problem, so that a
/// row that does not parse is one error rather than a crash.
class row_reader {
 public:
  explicit row_reader(const pqxx::row& row) : row_(row) {}

  bool null() const {
    return row_[i_].is_null();
  }

  std::string text() {
    return row_[i_++].c_str();
  }

  std::optional<std::string> optional_text() {
    if (null()) {
      ++i_;
      return std::nullopt;
    }
    return text();
  }

  std::int64_t integer() {
    return row_[i_++].as<std::int64_t>();
  }

  /// A one-dimensional text array without NULLs.
  std::vector<std::string> strings() {
    auto column = i_;
    auto parser = row_[i_++].as_array();
    std::vector<std::string> out;
    for (;;) {
      auto [where, text] = parser.get_next();
      if (where == pqxx::array_parser::juncture::done)
        break;
      if (where == pqxx::array_parser::juncture::string_value)
        out.push_back(std::move(text));
      else if (where == pqxx::array_parser::juncture::null_value)
        fail(column);
    }
    return out;
  }

  bool flag() {
    return row_[i_++].as<bool>();
  }

  template <class T, class Parse>
  std::optional<T> optional_parsed(Parse parse) {
    auto column = i_;
    auto t = optional_text();
    if (!t)
      return std::nullopt;
    auto parsed = parse(*t);
    if (!parsed) {
      fail(column);
      return std::nullopt;
    }
    return T(*parsed);
  }

  template <class T, class Parse>
  T parsed(Parse parse) {
    auto column = i_;
    auto v = optional_parsed<T>(parse);
    if (!v) {
      fail(column);
      return T{};
    }
    return *v;
  }

  std::optional<date> optional_day() {
    return optional_parsed<date>(&date::parse);
  }

  std::optional<decimal> optional_amount() {
    return optional_parsed<decimal>(&decimal::parse);
  }

  decimal amount() {
    return parsed<decimal>(&decimal::parse);
  }

  events::uuid id() {
    return parsed<events::uuid>(&events::uuid::parse);
  }

  std::optional<events::uuid> optional_id() {
    return optional_parsed<events::uuid>(&events::uuid::parse);
  }

  /// Empty for NULL.
  std::string timestamp() {
    return optional_text().value_or("");
  }

  void fail(std::size_t column) {
    if (!failed_)
      problem_ = "column " + std::to_string(column + 1) + " does not parse";
    failed_ = true;
  }

  bool failed() const {
    return failed_;
  }

  const std::string& problem() const {
    return problem_;
  }

 private:
  const pqxx::row& row_;
  pqxx::row::size_type i_ = 0;
  bool failed_ = false;
  std::string problem_;
};

// -- records ------------------------------------------------------------------

/// The state a row holds, read back (`load_records_sql`, `detail_sql`);
/// lines come from their own table. Throws on a row that does not parse:
/// the tables are written by this file only.
invoice_detail read_record(const pqxx::row& row) {
  row_reader r{row};
  invoice_detail d;
  auto& s = d.invoice;
  auto& f = s.fields;
  s.exists = true;
  s.invoice_id = r.id();
  s.tenant_id = r.id();
  d.version = r.integer();
  d.position = r.integer();
  d.updated_at = r.timestamp();
  s.status = r.parsed<invoice_status>(&domain::parse_invoice_status);
  s.document.source =
    r.parsed<domain::document_source>(&domain::parse_document_source);
  s.document.file_name = r.text();
  s.document.media_type = r.text();
  s.document.size_bytes = r.integer();
  s.document.sha256 = r.text();
  s.document.sender = r.text();
  d.received_at = r.timestamp();
  f.supplier_name = r.optional_text();
  f.supplier_tax_id = r.optional_text();
  f.invoice_number = r.optional_text();
  f.issue_date = r.optional_day();
  f.due_date = r.optional_day();
  f.currency = r.optional_parsed<values::currency>(&values::currency::parse);
  f.subtotal = r.optional_amount();
  f.tax_total = r.optional_amount();
  f.total = r.optional_amount();
  f.purchase_order = r.optional_text();
  f.payment_terms = r.optional_text();
  auto confidence_names = r.strings();
  auto confidence_values = r.strings();
  s.overall_confidence = r.optional_amount();
  for (auto& name : r.strings())
    s.corrected_fields.insert(std::move(name));
  auto taxes = r.strings();
  s.provider = r.text();
  s.model = r.text();
  s.extraction_attempts = static_cast<int>(r.integer());
  s.extraction_cost = r.amount();
  d.extracted_at = r.timestamp();
  s.failure_reason = r.optional_text();
  s.failure_retryable = r.flag();
  s.not_an_invoice_reason = r.optional_text();
  s.duplicate_of = r.optional_id();
  s.duplicate_why = r.optional_parsed<domain::duplicate_reason>(
    &domain::parse_duplicate_reason);
  d.approved_at = r.timestamp();
  d.approved_by = r.optional_text().value_or("");
  d.rejected_at = r.timestamp();
  d.rejected_by = r.optional_text().value_or("");
  s.rejection_reason = r.optional_text();
  s.paid = r.flag();
  s.paid_on = r.optional_day();
  s.payment =
    r.optional_parsed<domain::payment_method>(&domain::parse_payment_method);
  s.payment_reference = r.optional_text();

  // Confidences pair up by key order; each tax is "kind rate amount".
  bool parts_ok = confidence_names.size() == confidence_values.size();
  for (std::size_t k = 0; parts_ok && k < confidence_names.size(); ++k) {
    auto value = decimal::parse(confidence_values[k]);
    parts_ok = static_cast<bool>(value);
    if (parts_ok)
      s.confidence[confidence_names[k]] = *value;
  }
  for (const auto& tax : taxes) {
    auto first = tax.find(' '), second = tax.rfind(' ');
    auto kind = values::parse_tax_kind(tax.substr(0, first));
    auto rate = decimal::parse(tax.substr(first + 1, second - first - 1));
    auto amount = decimal::parse(tax.substr(second + 1));
    parts_ok = parts_ok && first != second && kind && rate && amount;
    if (parts_ok)
      s.taxes.push_back({*kind, *rate, *amount});
  }
  if (r.failed() || !parts_ok)
    throw std::runtime_error(
      "invoice " + s.invoice_id.to_string()
      + ": its stored row does not parse ("
      + (r.failed() ? r.problem() : "confidence or taxes") + ")");
  return d;
}

/// A line as `LARDER_LINE_COLUMNS` select it, after the invoice id.
values::line_item read_line(row_reader& r) {
  values::line_item l;
  l.description = r.text();
  l.quantity = r.amount();
  l.unit = r.text();
  l.unit_price = r.amount();
  l.line_total = r.amount();
  l.tax_code = r.text();
  l.category = r.optional_text();
  l.total_mismatch = r.flag();
  return l;
}

/// The words search knows `text` by: `fold_text` cut at spaces, without
/// words too long for anyone to type.
std::vector<std::string> folded_words(std::string_view text) {
  constexpr std::size_t max_word_bytes = 100;
  auto folded = fold_text(text);
  std::vector<std::string> out;
  for (std::size_t start = 0; start < folded.size();) {
    auto end = std::min(folded.find(' ', start), folded.size());
    auto word = std::string_view{folded}.substr(start, end - start);
    if (!word.empty() && word.size() <= max_word_bytes)
      out.emplace_back(word);
    start = end + 1;
  }
  return out;
}

/// The tenant's tag on its lexemes: eight hex digits of FNV-1a of the id.
std::string tenant_tag(const events::uuid& tenant) {
  std::uint32_t hash = 2166136261u;
  for (auto byte : tenant.bytes)
    hash = (hash ^ byte) * 16777619u;
  std::string tag(8, '0');
  for (int i = 7; i >= 0; --i, hash >>= 4)
    tag[i] = "0123456789abcdef"[hash & 15];
  return tag;
}

/// A folded word as a lexeme of `tag`'s invoices ("'1f0c9a2e:beurre'"),
/// quoted as tsvector and tsquery input quote it.
///
/// The model makes the lexemes itself and queries use them as they are, so
/// both sides fold alike whatever the database's text search configuration.
/// The tag keeps each posting list in the GIN index to one tenant, so a
/// common word costs a search what it has in that tenant's invoices, not in
/// everyone's; `tenant_id = …` still decides.
std::string lexeme(std::string_view tag, std::string_view word) {
  std::string quoted = "'";
  quoted += tag;
  quoted += ':';
  for (char ch : word) {
    if (ch == '\'' || ch == '\\')
      quoted += '\\';
    quoted += ch;
  }
  return quoted + "'";
}

/// The characters of a lexeme before its word: the tag and a colon.
constexpr std::size_t lexeme_tag_bytes = 9;

/// Whether `word_counts` counts a word: any word but a number. Numbers
/// (invoice numbers, quantities) are mostly each on one invoice, as many
/// rows as invoices; the words of names and descriptions are a few
/// thousand a tenant.
bool counted_word(std::string_view word) {
  return word.find_first_not_of("0123456789") != std::string_view::npos;
}

/// The folded words of an invoice's supplier name, number and lines'
/// descriptions, sorted and each once: what its `search` vector holds.
std::vector<std::string>
document_words(const domain::invoice_fields& f,
               const std::vector<values::line_item>& lines) {
  std::string text = f.supplier_name.value_or("");
  text += ' ';
  text += f.invoice_number.value_or("");
  for (const auto& l : lines) {
    text += ' ';
    text += l.description;
  }
  auto words = folded_words(text);
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

/// The `search` vector of `words` in `tenant`'s invoices.
std::string search_vector(const events::uuid& tenant,
                          const std::vector<std::string>& words) {
  auto tag = tenant_tag(tenant);
  std::string out;
  for (const auto& word : words) {
    if (!out.empty())
      out += ' ';
    out += lexeme(tag, word);
  }
  return out;
}

/// The document row of an invoice that is not deleted but its lines' count
/// and words, in `document_columns` order: what the lines do not decide,
/// so that a batch can tell whether it changed the row without its lines.
using document_key = copy_row<document_columns.size() - 2>;

document_key document_fields(const invoice_detail& d) {
  const auto& s = d.invoice;
  const auto& f = s.fields;
  json_writer confidence, corrected, taxes;
  confidence.begin_object();
  for (const auto& [name, c] : s.confidence)
    confidence.field(name, c.to_string());
  confidence.end_object();
  corrected.begin_array();
  for (const auto& name : s.corrected_fields)
    corrected.value(name);
  corrected.end_array();
  values::encode_taxes(taxes, s.taxes);
  document_key row;
  row.text(s.invoice_id.to_string())
    .text(s.tenant_id.to_string())
    .text(std::string{domain::to_string(s.document.source)})
    .text(s.document.file_name)
    .text(s.document.media_type)
    .number(s.document.size_bytes)
    .text(s.document.sha256)
    .text(s.document.sender)
    .text(d.received_at)
    .text_or_null(f.supplier_name)
    .text_or_null(f.supplier_tax_id)
    .text_or_null(f.invoice_number)
    .text_or_null(text_of(f.issue_date))
    .text_or_null(text_of(f.due_date))
    .nonempty(f.currency ? f.currency->code : "")
    .text_or_null(text_of(f.subtotal))
    .text_or_null(text_of(f.tax_total))
    .text_or_null(text_of(f.total))
    .text_or_null(f.purchase_order)
    .text_or_null(f.payment_terms)
    .nonempty(f.supplier_name ? fold_text(*f.supplier_name) : "")
    .nonempty(supplier_key(f.supplier_name.value_or(""),
                           f.supplier_tax_id.value_or("")))
    .text(confidence.take())
    .text_or_null(text_of(s.overall_confidence))
    .text(corrected.take())
    .text(taxes.take())
    .text(s.provider)
    .text(s.model)
    .number(s.extraction_attempts)
    .text(s.extraction_cost.to_string())
    .nonempty(d.extracted_at)
    .text_or_null(s.failure_reason)
    .flag(s.failure_retryable)
    .text_or_null(s.not_an_invoice_reason)
    .text_or_null(text_of(s.duplicate_of))
    .nonempty(s.duplicate_why ? std::string{domain::to_string(*s.duplicate_why)}
                              : "");
  return row;
}

/// The document row of an invoice that is not deleted, in
/// `document_columns` order; `words` are its `document_words`.
void copy_document(pqxx::stream_to& out, const invoice_detail& d,
                   const std::vector<std::string>& words) {
  const auto& s = d.invoice;
  copy_row<document_columns.size()>{}
    .append(document_fields(d))
    .number(std::ssize(s.lines))
    .text(search_vector(s.tenant_id, words))
    .send(out);
}

/// The status row of an invoice that is not deleted, in `status_columns`
/// order.
void copy_status(pqxx::stream_to& out, const invoice_detail& d) {
  const auto& s = d.invoice;
  auto shown =
    display_status_of(s.status, s.paid).value_or(display_status::processing);
  copy_row<status_columns.size()>{}
    .text(s.invoice_id.to_string())
    .text(s.tenant_id.to_string())
    .number(d.version)
    .number(d.position)
    .text(d.updated_at)
    .text(std::string{domain::to_string(s.status)})
    .text(std::string{to_string(shown)})
    .number(static_cast<int>(shown))
    .nonempty(d.approved_at)
    .nonempty(d.approved_by)
    .nonempty(d.rejected_at)
    .nonempty(d.rejected_by)
    .text_or_null(s.rejection_reason)
    .flag(s.paid)
    .text_or_null(text_of(s.paid_on))
    .nonempty(s.payment ? std::string{domain::to_string(*s.payment)} : "")
    .text_or_null(s.payment_reference)
    .send(out);
}

/// The invoice's lines, in `line_columns` order, numbered from 1.
void copy_lines(pqxx::stream_to& out, const invoice_detail& d) {
  const auto& s = d.invoice;
  std::int64_t no = 0;
  for (const auto& l : s.lines)
    copy_row<line_columns.size()>{}
      .text(s.invoice_id.to_string())
      .number(++no)
      .text(s.tenant_id.to_string())
      .text(l.description)
      .text(l.quantity.to_string())
      .text(l.unit)
      .text(l.unit_price.to_string())
      .text(l.line_total.to_string())
      .text(l.tax_code)
      .text_or_null(l.category)
      .flag(l.total_mismatch)
      .send(out);
}

/// `{at, by[, reason]}` of an approval or rejection that holds, else null.
void write_decision(json_writer& w, std::string_view name,
                    const std::string& at, const std::string& by,
                    const std::optional<std::string>* reason = nullptr) {
  w.key(name);
  if (at.empty()) {
    w.null();
    return;
  }
  w.begin_object().field("at", at);
  text_or_null(w, "by", by);
  if (reason)
    field_or_null(w, "reason", *reason);
  w.end_object();
}

// -- the batch ----------------------------------------------------------------

/// One event as the batch keeps it until the flush.
struct pending_event {
  domain::invoice_event event;
  std::string recorded_at;
  /// Who approved or rejected; empty for other events.
  std::string actor_id;
  std::int64_t version = 0;
  std::int64_t position = 0;
};

struct pending_invoice {
  events::uuid id;
  std::vector<pending_event> events;
};

/// The batch's events by invoice, invoices in the order first met.
struct batch_buffer {
  std::map<events::uuid, std::size_t> index;
  std::vector<pending_invoice> invoices;

  void clear() {
    index.clear();
    invoices.clear();
  }
};

/// An invoice being carried through the batch.
struct working {
  invoice_detail record;
  /// Its rows were loaded: it exists, and its status row is replaced.
  bool stored = false;
  bool lines_changed = false;
  /// Its document row as loaded, lines aside; set when stored and the
  /// batch's events might change it (`keeps_document`).
  std::optional<document_key> loaded_document;
  /// Set by the flush: its document row is written, as it is new or the
  /// batch changed it and it is not deleted. Approval, rejection and
  /// payment leave it as it was.
  bool rewritten = false;
};

/// The invoices the model's last committed batches left, as their rows
/// hold them (without lines, as `load_records` reads them), by stream
/// version.
using record_cache = version_cache<events::uuid, invoice_detail>;

/// Invoices, invoices with a total, and their amount.
struct tally {
  std::int64_t invoices = 0;
  std::int64_t with_total = 0;
  decimal amount;

  /// Whether adding it changes nothing: one invoice can leave a row as
  /// another comes in, and their amounts differ.
  bool zero() const {
    return invoices == 0 && with_total == 0 && amount == decimal{};
  }

  void add(int sign, const std::optional<decimal>& total) {
    invoices += sign;
    if (total) {
      with_total += sign;
      amount = amount + (sign > 0 ? *total : -*total);
    }
  }
};

static_assert(static_cast<int>(display_status::awaiting_approval) == 1
                && static_cast<int>(display_status::approved_unpaid) == 2,
              "tallies_sql names these ranks");

/// What a batch adds to the per-tenant tables, whose rows many invoices
/// share: status counts, spend by month, open amounts by due date, and
/// extraction costs by month. An invoice takes back what it counted for
/// as its row was (sign -1) and counts as it is now (+1).
struct batch_tallies {
  using uuid = events::uuid;
  std::map<std::tuple<uuid, int>, std::int64_t> statuses;
  /// (tenant, month, currency, supplier key, supplier name).
  std::map<std::tuple<uuid, std::string, std::string, std::string, std::string>,
           tally>
    spend;
  /// (tenant, status rank, currency, due date or "infinity").
  std::map<std::tuple<uuid, int, std::string, std::string>, tally> open;
  /// (tenant, month).
  std::map<std::tuple<uuid, std::string>, tally> costs;

  void count(const invoice_detail& d, int sign) {
    const auto& s = d.invoice;
    const auto& f = s.fields;
    auto shown = display_status_of(s.status, s.paid);
    if (!shown)
      return;
    auto rank = static_cast<int>(*shown);
    statuses[{s.tenant_id, rank}] += sign;
    auto currency = f.currency ? f.currency->code : std::string{};
    if (s.status == invoice_status::approved && f.total) {
      // The invoice date: the issue date, else the UTC day it arrived.
      auto day =
        f.issue_date ? f.issue_date->to_string() : d.received_at.substr(0, 10);
      spend[{s.tenant_id, day.substr(0, 8) + "01", currency,
             supplier_key(f.supplier_name.value_or(""),
                          f.supplier_tax_id.value_or("")),
             f.supplier_name.value_or("")}]
        .add(sign, f.total);
    }
    if (*shown == display_status::awaiting_approval
        || *shown == display_status::approved_unpaid)
      open[{s.tenant_id, rank, currency,
            f.due_date ? f.due_date->to_string() : "infinity"}]
        .add(sign, f.total);
  }
};

/// Applies one event: the domain's evolve, then what the row adds. Approval
/// and rejection hold only while the invoice is approved or rejected.
void follow(working& w, pending_event& p, batch_tallies& tallies) {
  auto& d = w.record;
  d.invoice = domain::invoice_entity::evolve(std::move(d.invoice), p.event);
  const auto& at = p.recorded_at;
  if (std::holds_alternative<domain::document_received>(p.event)) {
    d.received_at = at;
  } else if (auto* found =
               std::get_if<domain::extraction_succeeded>(&p.event)) {
    d.extracted_at = at;
    w.lines_changed = true;
    // The first of the month of an RFC 3339 timestamp.
    tallies.costs[{d.invoice.tenant_id, at.substr(0, 8) + "01"}].add(
      1, found->cost);
  } else if (std::holds_alternative<domain::lines_replaced>(p.event)) {
    w.lines_changed = true;
  } else if (std::holds_alternative<domain::reprocess_requested>(p.event)) {
    d.extracted_at.clear();
    w.lines_changed = true;
  } else if (std::holds_alternative<domain::invoice_approved>(p.event)) {
    d.approved_at = at;
    d.approved_by = p.actor_id;
  } else if (std::holds_alternative<domain::invoice_rejected>(p.event)) {
    d.rejected_at = at;
    d.rejected_by = p.actor_id;
  }
  if (d.invoice.status != invoice_status::approved) {
    d.approved_at.clear();
    d.approved_by.clear();
  }
  if (d.invoice.status != invoice_status::rejected) {
    d.rejected_at.clear();
    d.rejected_by.clear();
  }
  d.updated_at = at;
  d.version = p.version;
  d.position = p.position;
}

/// The invoice id in "invoice-<uuid>".
std::optional<events::uuid> invoice_id_of(std::string_view stream_id) {
  constexpr std::string_view prefix = "invoice-";
  if (!stream_id.starts_with(prefix))
    return std::nullopt;
  return events::uuid::parse(stream_id.substr(prefix.size()));
}

std::optional<error> buffer_event(batch_buffer& buffer,
                                  const events::recorded_event& ev) {
  auto id = invoice_id_of(ev.env.stream_id);
  if (!id)
    return make_error(errc::invalid_argument,
                      "not an invoice stream: " + ev.env.stream_id);
  auto decoded = domain::invoice_entity::decode(ev.env);
  if (!decoded)
    return decoded.error();
  auto [it, fresh] = buffer.index.try_emplace(*id, buffer.invoices.size());
  if (fresh)
    buffer.invoices.push_back({*id, {}});
  auto& events = buffer.invoices[it->second].events;
  if (!events.empty() && events.back().version + 1 != ev.env.stream_version)
    return make_error(errc::invalid_argument,
                      "invoice " + id->to_string() + " goes from version "
                        + std::to_string(events.back().version) + " to "
                        + std::to_string(ev.env.stream_version));
  pending_event p{std::move(*decoded),
                  ev.env.recorded_at,
                  {},
                  ev.env.stream_version,
                  ev.global_position};
  if (std::holds_alternative<domain::invoice_approved>(p.event)
      || std::holds_alternative<domain::invoice_rejected>(p.event))
    if (auto meta = events::decode_metadata(ev.env.metadata))
      p.actor_id = meta->actor_id;
  events.push_back(std::move(p));
  return std::nullopt;
}

/// The rows of the invoices the batch continues, without their lines: the
/// events that replace lines bring them whole, and the rest leave them.
std::map<events::uuid, invoice_detail> load_records(pqxx::work& txn,
                                                    const array_columns& ids) {
  std::map<events::uuid, invoice_detail> out;
  if (ids.empty())
    return out;
  for (const auto& row : txn.exec_params(load_records_sql, ids[0])) {
    auto d = read_record(row);
    auto id = d.invoice.invoice_id;
    out.emplace(id, std::move(d));
  }
  return out;
}

/// Gives the invoices in `by_id` their stored lines, for a document row
/// written again with lines the batch did not replace.
void load_lines(pqxx::work& txn,
                const std::map<events::uuid, working*>& by_id) {
  if (by_id.empty())
    return;
  array_columns ids(1);
  for (const auto& [id, w] : by_id)
    ids.add({id.to_string()});
  for (const auto& row : txn.exec_params(load_lines_sql, ids[0])) {
    row_reader r{row};
    auto id = r.id();
    auto line = read_line(r);
    auto it = by_id.find(id);
    if (r.failed() || it == by_id.end())
      throw std::runtime_error("a stored line of invoice " + id.to_string()
                               + " does not parse");
    it->second->record.invoice.lines.push_back(std::move(line));
  }
}

/// Whether `events`, applied to the stored `record`, leave its document row
/// as it is: payments always do; approval and rejection do once nothing of
/// a failure or a refusal is left to clear (`enter`). Then the flush need
/// not build the row twice to compare it, most of what a payment costs.
bool keeps_document(const invoice_detail& record,
                    const std::vector<pending_event>& events) {
  bool settled = !record.invoice.failure_reason
                 && !record.invoice.failure_retryable
                 && !record.invoice.not_an_invoice_reason;
  return std::all_of(events.begin(), events.end(), [&](const auto& p) {
    const auto& e = p.event;
    if (std::holds_alternative<domain::invoice_paid>(e)
        || std::holds_alternative<domain::invoice_marked_unpaid>(e))
      return true;
    return settled
           && (std::holds_alternative<domain::invoice_approved>(e)
               || std::holds_alternative<domain::invoice_rejected>(e));
  });
}

/// Carries each invoice of the batch from its row (or from nothing) through
/// its events.
expected<std::vector<working>> evolve_batch(pqxx::work& txn,
                                            batch_buffer& buffer,
                                            record_cache& cache,
                                            batch_tallies& tallies) {
  array_columns continued(1);
  std::map<events::uuid, invoice_detail> stored;
  for (const auto& inv : buffer.invoices) {
    auto first = inv.events.front().version;
    if (first == 1)
      continue;
    if (auto record = cache.take(inv.id, first - 1))
      stored.emplace(inv.id, std::move(*record));
    else
      continued.add({inv.id.to_string()});
  }
  stored.merge(load_records(txn, continued));
  std::vector<working> out;
  out.reserve(buffer.invoices.size());
  for (auto& inv : buffer.invoices) {
    auto& w = out.emplace_back();
    auto first = inv.events.front().version;
    if (first > 1) {
      auto it = stored.find(inv.id);
      if (it == stored.end())
        return make_error(errc::invalid_argument,
                          "invoice " + inv.id.to_string()
                            + ": the model holds nothing before version "
                            + std::to_string(first));
      if (it->second.version + 1 != first)
        return make_error(errc::invalid_argument,
                          "invoice " + inv.id.to_string() + " is at version "
                            + std::to_string(it->second.version)
                            + " and the batch goes on from version "
                            + std::to_string(first));
      w.record = std::move(it->second);
      w.stored = true;
      if (!keeps_document(w.record, inv.events))
        w.loaded_document = document_fields(w.record);
      tallies.count(w.record, -1);
    }
    for (auto& p : inv.events)
      follow(w, p, tallies);
    tallies.count(w.record, 1);
  }
  return out;
}

void write_tallies(pqxx::work& txn, const batch_tallies& tallies) {
  // Adds the rows that changed, then drops those that came to nothing.
  auto apply = [&](const array_columns& rows, const char* add_sql,
                   const char* drop_sql, std::size_t columns) {
    if (rows.empty())
      return;
    std::vector<std::string> params;
    for (std::size_t i = 0; i < columns; ++i)
      params.push_back(rows[i]);
    txn.exec_params(add_sql, pqxx::prepare::make_dynamic_params(params));
    if (drop_sql)
      txn.exec_params(drop_sql, params[0]);
  };
  array_columns statuses(3), spend(7), open(7), costs(4);
  for (const auto& [key, n] : tallies.statuses)
    if (n != 0)
      statuses.add({std::get<0>(key).to_string(),
                    std::to_string(std::get<1>(key)), std::to_string(n)});
  for (const auto& [key, t] : tallies.spend)
    if (!t.zero())
      spend.add({std::get<0>(key).to_string(), std::get<1>(key),
                 std::get<2>(key), std::get<3>(key), std::get<4>(key),
                 std::to_string(t.invoices), t.amount.to_string()});
  for (const auto& [key, t] : tallies.open)
    if (!t.zero())
      open.add({std::get<0>(key).to_string(), std::to_string(std::get<1>(key)),
                std::get<2>(key), std::get<3>(key), std::to_string(t.invoices),
                std::to_string(t.with_total), t.amount.to_string()});
  for (const auto& [key, t] : tallies.costs)
    costs.add({std::get<0>(key).to_string(), std::get<1>(key),
               std::to_string(t.invoices), t.amount.to_string()});
  apply(statuses, add_status_counts_sql, drop_status_counts_sql, 3);
  apply(spend, add_monthly_spend_sql, drop_monthly_spend_sql, 7);
  apply(open, add_open_amounts_sql, drop_open_amounts_sql, 7);
  apply(costs, add_extraction_costs_sql, nullptr, 4);
}

/// How a batch changes `word_counts`: the words of the document rows it
/// deleted (-1) and wrote (+1), numbers left out.
class word_changes {
 public:
  void add(const events::uuid& tenant, std::string_view word, int sign) {
    if (counted_word(word))
      deltas_[{tenant, std::string{word}}] += sign;
  }

  /// Adds the changes, then drops the words no invoice has any more, so
  /// that the table is the same however the log was cut into batches.
  void write(pqxx::work& txn) const {
    array_columns rows(3);
    for (const auto& [key, n] : deltas_)
      if (n != 0)
        rows.add({key.first.to_string(), key.second, std::to_string(n)});
    if (rows.empty())
      return;
    txn.exec_params(add_word_counts_sql, rows[0], rows[1], rows[2]);
    txn.exec_params(drop_word_counts_sql, rows[0], rows[1]);
  }

 private:
  std::map<std::pair<events::uuid, std::string>, std::int64_t> deltas_;
};

/// Keeps the planner's statistics of the list's tables up to date as a
/// tenant's invoices arrive. Planned with statistics from before they came
/// in (autovacuum analyzes a table only after it grew by a tenth, and not
/// before its next round, up to a minute later; in a large installation a
/// new tenant's upload may never be a tenth), a list filtered by status and
/// sorted by a key most of them lack took each side of its join for one row
/// and joined them by comparing every pair: 10,000 invoices just uploaded
/// took 12 s to list by total (the browser test saw the request time out).
/// So the model analyzes `invoices` and `statuses` itself (80-130 ms for
/// 10,000 invoices) in the batch after which one tenant has added
/// `min_new` invoices since the last analysis, and at least as many as it
/// had added before: at 500, 1,000, 2,000… of a tenant's invoices. Many
/// tenants adding a few each are left to autovacuum: misjudged, a few
/// hundred rows cost little.
struct statistics_upkeep {
  using uuid = events::uuid;
  static constexpr std::int64_t min_new = 500;

  /// Per tenant: invoices added since the last analysis by committed
  /// batches, by the batch in flight, and all since the model started.
  std::map<uuid, std::int64_t> since_analysis;
  std::map<uuid, std::int64_t> staged;
  std::map<uuid, std::int64_t> seen;
  /// Whether the batch in flight analyzed.
  bool analyzed = false;

  void stage(const uuid& tenant) {
    ++staged[tenant];
  }

  void maybe_analyze(pqxx::work& txn) {
    if (!a_tenant_doubled())
      return;
    // Unqualified: the model's schema, or a rebuild's copy. The models
    // write as the application's role, which may not analyze the tables
    // itself (schema/013_read_model_statistics.sql). A vacuum of either
    // table holds the lock ANALYZE needs, an anti-wraparound one for as
    // long as it runs: rather than hold the model behind it, the batch
    // goes on without, and a later one analyzes.
    try {
      pqxx::subtransaction sub{txn, "analyze"};
      sub.exec("SET LOCAL lock_timeout = '100ms'");
      sub.exec("SELECT larder_analyze('invoices'), larder_analyze('statuses')");
      sub.exec("SET LOCAL lock_timeout = DEFAULT");
      sub.commit();
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() != "55P03") // lock_not_available
        throw;
      return;
    }
    analyzed = true;
  }

  bool a_tenant_doubled() const {
    auto of = [](const std::map<uuid, std::int64_t>& m, const uuid& t) {
      auto i = m.find(t);
      return i == m.end() ? std::int64_t{0} : i->second;
    };
    for (const auto& [tenant, n] : staged) {
      auto since = n + of(since_analysis, tenant);
      if (since >= min_new && 2 * since >= n + of(seen, tenant))
        return true;
    }
    return false;
  }

  void committed() {
    for (const auto& [tenant, n] : staged) {
      seen[tenant] += n;
      since_analysis[tenant] += n;
    }
    if (analyzed)
      since_analysis.clear();
    staged.clear();
    analyzed = false;
  }

  void discarded() {
    staged.clear();
    analyzed = false;
  }
};

/// Writes the batch; counts the invoices it added with `upkeep`, when
/// given (a rebuild's load has none).
std::optional<error> flush_batch(pqxx::work& txn, batch_buffer& buffer,
                                 record_cache& cache,
                                 statistics_upkeep* upkeep) {
  batch_tallies tallies;
  auto done = evolve_batch(txn, buffer, cache, tallies);
  if (!done)
    return done.error();
  if (upkeep)
    for (const auto& w : *done)
      if (!w.stored && w.record.invoice.status != invoice_status::deleted)
        upkeep->stage(w.record.invoice.tenant_id);
  // Every stored invoice's status row is replaced; its document row and
  // lines only when the batch changed them.
  array_columns stored(1), documents_gone(1), lines_gone(1);
  std::map<events::uuid, working*> keeping_lines;
  bool any_row = false, any_document = false, any_line = false;
  for (auto& w : *done) {
    auto id = w.record.invoice.invoice_id.to_string();
    bool deleted = w.record.invoice.status == invoice_status::deleted;
    bool rewritten = w.rewritten =
      !deleted
      && (!w.stored || w.lines_changed
          || (w.loaded_document
              && document_fields(w.record) != *w.loaded_document));
    if (w.stored) {
      stored.add({id});
      if (deleted || rewritten)
        documents_gone.add({id});
      if (w.lines_changed || deleted)
        lines_gone.add({id});
      else if (rewritten)
        keeping_lines.emplace(w.record.invoice.invoice_id, &w);
    }
    any_row = any_row || !deleted;
    any_document = any_document || rewritten;
    any_line =
      any_line
      || (!deleted && w.lines_changed && !w.record.invoice.lines.empty());
  }
  load_lines(txn, keeping_lines);
  word_changes words;
  if (!stored.empty())
    txn.exec_params(delete_statuses_sql, stored[0]);
  if (!documents_gone.empty())
    for (const auto& row :
         txn.exec_params(delete_documents_sql, documents_gone[0])) {
      std::string_view lexeme{row[1].c_str(), row[1].size()};
      if (lexeme.size() > lexeme_tag_bytes)
        words.add(*events::uuid::parse(row[0].c_str()),
                  lexeme.substr(lexeme_tag_bytes), -1);
    }
  if (!lines_gone.empty())
    txn.exec_params(delete_lines_sql, lines_gone[0]);
  if (any_row) {
    pqxx::stream_to out{txn, "statuses", status_columns};
    for (const auto& w : *done)
      if (w.record.invoice.status != invoice_status::deleted)
        copy_status(out, w.record);
    out.complete();
  }
  if (any_document) {
    pqxx::stream_to out{txn, "invoices", document_columns};
    for (const auto& w : *done) {
      if (!w.rewritten)
        continue;
      const auto& s = w.record.invoice;
      auto vocabulary = document_words(s.fields, s.lines);
      copy_document(out, w.record, vocabulary);
      for (const auto& word : vocabulary)
        words.add(s.tenant_id, word, 1);
    }
    out.complete();
  }
  if (any_line) {
    pqxx::stream_to out{txn, "lines", line_columns};
    for (const auto& w : *done)
      if (w.record.invoice.status != invoice_status::deleted && w.lines_changed)
        copy_lines(out, w.record);
    out.complete();
  }
  write_tallies(txn, tallies);
  words.write(txn);
  for (auto& w : *done)
    if (w.record.invoice.status != invoice_status::deleted) {
      auto id = w.record.invoice.invoice_id;
      auto version = w.record.version;
      w.record.invoice.lines.clear();
      cache.stage(id, version, std::move(w.record));
    }
  return std::nullopt;
}

/// The model's flush, and a rebuild's load flush (without `upkeep`: the
/// rebuild analyzes its copy once, with VACUUM ANALYZE before the swap).
std::optional<error> flush_buffered(pqxx::work& txn, batch_buffer& buffer,
                                    record_cache& cache,
                                    statistics_upkeep* upkeep) {
  if (buffer.invoices.empty())
    return std::nullopt;
  auto failed = flush_batch(txn, buffer, cache, upkeep);
  buffer.clear();
  if (!failed && upkeep)
    upkeep->maybe_analyze(txn);
  return failed;
}

} // namespace

// -- display status -----------------------------------------------------------

std::string_view to_string(display_status status) noexcept {
  switch (status) {
    case display_status::processing: return "processing";
    case display_status::awaiting_approval: return "awaiting_approval";
    case display_status::approved_unpaid: return "approved_unpaid";
    case display_status::approved_paid: return "approved_paid";
    case display_status::rejected: return "rejected";
    case display_status::failed: return "failed";
    case display_status::not_an_invoice: return "not_an_invoice";
  }
  return "processing";
}

std::optional<display_status> parse_display_status(std::string_view text) {
  for (auto s : all_display_statuses)
    if (to_string(s) == text)
      return s;
  return std::nullopt;
}

std::optional<display_status> display_status_of(domain::invoice_status status,
                                                bool paid) noexcept {
  switch (status) {
    case invoice_status::received:
    case invoice_status::extracting: return display_status::processing;
    case invoice_status::awaiting_approval:
      return display_status::awaiting_approval;
    case invoice_status::approved:
      return paid ? display_status::approved_paid
                  : display_status::approved_unpaid;
    case invoice_status::rejected: return display_status::rejected;
    case invoice_status::failed: return display_status::failed;
    case invoice_status::not_an_invoice: return display_status::not_an_invoice;
    case invoice_status::deleted: return std::nullopt;
  }
  return std::nullopt;
}

// -- the model ----------------------------------------------------------------

read_model invoices_model(std::shared_ptr<const events::catalog>) {
  auto buffer = std::make_shared<batch_buffer>();
  auto cache = std::make_shared<record_cache>();
  auto upkeep = std::make_shared<statistics_upkeep>();
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
  m.apply = [buffer](pqxx::work&, const events::recorded_event& ev) {
    return buffer_event(*buffer, ev);
  };
  m.flush = [buffer, cache, upkeep](pqxx::work& txn) {
    return flush_buffered(txn, *buffer, *cache, upkeep.get());
  };
  m.load_flush = [buffer, cache](pqxx::work& txn) {
    return flush_buffered(txn, *buffer, *cache, nullptr);
  };
  m.discard = [buffer, cache, upkeep] {
    buffer->clear();
    cache->discard();
    upkeep->discarded();
  };
  m.committed = [cache, upkeep] {
    cache->commit();
    upkeep->committed();
  };
  return m;
}

// -- the list -----------------------------------------------------------------

namespace {

constexpr auto list_parameters =
  "status, supplier, issue_from, issue_to, due_from, due_to, min_total, "
  "max_total, source, q, sort, order, limit, offset, cursor";

constexpr std::size_t max_query_words = 10;

const sort_spec& spec_of(invoice_sort sort) {
  for (const auto& spec : sort_specs)
    if (spec.sort == sort)
      return spec;
  return sort_specs[0];
}

std::optional<std::int64_t> whole_number(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    return std::nullopt;
  return n;
}

/// `name` quoted for a message when it is short printable ASCII, so that a
/// hostile parameter name cannot flood or garble the answer.
std::string echo(std::string_view name) {
  if (name.empty() || name.size() > 40)
    return {};
  for (char ch : name)
    if (ch < 0x20 || ch > 0x7e)
      return {};
  return " '" + std::string{name} + "'";
}

// -- cursors ------------------------------------------------------------------
//
// "<sort>.<a|d>.<key in hex, or n when the row has none>.<invoice id>": the
// last row of a page, where the next one starts. Opaque to clients.

constexpr char hex_digits[] = "0123456789abcdef";

std::string to_hex(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (unsigned char c : text) {
    out += hex_digits[c >> 4];
    out += hex_digits[c & 15];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2)
    return std::nullopt;
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0)
      return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

struct cursor_position {
  /// Empty when the row has no sort key (it is among the last).
  std::optional<std::string> key;
  events::uuid id;
};

std::string encode_cursor(const sort_spec& spec, bool descending,
                          const cursor_position& at) {
  return std::string{spec.name} + (descending ? ".d." : ".a.")
         + (at.key ? to_hex(*at.key) : "n") + "." + at.id.to_string();
}

/// Whether `key` is a value the sort's column can hold, as its text.
bool valid_key(key_kind kind, std::string_view key) {
  switch (kind) {
    case key_kind::timestamp: {
      // YYYY-MM-DDTHH:MM:SS.ffffffZ, as LARDER_RFC3339 writes it.
      constexpr std::string_view shape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
      if (key.size() != shape.size() || !date::parse(key.substr(0, 10)))
        return false;
      for (std::size_t i = 0; i < shape.size(); ++i)
        if (shape[i] == 'd' ? key[i] < '0' || key[i] > '9' : key[i] != shape[i])
          return false;
      return true;
    }
    case key_kind::day: return static_cast<bool>(date::parse(key));
    case key_kind::amount: return static_cast<bool>(decimal::parse(key));
    case key_kind::text:
      return !values::check_text("cursor", key, 0, 1000).has_value();
    case key_kind::rank: {
      auto n = whole_number(key);
      return n && *n >= 0 && *n < std::ssize(all_display_statuses);
    }
  }
  return false;
}

std::optional<cursor_position>
decode_cursor(std::string_view text, const sort_spec& spec, bool descending) {
  auto prefix = std::string{spec.name} + (descending ? ".d." : ".a.");
  if (!text.starts_with(prefix))
    return std::nullopt;
  text.remove_prefix(prefix.size());
  auto dot = text.find('.');
  if (dot == std::string_view::npos)
    return std::nullopt;
  auto id = events::uuid::parse(text.substr(dot + 1));
  if (!id)
    return std::nullopt;
  cursor_position at{std::nullopt, *id};
  auto key = text.substr(0, dot);
  if (key == "n")
    return spec.nullable ? std::optional{at} : std::nullopt;
  at.key = from_hex(key);
  if (!at.key || !valid_key(spec.kind, *at.key))
    return std::nullopt;
  return at;
}

// -- running the list ---------------------------------------------------------

/// The counted words that start with $2 (a LIKE pattern), in a tenant's
/// invoices: a range of the primary key, since `word` sorts as bytes.
constexpr auto words_with_prefix_sql =
  "SELECT word, invoices FROM rm_invoices.word_counts"
  " WHERE tenant_id = $1::uuid AND word LIKE $2 ORDER BY word LIMIT $3";

/// A prefix that stands for more words than this stays a prefix.
constexpr std::size_t max_words_per_prefix = 32;

/// What the words of a search come to, before the list runs.
struct search_plan {
  /// The tsquery ($12 of LARDER_LIST_FILTER); empty without a search.
  std::string tsquery;
  /// Some word is the start of no word in the tenant's invoices.
  bool matches_nothing = false;
  /// How many invoices the search finds, when its words tell (one word,
  /// the start of one word alone); else at least how many (the count of
  /// its most common word); 0 when they tell nothing.
  std::int64_t known_total = 0;
  bool known_exactly = false;
  /// At most how many invoices the search finds: the invoices of its
  /// rarest word, counted over the words it stands for.
  std::int64_t at_most = std::numeric_limits<std::int64_t>::max();
};

/// `word` as a LIKE pattern of the words it starts.
std::string like_prefix(std::string_view word) {
  std::string out;
  for (char ch : word) {
    if (ch == '%' || ch == '_' || ch == '\\')
      out += '\\';
    out += ch;
  }
  return out + '%';
}

/// The words of `q`, folded as the search vector's are, each a prefix of
/// the words it finds, all of them on an invoice for it to match ("butt
/// fromag": 'butt':* & 'fromag':*). A prefix of a counted word is written
/// as the words it stands for ("('…:fromage' | '…:fromagerie')"), which
/// `word_counts` lists; a number, or a prefix of too many words, stays a
/// prefix.
search_plan plan_search(pqxx::transaction_base& txn, const events::uuid& tenant,
                        std::string_view q) {
  search_plan plan;
  auto words = folded_words(q);
  if (words.size() > max_query_words)
    words.resize(max_query_words);
  auto tag = tenant_tag(tenant);
  for (const auto& word : words) {
    if (!plan.tsquery.empty())
      plan.tsquery += " & ";
    if (!counted_word(word)) {
      plan.tsquery += lexeme(tag, word) + ":*";
      continue;
    }
    sql_params p;
    p.add(tenant.to_string())
      .add(like_prefix(word))
      .add(std::to_string(max_words_per_prefix + 1));
    auto found = p.exec(txn, words_with_prefix_sql);
    if (found.empty()) {
      plan.matches_nothing = true;
      return plan;
    }
    std::int64_t most = 0, all = 0;
    for (const auto& row : found) {
      auto n = row[1].as<std::int64_t>();
      most = std::max(most, n);
      all += n;
    }
    if (words.size() == 1) {
      plan.known_total = most;
      plan.known_exactly = found.size() == 1;
    }
    if (found.size() > max_words_per_prefix) {
      plan.tsquery += lexeme(tag, word) + ":*";
      continue;
    }
    plan.at_most = std::min(plan.at_most, all);
    std::string any;
    for (const auto& row : found)
      any += (any.empty() ? "(" : " | ") + lexeme(tag, row[0].c_str());
    plan.tsquery += any + ")";
  }
  return plan;
}

bool is_supplier_key(std::string_view text) {
  return text.starts_with("tax:") || text.starts_with("name:");
}

/// The ranks of `statuses` as an array literal; NULL for none.
std::optional<std::string>
status_ranks(const std::vector<display_status>& statuses) {
  if (statuses.empty())
    return std::nullopt;
  std::string ranks = "{";
  for (auto s : statuses)
    ranks +=
      (ranks.size() > 1 ? "," : "") + std::to_string(static_cast<int>(s));
  return ranks + "}";
}

/// $1..$12 of LARDER_LIST_FILTER; `search` is the plan of `q.q`.
sql_params filter_params(const events::uuid& tenant,
                         const invoice_list_query& q,
                         const search_plan& search) {
  sql_params p;
  p.add(tenant.to_string()).add(status_ranks(q.statuses));
  bool by_key = is_supplier_key(q.supplier);
  p.add(q.supplier.empty() || by_key
          ? std::nullopt
          : std::optional<std::string>{fold_text(q.supplier)});
  p.add(by_key ? std::optional<std::string>{q.supplier} : std::nullopt);
  p.add(text_of(q.issue_from)).add(text_of(q.issue_to));
  p.add(text_of(q.due_from)).add(text_of(q.due_to));
  p.add(text_of(q.min_total)).add(text_of(q.max_total));
  p.add(q.source ? std::optional<std::string>{domain::to_string(*q.source)}
                 : std::nullopt);
  p.add(search.tsquery.empty() ? std::nullopt
                               : std::optional<std::string>{search.tsquery});
  return p;
}

/// A row of a page query, and its sort key as text (its last column).
std::pair<invoice_list_row, std::optional<std::string>>
read_list_row(const pqxx::row& row) {
  row_reader r{row};
  invoice_list_row out;
  out.id = r.id();
  out.status = r.parsed<display_status>(&parse_display_status);
  out.source =
    r.parsed<domain::document_source>(&domain::parse_document_source);
  out.file_name = r.text();
  out.received_at = r.text();
  out.supplier_name = r.optional_text();
  out.invoice_number = r.optional_text();
  out.issue_date = r.optional_day();
  out.due_date = r.optional_day();
  out.currency = r.optional_text();
  out.total = r.optional_amount();
  out.paid_on = r.optional_day();
  out.duplicate_of = r.optional_id();
  out.overall_confidence = r.optional_amount();
  out.line_count = r.integer();
  out.version = r.integer();
  out.updated_at = r.text();
  auto key = r.optional_text();
  if (r.failed())
    throw std::runtime_error("invoice " + out.id.to_string()
                             + ": its list row does not parse (" + r.problem()
                             + ")");
  return {std::move(out), std::move(key)};
}

} // namespace

std::string_view to_string(invoice_sort sort) noexcept {
  return spec_of(sort).name;
}

std::optional<error> add_statuses(std::string_view text,
                                  std::vector<display_status>& into) {
  std::string_view rest{text};
  for (;;) {
    auto comma = rest.find(',');
    auto one = parse_display_status(rest.substr(0, comma));
    if (!one)
      return make_error(errc::invalid_argument,
                        "status must be one or more of processing, "
                        "awaiting_approval, approved_unpaid, approved_paid, "
                        "rejected, failed, not_an_invoice, separated by "
                        "commas");
    if (std::find(into.begin(), into.end(), *one) == into.end())
      into.push_back(*one);
    if (comma == std::string_view::npos)
      return std::nullopt;
    rest.remove_prefix(comma + 1);
  }
}

expected<invoice_list_query>
parse_invoice_list_query(const query_pairs& params) {
  invoice_list_query q;
  auto bad = [](std::string message) {
    return make_error(errc::invalid_argument, std::move(message));
  };
  std::vector<std::string_view> seen;
  std::string cursor;
  bool offset_given = false;
  for (const auto& [name, value] : params) {
    if (name != "status") {
      if (std::find(seen.begin(), seen.end(), name) != seen.end())
        return bad(name + " is given more than once");
      seen.push_back(name);
    }
    if (name == "status") {
      if (auto refused = add_statuses(value, q.statuses))
        return *refused;
    } else if (name == "supplier") {
      auto text = values::trim_space(value);
      if (text.empty() || values::check_text(name, text, 1, 200))
        return bad("supplier must be a supplier's name or key, at most 200 "
                   "characters");
      q.supplier = std::string{text};
    } else if (name == "issue_from" || name == "issue_to" || name == "due_from"
               || name == "due_to") {
      auto d = date::parse(value);
      if (!d)
        return bad(name + " must be a date written YYYY-MM-DD");
      (name == "issue_from" ? q.issue_from
       : name == "issue_to" ? q.issue_to
       : name == "due_from" ? q.due_from
                            : q.due_to) = *d;
    } else if (name == "min_total" || name == "max_total") {
      auto amount = decimal::parse(value);
      if (!amount)
        return bad(name + " must be an amount such as 125.50");
      (name == "min_total" ? q.min_total : q.max_total) = *amount;
    } else if (name == "source") {
      q.source = domain::parse_document_source(value);
      if (!q.source)
        return bad("source must be one of upload, email, whatsapp, api");
    } else if (name == "q") {
      if (values::check_text(name, value, 0, 200))
        return bad("q must be at most 200 characters of text");
      q.q = value;
    } else if (name == "sort") {
      auto spec = std::find_if(std::begin(sort_specs), std::end(sort_specs),
                               [&](const sort_spec& s) {
                                 return s.name == value;
                               });
      if (spec == std::end(sort_specs))
        return bad("sort must be one of received_at, issue_date, due_date, "
                   "total, supplier, status; order must be asc or desc");
      q.sort = spec->sort;
    } else if (name == "order") {
      if (value != "asc" && value != "desc")
        return bad("order must be asc or desc");
      q.descending = value == "desc";
    } else if (name == "limit") {
      auto n = whole_number(value);
      if (!n || *n < 1 || *n > 200)
        return bad("limit must be a whole number from 1 to 200");
      q.limit = static_cast<int>(*n);
    } else if (name == "offset") {
      auto n = whole_number(value);
      if (!n || *n < 0)
        return bad("offset must be a whole number, 0 or more");
      q.offset = *n;
      offset_given = true;
    } else if (name == "cursor") {
      cursor = value;
    } else {
      return bad("unknown parameter" + echo(name) + "; the invoice list takes "
                 + list_parameters);
    }
  }
  if (offset_given && !cursor.empty())
    return bad("give either offset or cursor, not both");
  if (q.issue_from && q.issue_to && *q.issue_from > *q.issue_to)
    return bad("issue_from must not be after issue_to");
  if (q.due_from && q.due_to && *q.due_from > *q.due_to)
    return bad("due_from must not be after due_to");
  if (q.min_total && q.max_total && *q.min_total > *q.max_total)
    return bad("min_total must not be more than max_total");
  if (!cursor.empty()) {
    if (!decode_cursor(cursor, spec_of(q.sort), q.descending))
      return bad("cursor is not one this list gave for sort="
                 + std::string{to_string(q.sort)}
                 + "&order=" + (q.descending ? "desc" : "asc")
                 + "; leave it out to start from the first page");
    q.cursor = std::move(cursor);
  }
  return q;
}

invoice_list_page list_invoices(pqxx::transaction_base& txn,
                                const events::uuid& tenant,
                                const invoice_list_query& q) {
  const auto& spec = spec_of(q.sort);
  std::optional<cursor_position> after;
  if (!q.cursor.empty()) {
    after = decode_cursor(q.cursor, spec, q.descending);
    if (!after)
      throw std::invalid_argument("the list cursor does not fit its query");
  }
  invoice_list_page page;
  page.sort = q.sort;
  page.descending = q.descending;
  page.limit = q.limit;
  auto search = plan_search(txn, tenant, q.q);
  if (search.matches_nothing) {
    if (!after)
      page.offset = q.offset;
    return page;
  }
  auto filter = filter_params(tenant, q, search);
  bool searched = !search.tsquery.empty();
  // One row more than the page, to know whether another page follows.
  auto want = static_cast<std::int64_t>(q.limit) + 1;
  auto skip = after ? 0 : q.offset;
  std::vector<std::pair<invoice_list_row, std::optional<std::string>>> rows;
  auto take = [&](const pqxx::result& result) {
    for (const auto& row : result)
      rows.push_back(read_list_row(row));
  };
  // A search first walks a stretch of the sort's index, testing the words
  // on each invoice: when they are on many, the page is near its start
  // (1.5 ms for "fromag beurre", on 5,000 of 100,000 invoices). The
  // planner cannot tell: it takes words to be independent (957 invoices
  // for those two) and the matches to be spread evenly, and a walk for
  // words that never meet, or meet only at the far end of the sort, passes
  // every invoice of the tenant. So the walk is bounded, and a page it did
  // not fill is read from the words' index instead (12 ms for 5,000
  // matches, less for fewer).
  bool with_key = !after || after->key;
  // $13..$16 of the keyed pages: the cursor, the limit and the offset.
  auto keyed = filter;
  keyed.add(after ? after->key : std::nullopt)
    .add(after ? std::optional{after->id.to_string()} : std::nullopt)
    .add(std::to_string(want))
    .add(std::to_string(skip));
  bool walked = false;
  if (searched && with_key && search.at_most >= skip + want) {
    auto p = keyed;
    p.add(std::to_string(
      std::clamp<std::int64_t>(40 * (skip + want), 2000, 10000)));
    take(p.exec(txn, q.descending ? spec.walked_desc : spec.walked_asc));
    walked = std::ssize(rows) == want;
    if (!walked)
      rows.clear();
  }
  const auto& pages = searched ? spec.by_words : spec.by_tenant;
  if (!walked && with_key)
    take(keyed.exec(txn, q.descending ? pages.keyed_desc : pages.keyed_asc));
  auto got = static_cast<std::int64_t>(rows.size());
  if (!walked && spec.nullable && got < want) {
    // The rows without the key follow the others in either direction.
    std::int64_t unkeyed_skip = 0;
    if (!after && got == 0 && q.offset > 0) {
      auto with = filter.exec(txn, spec.count_keyed)[0][0].as<std::int64_t>();
      unkeyed_skip = std::max<std::int64_t>(0, q.offset - with);
    }
    auto p = filter;
    p.add(after && !after->key ? std::optional{after->id.to_string()}
                               : std::nullopt)
      .add(std::to_string(want - got))
      .add(std::to_string(unkeyed_skip));
    take(p.exec(txn, q.descending ? pages.unkeyed_desc : pages.unkeyed_asc));
  }
  bool more = std::ssize(rows) > q.limit;
  if (more) {
    rows.resize(q.limit);
    page.next_cursor = encode_cursor(
      spec, q.descending, {rows.back().second, rows.back().first.id});
  }

  // Filtered by status alone, the counts the model keeps say how many match
  // at once; the last page of an offset walk says it too. Only otherwise
  // are the matching rows counted.
  bool no_filter_but = q.supplier.empty() && !q.issue_from && !q.issue_to
                       && !q.due_from && !q.due_to && !q.min_total
                       && !q.max_total && !q.source;
  bool by_status_only = no_filter_but && !searched;
  // A search for one word alone: `word_counts` says how many have it.
  bool counted_search =
    no_filter_but && q.statuses.empty() && searched
    && (search.known_exactly || search.known_total > invoice_count_cap);
  if (by_status_only) {
    sql_params counted;
    counted.add(tenant.to_string()).add(status_ranks(q.statuses));
    page.total = counted.exec(txn, status_total_sql)[0][0].as<std::int64_t>();
  } else if (!after && !more && (!rows.empty() || q.offset == 0)) {
    page.total = q.offset + std::ssize(rows);
  } else if (counted_search) {
    page.total = std::min(search.known_total, invoice_count_cap);
    page.total_capped = search.known_total > invoice_count_cap;
  } else {
    auto p = filter;
    p.add(std::to_string(invoice_count_cap + 1));
    page.total = p.exec(txn, searched ? count_search_sql : count_sql)[0][0]
                   .as<std::int64_t>();
    page.total_capped = page.total > invoice_count_cap;
    page.total = std::min(page.total, invoice_count_cap);
  }
  if (!after) {
    page.offset = q.offset;
    if (more)
      page.next_offset = q.offset + q.limit;
  }
  page.invoices.reserve(rows.size());
  for (auto& [row, key] : rows)
    page.invoices.push_back(std::move(row));
  return page;
}

void write_json(json_writer& w, const invoice_list_page& page) {
  w.begin_object().key("invoices").begin_array();
  for (const auto& i : page.invoices) {
    auto currency = i.currency.value_or("");
    w.begin_object()
      .field("id", i.id.to_string())
      .field("status", to_string(i.status))
      .field("source", domain::to_string(i.source))
      .field("file_name", i.file_name)
      .field("received_at", i.received_at);
    field_or_null(w, "supplier_name", i.supplier_name);
    field_or_null(w, "invoice_number", i.invoice_number);
    field_or_null(w, "issue_date", text_of(i.issue_date));
    field_or_null(w, "due_date", text_of(i.due_date));
    field_or_null(w, "currency", i.currency);
    field_or_null(w, "total",
                  i.total ? std::optional{money_text(*i.total, currency)}
                          : std::nullopt);
    field_or_null(w, "paid_on", text_of(i.paid_on));
    field_or_null(w, "duplicate_of",
                  i.duplicate_of ? std::optional{i.duplicate_of->to_string()}
                                 : std::nullopt);
    field_or_null(w, "overall_confidence", text_of(i.overall_confidence));
    w.field("line_count", i.line_count)
      .field("version", i.version)
      .field("updated_at", i.updated_at)
      .end_object();
  }
  w.end_array()
    .field("total", page.total)
    .field("total_capped", page.total_capped)
    .field("sort", to_string(page.sort))
    .field("order", page.descending ? "desc" : "asc")
    .field("limit", page.limit);
  w.key("offset");
  if (page.offset)
    w.value(*page.offset);
  else
    w.null();
  w.key("next_offset");
  if (page.next_offset)
    w.value(*page.next_offset);
  else
    w.null();
  text_or_null(w, "next_cursor", page.next_cursor);
  w.end_object();
}

std::string invoice_list_json(pqxx::transaction_base& txn,
                              const events::uuid& tenant,
                              const invoice_list_query& q) {
  json_writer w;
  write_json(w, list_invoices(txn, tenant, q));
  return w.take();
}

// -- one invoice --------------------------------------------------------------

std::optional<invoice_detail> find_invoice(pqxx::transaction_base& txn,
                                           const events::uuid& tenant,
                                           const events::uuid& invoice) {
  auto t = tenant.to_string();
  auto id = invoice.to_string();
  auto rows = txn.exec_params(detail_sql, t, id);
  if (rows.empty())
    return std::nullopt;
  auto d = read_record(rows[0]);
  for (const auto& row : txn.exec_params(detail_lines_sql, t, id)) {
    row_reader r{row};
    r.id();
    d.invoice.lines.push_back(read_line(r));
    if (r.failed())
      throw std::runtime_error("a stored line of invoice " + id
                               + " does not parse");
  }
  return d;
}

void write_json(json_writer& w, const invoice_detail& d) {
  const auto& s = d.invoice;
  const auto& f = s.fields;
  auto currency = f.currency ? f.currency->code : std::string{};
  auto confidence = [&](const std::string& name) {
    auto it = s.confidence.find(name);
    return it == s.confidence.end()
             ? std::nullopt
             : std::optional<std::string>{it->second.to_string()};
  };
  auto shown = display_status_of(s.status, s.paid);
  w.begin_object().field("id", s.invoice_id.to_string());
  text_or_null(w, "status", shown ? to_string(*shown) : "");
  w.field("lifecycle_status", domain::to_string(s.status))
    .field("version", d.version)
    .field("position", d.position)
    .field("updated_at", d.updated_at);

  w.key("document")
    .begin_object()
    .field("source", domain::to_string(s.document.source))
    .field("file_name", s.document.file_name)
    .field("media_type", s.document.media_type)
    .field("size_bytes", s.document.size_bytes)
    .field("sha256", s.document.sha256)
    .field("sender", s.document.sender)
    .field("received_at", d.received_at)
    .end_object();

  w.key("fields").begin_object();
  for (auto name : domain::invoice_field_names) {
    std::string n{name};
    auto text = domain::field_text(f, name).value_or("");
    if (!text.empty()
        && (name == "subtotal" || name == "tax_total" || name == "total"))
      text = money_text(*decimal::parse(text), currency);
    w.key(name).begin_object();
    text_or_null(w, "value", text);
    field_or_null(w, "confidence", confidence(n));
    w.field("corrected", s.corrected_fields.contains(n)).end_object();
  }
  w.end_object();
  field_or_null(w, "overall_confidence", text_of(s.overall_confidence));
  field_or_null(w, "lines_confidence", confidence("lines"));
  field_or_null(w, "taxes_confidence", confidence("taxes"));

  w.key("lines").begin_array();
  int no = 0;
  for (const auto& l : s.lines) {
    w.begin_object()
      .field("line_no", ++no)
      .field("description", l.description)
      .field("quantity", l.quantity.to_string())
      .field("unit", l.unit)
      .field("unit_price", l.unit_price.to_string())
      .field("line_total", money_text(l.line_total, currency))
      .field("tax_code", l.tax_code);
    field_or_null(w, "category", l.category);
    w.field("total_mismatch", l.total_mismatch).end_object();
  }
  w.end_array();
  w.key("taxes").begin_array();
  for (const auto& tax : s.taxes)
    w.begin_object()
      .field("kind", values::to_string(tax.kind))
      .field("rate_percent", tax.rate_percent.to_string())
      .field("amount", money_text(tax.amount, currency))
      .end_object();
  w.end_array();

  w.key("extraction").begin_object();
  text_or_null(w, "provider", s.provider);
  text_or_null(w, "model", s.model);
  w.field("attempts", s.extraction_attempts)
    .field("cost", s.extraction_cost.to_string(4));
  text_or_null(w, "extracted_at", d.extracted_at);
  field_or_null(w, "failure_reason", s.failure_reason);
  w.field("retryable", s.failure_retryable).end_object();

  field_or_null(w, "not_an_invoice_reason", s.not_an_invoice_reason);
  w.key("duplicate");
  if (s.duplicate_of) {
    w.begin_object().field("of", s.duplicate_of->to_string());
    text_or_null(w, "reason",
                 s.duplicate_why ? domain::to_string(*s.duplicate_why) : "");
    w.end_object();
  } else {
    w.null();
  }
  write_decision(w, "approval", d.approved_at, d.approved_by);
  write_decision(w, "rejection", d.rejected_at, d.rejected_by,
                 &s.rejection_reason);
  w.key("payment").begin_object().field("paid", s.paid);
  field_or_null(w, "paid_on", text_of(s.paid_on));
  text_or_null(w, "method", s.payment ? domain::to_string(*s.payment) : "");
  field_or_null(w, "reference", s.payment_reference);
  w.end_object().end_object();
}

std::optional<std::string> invoice_detail_json(pqxx::transaction_base& txn,
                                               const events::uuid& tenant,
                                               const events::uuid& invoice) {
  auto d = find_invoice(txn, tenant, invoice);
  if (!d)
    return std::nullopt;
  json_writer w;
  write_json(w, *d);
  return w.take();
}

// -- the dashboard ------------------------------------------------------------

namespace {

/// The first of the month `months` after the month of `d`.
date month_start(const date& d, int months) {
  int index = d.year * 12 + (d.month - 1) + months;
  return {index / 12, index % 12 + 1, 1};
}

void write_sums(json_writer& w, const std::vector<money_sum>& sums) {
  w.begin_array();
  for (const auto& m : sums) {
    w.begin_object();
    text_or_null(w, "currency", m.currency);
    w.field("amount", money_text(m.amount, m.currency))
      .field("invoices", m.invoices)
      .end_object();
  }
  w.end_array();
}

void write_tally(json_writer& w, std::string_view name,
                 const invoice_tally& t) {
  w.key(name).begin_object().field("count", t.count).key("totals");
  write_sums(w, t.totals);
  w.end_object();
}

} // namespace

dashboard_overview dashboard(pqxx::transaction_base& txn,
                             const events::uuid& tenant,
                             const values::date& today) {
  dashboard_overview o;
  o.today = today;
  auto t = tenant.to_string();
  if (auto rows = txn.exec_params(tenant_currency_sql, t);
      !rows.empty() && !rows[0][0].is_null())
    o.currency = rows[0][0].c_str();
  auto currency =
    o.currency.empty() ? std::nullopt : std::optional<std::string>{o.currency};
  auto sum_of = [](const pqxx::row& row, int at) {
    money_sum m;
    m.currency = row[at].is_null() ? "" : row[at].c_str();
    m.amount = decimal::parse(row[at + 1].c_str()).value();
    m.invoices = row[at + 2].as<std::int64_t>();
    return m;
  };

  for (auto s : all_display_statuses)
    o.counts[s] = 0;
  for (const auto& row : txn.exec_params(status_counts_sql, t)) {
    auto rank = row[0].as<int>();
    if (rank >= 0 && rank < std::ssize(all_display_statuses))
      o.counts[all_display_statuses[rank]] = row[1].as<std::int64_t>();
  }

  auto first = month_start(today, -11);
  auto end = month_start(today, 1);
  for (int i = 0; i < 12; ++i)
    o.spend_by_month.push_back(
      {month_start(first, i).to_string().substr(0, 7), {}});
  auto window = sql_params{}
                  .add(t)
                  .add(currency)
                  .add(first.to_string())
                  .add(end.to_string());
  for (const auto& row : window.exec(txn, spend_by_month_sql)) {
    std::string month = row[0].c_str();
    for (auto& m : o.spend_by_month)
      if (m.month == month)
        m.spend.push_back(sum_of(row, 1));
  }
  o.spend_this_month = o.spend_by_month[11].spend;
  o.spend_last_month = o.spend_by_month[10].spend;
  for (const auto& row : window.exec(txn, top_suppliers_sql))
    o.top_suppliers.push_back(
      {row[0].c_str(), supplier_id_of(tenant, row[4].c_str()), sum_of(row, 1)});

  auto tallies = sql_params{}.add(t).add(currency).add(today.to_string());
  for (const auto& row : tallies.exec(txn, tallies_sql)) {
    std::string code = row[0].is_null() ? "" : row[0].c_str();
    int at = 1;
    for (auto* tally : {&o.awaiting_approval, &o.unpaid, &o.overdue}) {
      tally->count += row[at].as<std::int64_t>();
      auto with_total = row[at + 1].as<std::int64_t>();
      if (with_total > 0)
        tally->totals.push_back(
          {code, decimal::parse(row[at + 2].c_str()).value(), with_total});
      at += 3;
    }
  }

  o.extraction_cost_this_month =
    decimal::parse(txn
                     .exec_params(extraction_cost_sql, t,
                                  month_start(today, 0).to_string())[0][0]
                     .c_str())
      .value();
  return o;
}

void write_json(json_writer& w, const dashboard_overview& o) {
  w.begin_object().field("today", o.today.to_string());
  text_or_null(w, "currency", o.currency);
  w.key("counts").begin_object();
  for (const auto& [status, n] : o.counts)
    w.field(to_string(status), n);
  w.end_object();
  w.key("spend_this_month");
  write_sums(w, o.spend_this_month);
  w.key("spend_last_month");
  write_sums(w, o.spend_last_month);
  w.key("spend_by_month").begin_array();
  for (const auto& m : o.spend_by_month) {
    w.begin_object().field("month", m.month).key("spend");
    write_sums(w, m.spend);
    w.end_object();
  }
  w.end_array();
  w.key("top_suppliers").begin_array();
  for (const auto& s : o.top_suppliers) {
    w.begin_object()
      .field("supplier_id", s.supplier_id.to_string())
      .field("supplier_name", s.supplier_name);
    text_or_null(w, "currency", s.spend.currency);
    w.field("amount", money_text(s.spend.amount, s.spend.currency))
      .field("invoices", s.spend.invoices)
      .end_object();
  }
  w.end_array();
  write_tally(w, "awaiting_approval", o.awaiting_approval);
  write_tally(w, "unpaid", o.unpaid);
  write_tally(w, "overdue", o.overdue);
  w.key("extraction_cost_this_month")
    .begin_object()
    .field("currency", "USD")
    .field("amount", o.extraction_cost_this_month.to_string(4))
    .end_object()
    .end_object();
}

std::string overview_json(pqxx::transaction_base& txn,
                          const events::uuid& tenant,
                          const values::date& today) {
  json_writer w;
  write_json(w, dashboard(txn, tenant, today));
  return w.take();
}

} // namespace larder::projections
