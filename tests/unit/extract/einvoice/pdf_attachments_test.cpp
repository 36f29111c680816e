#include "extract/einvoice/pdf_attachments.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>

#include "extract/einvoice/einvoice.hpp"
#include "tests/unit/extract/einvoice/corpus.hpp"

namespace larder::extract {
namespace {

namespace fs = std::filesystem;

/// One PDF of the corpus with what pdf_facts.json says about it.
struct pdf_fact {
  fs::path pdf;
  std::string klass;
  /// The extracted XML files next to it, in the order the facts list them,
  /// with the root element and guideline id of each.
  std::vector<fs::path> xml_files;
  std::vector<std::string> roots;
  std::vector<std::string> guidelines;
};

std::vector<pdf_fact> load_facts() {
  std::vector<pdf_fact> out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  auto path = test::einvoice_dir() / "pdf_facts.json";
  EXPECT_EQ(parser.load(path.string()).get(root), simdjson::SUCCESS);
  simdjson::dom::object files;
  if (root.get(files) != simdjson::SUCCESS)
    return out;
  // The facts name PDFs without their folder; find each one.
  std::map<std::string, fs::path> on_disk;
  for (const auto& e : fs::recursive_directory_iterator{test::einvoice_dir()})
    if (e.path().extension() == ".pdf")
      on_disk[e.path().filename().string()] = e.path();
  for (auto [name, fact] : files) {
    pdf_fact f;
    EXPECT_TRUE(on_disk.contains(std::string{name})) << name;
    f.pdf = on_disk[std::string{name}];
    std::string_view klass;
    EXPECT_EQ(fact["class"].get(klass), simdjson::SUCCESS);
    f.klass = klass;
    simdjson::dom::array extracted;
    EXPECT_EQ(fact["embedded_xml_extracted"].get(extracted), simdjson::SUCCESS);
    for (auto x : extracted) {
      std::string_view file, root_element, guideline;
      EXPECT_EQ(x["file"].get(file), simdjson::SUCCESS);
      EXPECT_EQ(x["root_element"].get(root_element), simdjson::SUCCESS);
      EXPECT_EQ(x["guideline_id"].get(guideline), simdjson::SUCCESS);
      f.xml_files.push_back(f.pdf.parent_path() / std::string{file});
      f.roots.emplace_back(root_element);
      f.guidelines.emplace_back(guideline);
    }
    out.push_back(std::move(f));
  }
  return out;
}

TEST(pdf_attachments, every_corpus_pdf_has_facts) {
  auto facts = load_facts();
  std::set<fs::path> covered;
  for (const auto& f : facts)
    covered.insert(f.pdf);
  int pdfs = 0;
  for (const auto& e : fs::recursive_directory_iterator{test::einvoice_dir()})
    if (e.path().extension() == ".pdf") {
      ++pdfs;
      EXPECT_TRUE(covered.contains(e.path())) << e.path();
    }
  EXPECT_EQ(pdfs, 9);
  EXPECT_EQ(facts.size(), 9u);
}

TEST(pdf_attachments, extracted_xml_is_byte_identical_to_the_corpus) {
  int checked = 0;
  for (const auto& f : load_facts()) {
    if (f.klass != "valid" && f.klass != "invalid-xmp")
      continue;
    SCOPED_TRACE(f.pdf.filename().string());
    auto files = embedded_invoice_xml(test::read_file(f.pdf));
    ASSERT_TRUE(files) << files.error().message;
    ASSERT_EQ(files->size(), f.xml_files.size());
    // The facts list the Factur-X (CII) document first, as the function
    // prefers it.
    for (std::size_t i = 0; i < f.xml_files.size(); ++i) {
      std::string want = test::read_file(f.xml_files[i]);
      ASSERT_FALSE(want.empty()) << f.xml_files[i];
      EXPECT_TRUE((*files)[i].xml == want)
        << "attachment " << i << " differs from " << f.xml_files[i];
      ++checked;
    }
    auto x = read_pdf_einvoice(test::read_file(f.pdf));
    ASSERT_TRUE(x) << x.error().message;
    EXPECT_EQ(x->model, f.guidelines.front());
    EXPECT_EQ(x->provider,
              f.roots.front() == "CrossIndustryDocument" ? "zugferd1" : "cii");
    // The same as reading the extracted file directly.
    auto direct = read_einvoice(test::read_file(f.xml_files.front()));
    ASSERT_TRUE(direct);
    EXPECT_EQ(x->fields, direct->fields);
    EXPECT_EQ(x->lines, direct->lines);
    EXPECT_TRUE(x->fields.invoice_number.has_value());
    EXPECT_TRUE(x->fields.total.has_value());
  }
  EXPECT_EQ(checked, 9);
}

TEST(pdf_attachments, two_attachments_prefer_factur_x) {
  for (const char* name : {"validV2PDF.pdf", "invalidXMP.pdf"}) {
    SCOPED_TRACE(name);
    auto bytes =
      test::read_file(test::einvoice_dir() / "mustangproject/pdf" / name);
    auto files = embedded_invoice_xml(bytes);
    ASSERT_TRUE(files);
    ASSERT_EQ(files->size(), 2u);
    EXPECT_EQ((*files)[0].name, "factur-x.xml");
    EXPECT_EQ((*files)[1].name, "ZUGFeRD-invoice.xml");
    EXPECT_EQ(sniff_einvoice((*files)[0].xml), einvoice_syntax::cii);
    EXPECT_EQ(sniff_einvoice((*files)[1].xml), einvoice_syntax::zugferd1);
    auto x = read_pdf_einvoice(bytes);
    ASSERT_TRUE(x);
    EXPECT_EQ(x->provider, "cii");
    EXPECT_EQ(x->model,
              "urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:en16931");
    ASSERT_FALSE(x->notes.empty());
    EXPECT_NE(x->notes.back().find("2 e-invoices"), std::string::npos);
  }
}

TEST(pdf_attachments, an_attached_pdf_is_not_an_invoice) {
  // akretion's PDF carries a delivery note PDF next to factur-x.xml.
  auto files = embedded_invoice_xml(test::read_file(
    test::einvoice_dir() / "factur-x-akretion/pdf/invoice_EN16931.pdf"));
  ASSERT_TRUE(files);
  ASSERT_EQ(files->size(), 1u);
  EXPECT_EQ((*files)[0].name, "factur-x.xml");
}

TEST(pdf_attachments, odd_attachment_names_still_count) {
  // zugferd_invoice.pdf names its file only as a UTF-16 string.
  auto files = embedded_invoice_xml(test::read_file(
    test::einvoice_dir() / "mustangproject/pdf/zugferd_invoice.pdf"));
  ASSERT_TRUE(files);
  ASSERT_EQ(files->size(), 1u);
  EXPECT_NE((*files)[0].name, "ZUGFeRD-invoice.xml");
  EXPECT_EQ(sniff_einvoice((*files)[0].xml), einvoice_syntax::zugferd1);
}

TEST(pdf_attachments, a_pdf_without_xml_gives_none) {
  auto bytes =
    test::read_file(test::einvoice_dir()
                    / "mustangproject/pdf/"
                      "MustangGnuaccountingBeispielRE-20201121_508blanko.pdf");
  ASSERT_GT(bytes.size(), 1000u);
  auto files = embedded_invoice_xml(bytes);
  ASSERT_TRUE(files) << files.error().message;
  EXPECT_TRUE(files->empty());
  auto x = read_pdf_einvoice(bytes);
  ASSERT_FALSE(x);
  EXPECT_EQ(x.error().code, errc::not_found);
}

/// Runs `f` with stderr sent to a temporary file and returns what was
/// written there.
template <class F>
std::string captured_stderr(F&& f) {
  std::fflush(stderr);
  int saved = dup(2);
  std::FILE* tmp = std::tmpfile();
  dup2(fileno(tmp), 2);
  f();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::rewind(tmp);
  std::string out;
  char buf[256];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, tmp))
    out.append(buf, n);
  std::fclose(tmp);
  return out;
}

TEST(pdf_attachments, damaged_pdfs_fail_clearly_and_quietly) {
  auto corrupt =
    test::read_file(test::einvoice_dir()
                    / "mustangproject/pdf/corrupt-factur-x-waytoosmall.pdf");
  ASSERT_EQ(corrupt.size(), 15u);
  auto valid = test::read_file(test::einvoice_dir()
                               / "mustangproject/pdf/EN16931_Einfach.pdf");
  for (const std::string& bytes :
       {corrupt, std::string{}, std::string{"not a pdf at all"},
        valid.substr(0, valid.size() / 3)}) {
    std::string noise = captured_stderr([&] {
      auto files = embedded_invoice_xml(bytes);
      ASSERT_FALSE(files) << bytes.size();
      EXPECT_EQ(files.error().code, errc::invalid_argument);
      EXPECT_EQ(files.error().message, "the PDF is damaged or truncated");
      auto x = read_pdf_einvoice(bytes);
      ASSERT_FALSE(x);
      EXPECT_EQ(x.error().message, "the PDF is damaged or truncated");
    });
    EXPECT_EQ(noise, "") << "poppler wrote to stderr";
  }
}

} // namespace
} // namespace larder::extract
