#pragma once

#include <functional>
#include <optional>
#include <string>

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
};

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
