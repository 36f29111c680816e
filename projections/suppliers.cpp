#include "projections/suppliers.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <utility>
#include <variant>

#include <pqxx/pqxx>

#include "actors/invoice/invoice.hpp"
#include "actors/tenant/tenant.hpp"
#include "actors/values/text.hpp"
#include "events/pg_array.hpp"
#include "projections/invoices.hpp"
#include "projections/sql.hpp"
#include "projections/version_cache.hpp"

namespace larder::projections {

namespace {

using domain::invoice_entity;
using domain::tenant_entity;
using events::uuid;
using values::decimal;

// -- text ---------------------------------------------------------------------

// clang-format off
/// What U+00C0..U+017F fold to, one letter each: ' ' for the symbols × and
/// ÷, '*' for those that fold to two letters (`two_letter_fold`).
constexpr std::string_view latin_folds =
  "aaaaaa*ceeeeiiii"  // U+00C0 À..Ï
  "dnooooo ouuuuy**"  // U+00D0 Ð..ß
  "aaaaaa*ceeeeiiii"  // U+00E0 à..ï
  "dnooooo ouuuuy*y"  // U+00F0 ð..ÿ
  "aaaaaaccccccccdd"  // U+0100 Ā..ď
  "ddeeeeeeeeeegggg"  // U+0110 Đ..ğ
  "gggghhhhiiiiiiii"  // U+0120 Ġ..į
  "ii**jjkkklllllll"  // U+0130 İ..Ŀ
  "lllnnnnnnnnnoooo"  // U+0140 ŀ..ŏ
  "oo**rrrrrrssssss"  // U+0150 Ő..ş
  "ssttttttuuuuuuuu"  // U+0160 Š..ů
  "uuuuwwyyyzzzzzzs"; // U+0170 Ű..ſ
// clang-format on

static_assert(latin_folds.size() == 0x180 - 0xC0);

std::string_view two_letter_fold(char32_t cp) {
  switch (cp) {
    case 0xC6:
    case 0xE6: return "ae";
    case 0xDE:
    case 0xFE: return "th";
    case 0xDF: return "ss";
    case 0x132:
    case 0x133: return "ij";
    default: return "oe"; // U+0152, U+0153
  }
}

constexpr char32_t not_utf8 = 0xFFFFFFFF;

/// Decodes the code point at `i` and moves past it; a byte that does not
/// start a valid sequence gives `not_utf8` and is passed alone.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  std::size_t len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return not_utf8;
  }
  if (i + len > s.size()) {
    ++i;
    return not_utf8;
  }
  for (std::size_t k = 1; k < len; ++k) {
    auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return not_utf8;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  constexpr char32_t shortest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < shortest[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return not_utf8;
  }
  i += len;
  return cp;
}

enum class fold_mode : std::uint8_t {
  /// Every punctuation mark separates words.
  words,
  /// Periods and apostrophes join: "S.A.", "L'Épicerie".
  names,
};

std::string fold(std::string_view text, fold_mode mode) {
  std::string out;
  out.reserve(text.size());
  bool gap = false;
  auto put = [&](std::string_view s) {
    if (gap && !out.empty())
      out += ' ';
    gap = false;
    out += s;
  };
  for (std::size_t i = 0; i < text.size();) {
    auto start = i;
    char32_t cp = next_code_point(text, i);
    bool joins = mode == fold_mode::names
                 && (cp == '.' || cp == '\'' || cp == 0x2019 || cp == 0x02BC);
    if (joins || (cp >= 0x300 && cp <= 0x36F)) {
      // Joining punctuation and combining marks (an NFD accent) vanish.
    } else if (cp < 0x80) {
      auto c = static_cast<char>(cp);
      if (c >= 'A' && c <= 'Z')
        c = static_cast<char>(c - 'A' + 'a');
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        put(std::string_view{&c, 1});
      else
        gap = true;
    } else if (cp >= 0xC0 && cp <= 0x17F) {
      char folded = latin_folds[cp - 0xC0];
      if (folded == ' ')
        gap = true;
      else if (folded == '*')
        put(two_letter_fold(cp));
      else
        put(std::string_view{&latin_folds[cp - 0xC0], 1});
    } else if (cp == 0x218 || cp == 0x219) {
      put("s");
    } else if (cp == 0x21A || cp == 0x21B) {
      put("t");
    } else if (cp == 0xAA) {
      put("a");
    } else if (cp == 0xBA) {
      put("o");
    } else if (cp == 0xB9 || cp == 0xB2 || cp == 0xB3) {
      put(cp == 0xB9 ? "1" : cp == 0xB2 ? "2" : "3");
    } else if ((cp < 0xC0 && cp != 0xB5) || cp == not_utf8
               || (cp >= 0x2000 && cp <= 0x206F)
               || (cp >= 0x2E00 && cp <= 0x2E7F) || cp == 0x3000
               || cp == 0xFEFF) {
      // C1 controls, Latin-1 punctuation and symbols, general and
      // supplemental punctuation, ideographic space, BOM, broken bytes.
      gap = true;
    } else {
      // Letters of other scripts (µ included) stay as they are.
      put(text.substr(start, i - start));
    }
  }
  return out;
}

/// Words at the end of a name that say what kind of company it is.
constexpr std::array<std::string_view, 26> legal_suffixes{
  "ag",          "bv",  "cie",  "co",  "company",      "corp",
  "corporation", "enr", "gmbh", "inc", "incorporated", "incorporee",
  "limited",     "llc", "llp",  "ltd", "ltee",         "nv",
  "plc",         "sa",  "sarl", "sas", "senc",         "sencrl",
  "srl",         "ulc"};

/// "Dupont et Cie", "Smith & Co": what may stand before a suffix.
constexpr std::array<std::string_view, 2> suffix_connectors{"and", "et"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& words,
            std::string_view word) {
  return std::find(words.begin(), words.end(), word) != words.end();
}

// -- ids ----------------------------------------------------------------------

/// Separates the parts of a name hashed into an id; never in folded text.
constexpr char id_separator = '\x1f';

uuid derived_id(std::initializer_list<std::string_view> parts) {
  std::string name;
  for (auto part : parts) {
    if (!name.empty())
      name += id_separator;
    name += part;
  }
  return uuid::make_v8(name);
}

uuid item_id_of(const uuid& tenant, std::string_view supplier_key,
                std::string_view item_key, std::string_view unit_key,
                std::string_view currency) {
  return derived_id({"larder.item", tenant.to_string(), supplier_key, item_key,
                     unit_key, currency});
}

uuid alert_id_of(const uuid& invoice, const uuid& item) {
  return derived_id(
    {"larder.price_alert", invoice.to_string(), item.to_string()});
}

// -- the items column ---------------------------------------------------------
//
// Line text never holds control characters (values::validate_line), so the
// ASCII unit and record separators can frame it.

constexpr char unit_separator = '\x1f';
constexpr char record_separator = '\x1e';

std::string encode_items(const std::vector<item_price>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty())
      out += record_separator;
    out += item.description;
    out += unit_separator;
    out += item.unit;
    out += unit_separator;
    out += item.unit_price.to_string();
  }
  return out;
}

/// Reads what `encode_items` wrote; nothing when it is not that.
std::optional<std::vector<item_price>> decode_items(std::string_view text) {
  std::vector<item_price> out;
  while (!text.empty()) {
    auto end = text.find(record_separator);
    auto record = text.substr(0, end);
    text =
      end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    auto first = record.find(unit_separator);
    auto second = first == std::string_view::npos
                    ? first
                    : record.find(unit_separator, first + 1);
    if (second == std::string_view::npos)
      return std::nullopt;
    auto price = decimal::parse(record.substr(second + 1));
    if (!price)
      return std::nullopt;
    out.push_back({std::string{record.substr(0, first)},
                   std::string{record.substr(first + 1, second - first - 1)},
                   *price});
  }
  return out;
}

// -- PostgreSQL arrays --------------------------------------------------------

/// An array literal for `unnest` that also takes the domain's values
/// (written unquoted) and optionals (NULL when absent).
class sql_array : public events::pg_array {
 public:
  using pg_array::add;

  void add(const uuid& id) {
    add_unquoted(id.to_string());
  }

  void add(bool flag) {
    add_unquoted(flag ? "t" : "f");
  }

  void add(int number) {
    add(static_cast<std::int64_t>(number));
  }

  void add(decimal number) {
    add_unquoted(number.to_string());
  }

  void add(const values::date& day) {
    add_unquoted(day.to_string());
  }

  template <class T>
  void add(const std::optional<T>& value) {
    if (value)
      add(*value);
    else
      add_null();
  }
};

/// The rows of one statement's `unnest`, one array per column; the
/// statement reads them as $1..$N.
template <std::size_t N>
class sql_columns {
 public:
  template <class... Values>
  void row(const Values&... values) {
    static_assert(sizeof...(Values) == N, "one value per column");
    std::size_t i = 0;
    (columns_[i++].add(values), ...);
  }

  bool empty() const {
    return columns_[0].empty();
  }

  /// Runs `sql` with the first `K` columns as its parameters.
  template <std::size_t K = N>
  pqxx::result exec(pqxx::work& txn, const char* sql) const {
    static_assert(K <= N);
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return txn.exec_params(sql, columns_[I].str()...);
    }
    (std::make_index_sequence<K>{});
  }

 private:
  std::array<sql_array, N> columns_;
};

/// A value as COPY's text format takes it (`copy_row` escapes it), written
/// as `sql_array` writes it; NULL for an absent optional.
std::optional<std::string> copy_text(std::string_view text) {
  return std::string{text};
}
std::optional<std::string> copy_text(const uuid& id) {
  return id.to_string();
}
std::optional<std::string> copy_text(bool flag) {
  return flag ? "t" : "f";
}
std::optional<std::string> copy_text(int number) {
  return std::to_string(number);
}
std::optional<std::string> copy_text(decimal number) {
  return number.to_string();
}
std::optional<std::string> copy_text(const values::date& day) {
  return day.to_string();
}
template <class T>
std::optional<std::string> copy_text(const std::optional<T>& value) {
  return value ? copy_text(*value) : std::nullopt;
}

/// The rows of one COPY into `table`'s `columns`, which loads them faster
/// than `INSERT … SELECT FROM unnest`: for rows added (a changed row is
/// deleted first).
template <std::size_t N>
class copy_rows {
 public:
  copy_rows(pqxx::work& txn, const char* table,
            const std::array<const char*, N>& columns)
    : out_{txn, table,
           std::vector<std::string>(columns.begin(), columns.end())} {}

  template <class... Values>
  void row(const Values&... values) {
    static_assert(sizeof...(Values) == N, "one value per column");
    copy_row<N> row;
    (row.text_or_null(copy_text(values)), ...);
    row.send(out_);
  }

  void complete() {
    out_.complete();
  }

 private:
  pqxx::stream_to out_;
};

/// Exact sums of decimals, wide enough for any batch.
using wide = __int128;

std::string wide_text(wide units) {
  bool negative = units < 0;
  auto magnitude = static_cast<unsigned __int128>(negative ? -units : units);
  std::string digits;
  do {
    digits += static_cast<char>('0' + static_cast<int>(magnitude % 10));
    magnitude /= 10;
  } while (magnitude > 0);
  while (digits.size() <= static_cast<std::size_t>(decimal::places))
    digits += '0';
  std::reverse(digits.begin(), digits.end());
  digits.insert(digits.size() - decimal::places, 1, '.');
  return (negative ? "-" : "") + digits;
}

} // namespace

// -- normalization ------------------------------------------------------------

std::string fold_text(std::string_view text) {
  return fold(text, fold_mode::words);
}

