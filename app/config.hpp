#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "events/error.hpp"

namespace larder {

/// The port of the embedded development cluster that `./dev` starts.
inline constexpr int embedded_pg_port = 54320;

/// Everything larder reads from its environment (README, "Configuration").
struct config {
  bool production = false;
  std::string database_url;
  std::string migrate_url;
  std::string http_addr;
  std::string public_url;
  std::string data_dir;
  std::string secret_key;
  std::string smtp_url;
  std::string dev_outbox;
  std::string admin_email;
  /// The SPA's built files.
  std::string web_dir;
  /// Extra origins allowed to call the API from a browser.
  std::vector<std::string> cors_origins;
  /// Tenants' inbound addresses are <alias>@<mail_domain>.
  std::string mail_domain;
  /// Token buckets as "<count>/<s|min|h>": bucket size and refill per
  /// period. Sign-in and webhooks per client address; the API per user and
  /// (twice as much) per address.
  std::string rate_signin;
  std::string rate_webhooks;
  std::string rate_api;
  /// Extraction: worker processes at once (0: this node leaves extraction
  /// to others), seconds one document may take,
  /// the confidence below which an extraction is rejected automatically
  /// (0 turns that off), tesseract's languages, and the supplier templates
  /// (invoice2data format) every tenant gets.
  int extract_workers = 2;
  int extract_timeout_seconds = 120;
  double extract_min_confidence = 0.2;
  std::string ocr_languages;
  std::string templates_dir;
  /// The program the extraction manager runs per document with the
  /// arguments of `larder extract` (`larder` itself gets the `extract`
  /// verb first); empty means `larder-extract` next to this binary. Not
  /// read from the environment: tests that run the server in process set
  /// it.
  std::string extract_binary;
  /// The first retry of a document whose reading failed in a way that may
  /// pass waits this long, each next one twice as long. Not read from the
  /// environment (tests shorten it).
  int extract_retry_backoff_ms = 5000;
  /// How often the live-update streams are sent a keep-alive and their
  /// sessions checked again. Not read from the environment (tests shorten
  /// it).
  int live_heartbeat_ms = 15000;
};

/// Parses "<count>/<s|min|h>" into a burst and a rate per second.
expected<std::pair<double, double>> parse_rate(std::string_view text);

/// Looks a variable up; empty optional when unset.
using env_lookup = std::function<std::optional<std::string>(const char*)>;

/// The process environment.
std::optional<std::string> process_env(const char* name);

/// Reads and checks the configuration. In production a missing, short or
/// well-known `LARDER_SECRET_KEY` is an error; in development a random key
/// is generated once and kept in `<data dir>/secret_key`, so restarts keep
/// sessions valid. Errors say which variable to set and how.
expected<config> load_config(const env_lookup& env = process_env);

} // namespace larder
