#include "extract/pipeline.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include "extract/einvoice/einvoice.hpp"
#include "extract/einvoice/pdf_attachments.hpp"
#include "extract/ocr/ocr.hpp"
#include "extract/ocr/sniff.hpp"
#include "extract/rules/post_process.hpp"
#include "extract/rules/rules.hpp"
#include "extract/text/pdf_text.hpp"
#include "extract/text/templates.hpp"

namespace larder::extract {

namespace {

/// A PDF whose text layer holds fewer visible characters than this is read
/// as a scan.
constexpr std::size_t min_text_chars = 20;

std::size_t visible_chars(std::string_view text) {
  return static_cast<std::size_t>(
    std::count_if(text.begin(), text.end(), [](char ch) {
      return static_cast<unsigned char>(ch) > ' ';
    }));
}

/// Fills what `into` lacks from `from` (the general rules behind a
/// template), with `from`'s confidence.
void fill_missing(extraction& into, const extraction& from) {
  auto take = [&](auto member, std::string_view name) {
    if (!(into.fields.*member) && (from.fields.*member)) {
      into.fields.*member = from.fields.*member;
      if (auto it = from.confidence.find(std::string{name});
          it != from.confidence.end())
        into.confidence[std::string{name}] = it->second;
    }
  };
  using f = domain::invoice_fields;
  take(&f::supplier_name, "supplier_name");
  take(&f::supplier_tax_id, "supplier_tax_id");
  take(&f::invoice_number, "invoice_number");
  take(&f::issue_date, "issue_date");
  take(&f::due_date, "due_date");
  take(&f::currency, "currency");
  take(&f::subtotal, "subtotal");
  take(&f::tax_total, "tax_total");
  take(&f::total, "total");
  take(&f::purchase_order, "purchase_order");
  take(&f::payment_terms, "payment_terms");
  if (into.lines.empty() && !from.lines.empty()) {
    into.lines = from.lines;
    if (auto it = from.confidence.find("lines"); it != from.confidence.end())
      into.confidence["lines"] = it->second;
  }
  if (into.taxes.empty() && !from.taxes.empty()) {
    into.taxes = from.taxes;
    if (auto it = from.confidence.find("taxes"); it != from.confidence.end())
      into.confidence["taxes"] = it->second;
  }
}

/// Templates first, then the general rules; the rules also fill what the
/// template left out.
std::shared_ptr<const template_library>
templates_of(const pipeline_options& options, std::string_view text) {
  if (options.templates)
    return options.templates;
  return options.template_source ? options.template_source(text) : nullptr;
}

extraction read_text(std::string text, const pipeline_options& options) {
  auto context = rules_context_for(options.region, options.currency);
  auto by_rules = read_by_rules(text, context);
  if (auto templates = templates_of(options, text)) {
    auto by_template = templates->extract(text);
    if (by_template) {
      fill_missing(*by_template, by_rules);
      by_template->text = std::move(text);
      return std::move(*by_template);
    }
  }
  by_rules.text = std::move(text);
  return by_rules;
}

expected<std::string> ocr_text(std::string_view bytes, ocr_engine* ocr,
                               std::vector<std::string>& notes) {
  if (ocr == nullptr)
    return larder::error{errc::unavailable,
                         "reading pictures needs OCR, which is not available "
                         "here"};
  return ocr->recognize_document(bytes, &notes);
}

void mark_ocr(extraction& x, const ocr_engine* ocr) {
  x.provider = "ocr+" + x.provider;
  if (x.model.empty() && ocr != nullptr)
    x.model = ocr->languages();
  // What OCR read is never as sure as a text layer.
  for (auto& [name, c] : x.confidence)
    c = std::min(c, 0.9);
}

} // namespace

expected<extraction>
extract_document(std::string_view bytes, const pipeline_options& options,
                 const std::function<ocr_engine*()>& make_ocr) {
  ocr_engine* ocr = nullptr;
  auto need_ocr = [&] {
    if (ocr == nullptr && make_ocr)
      ocr = make_ocr();
    return ocr;
  };
  auto kind = sniff(bytes);
  if (!kind)
    return larder::error{errc::invalid_argument,
                         "this is not a PDF, JPEG, PNG, HEIC or e-invoice XML "
                         "document"};
  post_context post{options.region, options.taxes, options.currency};
  std::vector<std::string> notes;
  extraction x;
  switch (*kind) {
    case document_kind::xml: {
      auto read = read_einvoice(bytes);
      if (!read)
        return read.error();
      x = std::move(*read);
      break;
    }
    case document_kind::pdf: {
      auto embedded = read_pdf_einvoice(bytes);
      if (!embedded && embedded.error().code != errc::not_found)
        return embedded.error();
      auto text = pdf_text(bytes);
      if (!text && !embedded)
        return text.error();
      if (embedded) {
        x = std::move(*embedded);
        // The XML is exact; a template that knows the PDF still gives the
        // invoice2data view of it, for invoice2data's users.
        if (options.invoice2data_view && text)
          if (auto templates = templates_of(options, *text)) {
            auto templated = templates->extract(*text);
            if (templated)
              x.invoice2data_object = std::move(templated->invoice2data_object);
          }
        // Profiles without lines (MINIMUM, BASIC WL): the PDF shows them.
        if (x.lines.empty() && text && visible_chars(*text) >= min_text_chars) {
          auto shown = read_text(*text, options);
          if (!shown.lines.empty()) {
            x.lines = std::move(shown.lines);
            x.confidence["lines"] = std::min(
              0.8, shown.confidence.count("lines") ? shown.confidence["lines"]
                                                   : 0.8);
            x.notes.push_back("the e-invoice carries no lines; they were "
                              "read from the PDF");
          }
        }
        break;
      }
      if (visible_chars(*text) >= min_text_chars) {
        x = read_text(std::move(*text), options);
        break;
      }
      auto scanned = ocr_text(bytes, need_ocr(), notes);
      if (!scanned)
        return scanned.error();
      x = read_text(std::move(*scanned), options);
      mark_ocr(x, ocr);
      break;
    }
    case document_kind::jpeg:
    case document_kind::png:
    case document_kind::heic: {
      auto seen = ocr_text(bytes, need_ocr(), notes);
      if (!seen)
        return seen.error();
      x = read_text(std::move(*seen), options);
      mark_ocr(x, ocr);
      break;
    }
  }
  x.notes.insert(x.notes.end(), notes.begin(), notes.end());
  post_process(x, post);
  return x;
}

extraction extract_text(std::string text, const pipeline_options& options) {
  auto x = read_text(std::move(text), options);
  post_process(x, {options.region, options.taxes, options.currency});
  return x;
}

expected<std::shared_ptr<const template_library>>
load_templates(const std::vector<std::filesystem::path>& dirs,
               std::vector<std::string>* skipped,
               std::optional<std::string_view> for_text) {
  namespace fs = std::filesystem;
  auto library = std::make_shared<template_library>();
  std::string problems;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
      return larder::error{errc::not_found,
                           "no template directory " + dir.string()};
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
      auto ext = entry.path().extension().string();
      if (entry.is_regular_file()
          && (ext == ".yml" || ext == ".yaml" || ext == ".json"))
        files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::ifstream in{file, std::ios::binary};
      std::string text{std::istreambuf_iterator<char>{in},
                       std::istreambuf_iterator<char>{}};
      // The name below the directory (no filesystem calls: this runs for
      // every template of every document).
      auto name = file.string().substr(
        std::min(file.string().size(), dir.string().size() + 1));
      if (for_text && file.extension() != ".json"
          && !template_may_match(text, *for_text))
        continue;
      auto added = library->add(text, name, template_checks::upstream);
      if (added)
        continue;
      if (skipped != nullptr)
        skipped->push_back(added.error().message);
      else
        problems += (problems.empty() ? "" : "\n") + added.error().message;
    }
  }
  if (!problems.empty())
    return larder::error{errc::invalid_argument, problems};
  return std::shared_ptr<const template_library>{std::move(library)};
}

} // namespace larder::extract
