#include "app/extract_command.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "actors/tenant/tenant.hpp"
#include "actors/values/text.hpp"
#include "extract/ocr/ocr.hpp"
#include "extract/ocr/sniff.hpp"
#include "extract/pipeline.hpp"
#include "extract/text/invoice2data.hpp"
#include "extract/text/templates.hpp"

namespace larder::app {

namespace {

/// The largest document read: what intake accepts.
constexpr std::size_t max_bytes = 20 * 1024 * 1024;

expected<std::string> read_input(const std::string& file) {
  std::string bytes;
  if (file == "-") {
    bytes.assign(std::istreambuf_iterator<char>{std::cin},
                 std::istreambuf_iterator<char>{});
  } else {
    std::ifstream in{file, std::ios::binary};
    if (!in)
      return larder::error{errc::not_found, "cannot open " + file};
    bytes.assign(std::istreambuf_iterator<char>{in},
                 std::istreambuf_iterator<char>{});
  }
  if (bytes.empty())
    return larder::error{errc::invalid_argument, "the document is empty"};
  if (bytes.size() > max_bytes)
    return larder::error{errc::invalid_argument,
                         "the document is larger than 20 MiB"};
  return bytes;
}

} // namespace

int extract_document(const extract_request& request) {
  bool machine = request.format == "larder";
  auto fail = [&](const larder::error& err) {
    std::fprintf(stderr, "larder extract: %s\n", err.message.c_str());
    if (machine)
      std::printf("%s\n", extract::error_json(err).c_str());
    return err.code == errc::unavailable || err.code == errc::timeout ? 3 : 1;
  };
  if (request.format != "larder" && request.format != "invoice2data") {
    std::fprintf(stderr,
                 "larder extract: --format is larder or invoice2data\n");
    return 2;
  }
  extract::pipeline_options options;
  options.region = request.region;
  if (!request.region.empty()) {
    auto profile = domain::tax_profile_for(request.region);
    if (!profile) {
      std::fprintf(stderr, "larder extract: --region: %s\n",
                   profile.error().message.c_str());
      return 2;
    }
    options.taxes = std::move(*profile);
  }
  options.currency =
    !request.currency.empty()
      ? request.currency
      : std::string{domain::default_currency_code(request.region)};
  options.ocr_languages = request.ocr_languages;
  // Templates are parsed only when a document's text needs them, and then
  // only those whose keywords the text has.
  std::optional<larder::error> template_error;
  std::shared_ptr<const extract::template_library> library;
  std::string loaded_for;
  bool loaded = false;
  if (!request.templates.empty())
    options.template_source = [&](std::string_view text) {
      if (!loaded || text != loaded_for) {
        loaded = true;
        loaded_for = std::string{text};
        // A broken template is skipped with a warning: the others still
        // read the document.
        std::vector<std::string> skipped;
        auto made = extract::load_templates(
          {request.templates.begin(), request.templates.end()}, &skipped, text);
        for (const auto& why : skipped)
          std::fprintf(stderr, "larder extract: template skipped: %s\n",
                       why.c_str());
        if (made)
          library = std::move(*made);
        else
          template_error = made.error();
      }
      return library;
    };
  options.invoice2data_view = !machine;
  auto bytes = read_input(request.file);
  if (!bytes)
    return fail(bytes.error());

  std::unique_ptr<extract::ocr_engine> engine;
  std::optional<larder::error> ocr_error;
  auto make_ocr = [&]() -> extract::ocr_engine* {
    if (!engine && !ocr_error) {
      auto made = extract::ocr_engine::create(request.ocr_languages);
      if (made)
        engine = std::move(*made);
      else
        ocr_error = made.error();
    }
    return engine.get();
  };
  auto started = std::chrono::steady_clock::now();
  // Plain text (invoice2data reads .txt exports too) goes straight to the
  // templates and rules; anything else must be a document.
  bool text_file = request.file.ends_with(".txt") && !extract::sniff(*bytes)
                   && values::scan_text(*bytes, {"\n\r\t\f"}).valid_utf8;
  auto x = text_file ? expected<extract::extraction>{extract::extract_text(
             std::move(*bytes), options)}
                     : extract::extract_document(*bytes, options, make_ocr);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - started)
              .count();
  if (template_error) {
    std::fprintf(stderr, "larder extract: templates:\n%s\n",
                 template_error->message.c_str());
    return 2;
  }
  if (!x)
    return fail(ocr_error ? *ocr_error : x.error());
  if (machine)
    std::printf("%s\n", extract::to_json(*x, ms).c_str());
  else
    std::printf("%s\n", extract::to_invoice2data_json(*x).c_str());
  return 0;
}

void add_extract_options(CLI::App& app, extract_request& request) {
  app.add_option("file", request.file, "the document, or - for stdin")
    ->required();
  app.add_option("--templates", request.templates,
                 "a directory of invoice2data templates (repeatable)");
  app
    .add_option("--format", request.format,
                "larder (what is recorded) or invoice2data")
    ->check(CLI::IsMember({"larder", "invoice2data"}));
  app.add_option("--region", request.region,
                 "the business's region, e.g. CA-QC, GB, US-NY");
  app.add_option("--currency", request.currency,
                 "the business's currency (default: the region's)");
  app.add_option("--ocr-languages", request.ocr_languages,
                 "tesseract languages (default eng+fra)");
}

} // namespace larder::app
