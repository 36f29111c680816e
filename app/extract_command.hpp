#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
} // namespace CLI

/// `larder extract FILE`: reads one document with no database and prints
/// the extraction as JSON. The extraction process manager runs it too, one
/// child process per document, as `larder-extract - --format larder …`: the
/// same command in a binary that links only the extraction libraries, so
/// that each child starts in a fraction of the server's start-up time.
namespace larder::app {

struct extract_request {
  /// A path, or "-" for standard input. A `.txt` file of plain text is
  /// read as a PDF's text layer would be.
  std::string file;
  /// Directories of invoice2data templates (YAML or JSON), tried in order.
  std::vector<std::string> templates;
  /// "larder" (what is recorded, see extract::to_json) or "invoice2data"
  /// (invoice2data's output shape).
  std::string format = "larder";
  /// The tenant's region ("CA-QC") and currency, for taxes and defaults.
  std::string region;
  std::string currency;
  std::string ocr_languages = "eng+fra";
};

/// Prints the extraction and returns 0; on a document it cannot read,
/// prints why (stderr, and `{"error": …}` on stdout in larder format) and
/// returns 1, or 3 when trying again may help; 2 for wrong arguments.
int extract_document(const extract_request& request);

/// Declares FILE and the options of `extract_request` on `app`: the
/// `larder extract` subcommand and the `larder-extract` program share them.
void add_extract_options(CLI::App& app, extract_request& request);

} // namespace larder::app