std::string normalize_supplier_name(std::string_view name) {
  auto folded = fold(name, fold_mode::names);
  std::vector<std::string_view> words;
  std::string_view rest{folded};
  while (!rest.empty()) {
    auto space = rest.find(' ');
    words.push_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view{}
                                           : rest.substr(space + 1);
  }
  while (words.size() > 1 && one_of(legal_suffixes, words.back())) {
    words.pop_back();
    if (words.size() > 1 && one_of(suffix_connectors, words.back()))
      words.pop_back();
  }
  std::string out;
  for (auto word : words) {
    if (!out.empty())
      out += ' ';
    out += word;
  }
  return out;
}

std::string normalize_tax_number(std::string_view tax_number) {
  std::string out;
  for (char c : tax_number) {
    if (c >= 'a' && c <= 'z')
      out += static_cast<char>(c - 'a' + 'A');
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
      out += c;
  }
  return out;
}

std::string supplier_key(std::string_view name, std::string_view tax_number) {
  if (auto tax = normalize_tax_number(tax_number); !tax.empty())
    return "tax:" + tax;
  if (auto normalized = normalize_supplier_name(name); !normalized.empty())
    return "name:" + normalized;
  return {};
}

std::string normalize_unit(std::string_view unit) {
  auto folded = fold_text(unit);
  std::erase(folded, ' ');
  return folded;
}

events::uuid supplier_id_of(const events::uuid& tenant, std::string_view key) {
  return derived_id({"larder.supplier", tenant.to_string(), key});
}

std::vector<item_price>
item_prices(const std::vector<values::line_item>& lines) {
  struct group {
    std::string item_key;
    std::string unit_key;
    item_price first;
    wide quantity = 0;
    wide amount = 0;
  };
  std::vector<group> groups;
  for (const auto& line : lines) {
    if (line.quantity <= decimal{} || line.unit_price <= decimal{})
      continue;
    auto item_key = fold_text(line.description);
    if (item_key.empty())
      continue;
    auto unit_key = normalize_unit(line.unit);
    auto g = std::find_if(groups.begin(), groups.end(), [&](const group& x) {
      return x.item_key == item_key && x.unit_key == unit_key;
    });
    if (g == groups.end()) {
      groups.push_back(
        {item_key, unit_key, {line.description, line.unit, line.unit_price}});
      g = groups.end() - 1;
    }
    g->quantity += line.quantity.units();
    g->amount +=
      static_cast<wide>(line.quantity.units()) * line.unit_price.units();
  }
  std::vector<item_price> out;
  out.reserve(groups.size());
  for (auto& g : groups) {
    // amount / quantity in price units, rounded half to even.
    wide q = g.amount / g.quantity;
    wide r = g.amount % g.quantity;
    if (2 * r > g.quantity || (2 * r == g.quantity && q % 2 != 0))
      ++q;
    g.first.unit_price = decimal::from_units(static_cast<std::int64_t>(q));
    out.push_back(std::move(g.first));
  }
  return out;
}

