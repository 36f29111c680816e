#include "extract/text/pdf_text.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace {

using larder::extract::pdf_page_texts;
using larder::extract::pdf_text;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string corpus(const std::string& relative) {
  return read_file(std::string(LARDER_CORPUS_DIR) + "/" + relative);
}

/// Where `needle` starts on its line, in characters (the layout column).
std::size_t column_of(const std::string& text, const std::string& needle) {
  auto at = text.find(needle);
  if (at == std::string::npos)
    return std::string::npos;
  auto line_start = text.rfind('\n', at);
  line_start = line_start == std::string::npos ? 0 : line_start + 1;
  return at - line_start;
}

TEST(pdf_text, keeps_the_physical_layout_of_pdftotext) {
  auto text = pdf_text(corpus("invoice2data/samples/AmazonWebServices.pdf"));
  ASSERT_TRUE(text) << text.error().message;
  // Two columns on one line, far apart as pdftotext -layout puts them.
  auto line_start = text->find("296664039561");
  ASSERT_NE(line_start, std::string::npos);
  auto line_end = text->find('\n', line_start);
  auto line = text->substr(line_start, line_end - line_start);
  EXPECT_NE(line.find("Invoice Number:"), std::string::npos) << line;
  EXPECT_NE(line.find("42183017"), std::string::npos) << line;
  EXPECT_GT(line.find("Invoice Number:"), 40u) << line;
  // The line items' amounts are right-aligned in one column.
  EXPECT_EQ(column_of(*text, "$0.01"), column_of(*text, "$1.87"));
  // Reading order: the summary before the detail.
  EXPECT_LT(text->find("Invoice Summary"), text->find(" Detail"));
  EXPECT_EQ(text->back(), '\f');
}

TEST(pdf_text, matches_pdftotext_on_an_einvoice_pdf) {
  auto text =
    pdf_text(corpus("einvoice/mustangproject/pdf/EN16931_Einfach.pdf"));
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->find("Handelsrechnung (380) Nr. 471102"), std::string::npos);
  EXPECT_LT(text->find("Lesbarmachung"), text->find("Handelsrechnung"));
}

TEST(pdf_text, pages_are_separate_and_joined_by_form_feeds) {
  auto bytes = corpus("invoice2data/samples/oyo.pdf");
  auto pages = pdf_page_texts(bytes);
  ASSERT_TRUE(pages) << pages.error().message;
  ASSERT_GE(pages->size(), 1u);
  std::string joined;
  for (const auto& p : *pages) {
    EXPECT_EQ(p.find('\f'), std::string::npos);
    joined += p + "\f";
  }
  auto text = pdf_text(bytes);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, joined);
  EXPECT_NE(text->find("Oravel Stays"), std::string::npos);
}

TEST(pdf_text, a_damaged_pdf_is_a_clear_error) {
  auto truncated =
    corpus("einvoice/mustangproject/pdf/corrupt-factur-x-waytoosmall.pdf");
  ASSERT_FALSE(truncated.empty());
  testing::internal::CaptureStderr();
  auto text = pdf_text(truncated);
  auto printed = testing::internal::GetCapturedStderr();
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().code, larder::errc::invalid_argument);
  EXPECT_NE(text.error().message.find("damaged"), std::string::npos)
    << text.error().message;
  EXPECT_EQ(printed, "") << "poppler must not write to stderr";

  auto garbage = pdf_text("not a pdf at all");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, larder::errc::invalid_argument);
  auto empty = pdf_text("");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, larder::errc::invalid_argument);
}

TEST(pdf_text, a_pdf_without_text_layer_gives_empty_text) {
  // A one-page PDF that draws a rectangle and no text.
  std::string body = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  auto object = [&](const std::string& o) {
    offsets.push_back(body.size());
    body += o;
  };
  std::string content = "0 0 m 100 100 l S\n";
  object("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
  object("2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n");
  object("3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] "
         "/Contents 4 0 R >> endobj\n");
  object("4 0 obj << /Length " + std::to_string(content.size()) + " >> stream\n"
         + content + "endstream endobj\n");
  auto xref = body.size();
  body += "xref\n0 5\n0000000000 65535 f \n";
  for (auto o : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
    body += line;
  }
  body += "trailer << /Size 5 /Root 1 0 R >>\nstartxref\n"
          + std::to_string(xref) + "\n%%EOF\n";
  auto pages = pdf_page_texts(body);
  ASSERT_TRUE(pages) << pages.error().message;
  ASSERT_EQ(pages->size(), 1u);
  EXPECT_EQ((*pages)[0], "");
  auto text = pdf_text(body);
  ASSERT_TRUE(text);
  EXPECT_EQ(*text, "");
}

} // namespace
