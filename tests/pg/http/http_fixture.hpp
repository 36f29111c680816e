#pragma once

// A real larder server in process: a fresh database, the whole runtime,
// the broker on 127.0.0.1 port 0, a dev outbox in a temporary directory;
// and the steps a person takes (ask for a link, read the mail, sign in).

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "actors/errors.hpp"
#include "actors/registries.hpp"
#include "actors/system_config.hpp"
#include "app/runtime.hpp"
#include "events/migrations.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/test_database.hpp"

namespace larder::testing {

inline constexpr const char* root_email = "root@larder.test";
inline constexpr const char* test_secret =
  "0123456789abcdef0123456789abcdef-test-only";

/// A signed-in person as the test client holds them.
struct session {
  std::string cookie;
  std::string csrf;
  std::string user_id;
};

class http_fixture : public ::testing::Test {
 protected:
  /// Tests may change these before `start()`.
  http::edge_options edge;
  http::server_options server;

  void SetUp() override {
    outbox_ =
      std::filesystem::temp_directory_path() / ("larder-outbox-" + db_.name());
    std::filesystem::remove_all(outbox_);
    cfg_.database_url = db_.app_url();
    cfg_.migrate_url = db_.owner_url();
    cfg_.dev_outbox = outbox_.string();
    cfg_.public_url = "http://127.0.0.1:8080";
    data_ =
      std::filesystem::temp_directory_path() / ("larder-data-" + db_.name());
    std::filesystem::remove_all(data_);
    cfg_.data_dir = data_.string();
    // Extraction runs only in the tests about it (intake_pgtest), so that
    // other tests drive invoices by hand without a manager racing them.
    cfg_.extract_workers = 0;
    edge.secret_key = test_secret;
    edge.admin_email = root_email;
    edge.public_url = cfg_.public_url;
    edge.signin_limit = {1000, 1000};
    edge.api_user_limit = {100000, 100000};
    edge.api_address_limit = {100000, 100000};
    edge.magic_links_per_window = 1000;
    server.port = 0;
    server.common_headers = http::security_headers(false);
  }

  void TearDown() override {
    if (rt_)
      rt_->stop();
    rt_.reset();
    sys_.reset();
    std::filesystem::remove_all(outbox_);
    std::filesystem::remove_all(data_);
  }

  void start() {
    if (!middleman_loaded_)
      caf_cfg_.load<caf::io::middleman>();
    middleman_loaded_ = true;
    sys_ = std::make_unique<caf::actor_system>(caf_cfg_);
    auto rt = app::runtime::start(*sys_, cfg_, edge, server);
    ASSERT_TRUE(rt) << rt.error().message;
    rt_ = std::move(*rt);
    port = rt_->port();
  }

  /// Sends a request; a session adds its cookie and CSRF token, a body its
  /// JSON content type.
  http_answer
  call(const std::string& method, const std::string& target,
       const session* who = nullptr, const std::string& body = "",
       std::vector<std::pair<std::string, std::string>> extra = {}) {
    http_request req;
    req.method = method;
    req.target = target;
    req.body = body;
    if (who) {
      req.headers.emplace_back("Cookie", "larder_session=" + who->cookie);
      req.headers.emplace_back("X-CSRF-Token", who->csrf);
    }
    if (!body.empty())
      req.headers.emplace_back("Content-Type", "application/json");
    for (auto& h : extra)
      req.headers.push_back(std::move(h));
    return http_call(port, req);
  }

  /// The newest sign-in link mailed to `email` once more than `skip` mails
  /// reached it, waiting (bounded) for the mail worker to write it.
  std::optional<std::string> link_for(const std::string& email,
                                      std::size_t skip = 0) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      std::vector<std::pair<std::filesystem::path, std::string>> found;
      std::error_code ec;
      for (const auto& f : std::filesystem::directory_iterator(outbox_, ec)) {
        // Only whole mails: the worker writes a dot file, then renames it.
        if (f.path().extension() != ".eml")
          continue;
        std::ifstream in(f.path());
        std::string text{std::istreambuf_iterator<char>(in), {}};
        if (text.find("To: " + email + "\r\n") != std::string::npos)
          found.emplace_back(f.path(), quoted_printable_decoded(text));
      }
      std::sort(found.begin(), found.end());
      if (found.size() > skip) {
        auto& text = found.back().second;
        auto at = text.find("/api/auth/verify?token=");
        if (at != std::string::npos) {
          auto start = at + std::string{"/api/auth/verify?token="}.size();
          // The token is 43 base64url characters.
          return text.substr(start, 43);
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  /// The body as a reader sees it: soft line breaks joined, =XX decoded.
  static std::string quoted_printable_decoded(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '=' && i + 2 < text.size()) {
        if (text[i + 1] == '\r' && text[i + 2] == '\n') {
          i += 2;
          continue;
        }
        if (std::isxdigit(static_cast<unsigned char>(text[i + 1]))
            && std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
          out +=
            static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
          i += 2;
          continue;
        }
      }
      out += text[i];
    }
    return out;
  }

  std::size_t mails_to(const std::string& email) {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(outbox_, ec)) {
      if (f.path().extension() != ".eml")
        continue;
      std::ifstream in(f.path());
      std::string text{std::istreambuf_iterator<char>(in), {}};
      if (text.find("To: " + email + "\r\n") != std::string::npos)
        ++n;
    }
    return n;
  }