namespace {

// clang-format off
/// The change from `previous` to `price` in percent, and whether it raises
/// an alert: rounded half away from zero to two places, above the
/// threshold. Whatever judges or shows a price uses these, on values of the
/// stored scale, so that every batching judges alike and a query shows the
/// very figure that was judged.
#define LARDER_CHANGE(price, previous)                                         \
  "round((" price " - " previous ") * 100 / " previous ", 2)"
#define LARDER_ALERT(price, previous, threshold)                               \
  "coalesce(" LARDER_CHANGE(price, previous) " > " threshold ", false)"
// clang-format on

// -- SQL: batches -------------------------------------------------------------
//
// Unqualified: the runner sets search_path to the model's schema (or to the
// copy a rebuild fills). Each statement takes whole arrays, one element per
// row, so a batch costs the same number of round trips however large.

// clang-format off
constexpr auto load_tenants_sql =
  "SELECT tenant_id::text, currency, threshold_percent::text FROM tenants"
  " WHERE tenant_id = ANY($1::uuid[])";

constexpr auto load_invoices_sql =
  "SELECT f.tenant_id::text, f.invoice_id::text, f.status, f.paid,"
  "       to_char(f.paid_on, 'YYYY-MM-DD'),"
  "       to_char(f.received_on, 'YYYY-MM-DD'),"
  "       f.supplier_name, f.supplier_tax_id, f.invoice_number,"
  "       to_char(f.issue_date, 'YYYY-MM-DD'),"
  "       to_char(f.due_date, 'YYYY-MM-DD'),"
  "       f.currency, f.total::text, f.threshold_percent::text, f.items"
  "  FROM invoices f"
  "  JOIN unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, invoice_id)"
  "    ON f.tenant_id = k.tenant_id AND f.invoice_id = k.invoice_id";

/// A tenant created in the batch brings its currency; a settings change
/// alone leaves it ("").
constexpr auto upsert_tenants_sql =
  "INSERT INTO tenants AS t (tenant_id, currency, threshold_percent)"
  " SELECT * FROM unnest($1::uuid[], $2::text[], $3::numeric[])"
  " ON CONFLICT (tenant_id) DO UPDATE"
  "   SET currency = CASE WHEN excluded.currency = '' THEN t.currency"
  "                       ELSE excluded.currency END,"
  "       threshold_percent = excluded.threshold_percent";

/// The first acknowledgement stands.
constexpr auto insert_acknowledgements_sql =
  "INSERT INTO acknowledgements (tenant_id, alert_id, acknowledged_by,"
  "                              acknowledged_at)"
  " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[],"
  "                      $4::timestamptz[])"
  " ON CONFLICT (tenant_id, alert_id) DO NOTHING";

constexpr auto delete_invoices_sql =
  "DELETE FROM invoices f"
  " USING unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, invoice_id)"
  " WHERE f.tenant_id = k.tenant_id AND f.invoice_id = k.invoice_id";

/// A live batch's invoice rows. A row whose indexed columns stay (an
/// approval, a payment) is updated in place (HOT) where its page has room.
constexpr auto upsert_invoices_sql =
  "INSERT INTO invoices AS f (tenant_id, invoice_id, status, paid, paid_on,"
  "    received_on, supplier_name, supplier_tax_id, invoice_number,"
  "    issue_date, due_date, currency, minor_units, total, threshold_percent,"
  "    items, supplier_id, supplier_search, invoice_date)"
  " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::boolean[],"
  "    $5::date[], $6::date[], $7::text[], $8::text[], $9::text[],"
  "    $10::date[], $11::date[], $12::text[], $13::smallint[],"
  "    $14::numeric[], $15::numeric[], $16::text[], $17::uuid[], $18::text[],"
  "    $19::date[])"
  " ON CONFLICT (tenant_id, invoice_id) DO UPDATE"
  "   SET status = excluded.status, paid = excluded.paid,"
  "       paid_on = excluded.paid_on, received_on = excluded.received_on,"
  "       supplier_name = excluded.supplier_name,"
  "       supplier_tax_id = excluded.supplier_tax_id,"
  "       invoice_number = excluded.invoice_number,"
  "       issue_date = excluded.issue_date, due_date = excluded.due_date,"
  "       currency = excluded.currency, minor_units = excluded.minor_units,"
  "       total = excluded.total,"
  "       threshold_percent = excluded.threshold_percent,"
  "       items = excluded.items, supplier_id = excluded.supplier_id,"
  "       supplier_search = excluded.supplier_search,"
  "       invoice_date = excluded.invoice_date";

/// A live batch's invoice rows where only the status or the payment moved
/// (an approval without a price, a payment, its undoing): three columns
/// sent and set instead of nineteen, the stored items not sent back.
constexpr auto update_invoice_statuses_sql =
  "UPDATE invoices f"
  "   SET status = k.status, paid = k.paid, paid_on = k.paid_on"
  "  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::boolean[],"
  "              $5::date[]) AS k(tenant_id, invoice_id, status, paid, paid_on)"
  " WHERE f.tenant_id = k.tenant_id AND f.invoice_id = k.invoice_id";

/// The columns of `invoices` as a rebuild copies its rows in: nearly all
/// new, the few continued from the batch before deleted first.
constexpr std::array<const char*, 19> invoice_columns{
  "tenant_id", "invoice_id", "status", "paid", "paid_on", "received_on",
  "supplier_name", "supplier_tax_id", "invoice_number", "issue_date",
  "due_date", "currency", "minor_units", "total", "threshold_percent",
  "items", "supplier_id", "supplier_search", "invoice_date"};

/// Adds the batch's differences to the totals.
constexpr auto add_supplier_totals_sql =
  "INSERT INTO supplier_totals AS t (tenant_id, supplier_id, currency,"
  "    minor_units, approved_count, spend, unpaid_count, unpaid)"
  " SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::smallint[],"
  "                      $5::bigint[], $6::numeric[], $7::bigint[],"
  "                      $8::numeric[])"
  " ON CONFLICT (tenant_id, supplier_id, currency) DO UPDATE"
  "   SET approved_count = t.approved_count + excluded.approved_count,"
  "       spend = t.spend + excluded.spend,"
  "       unpaid_count = t.unpaid_count + excluded.unpaid_count,"
  "       unpaid = t.unpaid + excluded.unpaid";

constexpr auto drop_empty_totals_sql =
  "DELETE FROM supplier_totals t"
  " USING unnest($1::uuid[], $2::uuid[], $3::text[])"
  "       AS k(tenant_id, supplier_id, currency)"
  " WHERE t.tenant_id = k.tenant_id AND t.supplier_id = k.supplier_id"
  "   AND t.currency = k.currency AND t.approved_count = 0";

/// Adds the batch's differences to the counts, and takes the name and the
/// last invoice date from the supplier's most recent invoices. A supplier
/// left without invoices finds no latest one and is dropped next.
constexpr auto upsert_suppliers_sql =
  "WITH d AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[],"
  "                                $4::text[], $5::bigint[], $6::bigint[])"
  "             AS d(tenant_id, supplier_id, supplier_key, tax_id, invoices,"
  "                  approved))"
  " INSERT INTO suppliers AS s (tenant_id, supplier_id, supplier_key, name,"
  "     search_text, tax_id, invoice_count, approved_count,"
  "     last_invoice_date)"
  " SELECT d.tenant_id, d.supplier_id, d.supplier_key,"
  "        coalesce(named.supplier_name, d.tax_id),"
  "        coalesce(named.supplier_search, lower(d.tax_id)), d.tax_id,"
  "        d.invoices, d.approved, latest.invoice_date"
  "   FROM d"
  "   JOIN LATERAL (SELECT f.invoice_date FROM invoices f"
  "                  WHERE f.tenant_id = d.tenant_id"
  "                    AND f.supplier_id = d.supplier_id"
  "                  ORDER BY f.invoice_date DESC, f.invoice_id DESC"
  "                  LIMIT 1) latest ON true"
  "   LEFT JOIN LATERAL (SELECT f.supplier_name, f.supplier_search"
  "                        FROM invoices f"
  "                       WHERE f.tenant_id = d.tenant_id"
  "                         AND f.supplier_id = d.supplier_id"
  "                         AND f.supplier_name <> ''"
  "                       ORDER BY f.invoice_date DESC, f.invoice_id DESC"
  "                       LIMIT 1) named ON true"
  " ON CONFLICT (tenant_id, supplier_id) DO UPDATE"
  "   SET name = excluded.name, search_text = excluded.search_text,"
  "       tax_id = excluded.tax_id,"
  "       last_invoice_date = excluded.last_invoice_date,"
  "       invoice_count = s.invoice_count + excluded.invoice_count,"
  "       approved_count = s.approved_count + excluded.approved_count";

constexpr auto drop_empty_suppliers_sql =
  "DELETE FROM suppliers s"
  " USING unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, supplier_id)"
  " WHERE s.tenant_id = k.tenant_id AND s.supplier_id = k.supplier_id"
  "   AND NOT EXISTS (SELECT 1 FROM invoices f"
  "                    WHERE f.tenant_id = s.tenant_id"
  "                      AND f.supplier_id = s.supplier_id)";

constexpr auto delete_prices_sql =
  "DELETE FROM prices p"
  " USING unnest($1::uuid[], $2::date[], $3::uuid[])"
  "       AS k(item_id, observed_on, invoice_id)"
  " WHERE p.item_id = k.item_id AND p.observed_on = k.observed_on"
  "   AND p.invoice_id = k.invoice_id";

/// Inserts the batch's observations, judged against their predecessor:
/// the later of the one before in the batch (lag) and the one before among
/// those stored (the statement does not see the rows it inserts).
constexpr auto insert_prices_sql =
  "WITH k AS ("
  "  SELECT * FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::uuid[],"
  "                       $5::uuid[], $6::uuid[], $7::text[], $8::text[],"
  "                       $9::numeric(28,4)[], $10::numeric(7,2)[])"
  "    AS k(item_id, observed_on, invoice_id, tenant_id, supplier_id,"
  "         alert_id, description, unit, unit_price, threshold_percent)"
  "), w AS ("
  "  SELECT k.*, lag(k.unit_price) OVER s AS lag_price,"
  "         lag(k.observed_on) OVER s AS lag_on,"
  "         lag(k.invoice_id) OVER s AS lag_invoice"
  "    FROM k"
  "  WINDOW s AS (PARTITION BY k.item_id ORDER BY k.observed_on, k.invoice_id)"
  "), v AS ("
  "  SELECT w.*,"
  "         CASE WHEN db.observed_on IS NULL"
  "                   OR (w.lag_on IS NOT NULL"
  "                       AND (w.lag_on, w.lag_invoice)"
  "                           > (db.observed_on, db.invoice_id))"
  "              THEN w.lag_price ELSE db.unit_price END AS prev_price"
  "    FROM w LEFT JOIN LATERAL ("
  "      SELECT p.unit_price, p.observed_on, p.invoice_id FROM prices p"
  "       WHERE p.item_id = w.item_id"
  "         AND (p.observed_on, p.invoice_id) < (w.observed_on, w.invoice_id)"
  "       ORDER BY p.observed_on DESC, p.invoice_id DESC LIMIT 1) db ON true"
  ")"
  " INSERT INTO prices (item_id, observed_on, invoice_id, tenant_id,"
  "     supplier_id, alert_id, description, unit, unit_price,"
  "     threshold_percent, alert)"
  " SELECT item_id, observed_on, invoice_id, tenant_id, supplier_id,"
  "        alert_id, description, unit, unit_price, threshold_percent,"
  "        " LARDER_ALERT("unit_price", "prev_price", "threshold_percent")
  "   FROM v";

/// What a rebuild copies into `prices` while it loads: the observations as
/// they are, every one judged later by `judge_all_prices_sql`.
constexpr std::array<const char*, 11> price_columns{
  "item_id", "observed_on", "invoice_id", "tenant_id", "supplier_id",
  "alert_id", "description", "unit", "unit_price", "threshold_percent",
  "alert"};

/// Every observation judged against the one before it: what insert and
/// judge leave batch by batch, done once over the loaded copy. The copy is
/// loaded with no alert set (`price_columns`), so only the observations
/// that raise one are written: joined back by key, a few rows instead of
/// hashing every observation against every other.
constexpr auto judge_all_prices_sql =
  "UPDATE prices p SET alert = true"
  "  FROM (SELECT item_id, observed_on, invoice_id"
  "          FROM (SELECT item_id, observed_on, invoice_id,"
  "                       " LARDER_ALERT("unit_price", "lag(unit_price) OVER w",
                                          "threshold_percent") " AS alert"
  "                  FROM prices"
  "                WINDOW w AS (PARTITION BY item_id"
  "                             ORDER BY observed_on, invoice_id)) judged"
  "         WHERE alert) j"
  " WHERE p.item_id = j.item_id AND p.observed_on = j.observed_on"
  "   AND p.invoice_id = j.invoice_id AND NOT p.alert";

/// Judges again the stored observations whose predecessor the batch
/// changed: the one after each place ($1..$3) where it added (price $4) or
/// removed (price NULL) an observation, unless that one is also the batch's
/// (the next one it added after the place, $5 and $6). Its predecessor is
/// the last such place before it when that is an added observation;
/// otherwise it is looked up. Only a flag that flips is written.
constexpr auto judge_prices_sql =
  "WITH next AS ("
  "  SELECT DISTINCT ON (n.item_id, n.observed_on, n.invoice_id)"
  "         n.item_id, n.observed_on, n.invoice_id,"
  "         a.unit_price AS anchor_price"
  "    FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::numeric(28,4)[],"
  "                $5::date[], $6::uuid[])"
  "           AS a(item_id, observed_on, invoice_id, unit_price, next_on,"
  "                next_invoice)"
  "   CROSS JOIN LATERAL ("
  "      SELECT p.item_id, p.observed_on, p.invoice_id FROM prices p"
  "       WHERE p.item_id = a.item_id"
  "         AND (p.observed_on, p.invoice_id) > (a.observed_on, a.invoice_id)"
  "       ORDER BY p.observed_on, p.invoice_id LIMIT 1) n"
  "   WHERE (n.observed_on, n.invoice_id)"
  "         IS DISTINCT FROM (a.next_on, a.next_invoice)"
  "   ORDER BY n.item_id, n.observed_on, n.invoice_id, a.observed_on DESC,"
  "            a.invoice_id DESC, a.unit_price IS NULL"
  "), judged AS ("
  "  SELECT n.item_id, n.observed_on, n.invoice_id,"
  "         coalesce(n.anchor_price, prev.unit_price) AS prev_price"
  "    FROM next n LEFT JOIN LATERAL ("
  "      SELECT p.unit_price FROM prices p"
  "       WHERE n.anchor_price IS NULL AND p.item_id = n.item_id"
  "         AND (p.observed_on, p.invoice_id) < (n.observed_on, n.invoice_id)"
  "       ORDER BY p.observed_on DESC, p.invoice_id DESC LIMIT 1) prev ON true"
  ")"
  " UPDATE prices p"
  "    SET alert = " LARDER_ALERT("p.unit_price", "j.prev_price",
                                  "p.threshold_percent")
  "   FROM judged j"
  "  WHERE p.item_id = j.item_id AND p.observed_on = j.observed_on"
  "    AND p.invoice_id = j.invoice_id"
  "    AND p.alert <> " LARDER_ALERT("p.unit_price", "j.prev_price",
                                     "p.threshold_percent");

/// Adds the batch's differences to the counts and takes the description,
/// unit and price from the item's most recent observation.
constexpr auto upsert_items_sql =
  "WITH d AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[],"
  "                                $4::text[], $5::text[], $6::text[],"
  "                                $7::smallint[], $8::bigint[])"
  "             AS d(tenant_id, item_id, supplier_id, item_key, unit_key,"
  "                  currency, minor_units, observations))"
  " INSERT INTO items AS it (tenant_id, item_id, supplier_id, item_key,"
  "     unit_key, currency, minor_units, description, unit, latest_price,"
  "     latest_on, latest_invoice_id, observations)"
  " SELECT d.tenant_id, d.item_id, d.supplier_id, d.item_key, d.unit_key,"
  "        d.currency, d.minor_units, latest.description, latest.unit,"
  "        latest.unit_price, latest.observed_on, latest.invoice_id,"
  "        d.observations"
  "   FROM d"
  "   JOIN LATERAL (SELECT p.description, p.unit, p.unit_price,"
  "                        p.observed_on, p.invoice_id FROM prices p"
  "                  WHERE p.item_id = d.item_id"
  "                  ORDER BY p.observed_on DESC, p.invoice_id DESC"
  "                  LIMIT 1) latest ON true"
  " ON CONFLICT (tenant_id, item_id) DO UPDATE"
  "   SET description = excluded.description, unit = excluded.unit,"
  "       latest_price = excluded.latest_price,"
  "       latest_on = excluded.latest_on,"
  "       latest_invoice_id = excluded.latest_invoice_id,"
  "       observations = it.observations + excluded.observations";

constexpr auto drop_empty_items_sql =
  "DELETE FROM items it"
  " USING unnest($1::uuid[], $2::uuid[]) AS k(tenant_id, item_id)"
  " WHERE it.tenant_id = k.tenant_id AND it.item_id = k.item_id"
  "   AND NOT EXISTS (SELECT 1 FROM prices p WHERE p.item_id = it.item_id)";
// clang-format on

// -- the batch buffer ---------------------------------------------------------

/// The threshold a tenant starts with.
const decimal default_threshold =
  domain::tenant_settings{}.price_alert_threshold_percent;

/// One invoice event as the batch keeps it until `flush`.
struct invoice_op {
  domain::invoice_event event;
  /// DocumentReceived: the day the event was recorded (UTC).
  std::optional<values::date> received_on;
  /// InvoiceApproved: the tenant's threshold if an event earlier in this
  /// batch set it; otherwise the one stored, which `flush` reads.
  std::optional<decimal> threshold;
};

struct pending_invoice {
  uuid tenant;
  uuid invoice;
  std::vector<invoice_op> ops;
  /// The stream versions of the first and the last of `ops`.
  std::int64_t first_version = 0;
  std::int64_t last_version = 0;
};

/// What the batch learnt of a tenant.
struct tenant_change {
  /// "" unless TenantCreated is in the batch.
  std::string currency;
  decimal threshold = default_threshold;
};

struct acknowledgement {
  uuid tenant;
  uuid alert;
  uuid by;
  std::string at;
};

struct batch_buffer {
  std::vector<pending_invoice> invoices;
  std::map<std::pair<uuid, uuid>, std::size_t> index;
  std::map<uuid, tenant_change> tenants;
  std::vector<acknowledgement> acknowledgements;

  bool empty() const {
    return invoices.empty() && tenants.empty() && acknowledgements.empty();
  }

  void clear() {
    invoices.clear();
    index.clear();
    tenants.clear();
    acknowledgements.clear();
  }

  pending_invoice& invoice(const uuid& tenant, const uuid& id) {
    auto [at, added] = index.try_emplace({tenant, id}, invoices.size());
    if (added)
      invoices.push_back({tenant, id, {}});
    return invoices[at->second];
  }
};

// -- invoice facts ------------------------------------------------------------

/// What the model knows of a tenant when its batch is folded.
struct tenant_facts {
  std::string currency;
  decimal threshold = default_threshold;
};

/// An invoice as the model keeps it: the domain's own state (so that the
/// domain's `evolve` folds events onto it), with only the fields this model
/// stores, and what the lines say about prices.
struct invoice_facts {
  domain::invoice_state state;
  values::date received_on;
  std::vector<item_price> items;
  std::optional<decimal> threshold;
};

/// The invoices the model's last committed batches left, as it folds them,
/// by stream version.
using facts_cache = version_cache<std::pair<uuid, uuid>, invoice_facts>;

/// An invoice row as stored: the facts and what derives from them.
struct invoice_row {
  uuid tenant;
  uuid invoice;
  std::string status;
  bool paid = false;
  std::optional<values::date> paid_on;
  values::date received_on;
  std::string supplier_name;
  std::string supplier_tax_id;
  std::string invoice_number;
  std::optional<values::date> issue_date;
  std::optional<values::date> due_date;
  std::string currency;
  int minor_units = 2;
  std::optional<decimal> total;
  std::optional<decimal> threshold;
  std::vector<item_price> items;
  std::string supplier_key;
  std::optional<uuid> supplier_id;
  std::string supplier_search;
  values::date invoice_date;

  bool approved() const {
    return status == "approved";
  }

