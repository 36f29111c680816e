#include "extract/text/templates.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "extract/text/invoice2data.hpp"
#include "extract/text/pdf_text.hpp"
#include "json_compare.hpp"

namespace {

using namespace larder::extract;

const std::string k_root = std::string(LARDER_CORPUS_DIR) + "/invoice2data";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const template_library& upstream_library() {
  static const template_library lib = [] {
    auto l = template_library::load_directory(k_root + "/templates",
                                              template_checks::upstream);
    if (!l)
      ADD_FAILURE() << l.error().message;
    return l ? std::move(*l) : template_library{};
  }();
  return lib;
}

const template_library& custom_library() {
  static const template_library lib = [] {
    auto l = template_library::load_directory(k_root + "/custom/templates");
    if (!l)
      ADD_FAILURE() << l.error().message;
    return l ? std::move(*l) : template_library{};
  }();
  return lib;
}

/// The differences between our JSON and the expected file, after dropping
/// `template_name` from the expected side (ours never has it).
std::vector<std::string>
compare_with_expected(const std::string& actual,
                      const std::string& expected_path) {
  simdjson::dom::parser pa, pb;
  simdjson::dom::element a, b;
  std::vector<std::string> diffs;
  if (pa.parse(actual).get(a) != simdjson::SUCCESS) {
    diffs.push_back("our output is not JSON: " + actual);
    return diffs;
  }
  auto expected_text = read_file(expected_path);
  if (pb.parse(expected_text).get(b) != simdjson::SUCCESS) {
    diffs.push_back("expected file is not JSON");
    return diffs;
  }
  simdjson::dom::array aa, bb;
  if (a.get(aa) != simdjson::SUCCESS || b.get(bb) != simdjson::SUCCESS
      || aa.size() != 1 || bb.size() != 1) {
    diffs.push_back("both must be one-element arrays");
    return diffs;
  }
  simdjson::dom::object ao = aa.at(0), bo = bb.at(0);
  // Compare member by member, skipping template_name on both sides.
  for (auto [key, value] : ao) {
    if (key == "template_name")
      continue;
    simdjson::dom::element other;
    if (bo[key].get(other) != simdjson::SUCCESS) {
      diffs.push_back(std::string(key) + ": only in ours ("
                      + larder::test::json_text(value) + ")");
      continue;
    }
    larder::test::json_diff(value, other, std::string(key), diffs);
  }
  for (auto [key, value] : bo) {
    if (key == "template_name")
      continue;
    simdjson::dom::element other;
    if (ao[key].get(other) != simdjson::SUCCESS)
      diffs.push_back(std::string(key) + ": missing (expected "
                      + larder::test::json_text(value) + ")");
  }
  return diffs;
}

struct sample_case {
  const char* input;
  const char* expected_template;
  bool pdf;
};

class invoice2data_sample : public testing::TestWithParam<sample_case> {};

TEST_P(invoice2data_sample, output_equals_upstream_expected_json) {
  const auto& c = GetParam();
  std::string input = k_root + "/samples/" + c.input;
  std::string text;
  if (c.pdf) {
    auto t = pdf_text(read_file(input));
    ASSERT_TRUE(t) << t.error().message;
    text = std::move(*t);
  } else {
    text = read_file(input);
  }
  ASSERT_FALSE(text.empty());
  const auto* entry = upstream_library().match(text);
  ASSERT_NE(entry, nullptr) << "no template matched " << c.input;
  EXPECT_EQ(entry->name, c.expected_template);
  auto x = apply_template(*entry, text);
  ASSERT_TRUE(x) << x.error().message;
  auto stem = std::string(c.input).substr(0, std::string(c.input).rfind('.'));
  auto diffs = compare_with_expected(to_invoice2data_json(*x),
                                     k_root + "/samples/" + stem + ".json");
  for (const auto& d : diffs)
    ADD_FAILURE() << c.input << ": " << d;
}

INSTANTIATE_TEST_SUITE_P(
  corpus, invoice2data_sample,
  testing::Values(
    sample_case{"AmazonWebServices.pdf", "templates/com/com.amazon.aws.yml",
                true},
    sample_case{"AzureInterior.pdf", "templates/com/com.AzureInterior.yml",
                true},
    sample_case{"coolblue1.pdf", "templates/nl/nl.be.coolblue.yml", true},
    sample_case{"free_fiber.pdf", "templates/fr/fr.free.adsl-fiber.yml", true},
    sample_case{"oyo.pdf", "templates/com/com.oyo.invoice.yml", true},
    sample_case{"Orlen.txt", "templates/pl/pl.orlen.yml", false}),
  [](const auto& info) {
    std::string name = info.param.input;
    for (auto& ch : name)
      if (!std::isalnum(static_cast<unsigned char>(ch)))
        ch = '_';
    return name;
  });

class invoice2data_custom : public testing::TestWithParam<const char*> {};

TEST_P(invoice2data_custom, output_equals_upstream_expected_json) {
  std::string stem = GetParam();
  auto text = read_file(k_root + "/custom/" + stem + ".txt");
  const auto* entry = custom_library().match(text);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->name, "templates/" + stem + ".yml");
  auto x = apply_template(*entry, text);
  ASSERT_TRUE(x) << x.error().message;
  auto diffs = compare_with_expected(to_invoice2data_json(*x),
                                     k_root + "/custom/" + stem + ".json");
  for (const auto& d : diffs)
    ADD_FAILURE() << stem << ": " << d;
}

