#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/extract_command.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"larder: the accounts-payable inbox for restaurants and small "
               "businesses"};
  cli.require_subcommand(1);
  auto* serve = cli.add_subcommand("serve", "run the server");
  bool demo = false;
  serve->add_flag("--demo", demo,
                  "give LARDER_ADMIN_EMAIL a demo tenant (development)");
  std::vector<std::filesystem::path> demo_documents;
  serve
    ->add_option("--demo-document", demo_documents,
                 "a sample invoice file the demo tenant starts with "
                 "(repeatable)")
    ->check(CLI::ExistingFile);
  auto* migrate =
    cli.add_subcommand("migrate", "apply pending database migrations");
  auto* verify = cli.add_subcommand(
    "verify", "recompute every hash chain and name the first broken event");
  std::string tenant;
  verify->add_option("--tenant", tenant, "check one tenant's streams only");
  auto* projections =
    cli.add_subcommand("projections", "inspect and rebuild the read models");
  projections->require_subcommand(1);
  auto* status = projections->add_subcommand(
    "status", "each read model's position, lag and last error");
  auto* rebuild = projections->add_subcommand(
    "rebuild", "rebuild read models from the whole log while serving");
  std::string model;
  rebuild->add_option("name", model, "a projection's name, or --all");
  bool all = false;
  rebuild->add_flag("--all", all, "rebuild every projection");
  auto* extract = cli.add_subcommand(
    "extract", "read one document and print what it says, as JSON (no "
               "database needed)");
  larder::app::extract_request request;
  larder::app::add_extract_options(*extract, request);
  auto* version = cli.add_subcommand("version", "print the version");
  CLI11_PARSE(cli, argc, argv);

  if (extract->parsed())
    return larder::app::extract_document(request);

  if (version->parsed()) {
    std::printf("larder %s\n", larder::app::version());
    return 0;
  }
  auto production =
    larder::process_env("LARDER_ENV").value_or("") == "production";
  larder::app::init_logging(production);
  auto cfg = larder::load_config();
  if (!cfg) {
    spdlog::error("configuration: {}", cfg.error().message);
    return 2;
  }
  if (serve->parsed())
    return larder::app::serve(*cfg, demo, demo_documents);
  if (migrate->parsed())
    return larder::app::migrate(*cfg);
  if (verify->parsed())
    return larder::app::verify(*cfg, tenant);
  if (status->parsed())
    return larder::app::projections_status(*cfg);
  if (rebuild->parsed()) {
    if (all == !model.empty()) {
      spdlog::error("projections rebuild: name one projection or --all");
      return 2;
    }
    return larder::app::projections_rebuild(*cfg, all ? "--all" : model);
  }
  return 2;
}