  friend bool operator==(const invoice_row&, const invoice_row&) = default;
};

/// Whether `after` differs from `before` in its status and payment only:
/// then `update_invoice_statuses_sql` writes it.
bool status_moved_only(const invoice_row& before, const invoice_row& after) {
  auto same = before;
  same.status = after.status;
  same.paid = after.paid;
  same.paid_on = after.paid_on;
  return same == after;
}

int minor_units_of(std::string_view code) {
  if (auto c = values::currency::parse(code))
    return c->minor_units;
  return 2;
}

/// Whether an invoice in `status` is one of its supplier's invoices.
bool belongs_to_supplier(domain::invoice_status status) {
  return status == domain::invoice_status::awaiting_approval
         || status == domain::invoice_status::approved
         || status == domain::invoice_status::rejected;
}

/// The row `f` makes. `like`, a row of the same invoice, lends what derives
/// from the supplier's name and tax number alone when they are the same:
/// the hashing and folding that would otherwise be most of a payment's cost.
invoice_row row_of(const invoice_facts& f, const tenant_facts& tenant,
                   const invoice_row* like = nullptr) {
  const auto& s = f.state;
  const auto& fields = s.fields;
  invoice_row r;
  r.tenant = s.tenant_id;
  r.invoice = s.invoice_id;
  r.status = std::string{domain::to_string(s.status)};
  r.paid = s.paid;
  r.paid_on = s.paid_on;
  r.received_on = f.received_on;
  r.supplier_name = fields.supplier_name.value_or("");
  r.supplier_tax_id = fields.supplier_tax_id.value_or("");
  r.invoice_number = fields.invoice_number.value_or("");
  r.issue_date = fields.issue_date;
  r.due_date = fields.due_date;
  r.currency = fields.currency ? fields.currency->code : tenant.currency;
  r.minor_units = fields.currency ? fields.currency->minor_units
                                  : minor_units_of(tenant.currency);
  r.total = fields.total;
  r.threshold = f.threshold;
  r.items = f.items;
  bool same_supplier = like && like->tenant == r.tenant
                       && like->supplier_name == r.supplier_name
                       && like->supplier_tax_id == r.supplier_tax_id;
  r.supplier_key = same_supplier
                     ? like->supplier_key
                     : supplier_key(r.supplier_name, r.supplier_tax_id);
  if (!r.supplier_key.empty() && belongs_to_supplier(s.status)) {
    if (same_supplier && like->supplier_id) {
      r.supplier_id = like->supplier_id;
      r.supplier_search = like->supplier_search;
    } else {
      r.supplier_id = supplier_id_of(r.tenant, r.supplier_key);
      r.supplier_search = fold_text(r.supplier_name);
    }
  }
  r.invoice_date = fields.issue_date.value_or(f.received_on);
  return r;
}

std::optional<values::date> date_field(const pqxx::field& field) {
  if (field.is_null())
    return std::nullopt;
  auto d = values::date::parse(field.c_str());
  if (!d)
    return std::nullopt;
  return *d;
}

std::optional<decimal> decimal_field(const pqxx::field& field) {
  if (field.is_null())
    return std::nullopt;
  auto d = decimal::parse(field.c_str());
  if (!d)
    return std::nullopt;
  return *d;
}

/// The stored row (load_invoices_sql) as facts to fold the batch onto.
expected<invoice_facts> facts_of(const pqxx::row& row) {
  invoice_facts f;
  auto& s = f.state;
  s.exists = true;
  s.tenant_id = uuid::parse(row[0].c_str()).value_or(uuid{});
  s.invoice_id = uuid::parse(row[1].c_str()).value_or(uuid{});
  auto status = domain::parse_invoice_status(row[2].c_str());
  auto received = date_field(row[5]);
  auto items = decode_items(row[14].c_str());
  if (!status || !received || !items)
    return make_error(errc::rejected, "the stored row of invoice "
                                        + s.invoice_id.to_string()
                                        + " cannot be read back");
  s.status = *status;
  s.paid = row[3].as<bool>();
  s.paid_on = date_field(row[4]);
  f.received_on = *received;
  auto text = [](const pqxx::field& field) -> std::optional<std::string> {
    std::string value = field.c_str();
    if (value.empty())
      return std::nullopt;
    return value;
  };
  s.fields.supplier_name = text(row[6]);
  s.fields.supplier_tax_id = text(row[7]);
  s.fields.invoice_number = text(row[8]);
  s.fields.issue_date = date_field(row[9]);
  s.fields.due_date = date_field(row[10]);
  if (auto c = values::currency::parse(row[11].c_str()))
    s.fields.currency = *c;
  s.fields.total = decimal_field(row[12]);
  f.threshold = decimal_field(row[13]);
  f.items = std::move(*items);
  return f;
}

template <class T, class... Ts>
constexpr bool one_of_types = (std::is_same_v<T, Ts> || ...);

/// Folds the batch's events of one invoice onto what earlier batches left.
/// The domain's `evolve` does the work, so a correction, a reprocess or a
/// rejection means here what it means to the invoice itself.
void fold_ops(invoice_facts& f, std::vector<invoice_op>& ops,
              const tenant_facts& tenant) {
  for (auto& op : ops) {
    std::visit(
      [&](const auto& e) {
        using event = std::decay_t<decltype(e)>;
        if constexpr (one_of_types<event, domain::document_received>)
          f.received_on = op.received_on.value_or(values::date{});
        else if constexpr (one_of_types<event, domain::extraction_succeeded,
                                        domain::lines_replaced>)
          f.items = item_prices(e.lines);
        else if constexpr (one_of_types<event, domain::reprocess_requested>)
          f.items.clear();
        else if constexpr (one_of_types<event, domain::invoice_approved>)
          f.threshold = op.threshold.value_or(tenant.threshold);
      },
      op.event);
    f.state = invoice_entity::evolve(std::move(f.state), op.event);
    // Only the prices of the lines are kept, in `items`.
    f.state.lines.clear();
    f.state.taxes.clear();
    f.state.confidence.clear();
  }
}

// -- what a batch writes ------------------------------------------------------

/// One price observation an approved invoice gives.
struct observation {
  uuid item_id;
  values::date observed_on;
  uuid invoice_id;
  uuid tenant;
  uuid supplier_id;
  std::string item_key;
  std::string unit_key;
  std::string currency;
  int minor_units = 2;
  item_price price;
  decimal threshold;

  friend bool operator==(const observation&, const observation&) = default;
};

std::vector<observation> observations_of(const invoice_row& r) {
  std::vector<observation> out;
  if (!r.approved() || !r.supplier_id)
    return out;
  for (const auto& item : r.items) {
    observation o;
    o.item_key = fold_text(item.description);
    o.unit_key = normalize_unit(item.unit);
    o.item_id =
      item_id_of(r.tenant, r.supplier_key, o.item_key, o.unit_key, r.currency);
    o.observed_on = r.invoice_date;
    o.invoice_id = r.invoice;
    o.tenant = r.tenant;
    o.supplier_id = *r.supplier_id;
    o.currency = r.currency;
    o.minor_units = r.minor_units;
    o.price = item;
    o.threshold = r.threshold.value_or(default_threshold);
    out.push_back(std::move(o));
  }
  return out;
}

struct supplier_delta {
  std::string key;
  std::int64_t invoices = 0;
  std::int64_t approved = 0;
};

struct totals_delta {
  int minor_units = 2;
  std::int64_t approved = 0;
  wide spend = 0;
  std::int64_t unpaid_count = 0;
  wide unpaid = 0;

  bool zero() const {
    return approved == 0 && spend == 0 && unpaid_count == 0 && unpaid == 0;
  }
};

struct item_delta {
  uuid supplier_id;
  std::string item_key;
  std::string unit_key;
  std::string currency;
  int minor_units = 2;
  std::int64_t observations = 0;
};

/// Everything one batch changes, gathered before anything is written.
class batch_plan {
 public:
  /// Records the move of one invoice from `before` to `after` (either may
  /// be absent: a new or a deleted invoice).
  void change(const std::optional<invoice_row>& before,
              std::optional<invoice_row> after) {
    if (before == after)
      return;
    if (before)
      count(*before, -1);
    if (after)
      count(*after, +1);
    // Observations hang on approval and not on payment: a payment, the
    // most common change, moves none.
    bool moved_only = before && after && status_moved_only(*before, *after);
    bool same_observations = moved_only && before->status == after->status;
    auto old_obs = before && !same_observations ? observations_of(*before)
                                                : std::vector<observation>{};
    auto new_obs = after && !same_observations ? observations_of(*after)
                                               : std::vector<observation>{};
    if (old_obs != new_obs) {
      for (auto& o : old_obs) {
        touch_item(o, -1);
        removed_.push_back(std::move(o));
      }
      for (auto& o : new_obs) {
        touch_item(o, +1);
        added_.push_back(std::move(o));
      }
    }
    if (after) {
      if (moved_only) {
        moved_.push_back(std::move(*after));
        return;
      }
      if (before)
        replaced_.row(before->tenant, before->invoice);
      upserts_.push_back(std::move(*after));
    } else if (before) {
      deleted_.row(before->tenant, before->invoice);
    }
  }

  /// `loading`: into a rebuild's copy, leaving every price alert to
  /// `judge_all_prices_sql`.
  void write(pqxx::work& txn, bool loading) {
    write_invoices(txn, loading);
    write_suppliers(txn);
    write_prices(txn, loading);
  }

 private:
  /// The supplier and totals an invoice row counts in, with `sign`.
  void count(const invoice_row& r, int sign) {
    if (!r.supplier_id)
      return;
    auto& s = suppliers_[{r.tenant, *r.supplier_id}];
    s.key = r.supplier_key;
    s.invoices += sign;
    if (!r.approved())
      return;
    s.approved += sign;
    if (!r.total)
      return;
    auto& t = totals_[{r.tenant, *r.supplier_id, r.currency}];
    t.minor_units = r.minor_units;
    t.approved += sign;
    t.spend += sign * static_cast<wide>(r.total->units());
    if (!r.paid) {
      t.unpaid_count += sign;
      t.unpaid += sign * static_cast<wide>(r.total->units());
    }
  }

  void touch_item(const observation& o, int sign) {
    auto& d = items_[{o.tenant, o.item_id}];
    d.supplier_id = o.supplier_id;
    d.item_key = o.item_key;
    d.unit_key = o.unit_key;
    d.currency = o.currency;
    d.minor_units = o.minor_units;
    d.observations += sign;
  }

  void write_invoices(pqxx::work& txn, bool loading) {
    if (!deleted_.empty())
      deleted_.exec(txn, delete_invoices_sql);
    if (!moved_.empty()) {
      sql_columns<5> moved;
      for (const auto& r : moved_)
        moved.row(r.tenant, r.invoice, r.status, r.paid, r.paid_on);
      moved.exec(txn, update_invoice_statuses_sql);
    }
    if (upserts_.empty())
      return;
    auto each_row = [&](auto& rows) {
      for (const auto& r : upserts_)
        rows.row(r.tenant, r.invoice, r.status, r.paid, r.paid_on,
                 r.received_on, r.supplier_name, r.supplier_tax_id,
                 r.invoice_number, r.issue_date, r.due_date, r.currency,
                 r.minor_units, r.total, r.threshold, encode_items(r.items),
                 r.supplier_id, r.supplier_search, r.invoice_date);
    };
    if (!loading) {
      sql_columns<19> rows;
      each_row(rows);
      rows.exec(txn, upsert_invoices_sql);
      return;
    }
    if (!replaced_.empty())
      replaced_.exec(txn, delete_invoices_sql);
    copy_rows rows{txn, "invoices", invoice_columns};
    each_row(rows);
    rows.complete();
  }

