#include "app/config.hpp"

#include <array>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <sys/stat.h>

#include "events/crypto.hpp"

namespace larder {

namespace {

/// Secrets that appear in tutorials and sample configs, and the ones this
/// repository's own tests and bench use (anyone with the source could sign
/// session tokens with them); never accepted in production. Most are short
/// enough that the length check refuses them too.
constexpr std::array known_default_secrets = {
  "changeme",
  "change-me",
  "secret",
  "dev",
  "development",
  "larder",
  "password",
  "please-change-me",
  "insecure",
  "test",
  "web-e2e-secret-key-not-for-production-0123456789",
  "bench-only-secret-0123456789abcdef0123456789",
};

std::string embedded_url(const char* role) {
  return std::string{"postgresql://"} + role
         + "@127.0.0.1:" + std::to_string(embedded_pg_port) + "/larder";
}

expected<std::string> dev_secret(const std::string& data_dir) {
  namespace fs = std::filesystem;
  auto path = fs::path{data_dir} / "secret_key";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    std::ifstream in{path};
    std::string key;
    std::getline(in, key);
    if (key.size() >= 32)
      return key;
  }
  fs::create_directories(data_dir, ec);
  if (ec)
    return make_error(errc::unavailable, "cannot create LARDER_DATA_DIR "
                                           + data_dir + ": " + ec.message());
  std::array<std::uint8_t, 32> raw{};
  events::random_bytes(raw);
  auto key = events::to_hex(raw);
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out{tmp, std::ios::trunc};
    out << key << '\n';
    if (!out)
      return make_error(errc::unavailable, "cannot write " + tmp.string());
  }
  ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, path, ec);
  if (ec)
    return make_error(errc::unavailable, "cannot write " + path.string());
  return key;
}

} // namespace

expected<std::pair<double, double>> parse_rate(std::string_view text) {
  auto slash = text.find('/');
  auto bad = make_error(errc::invalid_argument,
                        "'" + std::string{text}
                          + "' is not a rate like 10/min, 5/s or 100/h");
  if (slash == std::string_view::npos || slash == 0)
    return bad;
  double count = 0;
  for (char c : text.substr(0, slash)) {
    if (c < '0' || c > '9' || count > 1e9)
      return bad;
    count = count * 10 + (c - '0');
  }
  auto unit = text.substr(slash + 1);
  double seconds = unit == "s"     ? 1
                   : unit == "min" ? 60
                   : unit == "h"   ? 3600
                                   : 0;
  if (seconds == 0 || count < 1)
    return bad;
  return std::pair{count, count / seconds};
}

std::optional<std::string> process_env(const char* name) {
  if (const char* value = std::getenv(name); value != nullptr && *value != 0)
    return std::string{value};
  return std::nullopt;
}

