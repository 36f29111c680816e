// A business's own supplier templates over real HTTP: added, listed,
// replaced and deleted by an admin; broken templates and bad names refused
// without touching the disk; roles and tenants kept apart; and a document
// that only the uploaded template can read, extracted with its values.
#include "tests/pg/http/http_fixture.hpp"

#include <simdjson.h>

using namespace larder;
using namespace larder::testing;

namespace {

namespace fs = std::filesystem;

/// An invoice2data template for the one supplier of `invoice_pdf`: labels
/// no general rule knows ("Voucher", "Dated", "Grand sum").
const std::string tartine_template = R"(# Tartine Supply Co, plain text
issuer: Tartine Supply Co
keywords:
  - Tartine Supply Co
  - Voucher TS-
fields:
  invoice_number:
    parser: regex
    regex: Voucher\s+(TS-\d+)
  date:
    parser: regex
    regex: Dated\s+(\d{4}-\d{2}-\d{2})
    type: date
  amount:
    parser: regex
    regex: Grand sum\s+(\d+\.\d{2})
    type: float
options:
  currency: CAD
  date_formats:
    - '%Y-%m-%d'
)";

/// The same supplier as JSON, with a higher priority.
const std::string tartine_json = R"json({
  "issuer": "Tartine Supply Co",
  "keywords": ["Tartine Supply Co"],
  "priority": 7,
  "fields": {"invoice_number": "Voucher\\s+(TS-\\d+)"
}
})json";

/// A one-page PDF whose text layer is `lines`, one under the other, with a
/// correct cross-reference table (poppler reads it as written).
std::string text_pdf(const std::vector<std::string>& lines) {
  std::string content = "BT /F1 12 Tf 72 720 Td";
  for (std::size_t i = 0; i < lines.size(); ++i)
    content += (i == 0 ? " (" : " 0 -20 Td (") + lines[i] + ") Tj";
  content += " ET\n";
  std::vector<std::string> objects{
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
    "<< /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content
      + "endstream"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  auto xref = pdf.size();
  pdf +=
    "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (auto at : offsets) {
    char entry[24];
    std::snprintf(entry, sizeof entry, "%010zu 00000 n \n", at);
    pdf += entry;
  }
  pdf += "trailer\n<< /Size " + std::to_string(objects.size() + 1)
         + " /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

const std::string boundary = "larder-templates-boundary-7c2e";

class templates : public http_fixture {
 protected:
  http_answer put(const session& who, const std::string& name,
                  const std::string& text,
                  const std::string& type = "application/yaml") {
    http_request req;
    req.method = "PUT";
    req.target = "/api/tenant/templates/" + name;
    req.body = text;
    req.headers = {{"Cookie", "larder_session=" + who.cookie},
                   {"X-CSRF-Token", who.csrf},
                   {"Content-Type", type}};
    return http_call(port, req);
  }

  http_answer remove(const session& who, const std::string& name) {
    return call("DELETE", "/api/tenant/templates/" + name, &who);
  }

  http_answer list(const session& who) {
    return call("GET", "/api/tenant/templates", &who);
  }

  fs::path dir_of(const std::string& tenant) {
    return data_ / "templates" / tenant;
  }

  /// Every file under the data directory's templates, hidden ones too.
  std::vector<std::string> files_on_disk() {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& f :
         fs::recursive_directory_iterator(data_ / "templates", ec))
      if (f.is_regular_file())
        found.push_back(fs::relative(f.path(), data_).string());
    return found;
  }

  /// A member and an auditor of the tenant `admin` runs, invited and
  /// signed in (the invitation reaches the directory asynchronously).
  std::optional<session> invited(const session& admin, const std::string& email,
                                 const std::string& role) {
    auto asked = call("POST", "/api/tenant/invitations", &admin,
                      R"({"email":")" + email + R"(","role":")" + role + "\"}");
    EXPECT_EQ(asked.status, 201) << asked.body;
    return joined(email);
  }

  http_answer upload_pdf(const session& who, const std::string& file_name,
                         const std::string& bytes) {
    http_request req;
    req.method = "POST";
    req.target = "/api/upload";
    req.body = "--" + boundary
               + "\r\nContent-Disposition: form-data; name=\"file\"; "
                 "filename=\""
               + file_name + "\"\r\nContent-Type: application/pdf\r\n\r\n"
               + bytes + "\r\n--" + boundary + "--\r\n";
    req.headers = {
      {"Cookie", "larder_session=" + who.cookie},
      {"X-CSRF-Token", who.csrf},
      {"Content-Type", "multipart/form-data; boundary=" + boundary}};
    return http_call(port, req);
  }

  /// The invoice's detail once extraction settled it (bounded wait).
  simdjson::dom::element settled_detail(const session& who,
                                        const std::string& id) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
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
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  simdjson::dom::parser parser_;
  simdjson::dom::element detail_;
  std::string detail_text_;
};