  void write_suppliers(pqxx::work& txn) {
    sql_columns<8> totals;
    for (const auto& [key, d] : totals_) {
      const auto& [tenant, supplier, currency] = key;
      if (!d.zero())
        totals.row(tenant, supplier, currency, d.minor_units, d.approved,
                   wide_text(d.spend), d.unpaid_count, wide_text(d.unpaid));
    }
    if (!totals.empty()) {
      totals.exec(txn, add_supplier_totals_sql);
      totals.exec<3>(txn, drop_empty_totals_sql);
    }
    if (suppliers_.empty())
      return;
    sql_columns<6> suppliers;
    for (const auto& [key, d] : suppliers_)
      suppliers.row(key.first, key.second, d.key,
                    d.key.starts_with("tax:")
                      ? std::string_view{d.key}.substr(4)
                      : std::string_view{},
                    d.invoices, d.approved);
    suppliers.exec(txn, upsert_suppliers_sql);
    suppliers.exec<2>(txn, drop_empty_suppliers_sql);
  }

  /// Where the batch added or removed an observation, each place with the
  /// next observation the batch added after it in the same item.
  void judge_neighbours(pqxx::work& txn) {
    using place = std::pair<values::date, uuid>;
    std::map<uuid, std::vector<place>> added_by_item;
    for (const auto& o : added_)
      added_by_item[o.item_id].emplace_back(o.observed_on, o.invoice_id);
    for (auto& [item, places] : added_by_item)
      std::sort(places.begin(), places.end());
    sql_columns<6> anchors;
    auto anchor = [&](const observation& o, std::optional<decimal> price) {
      const auto& places = added_by_item[o.item_id];
      auto next = std::upper_bound(places.begin(), places.end(),
                                   place{o.observed_on, o.invoice_id});
      bool last = next == places.end();
      anchors.row(o.item_id, o.observed_on, o.invoice_id, price,
                  last ? std::nullopt : std::optional{next->first},
                  last ? std::nullopt : std::optional{next->second});
    };
    for (const auto& o : removed_)
      anchor(o, std::nullopt);
    for (const auto& o : added_)
      anchor(o, o.price.unit_price);
    anchors.exec(txn, judge_prices_sql);
  }

  void write_prices(pqxx::work& txn, bool loading) {
    if (removed_.empty() && added_.empty())
      return;
    if (!removed_.empty()) {
      sql_columns<3> removed;
      for (const auto& o : removed_)
        removed.row(o.item_id, o.observed_on, o.invoice_id);
      removed.exec(txn, delete_prices_sql);
    }
    if (!added_.empty() && loading) {
      copy_rows added{txn, "prices", price_columns};
      for (const auto& o : added_)
        added.row(o.item_id, o.observed_on, o.invoice_id, o.tenant,
                  o.supplier_id, alert_id_of(o.invoice_id, o.item_id),
                  o.price.description, o.price.unit, o.price.unit_price,
                  o.threshold, false);
      added.complete();
    } else if (!added_.empty()) {
      sql_columns<10> added;
      for (const auto& o : added_)
        added.row(o.item_id, o.observed_on, o.invoice_id, o.tenant,
                  o.supplier_id, alert_id_of(o.invoice_id, o.item_id),
                  o.price.description, o.price.unit, o.price.unit_price,
                  o.threshold);
      added.exec(txn, insert_prices_sql);
    }
    if (!loading)
      judge_neighbours(txn);
    sql_columns<8> items;
    for (const auto& [key, d] : items_)
      items.row(key.first, key.second, d.supplier_id, d.item_key, d.unit_key,
                d.currency, d.minor_units, d.observations);
    items.exec(txn, upsert_items_sql);
    items.exec<2>(txn, drop_empty_items_sql);
  }

  std::vector<invoice_row> upserts_;
  /// Stored rows whose status or payment alone moved.
  std::vector<invoice_row> moved_;
  sql_columns<2> deleted_;
  /// Stored rows that `upserts_` replace.
  sql_columns<2> replaced_;
  std::map<std::pair<uuid, uuid>, supplier_delta> suppliers_;
  std::map<std::tuple<uuid, uuid, std::string>, totals_delta> totals_;
  std::map<std::pair<uuid, uuid>, item_delta> items_;
  std::vector<observation> removed_;
  std::vector<observation> added_;
};

// -- apply and flush ----------------------------------------------------------

bool is_stream_of(std::string_view stream_id, std::string_view type) {
  return stream_id.size() > type.size() && stream_id.starts_with(type)
         && stream_id[type.size()] == '-';
}

std::optional<error> apply_invoice_event(batch_buffer& b,
                                         const events::recorded_event& ev) {
  const auto& env = ev.env;
  auto id = uuid::parse(std::string_view{env.stream_id}.substr(
    std::string_view{invoice_entity::stream_type}.size() + 1));
  if (!id)
    return make_error(errc::invalid_argument,
                      "the stream id does not name an invoice");
  auto decoded = invoice_entity::decode(env);
  if (!decoded)
    return decoded.error();
  invoice_op op{std::move(*decoded), std::nullopt, std::nullopt};
  if (std::holds_alternative<domain::document_received>(op.event)) {
    auto day =
      values::date::parse(std::string_view{env.recorded_at}.substr(0, 10));
    if (!day)
      return make_error(errc::invalid_argument,
                        "the event's recorded_at is not a timestamp");
    op.received_on = *day;
  } else if (std::holds_alternative<domain::invoice_approved>(op.event)) {
    if (auto t = b.tenants.find(env.tenant_id); t != b.tenants.end())
      op.threshold = t->second.threshold;
  }
  auto& pending = b.invoice(env.tenant_id, *id);
  if (pending.ops.empty())
    pending.first_version = env.stream_version;
  pending.last_version = env.stream_version;
  pending.ops.push_back(std::move(op));
  return std::nullopt;
}

std::optional<error> apply_tenant_event(batch_buffer& b,
                                        const events::recorded_event& ev) {
  auto decoded = tenant_entity::decode(ev.env);
  if (!decoded)
    return decoded.error();
  const auto& tenant = ev.env.tenant_id;
  std::visit(
    [&](const auto& e) {
      using event = std::decay_t<decltype(e)>;
      if constexpr (one_of_types<event, domain::tenant_created>)
        b.tenants[tenant] = {e.currency.code, default_threshold};
      else if constexpr (one_of_types<event, domain::tenant_settings_changed>)
        b.tenants[tenant].threshold = e.settings.price_alert_threshold_percent;
      else if constexpr (one_of_types<event, domain::price_alert_acknowledged>)
        b.acknowledgements.push_back(
          {tenant, e.alert_id, e.by, ev.env.recorded_at});
    },
    *decoded);
  return std::nullopt;
}

/// What earlier batches stored of the tenants the batch touches, with what
/// this batch changed on top (for the currency; thresholds of approvals were
/// taken in event order by `apply`).
std::map<uuid, tenant_facts> load_tenants(pqxx::work& txn,
                                          const batch_buffer& b) {
  std::map<uuid, tenant_facts> out;
  sql_array ids;
  std::set<uuid> wanted;
  for (const auto& inv : b.invoices)
    if (wanted.insert(inv.tenant).second)
      ids.add(inv.tenant);
  if (ids.empty())
    return out;
  for (const auto& row : txn.exec_params(load_tenants_sql, ids.str())) {
    auto id = uuid::parse(row[0].c_str());
    if (!id)
      continue;
    auto& t = out[*id];
    t.currency = row[1].c_str();
    t.threshold = decimal_field(row[2]).value_or(default_threshold);
  }
  for (const auto& [id, change] : b.tenants)
    if (!change.currency.empty())
      out[id].currency = change.currency;
  return out;
}

/// The stored facts of the invoices whose first event is not in this batch,
/// from `cache` where it has them.
expected<std::map<std::pair<uuid, uuid>, invoice_facts>>
load_invoices(pqxx::work& txn, const batch_buffer& b, facts_cache& cache) {
  std::map<std::pair<uuid, uuid>, invoice_facts> out;
  sql_columns<2> keys;
  for (const auto& inv : b.invoices) {
    if (std::holds_alternative<domain::document_received>(
          inv.ops.front().event))
      continue;
    std::pair key{inv.tenant, inv.invoice};
    if (auto cached = cache.take(key, inv.first_version - 1))
      out.emplace(key, std::move(*cached));
    else
      keys.row(inv.tenant, inv.invoice);
  }
  if (keys.empty())
    return out;
  for (const auto& row : keys.exec(txn, load_invoices_sql)) {
    auto facts = facts_of(row);
    if (!facts)
      return facts.error();
    auto key = std::pair{facts->state.tenant_id, facts->state.invoice_id};
    out.emplace(key, std::move(*facts));
  }
  return out;
}

std::optional<error> flush_batch(pqxx::work& txn, batch_buffer& b,
                                 facts_cache& cache, bool loading) {
  if (b.empty())
    return std::nullopt;
  auto tenants = load_tenants(txn, b);
  auto stored = load_invoices(txn, b, cache);
  if (!stored)
    return stored.error();
  batch_plan plan;
  for (auto& inv : b.invoices) {
    const auto& tenant = tenants[inv.tenant];
    invoice_facts facts;
    std::optional<invoice_row> before, after;
    if (auto found = stored->find({inv.tenant, inv.invoice});
        found != stored->end()) {
      facts = std::move(found->second);
      before = row_of(facts, tenant);
    }
    fold_ops(facts, inv.ops, tenant);
    // A deleted invoice leaves the model; events of an invoice never
    // received change nothing.
    if (facts.state.exists
        && facts.state.status != domain::invoice_status::deleted) {
      after = row_of(facts, tenant, before ? &*before : nullptr);
      cache.stage({inv.tenant, inv.invoice}, inv.last_version,
                  std::move(facts));
    }
    plan.change(before, std::move(after));
  }
  if (!b.tenants.empty()) {
    sql_columns<3> tenant_rows;
    for (const auto& [id, change] : b.tenants)
      tenant_rows.row(id, change.currency, change.threshold);
    tenant_rows.exec(txn, upsert_tenants_sql);
  }
  if (!b.acknowledgements.empty()) {
    sql_columns<4> acks;
    for (const auto& ack : b.acknowledgements)
      acks.row(ack.tenant, ack.alert, ack.by, ack.at);
    acks.exec(txn, insert_acknowledgements_sql);
  }
  plan.write(txn, loading);
  b.clear();
  return std::nullopt;
}

} // namespace

read_model suppliers_model() {
  auto buffer = std::make_shared<batch_buffer>();
  auto cache = std::make_shared<facts_cache>();
  read_model m;
  m.name = "suppliers";
  m.schema = "rm_suppliers";
  // The supplier rows take their name and last date from their newest
  // invoices, and go when they have none left.
  m.indexes_for_apply = {"invoices_by_supplier"};
  m.event_types = {domain::document_received::type,
                   domain::extraction_started::type,
                   domain::extraction_succeeded::type,
                   domain::extraction_failed::type,
                   domain::marked_not_an_invoice::type,
                   domain::fields_corrected::type,
                   domain::lines_replaced::type,
                   domain::invoice_approved::type,
                   domain::invoice_rejected::type,
                   domain::invoice_paid::type,
                   domain::invoice_marked_unpaid::type,
                   domain::reprocess_requested::type,
                   domain::invoice_deleted::type,
                   domain::tenant_created::type,
                   domain::tenant_settings_changed::type,
                   domain::price_alert_acknowledged::type};
  m.apply = [buffer](pqxx::work&,
                     const events::recorded_event& ev) -> std::optional<error> {
    if (is_stream_of(ev.env.stream_id, invoice_entity::stream_type))
      return apply_invoice_event(*buffer, ev);
    if (is_stream_of(ev.env.stream_id, tenant_entity::stream_type))
      return apply_tenant_event(*buffer, ev);
    return std::nullopt;
  };
  m.flush = [buffer, cache](pqxx::work& txn) {
    return flush_batch(txn, *buffer, *cache, false);
  };
  // A rebuild judges the price alerts once, over all the observations,
  // instead of around each batch's: a fifth of the model's time.
  m.load_flush = [buffer, cache](pqxx::work& txn) {
    return flush_batch(txn, *buffer, *cache, true);
  };
  m.settle = [](pqxx::work& txn) -> std::optional<error> {
    txn.exec(judge_all_prices_sql);
    return std::nullopt;
  };
  m.discard = [buffer, cache] {
    buffer->clear();
    cache->discard();
  };
  m.committed = [cache] {
    cache->commit();
  };
  return m;
}

