#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "extract/text/templates.hpp"

namespace {

using namespace larder::extract;

const std::string k_root = std::string(LARDER_CORPUS_DIR) + "/invoice2data";

std::string error_of(std::string_view yaml) {
  auto t = parse_template(yaml, "templates/acme.yml");
  if (t)
    return "(accepted)";
  EXPECT_EQ(t.error().code, larder::errc::invalid_argument);
  return t.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(template_loading, every_corpus_template_loads_as_invoice2data_reads_it) {
  auto lib = template_library::load_directory(k_root + "/templates",
                                              template_checks::upstream);
  ASSERT_TRUE(lib) << lib.error().message;
  EXPECT_EQ(lib->size(), 209u);
  auto custom = template_library::load_directory(k_root + "/custom/templates");
  ASSERT_TRUE(custom) << custom.error().message;
  EXPECT_EQ(custom->size(), 3u);

  // What upstream silently ignores is reported with its line.
  const template_entry* namecheap = nullptr;
  const template_entry* gulf = nullptr;
  for (const auto* e : lib->entries()) {
    if (e->name == "templates/com/com.namecheap.yml")
      namecheap = e;
    if (e->name == "templates/nl/nl.gulf.yml")
      gulf = e;
  }
  ASSERT_NE(namecheap, nullptr);
  ASSERT_NE(gulf, nullptr);
  std::string all;
  for (const auto& w : namecheap->warnings)
    all += w + "\n";
  EXPECT_TRUE(contains(all, "line 27: fields.partner_street.parser: duplicate "
                            "key, the last value is used"))
    << all;
  EXPECT_TRUE(contains(all, "line 29: unknown key 'country_code' ignored"))
    << all;
  ASSERT_FALSE(gulf->warnings.empty());
  EXPECT_TRUE(contains(gulf->warnings.front(), "line 63"))
    << gulf->warnings.front();
  EXPECT_TRUE(contains(gulf->warnings.front(), "missing closing parenthesis"))
    << gulf->warnings.front();
}

TEST(template_loading, strict_checks_refuse_the_corpus_mistakes) {
  auto lib = template_library::load_directory(k_root + "/templates");
  ASSERT_FALSE(lib);
  const auto& m = lib.error().message;
  EXPECT_TRUE(contains(m, "templates/com/com.namecheap.yml line 29: "
                          "unknown key 'country_code'"))
    << m;
  EXPECT_TRUE(contains(m, "templates/nl/nl.gulf.yml line 63: "
                          "fields.lines.rules[0].start: invalid regex"))
    << m;
  EXPECT_TRUE(contains(m, "templates/com/com.twitter.de.yml line 13: "
                          "options: unknown key 'locale'"))
    << m;
  EXPECT_TRUE(contains(m, "templates/nl/nl.parkmobile.yml line 5: "
                          "fields.amount: duplicate key"))
    << m;
  // Only the templates with mistakes are named.
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n'), 16) << m;
}

TEST(template_loading, a_broken_template_is_refused_naming_its_line) {
  EXPECT_EQ(error_of("issuer: Acme\n"
                     "keywords: [Acme]\n"
                     "fields:\n"
                     "  amount:\n"
                     "    parser: regx\n"
                     "    regex: Total (\\d+)\n"),
            "templates/acme.yml line 5: fields.amount: unknown parser 'regx' "
            "(expected regex, static or lines)");
  // Unknown key.
  EXPECT_EQ(error_of("issuer: Acme\n"
                     "keywords: [Acme]\n"
                     "fields:\n"
                     "  amount:\n"
                     "    parser: regex\n"
                     "    regx: Total (\\d+)\n"),
            "templates/acme.yml line 6: fields.amount: unknown key 'regx'");
  EXPECT_EQ(error_of("issuer: Acme\nkeywords: [Acme]\ncolour: red\n"),
            "templates/acme.yml line 3: unknown key 'colour'");
  // Bad regex, with PCRE2's message.
  auto bad_regex = error_of("issuer: Acme\n"
                            "keywords: [Acme]\n"
                            "fields:\n"
                            "  invoice_number: No (\\d+\n");
  EXPECT_TRUE(contains(bad_regex, "templates/acme.yml line 4: "
                                  "fields.invoice_number: invalid regex"))
    << bad_regex;
  EXPECT_TRUE(contains(bad_regex, "missing closing parenthesis")) << bad_regex;
  // Bad YAML.
  auto bad_yaml = error_of("issuer: Acme\nkeywords: [Acme\nfields: {}\n");
  EXPECT_TRUE(contains(bad_yaml, "templates/acme.yml line ")) << bad_yaml;
  EXPECT_TRUE(contains(bad_yaml, "bad YAML")) << bad_yaml;
  // Wrong types.
  EXPECT_EQ(error_of("issuer: Acme\nkeywords: [Acme]\npriority: high\n"),
            "templates/acme.yml line 3: priority: expected a whole number");
  EXPECT_EQ(error_of("issuer: Acme\nkeywords: [Acme]\n"
                     "fields:\n  amount:\n    parser: regex\n"
                     "    regex: (\\d+)\n    type: flaot\n"),
            "templates/acme.yml line 7: fields.amount.type: unknown type "
            "'flaot' (expected int, float, date or datetime)");
  EXPECT_EQ(error_of("issuer: Acme\nkeywords: [Acme]\n"
                     "fields:\n  amount:\n    parser: regex\n"
                     "    regex: (\\d+)\n    group: avg\n"),
            "templates/acme.yml line 7: fields.amount.group: unknown group "
            "'avg' (expected sum, min, max, first, last or join)");
  EXPECT_EQ(error_of("issuer: Acme\nkeywords: [Acme]\nfields: [a, b]\n"),
            "templates/acme.yml line 3: fields: expected a mapping of field "
            "names");
  EXPECT_EQ(error_of("issuer: Acme\nkeywords: [Acme]\n"
                     "options:\n  decimal_separator: ',,'\n"),
            "templates/acme.yml line 4: options.decimal_separator: expected "
            "one character, '.' or ','");
  EXPECT_EQ(error_of("issuer: Acme\nkeywords: [Acme]\n"
                     "options:\n  languages: [french]\n"),
            "templates/acme.yml line 4: options.languages: language 'french' "
            "must be a two-letter code");
  EXPECT_EQ(error_of("issuer: Acme\nfields: {}\n"),
            "templates/acme.yml line 1: keywords: missing: a template needs "
            "keywords");
  EXPECT_EQ(error_of("issuer: Acme\nkeywords: [Acme]\n"
                     "options:\n  replace:\n    - ['(a)', '\\g<2>']\n"),
            "templates/acme.yml line 5: options.replace[0][1]: bad "
            "replacement '\\g<2>': invalid group reference 2");
  EXPECT_EQ(error_of("issuer: Acme\nkeywords: [Acme]\n"
                     "fields:\n  lines:\n    parser: lines\n"
                     "    start: Items\n    line: (?P<name>.+)\n"),
            "templates/acme.yml line 5: fields.lines: a lines block needs "
            "'end'");
  EXPECT_EQ(error_of("- just\n- a list\n"),
            "templates/acme.yml line 1: a template must be a mapping");
}

TEST(template_loading, a_tenant_template_is_added_and_replaced_by_name) {
  template_library lib;
  auto first = lib.add("issuer: Acme\nkeywords: [ACME]\n"
                       "fields:\n  amount: Total (\\d+)\n",
                       "tenant/acme.yml");
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ((*first)->issuer, "Acme");
  EXPECT_EQ(lib.size(), 1u);
  auto bad = lib.add("issuer: Acme 2\nkeywords: [ACME\n", "tenant/acme.yml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(lib.size(), 1u);
  EXPECT_EQ(lib.match("ACME invoice")->issuer, "Acme");
  auto second =
    lib.add("issuer: Acme Foods\nkeywords: [ACME]\n", "tenant/acme.yml");
  ASSERT_TRUE(second);
  EXPECT_EQ(lib.size(), 1u);
  EXPECT_EQ(lib.match("ACME invoice")->issuer, "Acme Foods");
}

TEST(template_selection, keywords_excludes_and_priority_pick_the_template) {
  template_library lib;
  ASSERT_TRUE(lib.add("issuer: Generic\nkeywords: [Invoice]\n", "a.yml"));
  ASSERT_TRUE(lib.add("issuer: Acme\nkeywords: ['ACME\\s+Foods', Invoice]\n"
                      "exclude_keywords: [Credit note]\n",
                      "b.yml"));
  ASSERT_TRUE(lib.add("issuer: Urgent\npriority: 7\n"
                      "keywords: ['(?i)urgent', Invoice]\n",
                      "c.yml"));
  ASSERT_TRUE(
    lib.add("issuer: Low\npriority: 1\nkeywords: [Invoice]\n", "d.yml"));
  auto names = [&] {
    std::vector<std::string> out;
    for (const auto* e : lib.entries())
      out.push_back(e->issuer);
    return out;
  };
  EXPECT_EQ(names(),
            (std::vector<std::string>{"Urgent", "Generic", "Acme", "Low"}));
  // Same priority: the first added wins, as invoice2data's stable sort.
  EXPECT_EQ(lib.match("ACME  Foods Invoice 12")->issuer, "Generic");
  // Every keyword must match (as a regex).
  EXPECT_EQ(lib.match("Invoice, URGENT")->issuer, "Urgent");
  EXPECT_EQ(lib.match("nothing here"), nullptr);

  template_library acme;
  ASSERT_TRUE(acme.add("issuer: Acme\nkeywords: ['ACME\\s+Foods', Invoice]\n"
                       "exclude_keywords: Credit note\n",
                       "b.yml"));
  EXPECT_NE(acme.match("ACME Foods Invoice"), nullptr);
  EXPECT_EQ(acme.match("ACME Foods Invoice / Credit note"), nullptr);
  EXPECT_EQ(acme.match("ACME Invoice"), nullptr);
}

} // namespace
