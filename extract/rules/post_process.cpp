#include "extract/rules/post_process.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "extract/rules/detail/regex.hpp"
#include "extract/rules/detail/text.hpp"

namespace larder::extract {

namespace {

using values::decimal;
using values::tax_kind;

/// Two cents: amounts printed at two places may each be off by half a cent
/// from the exact sum.
constexpr decimal tolerance = decimal::from_units(200);

bool near(decimal a, decimal b, decimal within = tolerance) {
  return (a - b).abs() <= within;
}

std::string money(decimal d) {
  return d.to_string(2);
}

bool is_exact(const extraction& x) {
  return x.provider == "ubl" || x.provider == "cii" || x.provider == "zugferd1";
}

double confidence_of(const extraction& x, const std::string& field) {
  auto it = x.confidence.find(field);
  return it == x.confidence.end() ? 0 : it->second;
}

void lower(extraction& x, const std::string& field, double to) {
  auto it = x.confidence.find(field);
  if (it != x.confidence.end())
    it->second = std::min(it->second, to);
}

void raise(extraction& x, const std::string& field, double to) {
  auto it = x.confidence.find(field);
  if (it != x.confidence.end())
    it->second = std::max(it->second, to);
}

// -- supplier name ------------------------------------------------------------

void clean_supplier(extraction& x) {
  auto& name = x.fields.supplier_name;
  if (!name)
    return;
  std::string out;
  bool space = false;
  for (std::size_t i = 0; i < name->size();) {
    auto from = i;
    auto cp = detail::next_code_point(*name, i);
    if (detail::is_space(cp) || cp == '\n' || cp == '\r' || cp < 0x20) {
      space = !out.empty();
      continue;
    }
    if (space)
      out += ' ';
    space = false;
    out.append(*name, from, i - from);
  }
  auto stray = [](char c) {
    return c == ',' || c == ';' || c == ':' || c == '-' || c == '*' || c == '|'
           || c == '_' || c == '/' || c == '\\' || c == '"' || c == '\''
           || c == '~' || c == '=' || c == '#';
  };
  while (!out.empty()
         && (stray(out.front()) || out.front() == ' ' || out.front() == '.'))
    out.erase(0, 1);
  while (!out.empty() && (stray(out.back()) || out.back() == ' '))
    out.pop_back();
  if (out != *name)
    x.notes.push_back("supplier name cleaned up: \"" + out + "\"");
  bool letters = false;
  for (std::size_t i = 0; i < out.size() && !letters;)
    letters = !detail::fold_letter(detail::next_code_point(out, i)).empty();
  if (!letters) {
    name.reset();
    x.confidence.erase("supplier_name");
    return;
  }
  *name = out;
}

// -- taxes --------------------------------------------------------------------

/// The kind the tenant's profile gives a rate, when exactly one tax has it.
std::optional<tax_kind> kind_for_rate(const domain::tax_profile& profile,
                                      decimal rate) {
  std::optional<tax_kind> found;
  int matches = 0;
  for (const auto& t : profile.taxes) {
    bool hit = t.rate_percent == rate;
    for (auto r : t.reduced_rates_percent)
      hit = hit || (r == rate && r != decimal{});
    if (hit && (!found || *found != t.kind)) {
      found = t.kind;
      ++matches;
    }
  }
  if (matches != 1)
    return std::nullopt;
  return found;
}

std::optional<decimal> percent_of(decimal base, decimal rate) {
  auto p = decimal::checked_multiply(base, rate);
  if (!p)
    return std::nullopt;
  auto q = decimal::checked_divide(*p, decimal::from_int(100));
  if (!q)
    return std::nullopt;
  return q->round(2);
}

void classify_taxes(extraction& x, const post_context& context) {
  for (auto& t : x.taxes) {
    // A rate left out: the profile's rate for the kind when the amount fits.
    if (t.rate_percent == decimal{} && t.amount != decimal{}
        && x.fields.subtotal) {
      for (const auto& p : context.taxes.taxes) {
        if (t.kind != tax_kind::other && t.kind != p.kind)
          continue;
        auto expected = percent_of(*x.fields.subtotal, p.rate_percent);
        if (expected && near(*expected, t.amount)) {
          t.rate_percent = p.rate_percent;
          if (t.kind == tax_kind::other)
            t.kind = p.kind;
          x.notes.push_back(std::string{values::to_string(t.kind)} + " rate "
                            + p.rate_percent.to_string()
                            + " % inferred from the tax profile");
          break;
        }
      }
    }
    if (t.kind != tax_kind::other || t.rate_percent == decimal{})
      continue;
    if (auto k = kind_for_rate(context.taxes, t.rate_percent)) {
      t.kind = *k;
      x.notes.push_back("tax at " + t.rate_percent.to_string() + " % read as "
                        + std::string{values::to_string(*k)});
    }
  }
}

// -- arithmetic ---------------------------------------------------------------

void check_arithmetic(extraction& x) {
  auto& f = x.fields;
  bool exact = is_exact(x);
  // Lines against the subtotal.
  if (!x.lines.empty()) {
    decimal sum;
    std::size_t mismatched = 0;
    for (const auto& l : x.lines) {
      sum = sum + l.line_total;
      mismatched += l.total_mismatch ? 1 : 0;
    }
    if (mismatched > 0) {
      x.notes.push_back(std::to_string(mismatched)
                        + (mismatched == 1 ? " line's" : " lines'")
                        + " quantity × unit price differs from its total");
      lower(x, "lines", 0.6);
    }
    if (f.subtotal) {
      if (near(sum, *f.subtotal, tolerance + tolerance)) {
        raise(x, "lines", 0.9);
      } else if (!(f.total && near(sum, *f.total))) {
        x.notes.push_back("line totals sum to " + money(sum)
                          + " but subtotal says " + money(*f.subtotal));
        lower(x, "lines", 0.5);
        lower(x, "subtotal", 0.6);
      }
    } else if (!exact
               && (!f.total || !f.tax_total
                   || near(sum + *f.tax_total, *f.total))) {
      f.subtotal = sum;
      x.confidence["subtotal"] = 0.6;
      x.notes.push_back("subtotal derived from the line totals: " + money(sum));
    }
  }
  // The taxes listed against the tax total.
  if (!x.taxes.empty()) {
    decimal sum;
    for (const auto& t : x.taxes)
      sum = sum + t.amount;
    if (!f.tax_total) {
      if (!exact) {
        f.tax_total = sum;
        x.confidence["tax_total"] = confidence_of(x, "taxes");
      }
    } else if (!near(sum, *f.tax_total)) {
      x.notes.push_back("tax lines sum to " + money(sum)
                        + " but tax total says " + money(*f.tax_total));
      lower(x, "tax_total", 0.5);
      lower(x, "taxes", 0.5);
    }
  }
  // Each tax against its rate and the subtotal.
  if (f.subtotal)
    for (const auto& t : x.taxes) {
      if (t.rate_percent == decimal{})
        continue;
      auto expected = percent_of(*f.subtotal, t.rate_percent);
      if (expected && !near(*expected, t.amount)) {
        x.notes.push_back(std::string{values::to_string(t.kind)} + " at "
                          + t.rate_percent.to_string() + " % of "
                          + money(*f.subtotal) + " is " + money(*expected)
                          + " but the invoice says " + money(t.amount));
        lower(x, "taxes", 0.5);
      }
    }
  // Subtotal + taxes = total, or derive the one that is missing.
  auto& s = f.subtotal;
  auto& t = f.tax_total;
  auto& g = f.total;
  int present = (s ? 1 : 0) + (t ? 1 : 0) + (g ? 1 : 0);
  if (present == 3) {
    if (near(*s + *t, *g)) {
      for (auto name : {"subtotal", "tax_total", "total"})
        raise(x, name, 0.95);
      raise(x, "taxes", 0.9);
    } else {
      x.notes.push_back("subtotal " + money(*s) + " + taxes " + money(*t)
                        + " = " + money(*s + *t) + " but total says "
                        + money(*g));
      for (auto name : {"subtotal", "tax_total", "total"})
        lower(x, name, 0.5);
    }
  } else if (present == 2) {
    auto derived_confidence = [&](const char* a, const char* b) {
      return std::min({confidence_of(x, a), confidence_of(x, b), 0.7});
    };
    if (!g) {
      if (exact) {
        x.notes.push_back("the e-invoice gives no total; subtotal + taxes is "
                          + money(*s + *t));
      } else {
        g = *s + *t;
        x.confidence["total"] = derived_confidence("subtotal", "tax_total");
        x.notes.push_back("total derived from subtotal + taxes: " + money(*g));
      }
    } else if (!t) {
      if (!exact) {
        t = *g - *s;
        x.confidence["tax_total"] = derived_confidence("subtotal", "total");
        x.notes.push_back("tax total derived from total − subtotal: "
                          + money(*t));
      }
    } else if (!exact) {
      s = *g - *t;
      x.confidence["subtotal"] = derived_confidence("tax_total", "total");
      x.notes.push_back("subtotal derived from total − taxes: " + money(*s));
    }
  }
}

// -- due date -----------------------------------------------------------------

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30,
                                 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

void infer_due_date(extraction& x) {
  auto& f = x.fields;
  if (f.due_date || !f.issue_date || !f.payment_terms)
    return;
  auto terms = detail::fold(*f.payment_terms);
  static const detail::regex receipt{
    R"(receipt|reception|comptant|cash|immediate|sofort|upon delivery|cod\b)"};
  static const detail::regex days{
    R"((?:\bnet\s*|\bn)(\d{1,3})\b|\b(\d{1,3})\s*(?:days?|jours?|tage?n?|dagen|dni|dias|giorni)\b)"};
  static const detail::regex month_end{
    R"(fin de mois|end of month|\beom\b|monatsende)"};
  std::optional<values::date> due;
  if (auto m = days.find(terms)) {
    auto g = m->group(terms, 1);
    if (g.empty())
      g = m->group(terms, 2);
    int n = std::stoi(std::string{g});
    due = f.issue_date->plus_days(n);
    if (month_end.find(terms))
      due->day = days_in_month(due->year, due->month);
  } else if (receipt.find(terms)) {
    due = f.issue_date;
  }
  if (!due || !values::date::parse(due->to_string()))
    return;
  f.due_date = due;
  x.confidence["due_date"] =
    std::min(0.7, std::max(confidence_of(x, "payment_terms"), 0.5));
  x.notes.push_back("due date " + due->to_string()
                    + " inferred from the payment terms \"" + *f.payment_terms
                    + "\"");
}

// -- not an invoice -----------------------------------------------------------

struct document_word {
  std::string_view word;
  enum kind_t : std::uint8_t { invoice, statement, quote, menu } kind;
};

// What a document calls itself near its top, folded.
constexpr document_word document_words[] = {
  {"invoice", document_word::invoice},
  {"facture", document_word::invoice},
  {"rechnung", document_word::invoice},
  {"faktura", document_word::invoice},
  {"factuur", document_word::invoice},
  {"credit note", document_word::invoice},
  {"note de credit", document_word::invoice},
  {"bill", document_word::invoice},
  {"receipt", document_word::invoice},
  {"recu", document_word::invoice},
  {"statement", document_word::statement},
  {"releve de compte", document_word::statement},
  {"releve", document_word::statement},
  {"etat de compte", document_word::statement},
  {"kontoauszug", document_word::statement},
  {"quote", document_word::quote},
  {"quotation", document_word::quote},
  {"estimate", document_word::quote},
  {"devis", document_word::quote},
  {"soumission", document_word::quote},
  {"angebot", document_word::quote},
  {"offerte", document_word::quote},
  {"menu", document_word::menu},
  {"carte des vins", document_word::menu},
  {"wine list", document_word::menu},
};

// Sections of a restaurant menu, folded.
constexpr std::array<std::string_view, 18> menu_words{
  "appetizers",   "starters", "entrees",  "mains",     "main courses",
  "desserts",     "plats",    "boissons", "beverages", "cocktails",
  "wines",        "vins",     "sides",    "salads",    "table d'hote",
  "plat du jour", "brunch",   "soups"};

bool word_at(const std::string& folded, std::size_t pos, std::size_t len) {
  auto alnum = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c));
  };
  return (pos == 0 || !alnum(folded[pos - 1]))
         && (pos + len >= folded.size() || !alnum(folded[pos + len]));
}

