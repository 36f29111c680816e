// Intake and extraction over real HTTP: uploads through multipart forms,
// content-addressed storage, duplicates, refusals, the stored document,
// and the extraction manager reading corpus documents in child processes
// until the invoice awaits approval.
#include "tests/pg/http/http_fixture.hpp"

#include <simdjson.h>

using namespace larder;
using namespace larder::testing;

namespace {

namespace fs = std::filesystem;

const fs::path corpus = LARDER_CORPUS_DIR;

std::string read_file(const fs::path& path) {
  std::ifstream in{path, std::ios::binary};
  return {std::istreambuf_iterator<char>{in}, {}};
}

struct upload_file {
  std::string file_name;
  std::string content_type;
  std::string bytes;
};

const std::string boundary = "larder-test-boundary-3f9a";

std::string form(const std::vector<upload_file>& files) {
  std::string body;
  for (const auto& f : files)
    body += "--" + boundary
            + "\r\nContent-Disposition: form-data; name=\"file\"; "
              "filename=\""
            + f.file_name + "\"\r\nContent-Type: " + f.content_type + "\r\n\r\n"
            + f.bytes + "\r\n";
  return body + "--" + boundary + "--\r\n";
}

class intake : public http_fixture {
 protected:
  void SetUp() override {
    http_fixture::SetUp();
    cfg_.extract_workers = 2;
    cfg_.extract_binary = LARDER_BINARY;
    cfg_.templates_dir = (corpus / "invoice2data" / "templates").string();
    cfg_.ocr_languages = "eng+fra";
    cfg_.extract_timeout_seconds = 120;
    cfg_.extract_min_confidence = 0;
  }

  http_answer upload(const session& who, const std::vector<upload_file>& files,
                     const std::string& path = "/api/upload") {
    http_request req;
    req.method = "POST";
    req.target = path;
    req.body = form(files);
    req.headers = {
      {"Cookie", "larder_session=" + who.cookie},
      {"X-CSRF-Token", who.csrf},
      {"Content-Type", "multipart/form-data; boundary=" + boundary}};
    return http_call(port, req);
  }