std::string text_at(simdjson::dom::element e,
                    std::initializer_list<const char*> keys) {
  for (auto k : keys)
    if (e.at_key(k).get(e))
      return "<missing " + std::string{k} + ">";
  std::string_view s;
  if (e.get(s))
    return "<not text>";
  return std::string{s};
}

TEST_F(templates, an_admin_adds_lists_replaces_and_deletes_a_template) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-templates");

  auto empty = list(alice);
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.body, R"({"templates":[]})");

  auto added = put(alice, "tartine.yml", tartine_template);
  ASSERT_EQ(added.status, 201) << added.body;
  simdjson::dom::parser p;
  simdjson::dom::element t;
  ASSERT_FALSE(p.parse(added.body).get(t)) << added.body;
  EXPECT_EQ(text_at(t, {"name"}), "tartine.yml");
  EXPECT_EQ(text_at(t, {"issuer"}), "Tartine Supply Co");
  EXPECT_EQ(std::int64_t(t["priority"]), 5);
  EXPECT_EQ(std::int64_t(t["size_bytes"]),
            static_cast<std::int64_t>(tartine_template.size()));
  EXPECT_EQ(text_at(t, {"uploaded_at"}).size(), 27u) << added.body;
  EXPECT_NE(
    added.body.find(R"("keywords":["Tartine Supply Co","Voucher TS-"])"),
    std::string::npos)
    << added.body;
  EXPECT_NE(added.body.find(R"("warnings":[])"), std::string::npos);

  // Stored as sent, where the extractor looks for the tenant's templates.
  std::ifstream in{dir_of(tenant) / "tartine.yml", std::ios::binary};
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>{in}, {}),
            tartine_template);

  // The list shows what the upload answered.
  auto listed = list(alice);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body, R"({"templates":[)" + added.body + "]}");

  // Replaced under the same name, here as JSON: 200, the new contents.
  auto replaced = put(alice, "tartine.yml", tartine_json, "application/json");
  ASSERT_EQ(replaced.status, 200) << replaced.body;
  ASSERT_FALSE(p.parse(replaced.body).get(t));
  EXPECT_EQ(std::int64_t(t["priority"]), 7);
  EXPECT_NE(replaced.body.find(R"("keywords":["Tartine Supply Co"])"),
            std::string::npos)
    << replaced.body;
  // A second one; the list is sorted by name.
  ASSERT_EQ(
    put(alice, "acme.json", tartine_json, "text/yaml; charset=utf-8").status,
    201);
  listed = list(alice);
  ASSERT_FALSE(p.parse(listed.body).get(t));
  simdjson::dom::array all;
  ASSERT_FALSE(t["templates"].get(all));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(text_at(all.at(0), {"name"}), "acme.json");
  EXPECT_EQ(text_at(all.at(1), {"name"}), "tartine.yml");

  EXPECT_EQ(remove(alice, "tartine.yml").status, 204);
  EXPECT_EQ(remove(alice, "tartine.yml").status, 404);
  EXPECT_EQ(remove(alice, "never.yml").status, 404);
  EXPECT_EQ(files_on_disk(),
            std::vector<std::string>{"templates/" + tenant + "/acme.json"});
  listed = list(alice);
  EXPECT_EQ(listed.body.find("tartine.yml"), std::string::npos) << listed.body;
}

