#include "extract/rules/dates.hpp"

#include <array>
#include <cctype>
#include <cstdio>
#include <string>

#include "extract/rules/detail/text.hpp"

namespace larder::extract {

namespace {

struct month_name {
  std::string_view name;
  int month;
};

// Folded month names and abbreviations: English, French, German, Dutch,
// Spanish, Italian and Polish (nominative, genitive and abbreviations).
constexpr month_name months[] = {
  // English
  {"january", 1},
  {"jan", 1},
  {"february", 2},
  {"feb", 2},
  {"march", 3},
  {"mar", 3},
  {"april", 4},
  {"apr", 4},
  {"may", 5},
  {"june", 6},
  {"jun", 6},
  {"july", 7},
  {"jul", 7},
  {"august", 8},
  {"aug", 8},
  {"september", 9},
  {"sep", 9},
  {"sept", 9},
  {"october", 10},
  {"oct", 10},
  {"november", 11},
  {"nov", 11},
  {"december", 12},
  {"dec", 12},
  // French
  {"janvier", 1},
  {"janv", 1},
  {"fevrier", 2},
  {"fevr", 2},
  {"fev", 2},
  {"mars", 3},
  {"avril", 4},
  {"avr", 4},
  {"mai", 5},
  {"juin", 6},
  {"juillet", 7},
  {"juil", 7},
  {"aout", 8},
  {"septembre", 9},
  {"octobre", 10},
  {"novembre", 11},
  {"decembre", 12},
  // German
  {"januar", 1},
  {"janner", 1},
  {"februar", 2},
  {"marz", 3},
  {"maerz", 3},
  {"mrz", 3},
  {"juni", 6},
  {"juli", 7},
  {"oktober", 10},
  {"okt", 10},
  {"dezember", 12},
  {"dez", 12},
  // Dutch
  {"januari", 1},
  {"februari", 2},
  {"maart", 3},
  {"mrt", 3},
  {"mei", 5},
  {"augustus", 8},
  // Spanish
  {"enero", 1},
  {"ene", 1},
  {"febrero", 2},
  {"marzo", 3},
  {"abril", 4},
  {"abr", 4},
  {"mayo", 5},
  {"junio", 6},
  {"julio", 7},
  {"agosto", 8},
  {"ago", 8},
  {"septiembre", 9},
  {"setiembre", 9},
  {"set", 9},
  {"octubre", 10},
  {"noviembre", 11},
  {"diciembre", 12},
  {"dic", 12},
  // Italian
  {"gennaio", 1},
  {"gen", 1},
  {"febbraio", 2},
  {"aprile", 4},
  {"maggio", 5},
  {"mag", 5},
  {"giugno", 6},
  {"giu", 6},
  {"luglio", 7},
  {"lug", 7},
  {"settembre", 9},
  {"ottobre", 10},
  {"ott", 10},
  {"dicembre", 12},
  // Polish
  {"styczen", 1},
  {"stycznia", 1},
  {"sty", 1},
  {"luty", 2},
  {"lutego", 2},
  {"lut", 2},
  {"marzec", 3},
  {"marca", 3},
  {"kwiecien", 4},
  {"kwietnia", 4},
  {"kwi", 4},
  {"maj", 5},
  {"maja", 5},
  {"czerwiec", 6},
  {"czerwca", 6},
  {"cze", 6},
  {"lipiec", 7},
  {"lipca", 7},
  {"lip", 7},
  {"sierpien", 8},
  {"sierpnia", 8},
  {"sie", 8},
  {"wrzesien", 9},
  {"wrzesnia", 9},
  {"wrz", 9},
  {"pazdziernik", 10},
  {"pazdziernika", 10},
  {"paz", 10},
  {"listopad", 11},
  {"listopada", 11},
  {"lis", 11},
  {"grudzien", 12},
  {"grudnia", 12},
  {"gru", 12},
};

// Folded weekday names and the abbreviations that are not also months or
// common words.
constexpr std::string_view weekdays[] = {
  "monday",   "tuesday",   "wednesday", "thursday",   "friday",
  "saturday", "sunday",    "mon",       "tue",        "tues",
  "wed",      "thu",       "thur",      "thurs",      "fri",
  "sat",      "sun",       "lundi",     "mardi",      "mercredi",
  "jeudi",    "vendredi",  "samedi",    "dimanche",   "lun",
  "mer",      "jeu",       "ven",       "sam",        "dim",
  "montag",   "dienstag",  "mittwoch",  "donnerstag", "freitag",
  "samstag",  "sonnabend", "sonntag",   "maandag",    "dinsdag",
  "woensdag", "donderdag", "vrijdag",   "zaterdag",   "zondag",
  "lunes",    "martes",    "miercoles", "jueves",     "viernes",
  "sabado",   "domingo",   "lunedi",    "martedi",    "mercoledi",
  "giovedi",  "venerdi",   "sabato",    "domenica",   "poniedzialek",
  "wtorek",   "sroda",     "czwartek",  "piatek",     "sobota",
  "niedziela"};

// What may follow a day number: "1st", "1er", "1re", "2e", "2ème".
constexpr std::string_view ordinal_suffixes[] = {"st", "nd", "rd", "th",
                                                 "er", "re", "e",  "eme"};

// Words between the parts of a written date: "5 de marzo de 2025",
// "the 5th of March".
constexpr std::string_view fillers[] = {"de", "del", "of"};

template <class Range>
bool contains(const Range& range, std::string_view word) {
  for (std::string_view w : range)
    if (w == word)
      return true;
  return false;
}

std::optional<int> month_of(std::string_view folded) {
  for (const auto& m : months)
    if (m.name == folded)
      return m.month;
  return std::nullopt;
}

bool is_weekday(std::string_view folded) {
  return contains(weekdays, folded);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

struct token {
  bool number = false;
  /// Digits of a number, folded letters of a word.
  std::string text;
  /// A number with an ordinal suffix attached ("1er").
  bool ordinal = false;
  std::size_t begin = 0;
  std::size_t end = 0;
};

/// Runs of digits and runs of letters, with where they are.
std::vector<token> tokenize(std::string_view text) {
  std::vector<token> out;
  for (std::size_t i = 0; i < text.size();) {
    auto start = i;
    auto cp = detail::next_code_point(text, i);
    if (cp >= '0' && cp <= '9') {
      std::size_t j = i;
      while (j < text.size() && is_digit(text[j]))
        ++j;
      out.push_back(
        {true, std::string{text.substr(start, j - start)}, false, start, j});
      i = j;
      continue;
    }
    auto letter = detail::fold_letter(cp);
    if (letter.empty())
      continue;
    token t{false, std::string{letter}, false, start, i};
    for (std::size_t j = i; j < text.size();) {
      auto next = detail::fold_letter(detail::next_code_point(text, j));
      if (next.empty())
        break;
      t.text += next;
      t.end = i = j;
    }
    // "1er", "2nd": a suffix glued to a number belongs to it.
    if (!out.empty() && out.back().number && out.back().end == t.begin
        && out.back().text.size() <= 2 && contains(ordinal_suffixes, t.text)) {
      out.back().ordinal = true;
      out.back().end = t.end;
      continue;
    }
    out.push_back(std::move(t));
  }
  return out;
}

/// What stands between two parts of a date: spaces trimmed, at most one
/// space on each side, never a line break. Nothing when it is too wide.
std::optional<std::string> gap(std::string_view text, std::size_t from,
                               std::size_t to) {
  auto g = text.substr(from, to - from);
  std::string core;
  int leading = 0;
  int trailing = 0;
  for (std::size_t i = 0; i < g.size();) {
    auto cp = detail::next_code_point(g, i);
    if (detail::is_space(cp)) {
      (core.empty() ? leading : trailing)++;
      continue;
    }
    if (cp >= 0x80 || cp == '\n' || cp == '\r' || trailing > 0)
      return std::nullopt;
    core += static_cast<char>(cp);
  }
  if (leading > 1 || trailing > 1 || (core.empty() && leading + trailing > 1)
      || core.size() > 2)
    return std::nullopt;
  if (core.empty() && leading == 1)
    return " ";
  return core;
}

std::optional<int> year_of(const token& t) {
  if (!t.number || t.ordinal)
    return std::nullopt;
  int v = std::stoi(t.text);
  if (t.text.size() == 4)
    return v;
  if (t.text.size() == 2)
    return v < 70 ? 2000 + v : 1900 + v;
  return std::nullopt;
}

std::optional<int> small_of(const token& t) {
  if (!t.number || t.text.size() > 2)
    return std::nullopt;
  return std::stoi(t.text);
}

std::optional<values::date> make_date(int y, int m, int d) {
  if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
    return std::nullopt;
  char buf[11];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  auto parsed = values::date::parse(buf);
  if (!parsed)
    return std::nullopt;
  return *parsed;
}

struct match {
  values::date date;
  /// One past the last token of the date.
  std::size_t next = 0;
};

class matcher {
 public:
  matcher(std::string_view text, const std::vector<token>& tokens,
          date_order order, bool whole)
    : text_(text), tokens_(tokens), order_(order), whole_(whole) {}

  /// The date that starts at token `i`, if any.
  std::optional<match> at(std::size_t i) const {
    if (i >= tokens_.size())
      return std::nullopt;
    const auto& first = tokens_[i];
    if (!first.number && is_weekday(first.text)) {
      if (auto m = after_weekday(i))
        return m;
    }
    if (auto m = numeric(i))
      return m;
    return written(i);
  }

 private:
  std::optional<match> after_weekday(std::size_t i) const {
    if (i + 1 >= tokens_.size())
      return std::nullopt;
    auto g = gap(text_, tokens_[i].end, tokens_[i + 1].begin);
    if (!g || !(*g == " " || *g == "," || *g == "." || *g == ""))
      return std::nullopt;
    if (g->empty() && tokens_[i].end == tokens_[i + 1].begin)
      return std::nullopt;
    if (auto m = numeric(i + 1))
      return m;
    return written(i + 1);
  }

  std::optional<std::string> gap_between(std::size_t a, std::size_t b) const {
    return gap(text_, tokens_[a].end, tokens_[b].begin);
  }

  /// True when the text right before token `i` or right after token `last`
  /// glues the date to something else: "INV12/03/2025", "12.03.2025.5".
  bool glued(std::size_t i, std::size_t last) const {
    auto b = tokens_[i].begin;
    if (b > 0) {
      char c = text_[b - 1];
      if (std::isalnum(static_cast<unsigned char>(c)))
        return true;
      if ((c == '.' || c == ',' || c == '/' || c == '-') && b > 1
          && is_digit(text_[b - 2]))
        return true;
    }
    auto e = tokens_[last].end;
    if (e < text_.size()) {
      char c = text_[e];
      if (std::isalpha(static_cast<unsigned char>(c)))
        return !(c == 'T' && e + 1 < text_.size() && is_digit(text_[e + 1]));
      if (is_digit(c))
        return true;
      if ((c == '.' || c == ',' || c == '/' || c == '-') && e + 1 < text_.size()
          && is_digit(text_[e + 1]))
        return true;
    }
    return false;
  }

  std::optional<match> numeric(std::size_t i) const {
    if (i + 2 >= tokens_.size())
      return std::nullopt;
    const auto& a = tokens_[i];
    const auto& b = tokens_[i + 1];
    const auto& c = tokens_[i + 2];
    if (!a.number || !b.number || !c.number || a.ordinal || b.ordinal
        || c.ordinal)
      return std::nullopt;
    auto g1 = gap_between(i, i + 1);
    auto g2 = gap_between(i + 1, i + 2);
    if (!g1 || !g2 || *g1 != *g2)
      return std::nullopt;
    if (!(*g1 == "-" || *g1 == "/" || *g1 == "." || (whole_ && *g1 == " ")))
      return std::nullopt;
    // Spaces around the separator ("12 / 03 / 2025") are not how dates are
    // printed; they are columns.
    if (b.begin - a.end != 1 || c.begin - b.end != 1)
      return std::nullopt;
    if (!whole_ && glued(i, i + 2))
      return std::nullopt;
    std::optional<values::date> d;
    if (a.text.size() == 4) {
      auto m = small_of(b);
      auto day = small_of(c);
      if (m && day)
        d = make_date(std::stoi(a.text), *m, *day);
    } else if (a.text.size() <= 2 && b.text.size() <= 2) {
      int x = std::stoi(a.text);
      int y = std::stoi(b.text);
      if (order_ == date_order::ymd && c.text.size() == 2
          && a.text.size() == 2) {
        d = make_date(*year_of(a), y, std::stoi(c.text));
      } else if (auto year = year_of(c)) {
        bool mdy = order_ == date_order::mdy;
        if (x > 12)
          mdy = false;
        else if (y > 12)
          mdy = true;
        d = mdy ? make_date(*year, x, y) : make_date(*year, y, x);
      }
    }
    if (!d)
      return std::nullopt;
    return match{*d, i + 3};
  }

  /// Skips filler words ("de", "of") from token `j` on; returns the index of
  /// the next meaningful token or nothing when the gaps are too wide.
  std::optional<std::size_t> skip_fillers(std::size_t prev,
                                          std::size_t j) const {
    while (j < tokens_.size() && !tokens_[j].number
           && contains(fillers, tokens_[j].text)) {
      auto g = gap_between(prev, j);
      if (!g || *g != " ")
        return std::nullopt;
      prev = j++;
    }
    if (j >= tokens_.size())
      return std::nullopt;
    auto g = gap_between(prev, j);
    if (!g)
      return std::nullopt;
    return j;
  }

  static bool joins(const std::string& g) {
    return g == " " || g == "." || g == "-" || g == "/" || g == "," || g == ".,"
           || g == "" || g == ".-";
  }

  std::optional<match> written(std::size_t i) const {
    const auto& a = tokens_[i];
    // Day month year: "5 mars 2025", "05-Mar-2025", "3. Februar 2025".
    // Year month day: "2025-Mar-05".
    if (a.number) {
      auto j = skip_fillers(i, i + 1);
      if (!j || tokens_[*j].number)
        return std::nullopt;
      auto m = month_of(tokens_[*j].text);
      auto g1 = gap_between(*j - 1, *j);
      if (!m || !g1 || !joins(*g1) || a.end == tokens_[i + 1].begin)
        return std::nullopt;
      auto k = skip_fillers(*j, *j + 1);
      if (!k || !tokens_[*k].number)
        return std::nullopt;
      auto g2 = gap_between(*k - 1, *k);
      if (!g2 || !joins(*g2) || tokens_[*j].end == tokens_[*k].begin)
        return std::nullopt;
      if (!whole_ && glued(i, *k))
        return std::nullopt;
      std::optional<values::date> d;
      if (a.text.size() == 4 && !a.ordinal) {
        if (auto day = small_of(tokens_[*k]))
          d = make_date(std::stoi(a.text), *m, *day);
      } else if (auto day = small_of(a)) {
        if (auto year = year_of(tokens_[*k]))
          d = make_date(*year, *m, *day);
      }
      if (!d)
        return std::nullopt;
      return match{*d, *k + 1};
    }
    // Month day year: "March 5, 2025", "Mar 5th 2025".
    auto m = month_of(a.text);
    if (!m || i + 2 >= tokens_.size())
      return std::nullopt;
    const auto& b = tokens_[i + 1];
    const auto& c = tokens_[i + 2];
    auto g1 = gap_between(i, i + 1);
    auto g2 = gap_between(i + 1, i + 2);
    if (!g1 || !g2 || !(*g1 == " " || *g1 == "." || *g1 == "-")
        || !(*g2 == " " || *g2 == "," || *g2 == "-"))
      return std::nullopt;
    if (a.end == b.begin || b.end == c.begin)
      return std::nullopt;
    auto day = small_of(b);
    auto year = year_of(c);
    if (!day || !year)
      return std::nullopt;
    if (!whole_ && glued(i, i + 2))
      return std::nullopt;
    auto d = make_date(*year, *m, *day);
    if (!d)
      return std::nullopt;
    return match{*d, i + 3};
  }

  std::string_view text_;
  const std::vector<token>& tokens_;
  date_order order_;
  bool whole_;
};

bool only_trailing(std::string_view rest) {
  for (std::size_t i = 0; i < rest.size();) {
    auto cp = detail::next_code_point(rest, i);
    if (!(detail::is_space(cp) || cp == '.' || cp == '\n' || cp == '\r'))
      return false;
  }
  return true;
}

} // namespace

std::optional<values::date> parse_date(std::string_view text,
                                       date_order numeric) {
  auto tokens = tokenize(text);
  if (tokens.empty() || !only_trailing(text.substr(0, tokens[0].begin)))
    return std::nullopt;
  auto end = tokens.back().end;
  // Polish dates end with "r." (rok, year).
  if (tokens.size() > 3 && !tokens.back().number
      && (tokens.back().text == "r" || tokens.back().text == "roku"))
    tokens.pop_back();
  matcher m{text, tokens, numeric, true};
  auto found = m.at(0);
  if (!found || found->next != tokens.size())
    return std::nullopt;
  auto rest = text.substr(end);
  // A final period after a year is fine ("r.", "2025."), anything else not.
  if (!only_trailing(rest))
    return std::nullopt;
  return found->date;
}

std::vector<found_date> find_dates(std::string_view text, date_order numeric) {
  auto tokens = tokenize(text);
  matcher m{text, tokens, numeric, false};
  std::vector<found_date> out;
  for (std::size_t i = 0; i < tokens.size();) {
    if (auto found = m.at(i)) {
      auto begin = tokens[i].begin;
      auto end = tokens[found->next - 1].end;
      out.push_back({found->date, begin, end - begin});
      i = found->next;
    } else {
      ++i;
    }
  }
  return out;
}

std::optional<values::date> parse_date_with_format(std::string_view text,
                                                   std::string_view format) {
  std::size_t t = 0;
  std::optional<int> year, month, day;
  auto digits = [&](std::size_t min, std::size_t max) -> std::optional<int> {
    std::size_t start = t;
    while (t < text.size() && t - start < max && is_digit(text[t]))
      ++t;
    if (t - start < min)
      return std::nullopt;
    return std::stoi(std::string{text.substr(start, t - start)});
  };
  auto word = [&]() {
    std::string folded;
    while (t < text.size()) {
      std::size_t j = t;
      auto letter = detail::fold_letter(detail::next_code_point(text, j));
      if (letter.empty())
        break;
      folded += letter;
      t = j;
    }
    return folded;
  };
  auto skip_spaces = [&]() {
    while (t < text.size()) {
      std::size_t j = t;
      if (!detail::is_space(detail::next_code_point(text, j)))
        break;
      t = j;
    }
  };
  for (std::size_t f = 0; f < format.size(); ++f) {
    char c = format[f];
    if (c == ' ') {
      skip_spaces();
      continue;
    }
    if (c != '%') {
      if (t >= text.size()
          || std::tolower(static_cast<unsigned char>(text[t]))
               != std::tolower(static_cast<unsigned char>(c)))
        return std::nullopt;
      ++t;
      continue;
    }
    if (++f == format.size())
      return std::nullopt;
    char d = format[f];
    std::optional<int> v;
    switch (d) {
      case 'd':
        skip_spaces();
        day = v = digits(1, 2);
        break;
      case 'm':
        skip_spaces();
        month = v = digits(1, 2);
        break;
      case 'Y': year = v = digits(4, 4); break;
      case 'y':
        if ((v = digits(2, 2)))
          year = *v < 70 ? 2000 + *v : 1900 + *v;
        break;
      case 'H':
        if ((v = digits(1, 2)) && *v > 23)
          v.reset();
        break;
      case 'M':
      case 'S':
        if ((v = digits(1, 2)) && *v > 59 + (d == 'S' ? 2 : 0))
          v.reset();
        break;
      case 'B':
      case 'b':
      case 'A':
      case 'a': {
        auto w = word();
        bool is_month = d == 'B' || d == 'b';
        if (is_month ? !(month = v = month_of(w)) : !is_weekday(w))
          return std::nullopt;
        v = 0;
        // "févr." read with "%d %b %Y": the abbreviation's period.
        if (t < text.size() && text[t] == '.'
            && (f + 1 == format.size() || format[f + 1] != '.'))
          ++t;
        break;
      }
      case '%':
        if (t < text.size() && text[t] == '%') {
          ++t;
          v = 0;
        }
        break;
      default: return std::nullopt;
    }
    if (!v)
      return std::nullopt;
  }
  skip_spaces();
  if (t != text.size() || !year || !month || !day)
    return std::nullopt;
  return make_date(*year, *month, *day);
}

} // namespace larder::extract