INSTANTIATE_TEST_SUITE_P(corpus, invoice2data_custom,
                         testing::Values("basic", "lines-basic",
                                         "table-groups"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& ch : name)
                             if (ch == '-')
                               ch = '_';
                           return name;
                         });

} // namespace

namespace {

TEST(template_prefilter, reads_only_the_forms_it_is_sure_of) {
  const std::string text = "Invoice from ACME Ltd. for O'Brien & Sons";
  struct row {
    const char* source;
    bool may_match;
  };
  const row rows[] = {
    {"issuer: Acme\nkeywords:\n  - ACME\n  - Sons\n", true},
    {"issuer: Acme\nkeywords:\n  - ACME\n  - Globex\n", false},
    {"keywords:\n- 'ACME Ltd'\n- \"for O\"\nfields: {}\n", true},
    {"keywords:\n- 'Initech'\n", false},
    {"keywords:\n  - A.ME\\s+Ltd\n", true},        // a regex, as upstream
    {"keywords:\n  - Initech # not here\n", true}, // a comment: unsure
    {"keywords: [Initech]\n", true},               // flow style: unsure
    {"keywords: Initech\n", true},                 // a scalar: unsure
    {"keywords:\n  - 'O''Brien'\n", true},         // an escape: unsure
    {"keywords:\n  - \"Init\\tech\"\n", true},     // a backslash: unsure
    {"keywords:\n  - 2024\n", true},               // a number: unsure
    {"keywords:\n  - yes\n", true},                // a boolean: unsure
    {"keywords:\n  - Initech\nkeywords:\n  - ACME\n", true}, // twice
    {"keywords:\n  - Initech\n---\nkeywords:\n  - ACME\n", true},
    {"keywords:\n  - [unclosed\n", true}, // not a regex: plain text
    {"issuer: no keywords here\n", true},
    {"keywords:\n  - Initech\n  -  nested:\n      x\n", true},
  };
  for (const auto& r : rows)
    EXPECT_EQ(template_may_match(r.source, text), r.may_match) << r.source;
}

/// Over the whole upstream library and every corpus sample's text: the
/// prefilter never rules out a template that matches, and rules out most.
TEST(template_prefilter, never_rules_out_a_template_that_matches) {
  namespace fs = std::filesystem;
  std::vector<std::string> texts;
  for (const auto& e : fs::directory_iterator(k_root + "/samples")) {
    auto ext = e.path().extension();
    if (ext == ".pdf") {
      if (auto t = pdf_text(read_file(e.path().string())))
        texts.push_back(*t);
    } else if (ext == ".txt") {
      texts.push_back(read_file(e.path().string()));
    }
  }
  ASSERT_GE(texts.size(), 5u);
  std::size_t parsed = 0, ruled_out = 0, checked = 0;
  for (const auto& e :
       fs::recursive_directory_iterator(k_root + "/templates")) {
    auto ext = e.path().extension();
    if (!e.is_regular_file() || (ext != ".yml" && ext != ".yaml"))
      continue;
    auto source = read_file(e.path().string());
    auto entry = parse_template(source, e.path().filename().string(),
                                template_checks::upstream);
    if (!entry)
      continue;
    ++parsed;
    for (const auto& text : texts) {
      ++checked;
      bool may = template_may_match(source, text);
      if (template_matches(*entry, text)) {
        EXPECT_TRUE(may) << e.path() << " matches but was ruled out";
      }
      if (!may)
        ++ruled_out;
    }
  }
  EXPECT_GE(parsed, 150u);
  EXPECT_GT(ruled_out * 10, checked * 8)
    << "the prefilter should spare most templates' parsing: " << ruled_out
    << " of " << checked;
}

} // namespace