// -- query parameters ---------------------------------------------------------

namespace {

constexpr std::size_t max_search_chars = 200;

larder::error invalid(std::string message) {
  return make_error(errc::invalid_argument, std::move(message));
}

/// `name` quoted for a message when it is short printable ASCII, so that a
/// hostile name cannot flood or garble the message; otherwise nothing.
std::string echo(std::string_view name) {
  constexpr std::size_t max_echo = 40;
  if (name.empty() || name.size() > max_echo)
    return {};
  for (char ch : name)
    if (ch < 0x20 || ch > 0x7e)
      return {};
  return " '" + std::string{name} + "'";
}

/// "a, b or c".
std::string listed(std::initializer_list<std::string_view> words) {
  std::string out;
  std::size_t n = 0;
  for (auto word : words) {
    if (n++ > 0)
      out += n == words.size() ? " or " : ", ";
    out += word;
  }
  return out;
}

/// The first of `checks`, run in order, that failed.
std::optional<error>
first_failure(std::initializer_list<std::optional<error>> checks) {
  for (const auto& failed : checks)
    if (failed)
      return failed;
  return std::nullopt;
}

/// The parameters of one query, each known and given at most once.
class params_reader {
 public:
  explicit params_reader(const query_pairs& params) : params_(params) {}

  std::optional<error> only(std::initializer_list<std::string_view> known) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      std::string_view name = params_[i].first;
      if (std::find(known.begin(), known.end(), name) == known.end())
        return invalid("unknown parameter" + echo(name)
                       + (known.size() == 0 ? "; this query takes no parameters"
                                            : "; use " + listed(known)));
      for (std::size_t j = 0; j < i; ++j)
        if (params_[j].first == name)
          return invalid(std::string{name} + " is given more than once");
    }
    return std::nullopt;
  }

  /// The value of `name`, or nothing when absent.
  const std::string* find(std::string_view name) const {
    for (const auto& [key, value] : params_)
      if (key == name)
        return &value;
    return nullptr;
  }

  std::optional<error> whole_number(std::string_view name, std::int64_t min,
                                    std::int64_t max, std::int64_t& out) const {
    const auto* text = find(name);
    if (!text)
      return std::nullopt;
    std::int64_t value = 0;
    auto [end, ec] =
      std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || end != text->data() + text->size() || value < min
        || value > max)
      return invalid(std::string{name} + " must be a whole number from "
                     + std::to_string(min) + " to " + std::to_string(max));
    out = value;
    return std::nullopt;
  }

  std::optional<error> page(std::int64_t& limit, std::int64_t& offset) const {
    if (auto failed = whole_number("limit", 1, max_page_rows, limit))
      return failed;
    return whole_number("offset", 0, 1'000'000'000, offset);
  }

  /// Text to find, folded as the model folds names and descriptions.
  std::optional<error> search(std::string_view name, std::string& out) const {
    const auto* text = find(name);
    if (!text)
      return std::nullopt;
    if (auto failed = values::check_text(name, *text, 0, max_search_chars))
      return failed;
    out = fold_text(*text);
    return std::nullopt;
  }

  /// The position of the value of `name` among `allowed`.
  std::optional<error> choice(std::string_view name,
                              std::initializer_list<std::string_view> allowed,
                              std::optional<std::size_t>& out) const {
    const auto* text = find(name);
    if (!text)
      return std::nullopt;
    auto at = std::find(allowed.begin(), allowed.end(), *text);
    if (at == allowed.end())
      return invalid(std::string{name} + " must be " + listed(allowed));
    out = static_cast<std::size_t>(at - allowed.begin());
    return std::nullopt;
  }

  std::optional<error> id(std::string_view name, std::string_view what,
                          std::optional<uuid>& out) const {
    const auto* text = find(name);
    if (!text)
      return std::nullopt;
    auto parsed = uuid::parse(*text);
    if (!parsed)
      return invalid(std::string{name} + " must be " + std::string{what}
                     + " such as 0190b5c2-7a4e-8d21-9f3b-2c4d5e6f7a8b");
    out = *parsed;
    return std::nullopt;
  }

  std::optional<error> day(std::string_view name,
                           std::optional<values::date>& out) const {
    const auto* text = find(name);
    if (!text)
      return std::nullopt;
    auto parsed = values::date::parse(*text);
    if (!parsed)
      return invalid(std::string{name}
                     + " must be a date written YYYY-MM-DD, such as "
                       "2026-11-01");
    out = *parsed;
    return std::nullopt;
  }

  std::optional<error> date_range(std::optional<values::date>& from,
                                  std::optional<values::date>& to) const {
    if (auto failed = day("from", from))
      return failed;
    if (auto failed = day("to", to))
      return failed;
    if (from && to && *from > *to)
      return invalid("from must not be after to");
    return std::nullopt;
  }

 private:
  const query_pairs& params_;
};

} // namespace

expected<supplier_list_query>
parse_supplier_list_query(const query_pairs& params) {
  params_reader p{params};
  supplier_list_query q;
  std::optional<std::size_t> sort, order;
  if (auto failed = first_failure(
        {p.only({"q", "sort", "order", "limit", "offset"}),
         p.search("q", q.search),
         p.choice("sort", {"name", "spend", "last_invoice", "invoice_count"},
                  sort),
         p.choice("order", {"asc", "desc"}, order), p.page(q.limit, q.offset)}))
    return *failed;
  if (sort)
    q.sort = static_cast<supplier_sort>(*sort);
  q.descending = order ? *order == 1 : q.sort != supplier_sort::name;
  return q;
}

expected<page_query> parse_page_query(const query_pairs& params) {
  params_reader p{params};
  page_query q;
  if (auto failed =
        first_failure({p.only({"limit", "offset"}), p.page(q.limit, q.offset)}))
    return *failed;
  return q;
}

expected<item_list_query> parse_item_list_query(const query_pairs& params) {
  params_reader p{params};
  item_list_query q;
  if (auto failed =
        first_failure({p.only({"q", "limit", "offset"}),
                       p.search("q", q.search), p.page(q.limit, q.offset)}))
    return *failed;
  return q;
}

expected<price_history_query>
parse_price_history_query(const query_pairs& params) {
  params_reader p{params};
  price_history_query q;
  if (auto failed =
        first_failure({p.only({"from", "to", "limit", "offset"}),
                       p.date_range(q.from, q.to), p.page(q.limit, q.offset)}))
    return *failed;
  return q;
}

expected<alert_list_query> parse_alert_list_query(const query_pairs& params) {
  params_reader p{params};
  alert_list_query q;
  std::optional<std::size_t> acknowledged;
  if (auto failed = first_failure(
        {p.only({"acknowledged", "supplier", "item", "from", "to", "limit",
                 "offset"}),
         p.choice("acknowledged", {"true", "false"}, acknowledged),
         p.id("supplier", "a supplier id", q.supplier),
         p.search("item", q.item), p.date_range(q.from, q.to),
         p.page(q.limit, q.offset)}))
    return *failed;
  if (acknowledged)
    q.acknowledged = *acknowledged == 0;
  return q;
}

std::optional<error> parse_no_params(const query_pairs& params) {
  return params_reader{params}.only({});
}

// -- SQL: queries -------------------------------------------------------------