TEST_F(templates, a_broken_template_is_refused_naming_its_line) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-broken");
  struct broken {
    std::string text;
    std::string says;
  };
  std::vector<broken> cases{
    {"issuer: Acme\n"
     "keywords: [Acme]\n"
     "fields:\n"
     "  invoice_number: No (\\d+\n",
     "acme.yml line 4: fields.invoice_number: invalid regex"},
    {"issuer: Acme\n"
     "keywords: [Acme]\n"
     "fields:\n"
     "  amount:\n"
     "    parser: regx\n"
     "    regex: Total (\\d+)\n",
     "acme.yml line 5: fields.amount: unknown parser 'regx'"},
    {"issuer: Acme\nkeywords: [Acme\nfields: {}\n", "acme.yml line "},
  };
  for (const auto& b : cases) {
    auto r = put(alice, "acme.yml", b.text);
    EXPECT_EQ(r.status, 422) << r.body;
    EXPECT_NE(r.body.find(b.says), std::string::npos) << r.body;
  }
  // The bad YAML's message says it is YAML that is wrong.
  auto yaml = put(alice, "acme.yml", cases[2].text);
  EXPECT_NE(yaml.body.find("bad YAML"), std::string::npos) << yaml.body;
  EXPECT_TRUE(files_on_disk().empty());

  // A broken replacement leaves the good template as it was.
  ASSERT_EQ(put(alice, "acme.yml", tartine_template).status, 201);
  EXPECT_EQ(put(alice, "acme.yml", cases[1].text).status, 422);
  std::ifstream in{dir_of(tenant) / "acme.yml", std::ios::binary};
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>{in}, {}),
            tartine_template);
  EXPECT_EQ(files_on_disk().size(), 1u);

  // Neither empty, nor too large, nor of another type.
  EXPECT_EQ(put(alice, "acme.yml", "").status, 400);
  auto big = tartine_template + "# " + std::string(256 * 1024, 'x') + "\n";
  EXPECT_EQ(put(alice, "big.yml", big).status, 413);
  EXPECT_EQ(put(alice, "plain.yml", tartine_template, "text/plain").status,
            415);
  EXPECT_EQ(files_on_disk().size(), 1u);
}

TEST_F(templates, bad_names_are_refused_and_nothing_is_written) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-names");
  for (const std::string& name : std::vector<std::string>{
         "..%2Fx.yml", "%2E%2E%2Fx.yml", "a%2Fb.yml", ".hidden.yml", "x.txt",
         "Upper.yml", "x.yml%00", "sp%20ace.yml", std::string(61, 'a') + ".yml",
         "..%2F..%2F..%2Fsecret_key.json"}) {
    SCOPED_TRACE(name);
    auto r = put(alice, name, tartine_template);
    // A NUL in the path never matches a route; everything else reaches the
    // handler and is refused there.
    EXPECT_TRUE(r.status == 400
                || (name.find("%00") != std::string::npos && r.status == 404))
      << r.status << " " << r.body;
    auto d = remove(alice, name);
    EXPECT_TRUE(d.status == 400
                || (name.find("%00") != std::string::npos && d.status == 404))
      << d.status << " " << d.body;
  }
  // 64 characters is the longest name.
  EXPECT_EQ(put(alice, std::string(60, 'a') + ".yml", tartine_template).status,
            201);
  EXPECT_EQ(files_on_disk(),
            std::vector<std::string>{"templates/" + tenant + "/"
                                     + std::string(60, 'a') + ".yml"});
  EXPECT_FALSE(fs::exists(data_ / "x.yml"));
  EXPECT_FALSE(fs::exists(data_ / "templates" / "x.yml"));
}

TEST_F(templates, only_admins_change_them_and_each_tenant_sees_its_own) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-roles");
  auto [bob, other_tenant] = owner("bob@b.test", "bravo-roles");
  auto member = invited(alice, "member@a.test", "member");
  auto auditor = invited(alice, "auditor@a.test", "auditor");
  ASSERT_TRUE(member && auditor);

  ASSERT_EQ(put(alice, "tartine.yml", tartine_template).status, 201);
  for (const auto* who : {&*member, &*auditor}) {
    EXPECT_EQ(put(*who, "tartine.yml", tartine_json, "application/json").status,
              403);
    EXPECT_EQ(put(*who, "new.yml", tartine_template).status, 403);
    EXPECT_EQ(remove(*who, "tartine.yml").status, 403);
  }
  auto seen = list(*auditor);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_NE(seen.body.find(R"("name":"tartine.yml")"), std::string::npos);
  EXPECT_EQ(list(*member).status, 200);

  // Another business: none of it, and its name is its own.
  EXPECT_EQ(list(bob).body, R"({"templates":[]})");
  EXPECT_EQ(remove(bob, "tartine.yml").status, 404);
  ASSERT_EQ(put(bob, "tartine.yml", tartine_json, "application/json").status,
            201);
  auto mine = list(alice);
  EXPECT_EQ(mine.body.find("\"priority\":7"), std::string::npos) << mine.body;
  EXPECT_EQ(files_on_disk().size(), 2u);
  EXPECT_TRUE(fs::exists(dir_of(other_tenant) / "tartine.yml"));

  // Anonymous callers are not told anything.
  EXPECT_EQ(call("GET", "/api/tenant/templates").status, 401);
}