std::size_t find_word(const std::string& folded, std::string_view word,
                      std::size_t limit = std::string::npos) {
  for (auto pos = folded.find(word); pos != std::string::npos && pos < limit;
       pos = folded.find(word, pos + 1))
    if (word_at(folded, pos, word.size()))
      return pos;
  return std::string::npos;
}

std::string not_an_invoice_reason(const extraction& x) {
  const auto& f = x.fields;
  // E-invoices carry no text; every other extractor read some.
  bool has_text = !is_exact(x);
  if (has_text) {
    auto folded = detail::fold(x.text);
    std::size_t visible = 0;
    std::size_t letters = 0;
    std::size_t words = 0;
    std::size_t run = 0;
    for (char c : folded) {
      bool letter = std::isalpha(static_cast<unsigned char>(c)) != 0;
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '\f')
        ++visible;
      letters += letter ? 1 : 0;
      run = letter ? run + 1 : 0;
      words += run == 3 ? 1 : 0;
    }
    if (visible < 10)
      return "the document has no readable text: it may be a blank page or "
             "a photo of something other than an invoice";
    // The first line that holds a document word says what the document is.
    std::size_t header = 0;
    for (int n = 0; n < 15 && header != std::string::npos; ++n)
      header = folded.find('\n', header + 1);
    std::optional<document_word::kind_t> kind;
    std::size_t first = std::string::npos;
    for (const auto& w : document_words) {
      auto pos = find_word(folded, w.word, header);
      if (pos < first) {
        first = pos;
        kind = w.kind;
      }
    }
    if (kind == document_word::statement)
      return "this is an account statement (a summary of invoices and "
             "payments), not an invoice";
    if (kind == document_word::quote)
      return "this is a quote or estimate (devis): nothing is owed yet";
    int sections = 0;
    for (auto w : menu_words)
      sections += find_word(folded, w) != std::string::npos ? 1 : 0;
    if ((kind == document_word::menu && sections >= 1)
        || (!kind && sections >= 2 && !f.invoice_number))
      return "this looks like a restaurant menu, not an invoice";
    if (words < 3 || letters * 3 < visible)
      if (!f.total && !f.issue_date)
        return "the text is mostly unreadable: it does not look like an "
               "invoice";
  }
  if (!f.total && !f.subtotal && !f.invoice_number && !f.issue_date
      && x.lines.empty())
    return "no amount, invoice number or date was found: this does not look "
           "like an invoice";
  return {};
}

