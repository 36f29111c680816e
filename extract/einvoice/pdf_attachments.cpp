#include "extract/einvoice/pdf_attachments.hpp"

#include <poppler-document.h>
#include <poppler-embedded-file.h>
#include <poppler-global.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>

#include "extract/einvoice/einvoice.hpp"

namespace larder::extract {

namespace {

/// poppler reports damage on stderr unless told otherwise; the caller gets
/// an error value instead. The hook is process-wide, so it is set once.
void silence_poppler() {
  static std::once_flag once;
  std::call_once(once, [] {
    poppler::set_debug_error_function([](const std::string&, void*) {},
                                      nullptr);
  });
}

constexpr std::size_t einvoice_max_bytes = 20 * 1024 * 1024;

int preference(einvoice_syntax syntax) noexcept {
  switch (syntax) {
    case einvoice_syntax::cii: return 0;
    case einvoice_syntax::ubl: return 1;
    case einvoice_syntax::zugferd1: return 2;
  }
  return 3;
}

/// A cheap look at the first bytes, so that attached PDFs and images are
/// never handed to the XML parser.
bool looks_like_xml(std::string_view bytes) noexcept {
  if (bytes.starts_with("\xEF\xBB\xBF"))
    bytes.remove_prefix(3);
  if (bytes.starts_with("\xFE\xFF") || bytes.starts_with("\xFF\xFE"))
    return true; // UTF-16 with a byte order mark
  while (!bytes.empty()
         && (bytes.front() == ' ' || bytes.front() == '\t'
             || bytes.front() == '\n' || bytes.front() == '\r'))
    bytes.remove_prefix(1);
  return bytes.starts_with("<");
}

} // namespace

expected<std::vector<embedded_xml>>
embedded_invoice_xml(std::string_view pdf_bytes) {
  silence_poppler();
  if (pdf_bytes.size() > static_cast<std::size_t>(domain::max_document_bytes))
    return make_error(errc::invalid_argument,
                      "the PDF is larger than 20 MiB, the largest document "
                      "larder reads");
  if (pdf_bytes.empty() || pdf_bytes.size() > INT32_MAX)
    return make_error(errc::invalid_argument,
                      "the PDF is damaged or truncated");
  // poppler reads the buffer in place and keeps no copy of the pointer
  // beyond the document, which dies here.
  std::unique_ptr<poppler::document> doc{poppler::document::load_from_raw_data(
    pdf_bytes.data(), static_cast<int>(pdf_bytes.size()))};
  if (!doc)
    return make_error(errc::invalid_argument,
                      "the PDF is damaged or truncated");
  if (doc->is_locked())
    return make_error(errc::invalid_argument,
                      "the PDF is protected by a password; its attachments "
                      "cannot be read");
  struct candidate {
    int rank;
    embedded_xml file;
  };
  std::vector<candidate> found;
  if (doc->has_embedded_files()) {
    for (poppler::embedded_file* file : doc->embedded_files()) {
      // The declared size, when given, spares reading a huge stream.
      if (file == nullptr || !file->is_valid()
          || file->size() > static_cast<int>(einvoice_max_bytes))
        continue;
      poppler::byte_array data = file->data();
      std::string bytes(data.begin(), data.end());
      if (!looks_like_xml(bytes))
        continue;
      auto syntax = sniff_einvoice(bytes);
      if (!syntax)
        continue;
      found.push_back(candidate{preference(*syntax),
                                embedded_xml{file->name(), std::move(bytes)}});
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const candidate& a, const candidate& b) {
                     return a.rank < b.rank;
                   });
  std::vector<embedded_xml> out;
  out.reserve(found.size());
  for (auto& c : found)
    out.push_back(std::move(c.file));
  return out;
}

expected<extraction> read_pdf_einvoice(std::string_view pdf_bytes) {
  auto files = embedded_invoice_xml(pdf_bytes);
  if (!files)
    return std::move(files).error();
  if (files->empty())
    return make_error(errc::not_found, "the PDF carries no e-invoice XML");
  const embedded_xml& chosen = files->front();
  auto x = read_einvoice(chosen.xml);
  if (!x)
    return x;
  if (files->size() > 1)
    x->notes.push_back("the PDF carries " + std::to_string(files->size())
                       + " e-invoices; the " + x->provider + " one was read");
  return x;
}

} // namespace larder::extract