TEST_F(templates, a_business_keeps_at_most_two_hundred) {
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-limit");
  // 199 on disk already, as uploads would have left them.
  fs::create_directories(dir_of(tenant));
  for (int i = 0; i < 199; ++i) {
    std::ofstream out{dir_of(tenant) / ("t" + std::to_string(i) + ".yml")};
    out << tartine_template;
  }
  // A leftover temporary file is no template and does not count.
  std::ofstream{dir_of(tenant) / ".x.yml.tmp-1-1"} << "partial";
  EXPECT_EQ(put(alice, "last.yml", tartine_template).status, 201);
  auto over = put(alice, "one-more.yml", tartine_template);
  EXPECT_EQ(over.status, 422) << over.body;
  EXPECT_NE(over.body.find("at most 200"), std::string::npos) << over.body;
  // Replacing one is no new one.
  EXPECT_EQ(put(alice, "t7.yml", tartine_json, "application/json").status, 200);
  auto listed = list(alice);
  simdjson::dom::parser p;
  simdjson::dom::element doc;
  ASSERT_FALSE(p.parse(listed.body).get(doc));
  EXPECT_EQ(simdjson::dom::array(doc["templates"]).size(), 200u);
}

TEST_F(templates, an_uploaded_template_reads_the_next_document) {
  cfg_.extract_workers = 2;
  cfg_.extract_binary = LARDER_BINARY;
  cfg_.extract_timeout_seconds = 120;
  cfg_.extract_min_confidence = 0;
  start();
  auto [alice, tenant] = owner("alice@a.test", "alpha-extract");
  auto [bob, other_tenant] = owner("bob@b.test", "bravo-extract");
  ASSERT_EQ(put(alice, "tartine.yml", tartine_template).status, 201);

  auto pdf = text_pdf({"Tartine Supply Co", "Voucher TS-4471",
                       "Dated 2026-03-14", "Grand sum 123.45"});
  auto up = upload_pdf(alice, "tartine.pdf", pdf);
  ASSERT_EQ(up.status, 201) << up.body;
  auto id = http_fixture::member(up.body, "id");
  auto d = settled_detail(alice, id);
  EXPECT_EQ(text_at(d, {"extraction", "provider"}), "template") << detail_text_;
  EXPECT_EQ(text_at(d, {"extraction", "model"}), "Tartine Supply Co");
  EXPECT_EQ(text_at(d, {"fields", "invoice_number", "value"}), "TS-4471")
    << detail_text_;
  EXPECT_EQ(text_at(d, {"fields", "issue_date", "value"}), "2026-03-14");
  EXPECT_EQ(text_at(d, {"fields", "total", "value"}), "123.45");
  EXPECT_EQ(text_at(d, {"fields", "currency", "value"}), "CAD");
  EXPECT_EQ(text_at(d, {"fields", "supplier_name", "value"}),
            "Tartine Supply Co");

  // The same document in a business without the template is not read by it.
  auto theirs = upload_pdf(bob, "tartine.pdf", pdf);
  ASSERT_EQ(theirs.status, 201) << theirs.body;
  auto other = settled_detail(bob, http_fixture::member(theirs.body, "id"));
  EXPECT_NE(text_at(other, {"extraction", "provider"}), "template")
    << detail_text_;
  EXPECT_NE(text_at(other, {"fields", "invoice_number", "value"}), "TS-4471")
    << detail_text_;
}

} // namespace