namespace {

// clang-format off
#define LARDER_SUPPLIER_COLUMNS                                                \
  "s.supplier_id::text, s.name, s.tax_id, s.invoice_count, "                   \
  "s.approved_count, " LARDER_DAY("s.last_invoice_date")

#define LARDER_SUPPLIER_MATCH                                                  \
  " WHERE s.tenant_id = $1::uuid"                                              \
  "   AND ($2::text = '' OR strpos(s.search_text, $2) > 0)"

/// One page of suppliers in the order `order` names; ties by name and id.
#define LARDER_SUPPLIER_PAGE(order)                                            \
  "SELECT " LARDER_SUPPLIER_COLUMNS " FROM rm_suppliers.suppliers s"           \
  "  LEFT JOIN rm_suppliers.tenants t ON t.tenant_id = s.tenant_id"            \
  "  LEFT JOIN rm_suppliers.supplier_totals home"                              \
  "    ON home.tenant_id = s.tenant_id AND home.supplier_id = s.supplier_id"   \
  "   AND home.currency = t.currency"                                          \
  LARDER_SUPPLIER_MATCH                                                        \
  " ORDER BY " order ", s.search_text, s.supplier_id LIMIT $3 OFFSET $4"

#define LARDER_ITEM_COLUMNS                                                    \
  "it.item_id::text, it.supplier_id::text, it.description, it.unit, "          \
  "it.currency, it.minor_units, it.latest_price::text, "                       \
  LARDER_DAY("it.latest_on") ", it.latest_invoice_id::text, "                  \
  "coalesce(" LARDER_CHANGE("it.latest_price", "prev.unit_price")              \
  "::text, ''), it.observations"

/// An item with the price before its latest, for the latest one's change.
#define LARDER_ITEM_FROM                                                       \
  " FROM rm_suppliers.items it"                                                \
  "  LEFT JOIN LATERAL (SELECT q.unit_price FROM rm_suppliers.prices q"        \
  "     WHERE q.item_id = it.item_id"                                          \
  "       AND (q.observed_on, q.invoice_id)"                                   \
  "           < (it.latest_on, it.latest_invoice_id)"                          \
  "     ORDER BY q.observed_on DESC, q.invoice_id DESC LIMIT 1) prev ON true"

/// Whether `column` is between dates `from` and `to`, either '' for open.
#define LARDER_BETWEEN(column, from, to)                                       \
  " " column " BETWEEN coalesce(nullif(" from ", '')::date, '-infinity')"      \
  " AND coalesce(nullif(" to ", '')::date, 'infinity')"

/// The observation before `p` of its item, if any.
#define LARDER_PREVIOUS_PRICE                                                  \
  " LEFT JOIN LATERAL (SELECT q.unit_price, q.invoice_id, q.observed_on"       \
  "     FROM rm_suppliers.prices q"                                            \
  "    WHERE q.item_id = p.item_id"                                            \
  "      AND (q.observed_on, q.invoice_id) < (p.observed_on, p.invoice_id)"    \
  "    ORDER BY q.observed_on DESC, q.invoice_id DESC LIMIT 1) prev ON true"

/// The alerts a list query matches: $2 acknowledged ('', 'true', 'false'),
/// $3 supplier id or '', $4 folded item text, $5 and $6 dates or ''.
#define LARDER_ALERT_FROM                                                      \
  " FROM rm_suppliers.prices p"                                                \
  "  JOIN rm_suppliers.items it"                                               \
  "    ON it.tenant_id = p.tenant_id AND it.item_id = p.item_id"               \
  "  LEFT JOIN rm_suppliers.acknowledgements a"                                \
  "    ON a.tenant_id = p.tenant_id AND a.alert_id = p.alert_id"               \
  " WHERE p.tenant_id = $1::uuid AND p.alert"                                  \
  "   AND ($2::text = '' OR (a.alert_id IS NOT NULL) = ($2 = 'true'))"         \
  "   AND ($3::text = '' OR p.supplier_id = nullif($3, '')::uuid)"             \
  "   AND ($4::text = '' OR strpos(it.item_key, $4) > 0)"                      \
  "   AND" LARDER_BETWEEN("p.observed_on", "$5", "$6")

constexpr auto count_suppliers_sql =
  "SELECT count(*) FROM rm_suppliers.suppliers s" LARDER_SUPPLIER_MATCH;

/// By sort and direction (`supplier_sort` order, ascending first). Spend is
/// the spend in the tenant's currency.
constexpr std::array<const char*, 8> supplier_page_sql{
  LARDER_SUPPLIER_PAGE("s.search_text ASC"),
  LARDER_SUPPLIER_PAGE("s.search_text DESC"),
  LARDER_SUPPLIER_PAGE("coalesce(home.spend, 0) ASC"),
  LARDER_SUPPLIER_PAGE("coalesce(home.spend, 0) DESC"),
  LARDER_SUPPLIER_PAGE("s.last_invoice_date ASC"),
  LARDER_SUPPLIER_PAGE("s.last_invoice_date DESC"),
  LARDER_SUPPLIER_PAGE("s.invoice_count ASC"),
  LARDER_SUPPLIER_PAGE("s.invoice_count DESC"),
};

constexpr auto supplier_sql =
  "SELECT " LARDER_SUPPLIER_COLUMNS " FROM rm_suppliers.suppliers s"
  " WHERE s.tenant_id = $1::uuid AND s.supplier_id = $2::uuid";

/// Money at the currency's precision; the average rounds half away from
/// zero.
constexpr auto supplier_totals_sql =
  "SELECT supplier_id::text, currency, approved_count,"
  "       round(spend, minor_units)::text,"
  "       round(spend / approved_count, minor_units)::text,"
  "       unpaid_count, round(unpaid, minor_units)::text"
  "  FROM rm_suppliers.supplier_totals"
  " WHERE tenant_id = $1::uuid AND supplier_id = ANY($2::uuid[])"
  " ORDER BY supplier_id, currency";

constexpr auto supplier_exists_sql =
  "SELECT 1 FROM rm_suppliers.suppliers"
  " WHERE tenant_id = $1::uuid AND supplier_id = $2::uuid";

constexpr auto count_supplier_invoices_sql =
  "SELECT count(*) FROM rm_suppliers.invoices"
  " WHERE tenant_id = $1::uuid AND supplier_id = $2::uuid";

constexpr auto supplier_invoices_sql =
  "SELECT invoice_id::text, invoice_number,"
  "       coalesce(" LARDER_DAY("issue_date") ", ''),"
  "       coalesce(" LARDER_DAY("due_date") ", ''),"
  "       " LARDER_DAY("invoice_date") ", status, paid,"
  "       coalesce(" LARDER_DAY("paid_on") ", ''),"
  "       coalesce(round(total, minor_units)::text, ''), currency"
  "  FROM rm_suppliers.invoices"
  " WHERE tenant_id = $1::uuid AND supplier_id = $2::uuid"
  " ORDER BY invoice_date DESC, invoice_id DESC LIMIT $3 OFFSET $4";

constexpr auto count_supplier_items_sql =
  "SELECT count(*) FROM rm_suppliers.items it"
  " WHERE it.tenant_id = $1::uuid AND it.supplier_id = $2::uuid"
  "   AND ($3::text = '' OR strpos(it.item_key, $3) > 0)";

constexpr auto supplier_items_sql =
  "SELECT " LARDER_ITEM_COLUMNS LARDER_ITEM_FROM
  " WHERE it.tenant_id = $1::uuid AND it.supplier_id = $2::uuid"
  "   AND ($3::text = '' OR strpos(it.item_key, $3) > 0)"
  " ORDER BY it.item_key, it.unit_key, it.currency, it.item_id"
  " LIMIT $4 OFFSET $5";

constexpr auto item_sql =
  "SELECT " LARDER_ITEM_COLUMNS LARDER_ITEM_FROM
  " WHERE it.tenant_id = $1::uuid AND it.item_id = $2::uuid";

constexpr auto count_prices_sql =
  "SELECT count(*) FROM rm_suppliers.prices p"
  " WHERE p.tenant_id = $1::uuid AND p.item_id = $2::uuid"
  "   AND" LARDER_BETWEEN("p.observed_on", "$3", "$4");

/// Each price with the one before it, over the whole series first so that
/// the oldest of a page has its predecessor too.
constexpr auto prices_sql =
  "SELECT " LARDER_DAY("p.observed_on") ", p.invoice_id::text,"
  "       coalesce(f.invoice_number, ''), p.unit_price::text,"
  "       coalesce(p.previous_price::text, ''),"
  "       coalesce(" LARDER_CHANGE("p.unit_price", "p.previous_price") "::text,"
  "                ''), p.alert"
  "  FROM (SELECT q.*, lag(q.unit_price)"
  "                      OVER (ORDER BY q.observed_on, q.invoice_id)"
  "                      AS previous_price"
  "          FROM rm_suppliers.prices q"
  "         WHERE q.tenant_id = $1::uuid AND q.item_id = $2::uuid) p"
  "  LEFT JOIN rm_suppliers.invoices f"
  "    ON f.tenant_id = p.tenant_id AND f.invoice_id = p.invoice_id"
  " WHERE" LARDER_BETWEEN("p.observed_on", "$3", "$4")
  " ORDER BY p.observed_on DESC, p.invoice_id DESC LIMIT $5 OFFSET $6";

constexpr auto count_alerts_sql = "SELECT count(*)" LARDER_ALERT_FROM;

/// The page is cut first, then described: the price before, the
/// supplier's name, invoice numbers.
constexpr auto alerts_sql =
  "SELECT p.alert_id::text, " LARDER_DAY("p.observed_on") ","
  "       p.supplier_id::text, coalesce(s.name, ''), p.item_id::text,"
  "       p.description, p.unit, p.currency, p.minor_units,"
  "       prev.unit_price::text, p.unit_price::text,"
  "       " LARDER_CHANGE("p.unit_price", "prev.unit_price") "::text,"
  "       p.threshold_percent::text,"
  "       p.invoice_id::text, coalesce(f.invoice_number, ''),"
  "       prev.invoice_id::text, coalesce(pf.invoice_number, ''),"
  "       " LARDER_DAY("prev.observed_on") ", p.acknowledged_by::text,"
  "       coalesce(" LARDER_RFC3339("p.acknowledged_at") ", '')"
  "  FROM (SELECT p.*, it.currency, it.minor_units, a.acknowledged_by,"
  "               a.acknowledged_at"
  LARDER_ALERT_FROM
  "        ORDER BY p.observed_on DESC, p.invoice_id DESC, p.item_id"
  "        LIMIT $7 OFFSET $8) p"
  LARDER_PREVIOUS_PRICE
  "  LEFT JOIN rm_suppliers.suppliers s"
  "    ON s.tenant_id = p.tenant_id AND s.supplier_id = p.supplier_id"
  "  LEFT JOIN rm_suppliers.invoices f"
  "    ON f.tenant_id = p.tenant_id AND f.invoice_id = p.invoice_id"
  "  LEFT JOIN rm_suppliers.invoices pf"
  "    ON pf.tenant_id = p.tenant_id AND pf.invoice_id = prev.invoice_id"
  " ORDER BY p.observed_on DESC, p.invoice_id DESC, p.item_id";

constexpr auto count_unacknowledged_sql =
  "SELECT count(*) FROM rm_suppliers.prices p"
  " WHERE p.tenant_id = $1::uuid AND p.alert"
  "   AND NOT EXISTS (SELECT 1 FROM rm_suppliers.acknowledgements a"
  "                    WHERE a.tenant_id = p.tenant_id"
  "                      AND a.alert_id = p.alert_id)";

constexpr auto has_alert_sql =
  "SELECT EXISTS (SELECT 1 FROM rm_suppliers.prices"
  " WHERE tenant_id = $1::uuid AND alert AND alert_id = $2::uuid)";
// clang-format on

#undef LARDER_ALERT_FROM
#undef LARDER_PREVIOUS_PRICE
#undef LARDER_BETWEEN
#undef LARDER_ITEM_FROM
#undef LARDER_ITEM_COLUMNS
#undef LARDER_SUPPLIER_PAGE
#undef LARDER_SUPPLIER_MATCH
#undef LARDER_SUPPLIER_COLUMNS
#undef LARDER_ALERT
#undef LARDER_CHANGE

// -- rows ---------------------------------------------------------------------

uuid uuid_of(const pqxx::field& f) {
  return uuid::parse(f.c_str()).value_or(uuid{});
}

/// A unit price with the currency's places at least and up to four:
/// "4.5000" in CAD → "4.50", "0.0525" → "0.0525".
std::string price_text(std::string_view stored, int minor_units) {
  std::string text{stored};
  auto point = text.find('.');
  if (point == std::string::npos)
    return minor_units > 0 ? text + "." + std::string(minor_units, '0') : text;
  auto keep = point + 1 + static_cast<std::size_t>(std::max(minor_units, 0));
  while (text.size() > keep && text.back() == '0')
    text.pop_back();
  while (text.size() < keep)
    text += '0';
  if (text.back() == '.')
    text.pop_back();
  return text;
}

supplier_row to_supplier(const pqxx::row& row) {
  supplier_row s;
  s.id = uuid_of(row[0]);
  s.name = row[1].c_str();
  s.tax_id = row[2].c_str();
  s.invoice_count = row[3].as<std::int64_t>();
  s.approved_count = row[4].as<std::int64_t>();
  s.last_invoice_date = row[5].c_str();
  return s;
}

/// Fills in the totals of `suppliers`, all of `tenant`.
void add_totals(pqxx::transaction_base& txn, const uuid& tenant,
                std::vector<supplier_row>& suppliers) {
  if (suppliers.empty())
    return;
  sql_array ids;
  std::map<uuid, supplier_row*> by_id;
  for (auto& s : suppliers) {
    ids.add(s.id);
    by_id[s.id] = &s;
  }
  for (const auto& row :
       txn.exec_params(supplier_totals_sql, tenant.to_string(), ids.str())) {
    auto found = by_id.find(uuid_of(row[0]));
    if (found == by_id.end())
      continue;
    found->second->totals.push_back(
      {row[1].c_str(), row[2].as<std::int64_t>(), row[3].c_str(),
       row[4].c_str(), row[5].as<std::int64_t>(), row[6].c_str()});
  }
}

supplier_item_row to_item(const pqxx::row& row) {
  supplier_item_row it;
  it.id = uuid_of(row[0]);
  it.supplier_id = uuid_of(row[1]);
  it.description = row[2].c_str();
  it.unit = row[3].c_str();
  it.currency = row[4].c_str();
  auto minor = row[5].as<int>();
  it.latest_price = price_text(row[6].c_str(), minor);
  it.latest_on = row[7].c_str();
  it.latest_invoice_id = uuid_of(row[8]);
  it.change_percent = row[9].c_str();
  it.observations = row[10].as<std::int64_t>();
  return it;
}

bool supplier_exists(pqxx::transaction_base& txn, const uuid& tenant,
                     const uuid& supplier) {
  return !txn
            .exec_params(supplier_exists_sql, tenant.to_string(),
                         supplier.to_string())
            .empty();
}

std::string day_text(const std::optional<values::date>& day) {
  return day ? day->to_string() : std::string{};
}

} // namespace

