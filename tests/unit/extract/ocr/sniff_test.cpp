#include "extract/ocr/sniff.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "test_images.hpp"

namespace larder::extract {
namespace {

using testing::corpus_dir;
using testing::read_file;

std::string ftyp(std::string_view major, std::string_view compatible) {
  std::string box;
  auto size = static_cast<unsigned>(16 + compatible.size());
  box.push_back(0);
  box.push_back(0);
  box.push_back(static_cast<char>(size >> 8));
  box.push_back(static_cast<char>(size & 0xFF));
  box += "ftyp";
  box += major;
  box += std::string("\0\0\0\0", 4);
  box += compatible;
  return box + std::string("\0\0\0\x08meta", 8);
}

// Every corpus document sniffs as the kind its extension says; the corpus
// holds real PDFs (hybrid, scanned-looking, one truncated to its header),
// PNG renders and XML e-invoices from several producers.
TEST(sniff, corpus_files_by_extension) {
  int pdfs = 0;
  int pngs = 0;
  int xmls = 0;
  for (auto& entry :
       std::filesystem::recursive_directory_iterator(corpus_dir())) {
    auto ext = entry.path().extension();
    std::optional<document_kind> expected;
    if (ext == ".pdf")
      expected = document_kind::pdf, ++pdfs;
    else if (ext == ".png")
      expected = document_kind::png, ++pngs;
    else if (ext == ".xml")
      expected = document_kind::xml, ++xmls;
    else
      continue;
    EXPECT_EQ(sniff(read_file(entry.path())), expected) << entry.path();
  }
  EXPECT_GE(pdfs, 10);
  EXPECT_EQ(pngs, 2);
  EXPECT_GE(xmls, 50);
}

// Text, JSON and YAML fixtures of the corpus are not documents larder reads.
TEST(sniff, corpus_text_files_are_refused) {
  for (auto name : {"invoice2data/samples/Orlen.txt",
                    "invoice2data/samples/oyo.json", "SOURCES.tsv"})
    EXPECT_EQ(sniff(read_file(corpus_dir() / name)), std::nullopt) << name;
}

struct sniff_case {
  const char* name;
  std::string bytes;
  std::optional<document_kind> kind;
};

TEST(sniff, table) {
  using enum document_kind;
  const sniff_case cases[] = {
    {"pdf header", "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj", pdf},
    {"pdf after junk", std::string(500, 'x') + "%PDF-1.4\n", pdf},
    {"pdf too far", std::string(1100, ' ') + "%PDF-1.4\n", std::nullopt},
    {"jpeg jfif",
     "\xFF\xD8\xFF\xE0\x00\x10"
     "JFIF\x00",
     jpeg},
    {"jpeg exif",
     "\xFF\xD8\xFF\xE1\x12\x34"
     "Exif\x00\x00",
     jpeg},
    {"jpeg too short", "\xFF\xD8", std::nullopt},
    {"png", "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", png},
    {"png signature truncated", "\x89PNG\r\n\x1a", std::nullopt},
    {"png signature damaged", "\x89PNG\r\n\x1b\n\x00\x00\x00\x0dIHDR",
     std::nullopt},
    {"heic", ftyp("heic", "mif1heic"), heic},
    {"heix", ftyp("heix", "mif1heix"), heic},
    {"heif generic", ftyp("mif1", "mif1"), heic},
    {"heic sequence", ftyp("msf1", "msf1hevc"), heic},
    {"heic brand only compatible", ftyp("isom", "mif1heicmiaf"), heic},
    {"avif only", ftyp("avif", "avifmif1miafMA1B"), std::nullopt},
    {"avif sequence", ftyp("avis", "avismsf1miaf"), std::nullopt},
    {"mp4 video", ftyp("isom", "isomiso2avc1mp41"), std::nullopt},
    {"quicktime", ftyp("qt  ", "qt  "), std::nullopt},
    {"xml declaration", "<?xml version=\"1.0\"?><Invoice/>", xml},
    {"xml bom and space", "\xEF\xBB\xBF\n  <?xml version=\"1.0\"?>", xml},
    {"xml root no declaration",
     "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:"
     "Invoice-2\">",
     xml},
    {"xml prefixed root", "<rsm:CrossIndustryInvoice xmlns:rsm=\"x\">", xml},
    {"xml comment first", "<!-- generated --> <Invoice/>", xml},
    {"svg is xml", "<svg xmlns=\"http://www.w3.org/2000/svg\"/>", xml},
    {"html doctype", "<!DOCTYPE html><html><body>Invoice</body></html>",
     std::nullopt},
    {"html root", "\n<HTML><head><title>Invoice</title></head>", std::nullopt},
    {"plain text", "Invoice 42\nTotal: 12.50 EUR\n", std::nullopt},
    {"less than in text", "< 5 items", std::nullopt},
    {"zip", std::string("PK\x03\x04\x14\x00\x00\x00", 8), std::nullopt},
    {"gif", "GIF89a\x01\x00\x01\x00", std::nullopt},
    {"elf",
     "\x7f"
     "ELF\x02\x01\x01",
     std::nullopt},
    {"windows exe", "MZ\x90\x00\x03\x00", std::nullopt},
    {"empty", "", std::nullopt},
  };
  for (const auto& c : cases)
    EXPECT_EQ(sniff(c.bytes), c.kind) << c.name;
}

TEST(sniff, media_types) {
  using enum document_kind;
  EXPECT_EQ(media_type_of(pdf), "application/pdf");
  EXPECT_EQ(media_type_of(jpeg), "image/jpeg");
  EXPECT_EQ(media_type_of(png), "image/png");
  EXPECT_EQ(media_type_of(heic), "image/heic");
  EXPECT_EQ(media_type_of(xml), "application/xml");
  for (auto kind : {pdf, jpeg, png, heic, xml})
    EXPECT_TRUE(declared_type_matches(media_type_of(kind), kind));
}

struct declared_case {
  const char* declared;
  document_kind kind;
  bool matches;
};

TEST(sniff, declared_types) {
  using enum document_kind;
  const declared_case cases[] = {
    {"", pdf, true},
    {"application/octet-stream", jpeg, true},
    {"Application/Octet-Stream; name=\"scan.heic\"", heic, true},
    {"application/pdf", pdf, true},
    {"APPLICATION/PDF", pdf, true},
    {"application/x-pdf", pdf, true},
    {"image/jpg", jpeg, true},
    {"image/pjpeg", jpeg, true},
    {" image/jpeg ; quality=high", jpeg, true},
    {"image/heif", heic, true},
    {"text/xml; charset=utf-8", xml, true},
    {"application/xml", xml, true},
    {"application/ubl+xml", xml, true},
    // The bytes contradict the declaration.
    {"image/png", pdf, false},
    {"application/pdf", png, false},
    {"image/jpeg", heic, false},
    {"text/plain", xml, false},
    {"text/html", xml, false},
    {"application/zip", pdf, false},
    {"image/png; charset=utf-8", jpeg, false},
    {"image/svg+xml", png, false},
  };
  for (const auto& c : cases)
    EXPECT_EQ(declared_type_matches(c.declared, c.kind), c.matches)
      << '"' << c.declared << "\" for " << media_type_of(c.kind);
}

// A corpus PDF sent as image/png: sniffing says PDF, the declaration lies.
TEST(sniff, pdf_declared_as_png_is_a_mismatch) {
  auto bytes = read_file(corpus_dir() / "invoice2data/samples/oyo.pdf");
  auto kind = sniff(bytes);
  ASSERT_EQ(kind, document_kind::pdf);
  EXPECT_FALSE(declared_type_matches("image/png", *kind));
  EXPECT_TRUE(declared_type_matches("application/pdf", *kind));
}

} // namespace
} // namespace larder::extract