// -- confidences --------------------------------------------------------------

bool present(const extraction& x, std::string_view name) {
  if (name == "lines")
    return !x.lines.empty();
  if (name == "taxes")
    return !x.taxes.empty();
  auto text = domain::field_text(x.fields, name);
  return text && !text->empty();
}

void settle_confidences(extraction& x) {
  double fallback = is_exact(x) ? 1.0 : 0.5;
  for (auto it = x.confidence.begin(); it != x.confidence.end();) {
    if (!present(x, it->first))
      it = x.confidence.erase(it);
    else
      ++it;
  }
  std::vector<std::string> names{"lines", "taxes"};
  for (auto n : domain::invoice_field_names)
    names.emplace_back(n);
  for (const auto& n : names) {
    if (!present(x, n))
      continue;
    auto [it, inserted] = x.confidence.try_emplace(n, fallback);
    it->second = std::clamp(it->second, 0.0, 1.0);
  }
}

} // namespace

double overall_confidence(const extraction& x) {
  if (!x.not_an_invoice.empty())
    return 0;
  auto c = [&](const std::string& name) {
    auto it = x.confidence.find(name);
    return it == x.confidence.end() ? 0.0 : it->second;
  };
  // What a person needs to pay an invoice, weighted by how much a wrong or
  // missing value costs: the total most, then who and which invoice.
  double score = 0.35 * c("total") + 0.2 * c("supplier_name")
                 + 0.15 * c("invoice_number") + 0.15 * c("issue_date")
                 + 0.05 * c("currency");
  // The arithmetic: 0.1 when subtotal, taxes and total agree, 0 when they
  // disagree, half when it cannot be checked.
  const auto& f = x.fields;
  double arithmetic = 0.05;
  if (f.subtotal && f.tax_total && f.total)
    arithmetic = near(*f.subtotal + *f.tax_total, *f.total) ? 0.1 : 0;
  if (!f.total)
    arithmetic = 0;
  return std::clamp(score + arithmetic, 0.0, 1.0);
}

void post_process(extraction& x, const post_context& context) {
  clean_supplier(x);
  if (!x.fields.currency && !context.currency.empty()) {
    if (auto c = values::currency::parse(context.currency)) {
      x.fields.currency = *c;
      x.confidence["currency"] = 0.5;
      x.notes.push_back("no currency printed: the tenant's " + c->code
                        + " assumed");
    }
  }
  classify_taxes(x, context);
  check_arithmetic(x);
  infer_due_date(x);
  if (x.not_an_invoice.empty())
    x.not_an_invoice = not_an_invoice_reason(x);
  settle_confidences(x);
  x.overall_confidence = overall_confidence(x);
}

} // namespace larder::extract