  /// Waits (bounded) until the invoice leaves received/extracting; returns
  /// its status.
  std::string settled_status(const session& who, const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    std::string status;
    while (std::chrono::steady_clock::now() < deadline) {
      auto state = call("GET", "/api/invoices/" + id + "/state", &who);
      status = member(state.body, "status");
      if (status != "received" && status != "extracting")
        return status;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return status;
  }

  /// The invoice's detail once the invoices model has it settled.
  simdjson::dom::element detail(const session& who, const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (;;) {
      auto got = call("GET", "/api/invoices/" + id, &who);
      detail_text_ = got.body;
      std::string_view shown;
      if (got.status == 200 && !parser_.parse(detail_text_).get(detail_)
          && !detail_["lifecycle_status"].get(shown) && shown != "received"
          && shown != "extracting")
        return detail_;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "no settled detail: " << got.status << " " << got.body;
        return detail_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::size_t stored_documents(const std::string& tenant) {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& f :
         fs::directory_iterator(data_ / "documents" / tenant, ec))
      if (f.is_regular_file())
        ++n;
    return n;
  }

  simdjson::dom::parser parser_;
  simdjson::dom::element detail_;
  std::string detail_text_;
};

std::string text_of(simdjson::dom::element e, const char* a,
                    const char* b = nullptr) {
  // Header fields are {"value", "confidence", "corrected"}.
  auto v =
    b ? (std::string_view{a} == "fields" ? e[a][b]["value"] : e[a][b]) : e[a];
  std::string_view s;
  if (v.get(s))
    return {};
  return std::string{s};
}

TEST_F(intake, a_pdf_upload_becomes_an_invoice_awaiting_approval) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-intake");
  auto pdf = read_file(corpus / "invoice2data/samples/AzureInterior.pdf");
  ASSERT_FALSE(pdf.empty());
  auto first = upload(alice, {{"AzureInterior.pdf", "application/pdf", pdf}});
  ASSERT_EQ(first.status, 201) << first.body;
  auto id = member(first.body, "id");
  ASSERT_EQ(id.size(), 36u) << first.body;
  EXPECT_NE(first.body.find("\"duplicate\":false"), std::string::npos);
  EXPECT_EQ(member(first.body, "media_type"), "application/pdf");

  EXPECT_EQ(settled_status(alice, id), "awaiting_approval");
  auto d = detail(alice, id);
  // The template of the corpus reads this invoice (see its .json).
  EXPECT_EQ(text_of(d, "fields", "invoice_number"), "INV/2023/03/0008")
    << detail_text_;
  EXPECT_EQ(text_of(d, "fields", "total"), "279.84") << detail_text_;
  EXPECT_EQ(text_of(d, "fields", "issue_date"), "2023-03-20") << detail_text_;

  // The same bytes again: the same invoice, marked duplicate, not re-read.
  auto again = upload(alice, {{"copy.pdf", "application/pdf", pdf}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(member(again.body, "id"), id);
  EXPECT_NE(again.body.find("\"duplicate\":true"), std::string::npos);
  EXPECT_EQ(stored_documents(tenant), 1u);

  // The stored document comes back as it went in.
  auto doc = call("GET", "/api/invoices/" + id + "/document", &alice);
  ASSERT_EQ(doc.status, 200);
  EXPECT_EQ(doc.body, pdf);
  EXPECT_EQ(doc.header("content-type"), "application/pdf");
  EXPECT_EQ(doc.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(doc.header("content-disposition"),
            "inline; filename=\"AzureInterior.pdf\"");
  // Operators see what extraction did.
  auto metrics = call("GET", "/metrics");
  EXPECT_NE(
    metrics.body.find("larder_extractions_total{outcome=\"succeeded\"} 1\n"),
    std::string::npos)
    << metrics.body;
  auto etag = doc.header("etag");
  EXPECT_EQ(call("GET", "/api/invoices/" + id + "/document", &alice, "",
                 {{"If-None-Match", etag}})
              .status,
            304);
}

TEST_F(intake, refused_files_store_nothing_and_say_why) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-refuse");
  auto pdf = read_file(corpus / "invoice2data/samples/AzureInterior.pdf");

  auto spoofed = upload(alice, {{"photo.png", "image/png", pdf}});
  EXPECT_EQ(spoofed.status, 415) << spoofed.body;
  EXPECT_NE(spoofed.body.find("declared as image/png"), std::string::npos)
    << spoofed.body;

  auto text = upload(alice, {{"notes.pdf", "application/pdf",
                              "just some text, not a PDF at all\n"}});
  EXPECT_EQ(text.status, 415) << text.body;

  auto svg = upload(alice, {{"logo.xml", "application/xml",
                             "<?xml version=\"1.0\"?><svg "
                             "xmlns=\"http://www.w3.org/2000/svg\"/>"}});
  EXPECT_EQ(svg.status, 415) << svg.body;
  EXPECT_NE(svg.body.find("not an e-invoice"), std::string::npos) << svg.body;

  auto empty = upload(alice, {{"empty.pdf", "application/pdf", ""}});
  EXPECT_EQ(empty.status, 400) << empty.body;

  auto two = upload(alice, {{"a.pdf", "application/pdf", pdf},
                            {"b.pdf", "application/pdf", pdf}});
  EXPECT_EQ(two.status, 400) << two.body;
  EXPECT_NE(two.body.find("/api/upload/batch"), std::string::npos);

  // A body cut short in transit.
  http_request cut;
  cut.method = "POST";
  cut.target = "/api/upload";
  cut.body = form({{"a.pdf", "application/pdf", pdf}});
  cut.body.resize(cut.body.size() - 10);
  cut.headers = {{"Cookie", "larder_session=" + alice.cookie},
                 {"X-CSRF-Token", alice.csrf},
                 {"Content-Type", "multipart/form-data; boundary=" + boundary}};
  EXPECT_EQ(http_call(port, cut).status, 400);

  EXPECT_EQ(stored_documents(tenant), 0u);
  auto list = call("GET", "/api/invoices", &alice);
  EXPECT_NE(list.body.find("\"invoices\":[]"), std::string::npos) << list.body;
}

TEST_F(intake, a_batch_answers_for_each_file) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-batch");
  auto xml =
    read_file(corpus / "einvoice/en16931-cen-tc434/ubl/ubl-tc434-example1.xml");
  auto cii =
    read_file(corpus / "einvoice/en16931-cen-tc434/cii/CII_example1.xml");
  ASSERT_FALSE(xml.empty());
  auto r = upload(alice,
                  {{"ubl.xml", "text/xml", xml},
                   {"readme.txt", "text/plain", "hello"},
                   {"cii.xml", "application/xml", cii}},
                  "/api/upload/batch");
  ASSERT_EQ(r.status, 200) << r.body;
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_FALSE(p.parse(r.body).get(doc)) << r.body;
  simdjson::dom::array files;
  ASSERT_FALSE(doc["files"].get(files));
  ASSERT_EQ(files.size(), 3u);
  std::string ubl_id{std::string_view(files.at(0)["id"])};
  EXPECT_EQ(text_of(files.at(1), "error", "code"), "unsupported_media_type");
  std::string cii_id{std::string_view(files.at(2)["id"])};
  EXPECT_EQ(stored_documents(tenant), 2u);

  // E-invoices are read exactly (values from the XML).
  EXPECT_EQ(settled_status(alice, ubl_id), "awaiting_approval");
  auto d = detail(alice, ubl_id);
  EXPECT_EQ(text_of(d, "fields", "invoice_number"), "12115118") << detail_text_;
  EXPECT_EQ(text_of(d, "fields", "currency"), "EUR");
  EXPECT_EQ(text_of(d, "fields", "total"), "250.33") << detail_text_;
  EXPECT_EQ(settled_status(alice, cii_id), "awaiting_approval");
}

TEST_F(intake, a_damaged_document_fails_with_a_reason_and_others_go_on) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-damaged");
  std::string broken = "%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage";
  auto r = upload(alice, {{"broken.pdf", "application/pdf", broken}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto id = member(r.body, "id");
  EXPECT_EQ(settled_status(alice, id), "failed");
  auto d = detail(alice, id);
  EXPECT_EQ(text_of(d, "extraction", "failure_reason"),
            "the PDF is damaged or truncated")
    << detail_text_;

  // The manager survived: the next document is read.
  auto xml =
    read_file(corpus / "einvoice/en16931-cen-tc434/ubl/ubl-tc434-example3.xml");
  auto next = upload(alice, {{"next.xml", "application/xml", xml}});
  ASSERT_EQ(next.status, 201) << next.body;
  EXPECT_EQ(settled_status(alice, member(next.body, "id")),
            "awaiting_approval");
}

TEST_F(intake, other_tenants_and_auditors_cannot_reach_documents) {
  start();
  auto [alice, tenant_a] = owner("alice@a.test", "alpha-private");
  auto [bob, tenant_b] = owner("bob@b.test", "bravo-private");
  auto xml =
    read_file(corpus / "einvoice/en16931-cen-tc434/ubl/ubl-tc434-example1.xml");
  auto r = upload(alice, {{"ubl.xml", "application/xml", xml}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto id = member(r.body, "id");
  EXPECT_EQ(call("GET", "/api/invoices/" + id + "/document", &bob).status, 404);
  // Bob uploading the same bytes gets an invoice of his own.
  auto his = upload(bob, {{"ubl.xml", "application/xml", xml}});
  ASSERT_EQ(his.status, 201) << his.body;
  EXPECT_NE(member(his.body, "id"), id);
  // Without a session nothing is taken.
  http_request anon;
  anon.method = "POST";
  anon.target = "/api/upload";
  anon.body = form({{"ubl.xml", "application/xml", xml}});
  anon.headers = {
    {"Content-Type", "multipart/form-data; boundary=" + boundary}};
  EXPECT_EQ(http_call(port, anon).status, 401);
}

TEST_F(intake, work_interrupted_by_a_restart_resumes) {
  // The first server takes the upload but extracts nothing.
  cfg_.extract_workers = 0;
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-restart");
  auto xml =
    read_file(corpus / "einvoice/en16931-cen-tc434/ubl/ubl-tc434-example1.xml");
  auto r = upload(alice, {{"ubl.xml", "application/xml", xml}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto id = member(r.body, "id");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(member(call("GET", "/api/invoices/" + id + "/state", &alice).body,
                   "status"),
            "received");
  rt_->stop();
  rt_.reset();
  sys_.reset();
  // The next start finds the job in the log and finishes it.
  cfg_.extract_workers = 2;
  start();
  auto again = sign_in("alice@a.test");
  ASSERT_TRUE(again);
  EXPECT_EQ(settled_status(*again, id), "awaiting_approval");
}

TEST_F(intake, a_repeated_supplier_number_and_total_is_flagged_not_dropped) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-repeat");
  auto xml =
    read_file(corpus / "einvoice/en16931-cen-tc434/ubl/ubl-tc434-example1.xml");
  auto first = upload(alice, {{"first.xml", "application/xml", xml}});
  ASSERT_EQ(first.status, 201) << first.body;
  auto first_id = member(first.body, "id");
  ASSERT_EQ(settled_status(alice, first_id), "awaiting_approval");
  detail(alice, first_id);
  // The same invoice again in other bytes (sent twice, re-exported…).
  auto second = upload(alice, {{"again.xml", "application/xml",
                                xml + "\n<!-- exported again -->\n"}});
  ASSERT_EQ(second.status, 201) << second.body;
  auto second_id = member(second.body, "id");
  EXPECT_NE(second_id, first_id);
  EXPECT_EQ(settled_status(alice, second_id), "awaiting_approval");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string of;
  while (of.empty() && std::chrono::steady_clock::now() < deadline) {
    auto d = detail(alice, second_id);
    of = text_of(d, "duplicate", "of");
    if (of.empty())
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(of, first_id) << detail_text_;
  EXPECT_EQ(text_of(detail_, "duplicate", "reason"),
            "same_number_supplier_total");
}

TEST_F(intake, a_reprocess_reads_the_document_again) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-reprocess");
  auto xml =
    read_file(corpus / "einvoice/en16931-cen-tc434/ubl/ubl-tc434-example1.xml");
  auto r = upload(alice, {{"ubl.xml", "application/xml", xml}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto id = member(r.body, "id");
  ASSERT_EQ(settled_status(alice, id), "awaiting_approval");
  auto again = call("POST", "/api/invoices/" + id + "/reprocess", &alice,
                    R"({"reason":"wrong supplier template"})");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(settled_status(alice, id), "awaiting_approval");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::int64_t attempts = 0;
  while (attempts < 2 && std::chrono::steady_clock::now() < deadline) {
    auto d = detail(alice, id);
    if (d["extraction"]["attempts"].get(attempts))
      break;
    if (attempts < 2)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(attempts, 2) << detail_text_;
  EXPECT_EQ(text_of(detail_, "fields", "invoice_number"), "12115118");
}

/// A stand-in extractor that does what a hostile document does to a real
/// one: `crash` dies by SIGSEGV, `hang` never answers.
std::string fake_extractor(const fs::path& dir, const std::string& kind) {
  fs::create_directories(dir);
  auto path = dir / ("extract-" + kind + ".sh");
  std::ofstream out{path};
  out << "#!/bin/sh\ncat >/dev/null\n"
      << (kind == "crash" ? "kill -SEGV $$\n" : "exec sleep 60\n");
  out.close();
  fs::permissions(path, fs::perms::owner_all);
  return path.string();
}

TEST_F(intake, a_reader_that_crashes_marks_the_invoice_failed) {
  cfg_.extract_binary = fake_extractor(data_ / "bin", "crash");
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-crash");
  auto pdf = read_file(corpus / "invoice2data/samples/oyo.pdf");
  auto r = upload(alice, {{"oyo.pdf", "application/pdf", pdf}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto id = member(r.body, "id");
  EXPECT_EQ(settled_status(alice, id), "failed");
  auto d = detail(alice, id);
  EXPECT_EQ(text_of(d, "extraction", "failure_reason"),
            "the document made the reader crash; it may be damaged");
  // The server is fine.
  EXPECT_EQ(call("GET", "/health").status, 200);
}

TEST_F(intake, a_reader_that_hangs_is_cut_off_retried_then_failed) {
  cfg_.extract_binary = fake_extractor(data_ / "bin", "hang");
  cfg_.extract_timeout_seconds = 1;
  cfg_.extract_retry_backoff_ms = 100;
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-hang");
  auto pdf = read_file(corpus / "invoice2data/samples/oyo.pdf");
  auto r = upload(alice, {{"oyo.pdf", "application/pdf", pdf}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto id = member(r.body, "id");
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(settled_status(alice, id), "failed");
  // Three runs of a second each, with short backoffs between them.
  EXPECT_GE(std::chrono::steady_clock::now() - started,
            std::chrono::seconds(3));
  auto d = detail(alice, id);
  EXPECT_EQ(text_of(d, "extraction", "failure_reason"),
            "reading the document took longer than 1 second");
  auto metrics = call("GET", "/metrics");
  EXPECT_NE(
    metrics.body.find("larder_extractions_total{outcome=\"retried\"} 2\n"),
    std::string::npos)
    << metrics.body;
}

} // namespace