expected<config> load_config(const env_lookup& env) {
  config cfg;
  auto get = [&env](const char* name, std::string fallback) {
    return env(name).value_or(std::move(fallback));
  };
  auto mode = get("LARDER_ENV", "development");
  if (mode != "development" && mode != "production")
    return make_error(errc::invalid_argument,
                      "LARDER_ENV must be 'development' or 'production', not '"
                        + mode + "'");
  cfg.production = mode == "production";
  cfg.database_url = get("LARDER_DATABASE_URL", embedded_url("larder_app"));
  cfg.migrate_url = get("LARDER_MIGRATE_URL", embedded_url("larder_owner"));
  cfg.http_addr = get("LARDER_HTTP_ADDR", "127.0.0.1:8080");
  cfg.public_url = get("LARDER_PUBLIC_URL", "http://127.0.0.1:8080");
  cfg.data_dir = get("LARDER_DATA_DIR", "var");
  cfg.smtp_url = get("LARDER_SMTP_URL", "");
  cfg.dev_outbox = get("LARDER_DEV_OUTBOX", cfg.data_dir + "/outbox");
  cfg.admin_email = get("LARDER_ADMIN_EMAIL", "");
  for (auto& c : cfg.admin_email)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  cfg.web_dir = get("LARDER_WEB_DIR", "web/dist");
  cfg.mail_domain = get("LARDER_MAIL_DOMAIN", "in.larder.local");
  {
    std::string origins = get("LARDER_CORS_ORIGINS", "");
    std::size_t start = 0;
    while (start < origins.size()) {
      auto end = origins.find(',', start);
      if (end == std::string::npos)
        end = origins.size();
      auto one = origins.substr(start, end - start);
      if (one == "*")
        return make_error(errc::invalid_argument,
                          "LARDER_CORS_ORIGINS may not be '*': name each "
                          "origin (https://app.example.com)");
      if (!one.empty())
        cfg.cors_origins.push_back(one);
      start = end + 1;
    }
  }
  cfg.ocr_languages = get("LARDER_OCR_LANGUAGES", "eng+fra");
  for (char ch : cfg.ocr_languages)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '+' && ch != '_')
      return make_error(errc::invalid_argument,
                        "LARDER_OCR_LANGUAGES is tesseract's language list, "
                        "such as eng+fra");
  cfg.templates_dir = get("LARDER_TEMPLATES_DIR", "templates");
  {
    auto number = [&](const char* name, double fallback, double min,
                      double max) -> expected<double> {
      auto text = env(name);
      if (!text || text->empty())
        return fallback;
      char* end = nullptr;
      double v = std::strtod(text->c_str(), &end);
      if (end == text->c_str() || *end != '\0' || !(v >= min && v <= max))
        return make_error(errc::invalid_argument,
                          std::string{name} + " must be a number from "
                            + std::to_string(static_cast<int>(min)) + " to "
                            + std::to_string(static_cast<int>(max)));
      return v;
    };
    auto workers = number("LARDER_EXTRACT_WORKERS", 2, 0, 64);
    if (!workers)
      return workers.error();
    cfg.extract_workers = static_cast<int>(*workers);
    auto timeout = number("LARDER_EXTRACT_TIMEOUT", 120, 5, 3600);
    if (!timeout)
      return timeout.error();
    cfg.extract_timeout_seconds = static_cast<int>(*timeout);
    auto confidence = number("LARDER_EXTRACT_MIN_CONFIDENCE", 0.2, 0, 1);
    if (!confidence)
      return confidence.error();
    cfg.extract_min_confidence = *confidence;
  }
  cfg.rate_signin = get("LARDER_RATE_LIMIT_SIGNIN", "10/min");
  cfg.rate_webhooks = get("LARDER_RATE_LIMIT_WEBHOOKS", "600/min");
  cfg.rate_api = get("LARDER_RATE_LIMIT_API", "1200/min");
  for (auto [name, value] :
       {std::pair{"LARDER_RATE_LIMIT_SIGNIN", cfg.rate_signin},
        std::pair{"LARDER_RATE_LIMIT_WEBHOOKS", cfg.rate_webhooks},
        std::pair{"LARDER_RATE_LIMIT_API", cfg.rate_api}})
    if (auto ok = parse_rate(value); !ok)
      return make_error(errc::invalid_argument,
                        std::string{name} + ": " + ok.error().message);
  if (cfg.production) {
    auto key = env("LARDER_SECRET_KEY");
    if (!key)
      return make_error(errc::invalid_argument,
                        "LARDER_ENV=production needs LARDER_SECRET_KEY: set "
                        "it to at least 32 random characters, e.g. the output "
                        "of 'openssl rand -hex 32'");
    for (auto known : known_default_secrets)
      if (*key == known)
        return make_error(errc::invalid_argument,
                          "LARDER_SECRET_KEY is a well-known default; "
                          "generate one with 'openssl rand -hex 32'");
    if (key->size() < 32)
      return make_error(errc::invalid_argument,
                        "LARDER_SECRET_KEY is shorter than 32 characters; "
                        "generate one with 'openssl rand -hex 32'");
    if (!env("LARDER_DATABASE_URL"))
      return make_error(errc::invalid_argument,
                        "LARDER_ENV=production needs LARDER_DATABASE_URL "
                        "(the embedded development cluster is not for "
                        "production)");
    cfg.secret_key = *key;
  } else if (auto key = env("LARDER_SECRET_KEY")) {
    cfg.secret_key = *key;
  } else {
    auto generated = dev_secret(cfg.data_dir);
    if (!generated)
      return std::move(generated).error();
    cfg.secret_key = *generated;
  }
  return cfg;
}

} // namespace larder