page<supplier_row> list_suppliers(pqxx::transaction_base& txn,
                                  const events::uuid& tenant,
                                  const supplier_list_query& query) {
  page<supplier_row> out;
  auto id = tenant.to_string();
  out.total = txn.exec_params1(count_suppliers_sql, id, query.search)[0]
                .as<std::int64_t>();
  auto sql = supplier_page_sql[2 * static_cast<std::size_t>(query.sort)
                               + (query.descending ? 1 : 0)];
  for (const auto& row :
       txn.exec_params(sql, id, query.search, query.limit, query.offset))
    out.rows.push_back(to_supplier(row));
  add_totals(txn, tenant, out.rows);
  return out;
}

std::optional<supplier_row> find_supplier(pqxx::transaction_base& txn,
                                          const events::uuid& tenant,
                                          const events::uuid& supplier) {
  auto rows =
    txn.exec_params(supplier_sql, tenant.to_string(), supplier.to_string());
  if (rows.empty())
    return std::nullopt;
  std::vector<supplier_row> one{to_supplier(rows[0])};
  add_totals(txn, tenant, one);
  return std::move(one.front());
}

std::optional<page<supplier_invoice_row>>
supplier_invoices(pqxx::transaction_base& txn, const events::uuid& tenant,
                  const events::uuid& supplier, const page_query& query) {
  if (!supplier_exists(txn, tenant, supplier))
    return std::nullopt;
  page<supplier_invoice_row> out;
  auto t = tenant.to_string();
  auto s = supplier.to_string();
  out.total =
    txn.exec_params1(count_supplier_invoices_sql, t, s)[0].as<std::int64_t>();
  for (const auto& row : txn.exec_params(supplier_invoices_sql, t, s,
                                         query.limit, query.offset)) {
    supplier_invoice_row r;
    r.id = uuid_of(row[0]);
    r.number = row[1].c_str();
    r.issue_date = row[2].c_str();
    r.due_date = row[3].c_str();
    r.invoice_date = row[4].c_str();
    r.status = row[5].c_str();
    r.paid = row[6].as<bool>();
    r.paid_on = row[7].c_str();
    r.total = row[8].c_str();
    r.currency = row[9].c_str();
    out.rows.push_back(std::move(r));
  }
  return out;
}

std::optional<page<supplier_item_row>>
supplier_items(pqxx::transaction_base& txn, const events::uuid& tenant,
               const events::uuid& supplier, const item_list_query& query) {
  if (!supplier_exists(txn, tenant, supplier))
    return std::nullopt;
  page<supplier_item_row> out;
  auto t = tenant.to_string();
  auto s = supplier.to_string();
  out.total = txn.exec_params1(count_supplier_items_sql, t, s, query.search)[0]
                .as<std::int64_t>();
  for (const auto& row : txn.exec_params(supplier_items_sql, t, s, query.search,
                                         query.limit, query.offset))
    out.rows.push_back(to_item(row));
  return out;
}

std::optional<price_history>
item_price_history(pqxx::transaction_base& txn, const events::uuid& tenant,
                   const events::uuid& item, const price_history_query& query) {
  auto t = tenant.to_string();
  auto i = item.to_string();
  auto found = txn.exec_params(item_sql, t, i);
  if (found.empty())
    return std::nullopt;
  price_history out;
  out.item = to_item(found[0]);
  auto minor = found[0][5].as<int>();
  auto from = day_text(query.from);
  auto to = day_text(query.to);
  out.prices.total =
    txn.exec_params1(count_prices_sql, t, i, from, to)[0].as<std::int64_t>();
  for (const auto& row :
       txn.exec_params(prices_sql, t, i, from, to, query.limit, query.offset)) {
    price_point p;
    p.observed_on = row[0].c_str();
    p.invoice_id = uuid_of(row[1]);
    p.invoice_number = row[2].c_str();
    p.unit_price = price_text(row[3].c_str(), minor);
    std::string previous = row[4].c_str();
    if (!previous.empty())
      p.previous_price = price_text(previous, minor);
    p.change_percent = row[5].c_str();
    p.alert = row[6].as<bool>();
    out.prices.rows.push_back(std::move(p));
  }
  return out;
}

page<price_alert_row> list_price_alerts(pqxx::transaction_base& txn,
                                        const events::uuid& tenant,
                                        const alert_list_query& query) {
  auto t = tenant.to_string();
  std::string acknowledged =
    query.acknowledged ? (*query.acknowledged ? "true" : "false") : "";
  std::string supplier = query.supplier ? query.supplier->to_string() : "";
  auto from = day_text(query.from);
  auto to = day_text(query.to);
  page<price_alert_row> out;
  out.total = txn
                .exec_params1(count_alerts_sql, t, acknowledged, supplier,
                              query.item, from, to)[0]
                .as<std::int64_t>();
  for (const auto& row :
       txn.exec_params(alerts_sql, t, acknowledged, supplier, query.item, from,
                       to, query.limit, query.offset)) {
    price_alert_row a;
    a.id = uuid_of(row[0]);
    a.observed_on = row[1].c_str();
    a.supplier_id = uuid_of(row[2]);
    a.supplier_name = row[3].c_str();
    a.item_id = uuid_of(row[4]);
    a.description = row[5].c_str();
    a.unit = row[6].c_str();
    a.currency = row[7].c_str();
    auto minor = row[8].as<int>();
    a.old_price = price_text(row[9].c_str(), minor);
    a.new_price = price_text(row[10].c_str(), minor);
    a.percent = row[11].c_str();
    a.threshold_percent = row[12].c_str();
    a.invoice_id = uuid_of(row[13]);
    a.invoice_number = row[14].c_str();
    a.previous_invoice_id = uuid_of(row[15]);
    a.previous_invoice_number = row[16].c_str();
    a.previous_on = row[17].c_str();
    if (!row[18].is_null()) {
      a.acknowledged = true;
      a.acknowledged_by = uuid_of(row[18]);
    }
    a.acknowledged_at = row[19].c_str();
    out.rows.push_back(std::move(a));
  }
  return out;
}

alert_count count_unacknowledged_alerts(pqxx::transaction_base& txn,
                                        const events::uuid& tenant) {
  return {txn.exec_params1(count_unacknowledged_sql, tenant.to_string())[0]
            .as<std::int64_t>()};
}

bool has_price_alert(pqxx::transaction_base& txn, const events::uuid& tenant,
                     const events::uuid& alert) {
  return txn
    .exec_params1(has_alert_sql, tenant.to_string(), alert.to_string())[0]
    .as<bool>();
}

// -- JSON ---------------------------------------------------------------------

namespace {

using events::json_writer;

/// `text`, or null when it is empty (unknown).
void text_or_null(json_writer& w, std::string_view name,
                  std::string_view text) {
  w.key(name);
  if (text.empty())
    w.null();
  else
    w.value(text);
}

void write_supplier(json_writer& w, const supplier_row& s) {
  w.begin_object().field("id", s.id.to_string()).field("name", s.name);
  text_or_null(w, "tax_id", s.tax_id);
  w.field("invoice_count", s.invoice_count)
    .field("approved_count", s.approved_count)
    .field("last_invoice_date", s.last_invoice_date);
  w.key("totals").begin_array();
  for (const auto& t : s.totals)
    w.begin_object()
      .field("currency", t.currency)
      .field("approved_invoices", t.approved_invoices)
      .field("spend", t.spend)
      .field("average", t.average)
      .field("unpaid_invoices", t.unpaid_invoices)
      .field("unpaid", t.unpaid)
      .end_object();
  w.end_array().end_object();
}

void write_item(json_writer& w, const supplier_item_row& it) {
  w.begin_object()
    .field("id", it.id.to_string())
    .field("supplier_id", it.supplier_id.to_string())
    .field("description", it.description)
    .field("unit", it.unit)
    .field("currency", it.currency)
    .field("latest_price", it.latest_price)
    .field("latest_on", it.latest_on)
    .field("latest_invoice_id", it.latest_invoice_id.to_string());
  text_or_null(w, "change_percent", it.change_percent);
  w.field("observations", it.observations).end_object();
}

} // namespace

void write_json(events::json_writer& w, const page<supplier_row>& suppliers) {
  w.begin_object().key("suppliers").begin_array();
  for (const auto& s : suppliers.rows)
    write_supplier(w, s);
  w.end_array().field("total", suppliers.total).end_object();
}

void write_json(events::json_writer& w, const supplier_row& supplier) {
  write_supplier(w, supplier);
}

void write_json(events::json_writer& w,
                const page<supplier_invoice_row>& invoices) {
  w.begin_object().key("invoices").begin_array();
  for (const auto& r : invoices.rows) {
    w.begin_object().field("id", r.id.to_string());
    text_or_null(w, "number", r.number);
    text_or_null(w, "issue_date", r.issue_date);
    text_or_null(w, "due_date", r.due_date);
    w.field("invoice_date", r.invoice_date).field("status", r.status);
    // What a person sees, as every other list says it.
    auto domain_status = domain::parse_invoice_status(r.status);
    auto shown =
      domain_status ? display_status_of(*domain_status, r.paid) : std::nullopt;
    if (shown)
      w.field("display_status", to_string(*shown));
    else
      w.key("display_status").null();
    w.field("paid", r.paid);
    text_or_null(w, "paid_on", r.paid_on);
    text_or_null(w, "total", r.total);
    w.field("currency", r.currency).end_object();
  }
  w.end_array().field("total", invoices.total).end_object();
}

void write_json(events::json_writer& w, const page<supplier_item_row>& items) {
  w.begin_object().key("items").begin_array();
  for (const auto& it : items.rows)
    write_item(w, it);
  w.end_array().field("total", items.total).end_object();
}

void write_json(events::json_writer& w, const price_history& history) {
  w.begin_object().key("item");
  write_item(w, history.item);
  w.key("prices").begin_array();
  for (const auto& p : history.prices.rows) {
    w.begin_object()
      .field("observed_on", p.observed_on)
      .field("invoice_id", p.invoice_id.to_string());
    text_or_null(w, "invoice_number", p.invoice_number);
    w.field("unit_price", p.unit_price);
    text_or_null(w, "previous_price", p.previous_price);
    text_or_null(w, "change_percent", p.change_percent);
    w.field("alert", p.alert).end_object();
  }
  w.end_array().field("total", history.prices.total).end_object();
}

void write_json(events::json_writer& w, const page<price_alert_row>& alerts) {
  w.begin_object().key("alerts").begin_array();
  for (const auto& a : alerts.rows) {
    w.begin_object()
      .field("id", a.id.to_string())
      .field("observed_on", a.observed_on);
    w.key("supplier")
      .begin_object()
      .field("id", a.supplier_id.to_string())
      .field("name", a.supplier_name)
      .end_object();
    w.key("item")
      .begin_object()
      .field("id", a.item_id.to_string())
      .field("description", a.description)
      .field("unit", a.unit)
      .end_object();
    w.field("currency", a.currency)
      .field("old_price", a.old_price)
      .field("new_price", a.new_price)
      .field("percent", a.percent)
      .field("threshold_percent", a.threshold_percent);
    w.key("invoice").begin_object().field("id", a.invoice_id.to_string());
    text_or_null(w, "number", a.invoice_number);
    w.end_object();
    w.key("previous_invoice")
      .begin_object()
      .field("id", a.previous_invoice_id.to_string());
    text_or_null(w, "number", a.previous_invoice_number);
    w.field("observed_on", a.previous_on).end_object();
    w.field("acknowledged", a.acknowledged);
    w.key("acknowledged_by");
    if (a.acknowledged_by)
      w.value(a.acknowledged_by->to_string());
    else
      w.null();
    text_or_null(w, "acknowledged_at", a.acknowledged_at);
    w.end_object();
  }
  w.end_array().field("total", alerts.total).end_object();
}

void write_json(events::json_writer& w, const alert_count& count) {
  w.begin_object().field("unacknowledged", count.unacknowledged).end_object();
}

} // namespace larder::projections