  /// Asks for a link, reads it from the outbox and follows it.
  std::optional<session> sign_in(const std::string& typed) {
    // Mail goes to the address as larder normalizes it.
    auto email = typed;
    std::transform(email.begin(), email.end(), email.begin(),
                   [](unsigned char ch) {
                     return std::tolower(ch);
                   });
    auto before = mails_to(email);
    auto asked = call("POST", "/api/auth/magic/request", nullptr,
                      R"({"email":")" + typed + R"("})");
    EXPECT_EQ(asked.status, 202) << asked.body;
    auto token = link_for(email, before);
    // Callers may retry (a directory still catching up sends no mail),
    // so a miss is told, not failed.
    if (!token) {
      std::fprintf(stderr, "no sign-in link reached %s\n", email.c_str());
      return std::nullopt;
    }
    auto verified = call("GET", "/api/auth/verify?token=" + *token, nullptr, "",
                         {{"Accept", "application/json"}});
    if (verified.status != 200) {
      std::fprintf(stderr, "sign-in link for %s answered %d: %s\n",
                   email.c_str(), verified.status, verified.body.c_str());
      return std::nullopt;
    }
    session s;
    s.cookie = verified.cookie("larder_session").value_or("");
    auto csrf_at = verified.body.find("\"csrf_token\":\"");
    if (csrf_at != std::string::npos) {
      auto start = csrf_at + 14;
      s.csrf =
        verified.body.substr(start, verified.body.find('"', start) - start);
    }
    auto id_at = verified.body.find("\"user_id\":\"");
    if (id_at != std::string::npos)
      s.user_id = verified.body.substr(id_at + 11, 36);
    return s;
  }

  /// A JSON string member of a flat answer (tests read few fields).
  static std::string member(const std::string& json, const std::string& name) {
    auto at = json.find("\"" + name + "\":\"");
    if (at == std::string::npos)
      return {};
    auto start = at + name.size() + 4;
    return json.substr(start, json.find('"', start) - start);
  }

  /// A new owner of a new tenant (allowlisted by the root admin, signed
  /// in, onboarded): the session and the tenant's id.
  std::pair<session, std::string> owner(const std::string& email,
                                        const std::string& alias) {
    // A failed step ends the setup: the test then fails on what it asks
    // of an empty session, instead of reading a session that is not there.
    auto root = sign_in(root_email);
    if (!root) {
      ADD_FAILURE() << "the root admin could not sign in";
      return {};
    }
    EXPECT_EQ(call("POST", "/api/admin/allowlist", &*root,
                   R"({"entry":")" + email + "\"}")
                .status,
              201);
    auto s = sign_in(email);
    if (!s) {
      ADD_FAILURE() << email << " could not sign in";
      return {};
    }
    auto made =
      call("POST", "/api/onboarding/complete", &*s,
           R"({"name":"Bistro )" + alias
             + R"(","region":"CA-QC","inbound_alias":")" + alias + "\"}");
    EXPECT_EQ(made.status, 201) << made.body;
    return {*s, member(made.body, "id")};
  }

  /// Signs `email` in once their invitation joined them to a business
  /// (the directory learns of it from the log, so this may take a moment).
  std::optional<session> joined(const std::string& email) {
    for (int i = 0; i < 200; ++i) {
      auto s = sign_in(email);
      if (s) {
        auto me = call("GET", "/api/auth/me", &*s);
        if (me.body.find("\"tenant\":null") == std::string::npos)
          return s;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

  /// An invoice of `tenant` that waits for approval, made through the
  /// invoice registry as intake will.
  /// `read` replaces what the extraction found, when given.
  events::uuid
  make_invoice(const std::string& tenant_id,
               std::optional<domain::record_extraction> read = std::nullopt) {
    auto tenant = *events::uuid::parse(tenant_id);
    auto id = events::uuid::make_v7();
    domain::receive_document receive;
    receive.invoice_id = id;
    receive.file_name = "scan.pdf";
    receive.media_type = "application/pdf";
    // The document is stored as intake stores it, so it can be fetched.
    std::string bytes = "%PDF-1.4\n% a test invoice " + id.to_string() + "\n";
    auto sha = rt_->services().documents->put(tenant, bytes);
    EXPECT_TRUE(sha);
    receive.size_bytes = static_cast<std::int64_t>(bytes.size());
    receive.sha256 = sha ? *sha : std::string(64, 'a');
    domain::record_extraction found;
    found.fields.supplier_name = "Boucherie Centrale";
    found.fields.invoice_number = "BC-1";
    found.fields.issue_date = values::date{2026, 11, 3};
    found.fields.currency = *values::currency::parse("CAD");
    found.fields.total = *values::decimal::parse("114.98");
    found.overall_confidence = *values::decimal::parse("0.9");
    found.provider = "test";
    if (read)
      found = std::move(*read);
    caf::scoped_actor self{*sys_};
    for (domain::invoice_command cmd :
         {domain::invoice_command{receive},
          domain::invoice_command{domain::start_extraction{}},
          domain::invoice_command{found}}) {
      domain::command_context ctx;
      ctx.tenant_id = tenant;
      ctx.now = events::now_timestamp();
      bool ok = false;
      self
        ->request(rt_->services().invoices, std::chrono::seconds(10),
                  command_atom_v, domain::stream_id("invoice", id), cmd, ctx)
        .receive(
          [&](invoice_reply&) {
            ok = true;
          },
          [&](const caf::error& e) {
            ADD_FAILURE() << from_caf_error(e).message;
          });
      if (!ok)
        break;
    }
    return id;
  }

  test_database db_;
  config cfg_;
  system_config caf_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::unique_ptr<app::runtime> rt_;
  std::filesystem::path outbox_;
  std::filesystem::path data_;
  bool middleman_loaded_ = false;
  std::uint16_t port = 0;
};

} // namespace larder::testing
