#include <CLI/CLI.hpp>

#include "app/extract_command.hpp"

/// `larder-extract`: `larder extract` in a binary of its own that links only
/// the extraction libraries; the extraction manager runs it per document.
int main(int argc, char** argv) {
  CLI::App cli{"larder-extract: read one document and print what it says, "
               "as JSON (no database needed)"};
  larder::app::extract_request request;
  larder::app::add_extract_options(cli, request);
  CLI11_PARSE(cli, argc, argv);
  return larder::app::extract_document(request);
}
