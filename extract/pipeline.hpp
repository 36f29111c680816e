#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/tenant/tenant.hpp"
#include "events/error.hpp"
#include "extract/extraction.hpp"

namespace larder::extract {

class template_library;
class ocr_engine;

/// What the pipeline needs to know about the tenant and the installation.
struct pipeline_options {
  /// The tenant's region ("CA-QC", "GB", "US-NY"), its tax profile and
  /// currency: tax kinds, arithmetic checks and defaults follow them.
  std::string region;
  domain::tax_profile taxes;
  std::string currency;
  /// Templates tried before the general rules (the built-in library plus
  /// the tenant's own); may be null. When null, `template_source` (if set)
  /// is asked, with the document's text, for those that may match it when
  /// the text needs them: an e-invoice never pays for parsing templates,
  /// and a PDF pays only for the few whose keywords its text has.
  std::shared_ptr<const template_library> templates;
  std::function<std::shared_ptr<const template_library>(std::string_view)>
    template_source;
  /// Whether to also compute the invoice2data view of a hybrid PDF (its
  /// template's fields beside the exact XML); `larder extract --format
  /// invoice2data` wants it, the extraction manager does not.
  bool invoice2data_view = true;
  /// OCR languages in tesseract's names ("eng+fra").
  std::string ocr_languages = "eng+fra";
};

/// Reads one document: sniffs its kind, then tries the extractors of
/// DESIGN.md §9 in order (e-invoice XML, XML inside the PDF, PDF text with
/// templates then rules, OCR) and post-processes what they found. Blocking
/// and CPU-bound: run it on a worker, never on the HTTP edge. `ocr` is
/// called when a picture or a scanned PDF needs OCR (loading tesseract's
/// models takes a while, so callers create the engine on first use); it may
/// return null, and the document then fails with a clear reason.
/// Errors: `invalid_argument` for bytes that are no supported document
/// (with a reason a person understands), `unavailable` for a failure that
/// may pass.
expected<extraction> extract_document(std::string_view bytes,
                                      const pipeline_options& options,
                                      const std::function<ocr_engine*()>& ocr);

/// Reads plain text (a `.txt` export, or text a caller extracted itself) as
/// the pipeline reads a PDF's text layer: templates, then the general
/// rules, then post-processing.
extraction extract_text(std::string text, const pipeline_options& options);

/// Every template under `dirs` (recursively: .yml, .yaml, .json, in name
/// order) in one library, with invoice2data's tolerance for unknown keys
/// (`template_checks::upstream`); every broken template is named, with its
/// line, in the error. With `skipped`, a broken template is left out and
/// its error added there instead, so one bad file cannot stop a tenant's
/// documents from being read.
/// With `for_text`, only the templates that may match it
/// (`template_may_match`) are parsed: the library then answers `match` for
/// that text as the whole one would.
expected<std::shared_ptr<const template_library>>
load_templates(const std::vector<std::filesystem::path>& dirs,
               std::vector<std::string>* skipped = nullptr,
               std::optional<std::string_view> for_text = std::nullopt);

} // namespace larder::extract
