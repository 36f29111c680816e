#include "extract/rules/rules.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "extract/rules/amounts.hpp"
#include "extract/rules/detail/regex.hpp"
#include "extract/rules/detail/text.hpp"
#include "extract/rules/post_process.hpp"

namespace larder::extract {

namespace {

using values::decimal;
using values::tax_kind;

// -- lines, folding and cells -------------------------------------------------

/// One line of the text, folded for label matching, with a map from each
/// folded byte back to the raw byte it came from.
struct text_line {
  std::string_view raw;
  std::string folded;
  std::vector<std::size_t> origin;

  std::size_t raw_at(std::size_t folded_pos) const {
    return folded_pos < origin.size() ? origin[folded_pos] : raw.size();
  }
};

text_line fold_line(std::string_view raw) {
  text_line l{raw, {}, {}};
  for (std::size_t i = 0; i < raw.size();) {
    auto start = i;
    auto cp = detail::next_code_point(raw, i);
    std::string_view piece;
    char one = 0;
    if (cp < 0x80 && !(cp >= 'A' && cp <= 'Z'))
      one = static_cast<char>(cp);
    else if (cp == 0xB0 || cp == 0xBA) // "N°", "Nº"
      one = 'o';
    else if (cp == 0x2019 || cp == 0x2018)
      one = '\'';
    else if (detail::is_space(cp))
      one = ' ';
    else if (piece = detail::fold_letter(cp); piece.empty())
      one = '?';
    if (one != 0)
      piece = std::string_view{&one, 1};
    for (char c : piece) {
      l.folded += c;
      l.origin.push_back(start);
    }
  }
  return l;
}

std::vector<text_line> split_lines(std::string_view text) {
  std::vector<text_line> out;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    out.push_back(fold_line(line));
    if (nl == std::string_view::npos)
      break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

bool is_blank(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto cp = detail::next_code_point(s, i);
    if (!detail::is_space(cp) && cp != '\f' && cp != '\r')
      return false;
  }
  return true;
}

/// A column of a layout line: text between runs of two or more spaces.
struct cell {
  std::size_t begin = 0; // byte offsets in the line
  std::size_t end = 0;
  std::size_t column = 0; // code points from the line start
  std::string_view text;
};

std::vector<cell> cells_of(std::string_view raw, std::size_t from = 0,
                           std::size_t to = std::string_view::npos) {
  to = std::min(to, raw.size());
  std::vector<cell> out;
  std::size_t column = 0;
  for (std::size_t i = 0; i < from;)
    detail::next_code_point(raw, i), ++column;
  std::size_t i = from;
  std::optional<cell> current;
  std::size_t spaces = 0;
  std::size_t last_end = 0;
  while (i < to) {
    auto start = i;
    auto cp = detail::next_code_point(raw, i);
    bool space = detail::is_space(cp) || cp == '\f';
    if (space) {
      ++spaces;
      if (current && spaces >= 2) {
        current->end = last_end;
        current->text = raw.substr(current->begin, last_end - current->begin);
        out.push_back(*current);
        current.reset();
      }
    } else {
      if (!current)
        current = cell{start, 0, column, {}};
      spaces = 0;
      last_end = i;
    }
    ++column;
  }
  if (current) {
    current->end = last_end;
    current->text = raw.substr(current->begin, last_end - current->begin);
    out.push_back(*current);
  }
  return out;
}

std::string_view trim_view(std::string_view s);

/// `s` without the spaces, colons and hashes between a label and its value.
std::string_view after_separators(std::string_view s) {
  while (!s.empty()
         && (s.front() == ' ' || s.front() == '\t' || s.front() == ':'
             || s.front() == '#'))
    s.remove_prefix(1);
  return s;
}

std::string_view trim_view(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> words_of(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
      ++i;
    auto start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t')
      ++i;
    if (i > start)
      out.push_back(s.substr(start, i - start));
  }
  return out;
}

bool is_alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool has_digit(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

std::size_t letter_count(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (!detail::fold_letter(detail::next_code_point(s, i)).empty())
      ++n;
  }
  return n;
}

// -- labels -------------------------------------------------------------------

enum class field_kind : std::uint8_t {
  none,
  buyer,
  supplier,
  invoice_number,
  issue_date,
  due_date,
  subtotal,
  tax,
  tax_total,
  total,
  terms,
  purchase_order,
};

struct label {
  std::string_view text; // folded
  field_kind field;
  int rank;
  tax_kind tax = tax_kind::other;
};

using fk = field_kind;

// Folded labels. Longer labels are matched first, so "invoice date" is
// never read as "invoice" and "amount due" never as "due".
constexpr label labels[] = {
  // Words that look like labels but name something else.
  {"delivery date", fk::none, 0},
  {"ship date", fk::none, 0},
  {"shipping date", fk::none, 0},
  {"order date", fk::none, 0},
  {"date de livraison", fk::none, 0},
  {"date de commande", fk::none, 0},
  {"service date", fk::none, 0},
  {"po box", fk::none, 0},
  {"p.o. box", fk::none, 0},
  {"amount paid", fk::none, 0},
  {"montant paye", fk::none, 0},
  {"previous balance", fk::none, 0},
  {"tax id", fk::none, 0},
  {"vat id", fk::none, 0},
  {"vat number", fk::none, 0},
  {"vat no", fk::none, 0},
  {"vat reg", fk::none, 0},
  {"gst no", fk::none, 0},
  {"gst/hst no", fk::none, 0},
  {"hst no", fk::none, 0},
  {"tps no", fk::none, 0},
  {"tvq no", fk::none, 0},
  {"no tps", fk::none, 0},
  {"no tvq", fk::none, 0},
  {"no de tps", fk::none, 0},
  {"no de tvq", fk::none, 0},
  {"numero de tps", fk::none, 0},
  {"numero de tvq", fk::none, 0},
  {"tva intracommunautaire", fk::none, 0},
  {"no tva", fk::none, 0},
  {"n de tva", fk::none, 0},
  {"ust-idnr", fk::none, 0},
  // Buyer blocks: what follows them is not the supplier.
  {"bill to", fk::buyer, 0},
  {"billed to", fk::buyer, 0},
  {"sold to", fk::buyer, 0},
  {"ship to", fk::buyer, 0},
  {"customer", fk::buyer, 0},
  {"client", fk::buyer, 0},
  {"facture a", fk::buyer, 0},
  {"facturer a", fk::buyer, 0},
  {"livrer a", fk::buyer, 0},
  {"livre a", fk::buyer, 0},
  {"nabywca", fk::buyer, 0},
  {"buyer", fk::buyer, 0},
  {"acheteur", fk::buyer, 0},
  {"kunde", fk::buyer, 0},
  // Supplier.
  {"issuer", fk::supplier, 2},
  {"supplier", fk::supplier, 2},
  {"vendor", fk::supplier, 2},
  {"seller", fk::supplier, 2},
  {"fournisseur", fk::supplier, 2},
  {"emetteur", fk::supplier, 2},
  {"sprzedawca", fk::supplier, 2},
  {"lieferant", fk::supplier, 2},
  {"verkaufer", fk::supplier, 2},
  // Invoice number.
  {"invoice number", fk::invoice_number, 3},
  {"credit note number", fk::invoice_number, 3},
  {"credit note no", fk::invoice_number, 3},
  {"credit note #", fk::invoice_number, 3},
  {"credit note", fk::invoice_number, 1},
  {"note de credit no", fk::invoice_number, 3},
  {"avoir no", fk::invoice_number, 3},
  {"invoice no", fk::invoice_number, 3},
  {"invoice #", fk::invoice_number, 3},
  {"invoice num", fk::invoice_number, 3},
  {"invoice nr", fk::invoice_number, 3},
  {"inv no", fk::invoice_number, 3},
  {"inv #", fk::invoice_number, 3},
  {"invoice", fk::invoice_number, 1},
  {"numero de facture", fk::invoice_number, 3},
  {"no de facture", fk::invoice_number, 3},
  {"no facture", fk::invoice_number, 3},
  {"facture no", fk::invoice_number, 3},
  {"facture #", fk::invoice_number, 3},
  {"facture", fk::invoice_number, 1},
  {"rechnungsnummer", fk::invoice_number, 3},
  {"rechnung nr", fk::invoice_number, 3},
  {"rechnungs-nr", fk::invoice_number, 3},
  {"rechnung", fk::invoice_number, 1},
  {"faktura nr", fk::invoice_number, 3},
  {"faktura", fk::invoice_number, 1},
  {"factuurnummer", fk::invoice_number, 3},
  {"factuur nr", fk::invoice_number, 3},
  {"bill no", fk::invoice_number, 2},
  {"bill #", fk::invoice_number, 2},
  // Issue date.
  {"invoice date", fk::issue_date, 3},
  {"date of invoice", fk::issue_date, 3},
  {"issue date", fk::issue_date, 3},
  {"date of issue", fk::issue_date, 3},
  {"issued on", fk::issue_date, 3},
  {"date de facture", fk::issue_date, 3},
  {"date de facturation", fk::issue_date, 3},
  {"date d'emission", fk::issue_date, 3},
  {"date facture", fk::issue_date, 3},
  {"rechnungsdatum", fk::issue_date, 3},
  {"data wystawienia", fk::issue_date, 3},
  {"factuurdatum", fk::issue_date, 3},
  {"fecha", fk::issue_date, 2},
  {"datum", fk::issue_date, 2},
  {"date", fk::issue_date, 1},
  // Due date.
  {"due date", fk::due_date, 3},
  {"date due", fk::due_date, 3},
  {"payment due", fk::due_date, 3},
  {"payment due date", fk::due_date, 3},
  {"due by", fk::due_date, 3},
  {"payable by", fk::due_date, 3},
  {"pay by", fk::due_date, 3},
  {"payable before", fk::due_date, 3},
  {"due", fk::due_date, 2},
  {"echeance", fk::due_date, 3},
  {"date d'echeance", fk::due_date, 3},
  {"date limite de paiement", fk::due_date, 3},
  {"payable avant le", fk::due_date, 3},
  {"a payer avant le", fk::due_date, 3},
  {"zahlbar bis", fk::due_date, 3},
  {"fallig am", fk::due_date, 3},
  {"falligkeitsdatum", fk::due_date, 3},
  {"termin platnosci", fk::due_date, 3},
  {"vervaldatum", fk::due_date, 3},
  // Subtotal.
  {"subtotal", fk::subtotal, 3},
  {"sub-total", fk::subtotal, 3},
  {"sub total", fk::subtotal, 3},
  {"sous-total", fk::subtotal, 3},
  {"sous total", fk::subtotal, 3},
  {"total ht", fk::subtotal, 3},
  {"total h.t.", fk::subtotal, 3},
  {"montant ht", fk::subtotal, 3},
  {"total hors taxes", fk::subtotal, 3},
  {"total hors taxe", fk::subtotal, 3},
  {"total avant taxes", fk::subtotal, 3},
  {"sous-total avant taxes", fk::subtotal, 3},
  {"total before tax", fk::subtotal, 3},
  {"total before taxes", fk::subtotal, 3},
  {"subtotal before tax", fk::subtotal, 3},
  {"subtotal before taxes", fk::subtotal, 3},
  {"amount before tax", fk::subtotal, 3},
  {"total excl. vat", fk::subtotal, 3},
  {"total excl vat", fk::subtotal, 3},
  {"total excluding vat", fk::subtotal, 3},
  {"total excl. tax", fk::subtotal, 3},
  {"total excluding tax", fk::subtotal, 3},
  {"subtotal excl. vat", fk::subtotal, 3},
  {"net total", fk::subtotal, 3},
  {"total net", fk::subtotal, 3},
  {"net amount", fk::subtotal, 3},
  {"zwischensumme", fk::subtotal, 3},
  {"nettobetrag", fk::subtotal, 3},
  {"razem netto", fk::subtotal, 3},
  // Tax totals.
  {"total tax", fk::tax_total, 3},
  {"total taxes", fk::tax_total, 3},
  {"tax total", fk::tax_total, 3},
  {"total vat", fk::tax_total, 3},
  {"vat total", fk::tax_total, 3},
  {"total tva", fk::tax_total, 3},
  {"montant tva", fk::tax_total, 3},
  {"montant de la tva", fk::tax_total, 3},
  {"total des taxes", fk::tax_total, 3},
  {"tax amount", fk::tax_total, 3},
  {"vat amount", fk::tax_total, 3},
  {"montant des taxes", fk::tax_total, 3},
  {"taxes", fk::tax_total, 1},
  // Taxes by kind.
  {"gst", fk::tax, 2, tax_kind::gst},
  {"tps", fk::tax, 2, tax_kind::gst},
  {"hst", fk::tax, 2, tax_kind::hst},
  {"tvh", fk::tax, 2, tax_kind::hst},
  {"qst", fk::tax, 2, tax_kind::qst},
  {"tvq", fk::tax, 2, tax_kind::qst},
  {"pst", fk::tax, 2, tax_kind::pst},
  {"rst", fk::tax, 2, tax_kind::pst},
  {"vat", fk::tax, 2, tax_kind::vat},
  {"tva", fk::tax, 2, tax_kind::vat},
  {"mwst", fk::tax, 2, tax_kind::vat},
  {"ust", fk::tax, 2, tax_kind::vat},
  {"iva", fk::tax, 2, tax_kind::vat},
  {"btw", fk::tax, 2, tax_kind::vat},
  {"sales tax", fk::tax, 2, tax_kind::sales_tax},
  {"tax", fk::tax, 1, tax_kind::other},
  // Totals: the payable amount first.
  {"amount due", fk::total, 4},
  {"total due", fk::total, 4},
  {"balance due", fk::total, 4},
  {"amount payable", fk::total, 4},
  {"total payable", fk::total, 4},
  {"total a payer", fk::total, 4},
  {"net a payer", fk::total, 4},
  {"montant du", fk::total, 4},
  {"solde du", fk::total, 4},
  {"montant a payer", fk::total, 4},
  {"naleznosc ogolem", fk::total, 4},
  {"do zaplaty", fk::total, 4},
  {"total ttc", fk::total, 3},
  {"total t.t.c.", fk::total, 3},
  {"grand total", fk::total, 3},
  {"invoice total", fk::total, 3},
  {"invoice amount", fk::total, 3},
  {"total amount", fk::total, 3},
  {"total incl. vat", fk::total, 3},
  {"total including vat", fk::total, 3},
  {"total incl vat", fk::total, 3},
  {"total including tax", fk::total, 3},
  {"total incl. tax", fk::total, 3},
  {"montant total", fk::total, 3},
  {"gesamtbetrag", fk::total, 3},
  {"rechnungsbetrag", fk::total, 3},
  {"total", fk::total, 1},
  {"razem", fk::total, 1},
  // Terms.
  {"payment terms", fk::terms, 3},
  {"terms of payment", fk::terms, 3},
  {"terms", fk::terms, 2},
  {"conditions de paiement", fk::terms, 3},
  {"modalites de paiement", fk::terms, 3},
  {"conditions de reglement", fk::terms, 3},
  {"conditions", fk::terms, 1},
  {"zahlungsbedingungen", fk::terms, 3},
  {"betalingsvoorwaarden", fk::terms, 3},
  // Purchase order.
  {"purchase order", fk::purchase_order, 3},
  {"po number", fk::purchase_order, 3},
  {"po no", fk::purchase_order, 3},
  {"po #", fk::purchase_order, 3},
  {"p.o.", fk::purchase_order, 2},
  {"po", fk::purchase_order, 2},
  {"p/o", fk::purchase_order, 2},
  {"bon de commande", fk::purchase_order, 3},
  {"no de commande", fk::purchase_order, 3},
  {"numero de commande", fk::purchase_order, 3},
  {"no commande", fk::purchase_order, 3},
  {"votre commande", fk::purchase_order, 2},
  {"your order", fk::purchase_order, 2},
  {"order number", fk::purchase_order, 2},
  {"order no", fk::purchase_order, 2},
  {"bestellnummer", fk::purchase_order, 3},
};

const std::vector<const label*>& labels_longest_first() {
  static const auto sorted = [] {
    std::vector<const label*> v;
    for (const auto& l : labels)
      v.push_back(&l);
    std::stable_sort(v.begin(), v.end(), [](const label* a, const label* b) {
      return a->text.size() > b->text.size();
    });
    return v;
  }();
  return sorted;
}

/// A label found on a line, by folded positions.
struct label_hit {
  const label* what = nullptr;
  std::size_t begin = 0;
  std::size_t end = 0;
};

std::vector<label_hit> find_labels(const text_line& line) {
  std::vector<label_hit> hits;
  const auto& f = line.folded;
  for (const label* l : labels_longest_first()) {
    for (auto pos = f.find(l->text); pos != std::string::npos;
         pos = f.find(l->text, pos + 1)) {
      auto end = pos + l->text.size();
      if (is_alnum(l->text.front()) && pos > 0 && is_alnum(f[pos - 1]))
        continue;
      if (is_alnum(l->text.back()) && end < f.size() && is_alnum(f[end]))
        continue;
      bool overlaps = std::any_of(hits.begin(), hits.end(), [&](auto& h) {
        return pos < h.end && h.begin < end;
      });
      if (!overlaps)
        hits.push_back({l, pos, end});
    }
  }
  std::sort(hits.begin(), hits.end(), [](auto& a, auto& b) {
    return a.begin < b.begin;
  });
  return hits;
}

// -- values -------------------------------------------------------------------

/// The last amount in `region`: the whole of a cell, or the longest run of
/// its last words that parses ("(5 %) 2.50" → 2.50).
std::optional<decimal> last_amount(std::string_view region) {
  auto cs = cells_of(region);
  for (auto c = cs.rbegin(); c != cs.rend(); ++c) {
    auto text = c->text;
    while (!text.empty() && (text.front() == ':' || text.front() == '#'))
      text = trim_view(text.substr(1));
    if (text.ends_with('%'))
      continue;
    if (auto a = parse_amount(text))
      return a;
    auto ws = words_of(text);
    for (std::size_t j = 1; j < ws.size(); ++j) {
      auto from = static_cast<std::size_t>(ws[j].data() - text.data());
      if (ws.back().ends_with('%'))
        break;
      if (auto a = parse_amount(text.substr(from)))
        return a;
    }
  }
  return std::nullopt;
}

bool is_filler(std::string_view word) {
  std::string w;
  auto folded = detail::fold(word);
  for (char c : folded)
    if (c != '.' && c != ':' && c != '#')
      w += c;
  static constexpr std::array<std::string_view, 12> fillers{
    "",  "no",  "nr", "number", "num", "numero",
    "n", "nro", "de", "du",     "of",  "o"};
  return std::find(fillers.begin(), fillers.end(), w) != fillers.end();
}

/// An invoice or order number at the start of `region`: the first word with
/// a digit after "No.", "#", ":" and the like ("F 1234/12" keeps its short
/// prefix).
std::optional<std::string> identifier(std::string_view region) {
  auto cs = cells_of(region);
  if (cs.empty())
    return std::nullopt;
  auto ws = words_of(cs.front().text);
  std::size_t i = 0;
  while (i < ws.size() && is_filler(ws[i]))
    ++i;
  if (i >= ws.size())
    return std::nullopt;
  auto clean = [](std::string_view w) {
    while (!w.empty()
           && (w.front() == ':' || w.front() == '#' || w.front() == '('
               || w.front() == '-'))
      w.remove_prefix(1);
    while (!w.empty()
           && (w.back() == '.' || w.back() == ',' || w.back() == ';'
               || w.back() == ':' || w.back() == ')'))
      w.remove_suffix(1);
    return w;
  };
  auto w = clean(ws[i]);
  std::string out;
  if (!has_digit(w)) {
    if (w.size() > 3 || i + 1 >= ws.size() || !has_digit(ws[i + 1])
        || letter_count(w) != w.size())
      return std::nullopt;
    out = std::string{w} + " " + std::string{clean(ws[i + 1])};
  } else {
    out = std::string{w};
  }
  if (out.empty() || out.size() > 40)
    return std::nullopt;
  return out;
}

std::string clean_name(std::string_view s) {
  s = trim_view(s);
  while (!s.empty()
         && (s.front() == ':' || s.front() == '-' || s.front() == ','
             || s.front() == '*' || s.front() == ' '))
    s.remove_prefix(1);
  while (!s.empty()
         && (s.back() == ':' || s.back() == '-' || s.back() == ','
             || s.back() == '*' || s.back() == ' ' || s.back() == ';'))
    s.remove_suffix(1);
  return std::string{s};
}

// -- tax ids ------------------------------------------------------------------

struct tax_id_pattern {
  detail::regex re;
  /// Builds the id from the groups of a match.
  std::string (*build)(std::string_view subject, const detail::regex_match&);
};

std::string digits_only(std::string_view s) {
  std::string out;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

const std::vector<tax_id_pattern>& tax_id_patterns() {
  static const std::vector<tax_id_pattern> patterns = [] {
    std::vector<tax_id_pattern> p;
    // Canadian business number with its GST/HST program account.
    p.push_back({detail::regex{R"(\b(\d{9})\s?(RT)\s?(\d{4})\b)"},
                 [](std::string_view s, const detail::regex_match& m) {
                   return std::string{m.group(s, 1)} + " RT"
                          + std::string{m.group(s, 3)};
                 }});
    // Québec QST registration.
    p.push_back({detail::regex{R"(\b(\d{10})\s?(TQ)\s?(\d{4})\b)"},
                 [](std::string_view s, const detail::regex_match& m) {
                   return std::string{m.group(s, 1)} + " TQ"
                          + std::string{m.group(s, 3)};
                 }});
    // UK VAT.
    p.push_back(
      {detail::regex{R"(\bGB\s?(\d{3})\s?(\d{4})\s?(\d{2})\b)", false},
       [](std::string_view s, const detail::regex_match& m) {
         return "GB" + digits_only(m.group(s, 0).substr(2));
       }});
    // EU VAT ids, by their national shapes.
    p.push_back(
      {detail::regex{R"(\b(ATU\d{8}|BE\s?[01]\d{9}|DE\s?\d{9}|)"
                     R"(FR\s?[0-9A-Z]{2}\s?\d{9}|NL\s?\d{9}B\d{2}|IT\s?\d{11}|)"
                     R"(ES\s?[0-9A-Z]\d{7}[0-9A-Z]|LU\s?\d{8}|DK\s?\d{8}|)"
                     R"(IE\s?\d{7}[A-Z]{1,2}|PT\s?\d{9}|SE\s?\d{12}|)"
                     R"(PL\s?\d{10}|CHE[- ]?\d{3}\.\d{3}\.\d{3})\b)",
                     false},
       [](std::string_view s, const detail::regex_match& m) {
         return digits_only(m.group(s, 1));
       }});
    // US EIN when labelled.
    p.push_back(
      {detail::regex{R"((?:\bEIN|Federal Tax ID|Tax ID|\bTIN|Employer )"
                     R"(Identification Number)[^0-9\n]{0,20}(\d{2}-\d{7})\b)"},
       [](std::string_view s, const detail::regex_match& m) {
         return std::string{m.group(s, 1)};
       }});
    // Polish NIP.
    p.push_back({detail::regex{
                   R"(\bNIP[^0-9\n]{0,20}(\d{3}-?\d{2,3}-?\d{2}-?\d{2,3})\b)"},
                 [](std::string_view s, const detail::regex_match& m) {
                   return digits_only(m.group(s, 1));
                 }});
    // A labelled GST/HST number without its program account.
    p.push_back({detail::regex{
                   R"(\b(?:GST|HST|TPS|TVH)\b[^0-9\n]{0,25}(\d{9})\b(?!\s?R))"},
                 [](std::string_view s, const detail::regex_match& m) {
                   return std::string{m.group(s, 1)};
                 }});
    return p;
  }();
  return patterns;
}

/// True when a tax id stands on `raw`.
bool has_tax_id(std::string_view raw) {
  for (const auto& p : tax_id_patterns())
    if (p.re.find(raw))
      return true;
  return false;
}

const detail::regex& rate_pattern() {
  static const detail::regex re{R"((\d{1,2}(?:[.,]\d{1,3})?)\s?%)"};
  return re;
}

const detail::regex& terms_pattern() {
  static const detail::regex re{
    R"(\b(net\s?\d{1,3}(?:\s?days)?|\d{1,3}\s?days(?:\s?net)?|)"
    R"(net\s?\d{1,3}\s?jours|\d{1,3}\s?jours(?:\s?nets?)?|)"
    R"(due on receipt|due upon receipt|payable (?:on|upon) receipt|)"
    R"(upon receipt|payable (?:à|a) (?:la )?r(?:é|e)ception|)"
    R"(d(?:è|e)s r(?:é|e)ception|comptant)(?![\w]))"};
  return re;
}

// -- the reader ---------------------------------------------------------------

struct candidate_text {
  std::string value;
  int rank = 0;
  double confidence = 0;
};

struct candidate_amount {
  decimal value;
  int rank = 0;
  std::size_t line = 0;
  double confidence = 0;
};

class reader {
 public:
  reader(std::string_view text, const rules_context& context)
    : text_(text), context_(context), lines_(split_lines(text)) {
    for (const auto& l : lines_)
      hits_.push_back(find_labels(l));
    mark_buyer_blocks();
    mark_tables();
  }

  extraction read() {
    extraction x;
    x.provider = "rules";
    x.model = "en+fr";
    x.text = std::string{text_};
    for (std::size_t i = 0; i < lines_.size(); ++i)
      read_line(i);
    fill(x);
    read_supplier(x);
    read_tax_id(x);
    read_terms(x);
    read_currency(x);
    read_lines(x);
    detect_credit_note(x);
    x.overall_confidence = overall_confidence(x);
    return x;
  }

 private:
  /// Buyer blocks: from a buyer label down to the next blank line, in the
  /// columns from the label's to the next cell on its right.
  void mark_buyer_blocks() {
    buyer_.assign(lines_.size(), {std::string_view::npos, 0});
    for (std::size_t i = 0; i < lines_.size(); ++i)
      for (const auto& h : hits_[i]) {
        if (h.what->field != fk::buyer)
          continue;
        auto col = column_of(i, lines_[i].raw_at(h.begin));
        auto right = std::string_view::npos;
        for (const auto& c : cells_of(lines_[i].raw))
          if (c.column > col + 1) {
            right = c.column;
            break;
          }
        for (std::size_t j = i; j < lines_.size() && j < i + 8; ++j) {
          if (j > i && is_blank(lines_[j].raw))
            break;
          buyer_[j] = {std::min(buyer_[j].first, col),
                       std::max(buyer_[j].second, right)};
        }
      }
  }

  bool in_buyer_block(std::size_t line, std::size_t column) const {
    const auto& [from, to] = buyer_[line];
    return from != std::string_view::npos && column + 2 >= from && column < to;
  }

  /// Lines of item tables: their "Total" column and "VAT 20%" descriptions
  /// are no invoice totals.
  void mark_tables();

  std::size_t column_of(std::size_t line, std::size_t byte) const {
    std::size_t col = 0;
    auto raw = lines_[line].raw;
    for (std::size_t i = 0; i < byte && i < raw.size();)
      detail::next_code_point(raw, i), ++col;
    return col;
  }

  /// The raw text after hit `k` of line `i` up to the next label.
  std::string_view region(std::size_t i, std::size_t k) const {
    const auto& l = lines_[i];
    auto from = l.raw_at(hits_[i][k].end);
    auto to =
      k + 1 < hits_[i].size() ? l.raw_at(hits_[i][k + 1].begin) : l.raw.size();
    return l.raw.substr(from, to - from);
  }

  /// The cell under hit `k` of line `i` on the next non-blank line.
  std::optional<std::string_view> below(std::size_t i, std::size_t k) const {
    const auto& l = lines_[i];
    auto left = column_of(i, l.raw_at(hits_[i][k].begin));
    auto right = k + 1 < hits_[i].size()
                   ? column_of(i, l.raw_at(hits_[i][k + 1].begin))
                   : std::string_view::npos;
    for (std::size_t j = i + 1; j < lines_.size() && j <= i + 2; ++j) {
      if (is_blank(lines_[j].raw))
        continue;
      for (const auto& c : cells_of(lines_[j].raw)) {
        auto c_end = c.column + (c.end - c.begin);
        if (c.column < right && c_end + 2 > left && c.column + 4 >= left)
          return c.text;
      }
      return std::nullopt;
    }
    return std::nullopt;
  }

  bool label_alone(std::size_t i, std::size_t k) const {
    auto r = region(i, k);
    auto trimmed = trim_view(r);
    while (!trimmed.empty()
           && (trimmed.front() == ':' || trimmed.front() == '#'))
      trimmed = trim_view(trimmed.substr(1));
    return trimmed.empty();
  }

  void offer(std::optional<candidate_text>& slot, candidate_text c,
             bool later_wins = false) {
    if (!slot || c.rank > slot->rank || (later_wins && c.rank == slot->rank))
      slot = std::move(c);
  }

  void offer(std::optional<candidate_amount>& slot, candidate_amount c,
             bool later_wins) {
    if (!slot || c.rank > slot->rank || (later_wins && c.rank == slot->rank))
      slot = c;
  }

  std::optional<values::date> date_in(std::string_view s) const {
    auto found = find_dates(s, context_.numeric);
    if (found.empty())
      return std::nullopt;
    return found.front().date;
  }

  void read_line(std::size_t i) {
    const auto& hs = hits_[i];
    for (std::size_t k = 0; k < hs.size(); ++k) {
      const auto& h = hs[k];
      auto field = h.what->field;
      auto rank = h.what->rank;
      auto r = after_separators(region(i, k));
      bool alone = label_alone(i, k);
      auto col = column_of(i, lines_[i].raw_at(h.begin));
      switch (field) {
        case fk::none:
        case fk::buyer: break;
        case fk::supplier: {
          auto cs = cells_of(r);
          if (!cs.empty()) {
            auto name = clean_name(cs.front().text);
            if (letter_count(name) >= 2 && !parse_date(name))
              offer(supplier_, {name, rank, 0.85});
          }
          break;
        }
        case fk::invoice_number:
        case fk::purchase_order: {
          auto& slot = field == fk::invoice_number ? number_ : po_;
          if (in_buyer_block(i, col) && field == fk::invoice_number)
            break;
          if (auto id = identifier(r))
            offer(slot, {*id, rank, rank >= 3 ? 0.9 : rank == 2 ? 0.85 : 0.7});
          else if (alone)
            if (auto b = below(i, k))
              if (auto id = identifier(*b))
                offer(slot, {*id, rank, rank >= 2 ? 0.75 : 0.6});
          break;
        }
        case fk::issue_date:
        case fk::due_date: {
          auto& slot = field == fk::issue_date ? issue_ : due_;
          std::optional<values::date> d;
          double conf = rank >= 3 ? 0.9 : rank == 2 ? 0.85 : 0.75;
          auto cs = cells_of(r);
          if (!cs.empty())
            d = date_in(cs.front().text);
          if (!d && alone)
            if (auto b = below(i, k)) {
              d = date_in(*b);
              conf -= 0.1;
            }
          if (d)
            offer(slot, {d->to_string(), rank, conf});
          break;
        }
        case fk::terms: {
          auto cs = cells_of(r);
          std::string value;
          if (h.what->text.find("receipt") != std::string_view::npos)
            value = std::string{lines_[i].raw.substr(
              lines_[i].raw_at(h.begin),
              lines_[i].raw_at(h.end) - lines_[i].raw_at(h.begin))};
          else if (!cs.empty())
            value = clean_name(cs.front().text);
          if (!value.empty() && letter_count(value) + has_digit(value) >= 2)
            offer(terms_, {value, rank, 0.8});
          break;
        }
        case fk::subtotal:
        case fk::total:
        case fk::tax_total: {
          if (in_table_[i])
            break;
          auto a = last_amount(r);
          double conf = 0.8;
          if (!a && alone && cells_of(lines_[i].raw).size() == 1)
            if (auto b = below(i, k)) {
              a = last_amount(*b);
              conf = 0.7;
            }
          if (!a)
            break;
          candidate_amount c{*a, rank, i, conf};
          if (field == fk::subtotal)
            offer(subtotal_, c, false);
          else if (field == fk::tax_total)
            offer(tax_total_, c, true);
          else
            totals_.push_back(c);
          break;
        }
        case fk::tax:
          if (!in_table_[i])
            read_tax(i, k);
          break;
      }
    }
  }

  void read_tax(std::size_t i, std::size_t k) {
    const auto& l = lines_[i];
    const auto& h = hits_[i][k];
    // A registration number line, not a tax charged.
    if (has_tax_id(l.raw))
      return;
    auto after = std::string_view{l.folded}.substr(h.end);
    auto words = words_of(after);
    if (!words.empty()
        && (is_filler(words.front()) || words.front().starts_with("reg")
            || words.front().starts_with("number")))
      return;
    auto r = region(i, k);
    // "GST/HST": the second label carries the amount.
    if (k + 1 < hits_[i].size() && hits_[i][k + 1].what->field == fk::tax
        && trim_view(r).find_first_not_of("/&+ ") == std::string_view::npos)
      return;
    auto a = last_amount(r);
    if (!a)
      return;
    values::tax_line t;
    t.kind = h.what->tax;
    t.amount = *a;
    std::optional<decimal> rate;
    auto rate_in = [&](std::string_view s) -> std::optional<decimal> {
      if (auto m = rate_pattern().find(s)) {
        // "9,975 %" is a rate with a decimal comma, never 9975 %.
        auto digits = m->group(s, 1);
        return parse_amount(digits,
                            digits.find(',') != digits.npos ? ',' : '.');
      }
      return std::nullopt;
    };
    rate = rate_in(r);
    if (!rate) {
      auto from = k > 0 ? l.raw_at(hits_[i][k - 1].end) : 0;
      rate = rate_in(l.raw.substr(from, l.raw_at(h.begin) - from));
    }
    if (rate && *rate == *a)
      return;
    if (rate)
      t.rate_percent = *rate;
    if (std::find(taxes_.begin(), taxes_.end(), t) == taxes_.end())
      taxes_.push_back(t);
    tax_confidence_ = std::min(tax_confidence_, rate ? 0.85 : 0.75);
  }

  void fill(extraction& x) {
    auto& f = x.fields;
    auto set_text = [&](std::optional<std::string>& field, const char* name,
                        const std::optional<candidate_text>& c) {
      if (!c)
        return;
      field = c->value;
      x.confidence[name] = c->confidence;
    };
    set_text(f.invoice_number, "invoice_number", number_);
    set_text(f.purchase_order, "purchase_order", po_);
    set_text(f.payment_terms, "payment_terms", terms_);
    if (issue_) {
      f.issue_date = *values::date::parse(issue_->value);
      x.confidence["issue_date"] = issue_->confidence;
    }
    if (due_) {
      f.due_date = *values::date::parse(due_->value);
      x.confidence["due_date"] = due_->confidence;
    }
    if (!f.issue_date) {
      // The first date of the document that is not the due date.
      for (const auto& d : find_dates(text_, context_.numeric))
        if (!f.due_date || d.date != *f.due_date) {
          f.issue_date = d.date;
          x.confidence["issue_date"] = 0.4;
          break;
        }
    }
    if (subtotal_) {
      f.subtotal = subtotal_->value;
      x.confidence["subtotal"] = subtotal_->confidence;
    }
    if (!taxes_.empty()) {
      x.taxes = taxes_;
      x.confidence["taxes"] = tax_confidence_;
      decimal sum;
      for (const auto& t : taxes_)
        sum = sum + t.amount;
      f.tax_total = sum;
      x.confidence["tax_total"] = tax_confidence_;
      if (tax_total_ && tax_total_->value != sum)
        x.notes.push_back("the taxes listed sum to " + sum.to_string(2)
                          + " but the tax total printed is "
                          + tax_total_->value.to_string(2));
    } else if (tax_total_) {
      f.tax_total = tax_total_->value;
      x.confidence["tax_total"] = tax_total_->confidence;
    }
    pick_total(x);
  }

  /// The payable amount wins over a plain "Total", unless it is a balance
  /// of zero on an invoice that has been paid; among equals the last one
  /// printed (the grand total comes after the partial ones).
  void pick_total(extraction& x) {
    std::optional<candidate_amount> best;
    for (const auto& c : totals_) {
      if (best && best->rank == 4 && best->value == decimal{}
          && c.value != decimal{}) {
        best = c;
        continue;
      }
      if (best && c.rank == 4 && c.value == decimal{}
          && best->value != decimal{})
        continue;
      offer(best, c, true);
    }
    if (!best)
      return;
    x.fields.total = best->value;
    x.confidence["total"] =
      best->rank >= 3 ? best->confidence + 0.05 : best->confidence;
  }

  void read_supplier(extraction& x) {
    if (supplier_) {
      x.fields.supplier_name = supplier_->value;
      x.confidence["supplier_name"] = supplier_->confidence;
      return;
    }
    static const detail::regex legal{
      R"((?:^|[\s,])(inc\.?|ltd\.?|lt(?:é|e)e|limited|llc|l\.l\.c\.|corp\.?|)"
      R"(corporation|gmbh|sarl|s\.a\.r\.l\.|sas|s\.a\.s\.|sa|s\.a\.|bv|)"
      R"(b\.v\.|nv|n\.v\.|ag|srl|s\.r\.l\.|spa|s\.p\.a\.|plc|llp|enr\.?|)"
      R"(sp\. z o\.o\.)(?=$|[\s,)]))"};
    std::optional<std::pair<std::size_t, std::string>> first_cell;
    for (std::size_t i = 0; i < lines_.size() && i < 25; ++i) {
      for (const auto& c : cells_of(lines_[i].raw)) {
        if (in_buyer_block(i, c.column))
          continue;
        bool is_label = !hits_[i].empty()
                        && std::any_of(hits_[i].begin(), hits_[i].end(),
                                       [&](const label_hit& h) {
                                         auto b = lines_[i].raw_at(h.begin);
                                         return b >= c.begin && b < c.end;
                                       });
        if (legal.find(c.text) && !is_label && letter_count(c.text) >= 3) {
          x.fields.supplier_name = clean_name(c.text);
          // A company name in the letterhead is the supplier's; further
          // down it may be anyone's.
          x.confidence["supplier_name"] = i < 8 ? 0.8 : 0.65;
          return;
        }
        if (!first_cell && !is_label && letter_count(c.text) >= 3
            && letter_count(c.text) * 2 > c.text.size() && !parse_date(c.text))
          first_cell = std::pair{i, clean_name(c.text)};
      }
    }
    // The first line of text near the top that is no label: the letterhead.
    if (first_cell && first_cell->first < 6) {
      x.fields.supplier_name = first_cell->second;
      x.confidence["supplier_name"] = 0.35;
    }
  }

  void read_tax_id(extraction& x) {
    std::optional<std::pair<std::size_t, std::string>> best;
    std::size_t offset = 0;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      const auto raw = lines_[i].raw;
      for (const auto& p : tax_id_patterns()) {
        auto m = p.re.find(raw);
        if (!m)
          continue;
        auto col = column_of(i, m->groups[0].begin);
        if (in_buyer_block(i, col))
          continue;
        auto at = offset + m->groups[0].begin;
        if (!best || at < best->first)
          best = std::pair{at, p.build(raw, *m)};
      }
      offset += raw.size() + 1;
      if (best)
        break;
    }
    if (!best)
      return;
    x.fields.supplier_tax_id = best->second;
    x.confidence["supplier_tax_id"] = 0.85;
  }

  void read_terms(extraction& x) {
    if (x.fields.payment_terms) {
      // "Terms: Net 30" keeps the printed value; a bare label value that
      // says nothing about time is not kept.
      return;
    }
    for (const auto& l : lines_)
      if (auto m = terms_pattern().find(l.raw)) {
        x.fields.payment_terms = std::string{m->group(l.raw, 1)};
        x.confidence["payment_terms"] = 0.6;
        return;
      }
  }

  void read_currency(extraction& x) {
    static constexpr std::array<std::string_view, 18> codes{
      "CAD", "USD", "EUR", "GBP", "CHF", "PLN", "AUD", "NZD", "INR",
      "JPY", "SEK", "NOK", "DKK", "CZK", "HUF", "MXN", "HKD", "SGD"};
    std::array<int, codes.size()> counts{};
    for (std::size_t i = 0; i + 3 <= text_.size(); ++i) {
      if (i > 0 && std::isalpha(static_cast<unsigned char>(text_[i - 1])))
        continue;
      if (i + 3 < text_.size()
          && std::isalpha(static_cast<unsigned char>(text_[i + 3])))
        continue;
      auto w = text_.substr(i, 3);
      for (std::size_t c = 0; c < codes.size(); ++c)
        if (w == codes[c])
          ++counts[c];
    }
    auto most = std::max_element(counts.begin(), counts.end());
    std::string code;
    double conf = 0;
    if (*most > 0) {
      code = codes[static_cast<std::size_t>(most - counts.begin())];
      conf = 0.9;
    } else if (text_.find("€") != std::string_view::npos) {
      code = "EUR", conf = 0.8;
    } else if (text_.find("£") != std::string_view::npos) {
      code = "GBP", conf = 0.8;
    } else if (text_.find("zł") != std::string_view::npos) {
      code = "PLN", conf = 0.8;
    } else if (text_.find("C$") != std::string_view::npos
               || text_.find("CA$") != std::string_view::npos) {
      code = "CAD", conf = 0.8;
    } else if (text_.find("US$") != std::string_view::npos) {
      code = "USD", conf = 0.8;
    } else if (text_.find('$') != std::string_view::npos) {
      // A bare dollar is the tenant's own when it is a dollar currency.
      bool dollar = context_.currency == "CAD" || context_.currency == "USD"
                    || context_.currency == "AUD" || context_.currency == "NZD";
      code = dollar ? context_.currency : "USD";
      conf = dollar ? 0.8 : 0.5;
    }
    if (code.empty())
      return;
    if (auto c = values::currency::parse(code)) {
      x.fields.currency = *c;
      x.confidence["currency"] = conf;
    }
  }

  void read_lines(extraction& x);

  void detect_credit_note(extraction& x) {
    static const detail::regex credit{
      R"(\b(credit note|credit memo|note de cr(?:é|e)dit|facture d'avoir|)"
      R"(gutschrift|nota di credito|faktura korygujaca|creditnota)\b|)"
      R"(^\s*avoir\b)"};
    std::size_t seen = 0;
    for (const auto& l : lines_) {
      if (is_blank(l.raw))
        continue;
      if (++seen > 15)
        break;
      if (credit.find(l.raw)) {
        x.credit_note = true;
        break;
      }
    }
    if (!x.credit_note)
      return;
    auto& f = x.fields;
    bool positive = (f.total && *f.total > decimal{})
                    || (!f.total && f.subtotal && *f.subtotal > decimal{});
    if (!positive)
      return;
    auto negate = [](std::optional<decimal>& v) {
      if (v)
        v = -*v;
    };
    negate(f.subtotal);
    negate(f.tax_total);
    negate(f.total);
    for (auto& t : x.taxes)
      t.amount = -t.amount;
    for (auto& l : x.lines) {
      l.quantity = -l.quantity;
      l.line_total = -l.line_total;
    }
    x.notes.push_back(
      "credit note: the amounts printed as positive are recorded as negative");
  }

  std::string_view text_;
  const rules_context& context_;
  std::vector<text_line> lines_;
  std::vector<std::vector<label_hit>> hits_;
  std::vector<std::pair<std::size_t, std::size_t>> buyer_;
  std::vector<bool> in_table_;
  std::optional<candidate_text> supplier_, number_, po_, terms_, issue_, due_;
  std::optional<candidate_amount> subtotal_, tax_total_;
  std::vector<candidate_amount> totals_;
  std::vector<values::tax_line> taxes_;
  double tax_confidence_ = 1;
};

// -- line items ---------------------------------------------------------------

constexpr std::array<std::string_view, 12> description_words{
  "description", "item",         "items",   "article",
  "produit",     "designation",  "libelle", "product",
  "bezeichnung", "omschrijving", "details", "articles"};
constexpr std::array<std::string_view, 16> number_words{
  "qty",   "quantity",   "qte",  "quantite", "amount", "montant",
  "total", "price",      "prix", "rate",     "menge",  "betrag",
  "qte.",  "unit price", "cost", "ext"};

bool has_word(const std::string& folded, std::string_view word) {
  for (auto pos = folded.find(word); pos != std::string::npos;
       pos = folded.find(word, pos + 1)) {
    auto end = pos + word.size();
    if ((pos == 0 || !is_alnum(folded[pos - 1]))
        && (end >= folded.size() || !is_alnum(folded[end])))
      return true;
  }
  return false;
}

bool is_header(const text_line& l) {
  int numbers = 0;
  bool description = false;
  for (auto w : description_words)
    description = description || has_word(l.folded, w);
  for (auto w : number_words)
    numbers += has_word(l.folded, w) ? 1 : 0;
  return description && numbers >= 1;
}

/// A line that ends an item table: one whose cell starts with a total or
/// tax label ("Subtotal  311.00"), not an item that mentions one
/// ("Cleaning chemicals (VAT 20%)").
bool is_stop(const text_line& l) {
  auto cs = cells_of(l.raw);
  for (const auto& h : find_labels(l)) {
    auto f = h.what->field;
    if (f != fk::subtotal && f != fk::total && f != fk::tax_total
        && f != fk::tax)
      continue;
    auto at = l.raw_at(h.begin);
    for (const auto& c : cs)
      if (c.begin == at)
        return true;
  }
  return false;
}

std::optional<values::line_item> parse_row(std::string_view raw) {
  auto cs = cells_of(raw);
  std::vector<decimal> numbers;
  std::vector<std::string_view> text;
  std::string unit;
  bool seen_text = false;
  for (const auto& c : cs) {
    if (c.text.ends_with('%'))
      continue;
    if (auto a = parse_amount(c.text)) {
      if (!seen_text)
        continue; // a line number before the description
      numbers.push_back(*a);
      continue;
    }
    if (!numbers.empty() && c.text.size() <= 5 && letter_count(c.text) > 0
        && letter_count(c.text) == c.text.size()) {
      unit = std::string{c.text};
      continue;
    }
    if (!numbers.empty()) {
      // "2 kg" in one cell: a quantity with its unit.
      auto ws = words_of(c.text);
      if (ws.size() == 2)
        if (auto q = parse_amount(ws[0]);
            q && letter_count(ws[1]) == ws[1].size() && ws[1].size() <= 5) {
          numbers.push_back(*q);
          unit = std::string{ws[1]};
          continue;
        }
      return std::nullopt; // text after the numbers: not a row
    }
    if (letter_count(c.text) >= 2) {
      seen_text = true;
      text.push_back(c.text);
    }
  }
  if (text.empty() || numbers.empty())
    return std::nullopt;
  values::line_item line;
  for (std::size_t i = 0; i < text.size(); ++i)
    line.description += (i ? " " : "") + std::string{text[i]};
  line.unit = unit;
  line.line_total = numbers.back();
  auto near = [](decimal a, decimal b) {
    return (a - b).abs() <= decimal::from_units(100);
  };
  bool found = false;
  for (std::size_t i = 0; i + 1 < numbers.size() && !found; ++i)
    for (std::size_t j = i + 1; j + 1 < numbers.size() && !found; ++j) {
      auto p = decimal::checked_multiply(numbers[i], numbers[j]);
      if (p && near(*p, line.line_total)) {
        line.quantity = numbers[i];
        line.unit_price = numbers[j];
        found = true;
      }
    }
  if (!found) {
    if (numbers.size() >= 3) {
      line.quantity = numbers.front();
      line.unit_price = numbers[numbers.size() - 2];
    } else if (numbers.size() == 2) {
      line.quantity = numbers.front();
      auto p = decimal::checked_divide(line.line_total, line.quantity);
      line.unit_price = p ? *p : decimal{};
    } else {
      line.quantity = decimal::from_int(1);
      line.unit_price = line.line_total;
    }
  }
  auto valid = values::validate_line(std::move(line));
  if (!valid)
    return std::nullopt;
  return *valid;
}

/// The lines after the table header at `i` up to the first total, as
/// [first, last).
std::pair<std::size_t, std::size_t>
table_after(const std::vector<text_line>& lines, std::size_t i) {
  int blanks = 0;
  std::size_t j = i + 1;
  for (; j < lines.size(); ++j) {
    if (is_blank(lines[j].raw)) {
      if (++blanks > 3)
        break;
      continue;
    }
    blanks = 0;
    if (is_stop(lines[j]) || is_header(lines[j]))
      break;
  }
  return {i + 1, j};
}

void reader::mark_tables() {
  in_table_.assign(lines_.size(), false);
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    if (!is_header(lines_[i]))
      continue;
    auto [first, last] = table_after(lines_, i);
    for (auto j = first; j < last; ++j)
      in_table_[j] = parse_row(lines_[j].raw).has_value();
  }
}

void reader::read_lines(extraction& x) {
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    if (!is_header(lines_[i]))
      continue;
    std::vector<values::line_item> rows;
    auto [first, last] = table_after(lines_, i);
    for (auto j = first; j < last; ++j) {
      if (auto row = parse_row(lines_[j].raw))
        rows.push_back(std::move(*row));
      if (rows.size() >= values::max_lines_per_invoice)
        break;
    }
    if (rows.empty())
      continue;
    std::size_t consistent = 0;
    for (const auto& r : rows)
      consistent += r.total_mismatch ? 0 : 1;
    x.lines = std::move(rows);
    x.confidence["lines"] = 0.5
                            + 0.3 * static_cast<double>(consistent)
                                / static_cast<double>(x.lines.size());
    return;
  }
}

} // namespace

rules_context rules_context_for(std::string_view region,
                                std::string_view currency) {
  rules_context c{std::string{region}, std::string{currency}, date_order::dmy};
  if (region == "US" || region.starts_with("US-"))
    c.numeric = date_order::mdy;
  return c;
}

extraction read_by_rules(std::string_view text, const rules_context& context) {
  return reader{text, context}.read();
}

} // namespace larder::extract
