#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "app/config.hpp"

/// The `larder` subcommands; each returns the process exit code.
namespace larder::app {

/// Sets up spdlog: colored text in development, JSON lines in production.
void init_logging(bool production);

/// Serves HTTP until SIGINT or SIGTERM, then drains and stops. With
/// `LARDER_ADMIN_EMAIL` set, registers that person as the first platform
/// admin; with `demo`, also gives them a demo tenant holding
/// `demo_documents` as uploads; in development, prints a sign-in link.
int serve(const config& cfg, bool demo = false,
          const std::vector<std::filesystem::path>& demo_documents = {});

/// Applies pending schema migrations as the owner role.
int migrate(const config& cfg);

/// Recomputes the hash chains (of one tenant when `tenant` is not empty).
int verify(const config& cfg, const std::string& tenant);

/// The version of this build.
const char* version() noexcept;

/// `larder projections status`: each read model's position, lag and last
/// error, as a table.
int projections_status(const config& cfg);

/// `larder projections rebuild NAME|--all`: rebuilds read models from the
/// whole log while the server keeps serving (needs LARDER_MIGRATE_URL).
int projections_rebuild(const config& cfg, const std::string& name);

} // namespace larder::app
