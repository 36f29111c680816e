#include "extract/text/pdf_text.hpp"

#include <climits>
#include <memory>
#include <mutex>

#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

namespace larder::extract {

namespace {

void discard_poppler_message(const std::string&, void*) {}

/// Poppler prints syntax errors of damaged documents to stderr unless a
/// process-wide handler takes them; installing it once is enough.
void silence_poppler() {
  static std::once_flag once;
  std::call_once(once, [] {
    poppler::set_debug_error_function(discard_poppler_message, nullptr);
  });
}

bool blank(std::string_view text) {
  for (char c : text)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t' && c != '\f')
      return false;
  return true;
}

} // namespace

expected<std::vector<std::string>> pdf_page_texts(std::string_view pdf_bytes) {
  silence_poppler();
  if (pdf_bytes.empty())
    return make_error(errc::invalid_argument, "the PDF is empty");
  if (pdf_bytes.size() > static_cast<std::size_t>(INT_MAX))
    return make_error(errc::invalid_argument, "the PDF is too large");
  std::unique_ptr<poppler::document> doc{poppler::document::load_from_raw_data(
    pdf_bytes.data(), static_cast<int>(pdf_bytes.size()))};
  if (!doc)
    return make_error(errc::invalid_argument,
                      "the PDF is damaged and cannot be read");
  if (doc->is_locked())
    return make_error(errc::invalid_argument,
                      "the PDF is protected by a password");
  std::vector<std::string> pages;
  const int count = doc->pages();
  pages.reserve(static_cast<std::size_t>(count > 0 ? count : 0));
  for (int i = 0; i < count; ++i) {
    std::unique_ptr<poppler::page> page{doc->create_page(i)};
    if (!page) {
      pages.emplace_back();
      continue;
    }
    auto bytes =
      page->text(poppler::rectf{}, poppler::page::physical_layout).to_utf8();
    std::string text(bytes.begin(), bytes.end());
    // poppler-cpp ends each page with the form feed pdftotext writes
    // between pages; the page itself does not include it.
    while (!text.empty() && text.back() == '\f')
      text.pop_back();
    if (blank(text))
      text.clear();
    pages.push_back(std::move(text));
  }
  return pages;
}

expected<std::string> pdf_text(std::string_view pdf_bytes) {
  auto pages = pdf_page_texts(pdf_bytes);
  if (!pages)
    return std::move(pages).error();
  std::string out;
  bool any = false;
  for (const auto& page : *pages) {
    any = any || !page.empty();
    out += page;
    out += '\f';
  }
  if (!any)
    out.clear();
  return out;
}

} // namespace larder::extract
