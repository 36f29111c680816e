#include "extract/ocr/ocr.hpp"

#include <leptonica/allheaders.h>
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-image.h>
#include <poppler-page-renderer.h>
#include <poppler-page.h>
#include <tesseract/baseapi.h>

#include <algorithm>
#include <cmath>
#include <mutex>

#include "extract/ocr/detail/quiet.hpp"
#include "extract/ocr/sniff.hpp"

namespace larder::extract {

namespace {

/// Tesseract lays out a page as one column of text of varying sizes (PSM 4)
/// best for invoices: on the corpus renders it keeps a header's label and
/// value columns on one line more often than PSM 6 (a uniform block) and
/// far more often than PSM 3 (automatic, which splits columns into blocks).
constexpr auto page_segmentation = tesseract::PSM_SINGLE_COLUMN;

/// Pictures whose longer side is below this are upscaled: tesseract reads
/// text best at 20–40 px x-height, about 300 dpi on a printed page.
constexpr int small_side = 2000;
/// The longer side of an A4 or letter page at 300 dpi, roughly.
constexpr double page_side_at_300_dpi = 3300;
constexpr double max_upscale = 4;

void quiet_tesseract_and_poppler() {
  static std::once_flag once;
  std::call_once(once, [] {
    // debug_file is one of tesseract's global parameters; "/dev/null"
    // silences tprintf, which writes warnings and model-loading errors.
    tesseract::TessBaseAPI api;
    api.SetVariable("debug_file", "/dev/null");
    poppler::set_debug_error_function([](const std::string&, void*) {},
                                      nullptr);
  });
}

bool valid_language_list(std::string_view languages) {
  if (languages.empty() || languages.front() == '+' || languages.back() == '+'
      || languages.find("++") != std::string_view::npos)
    return false;
  return std::ranges::all_of(languages, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '+';
  });
}

std::vector<std::string> split_languages(std::string_view languages) {
  std::vector<std::string> out;
  while (!languages.empty()) {
    auto plus = languages.find('+');
    out.emplace_back(languages.substr(0, plus));
    languages.remove_prefix(plus == std::string_view::npos ? languages.size()
                                                           : plus + 1);
  }
  return out;
}

struct pix_deleter {
  void operator()(Pix* p) const noexcept {
    pixDestroy(&p);
  }
};

using pix_ptr = std::unique_ptr<Pix, pix_deleter>;

/// A copy of `source` ready for tesseract: 8 bpp gray, transparency over
/// white, small pictures upscaled. Also returns the resolution to declare.
struct prepared_page {
  pix_ptr pix;
  int dpi = 300;
};

std::optional<prepared_page> prepare(Pix* source) {
  pix_ptr flat;
  if (pixGetDepth(source) == 32 && pixGetSpp(source) == 4)
    flat.reset(pixAlphaBlendUniform(source, 0xffffff00));
  Pix* input = flat ? flat.get() : source;
  pix_ptr gray{pixGetDepth(input) == 8 && pixGetColormap(input) == nullptr
                 ? pixClone(input)
                 : pixConvertTo8(input, 0)};
  if (!gray)
    return std::nullopt;
  int declared = pixGetXRes(source);
  int dpi = declared >= 70 && declared <= 2400 ? declared : 300;
  int longer = std::max(pixGetWidth(gray.get()), pixGetHeight(gray.get()));
  if (longer < small_side) {
    double factor =
      std::min(max_upscale, page_side_at_300_dpi / std::max(longer, 1));
    pix_ptr scaled{pixScale(gray.get(), static_cast<float>(factor),
                            static_cast<float>(factor))};
    if (!scaled)
      return std::nullopt;
    gray = std::move(scaled);
    dpi = declared >= 70 && declared <= 2400
            ? static_cast<int>(std::lround(declared * factor))
            : 300;
  }
  return prepared_page{std::move(gray), dpi};
}

/// A poppler gray render as a leptonica 8 bpp PIX.
pix_ptr to_pix(const poppler::image& render, int dpi) {
  int width = render.width();
  int height = render.height();
  pix_ptr pix{pixCreate(width, height, 8)};
  if (!pix)
    return pix;
  pixSetResolution(pix.get(), dpi, dpi);
  const char* data = render.const_data();
  l_uint32* out = pixGetData(pix.get());
  int words_per_line = pixGetWpl(pix.get());
  for (int y = 0; y < height; ++y) {
    auto* row = reinterpret_cast<const unsigned char*>(
      data + static_cast<std::ptrdiff_t>(y) * render.bytes_per_row());
    l_uint32* line = out + static_cast<std::ptrdiff_t>(y) * words_per_line;
    for (int x = 0; x < width; ++x)
      SET_DATA_BYTE(line, x, row[x]);
  }
  return pix;
}

/// The highest resolution, at most `dpi`, at which `p` renders within the
/// image limits.
double render_dpi(const poppler::page& p, int dpi) {
  auto box = p.page_rect();
  double w_in = std::max(box.width(), 1.0) / 72;
  double h_in = std::max(box.height(), 1.0) / 72;
  double fit = std::min({static_cast<double>(dpi), max_image_side / w_in,
                         max_image_side / h_in,
                         std::sqrt(max_image_pixels / (w_in * h_in))});
  return std::floor(fit);
}

} // namespace

ocr_engine::ocr_engine(std::unique_ptr<tesseract::TessBaseAPI> api,
                       std::string languages) noexcept
  : api_(std::move(api)), languages_(std::move(languages)) {}

ocr_engine::~ocr_engine() {
  if (api_)
    api_->End();
}

expected<std::unique_ptr<ocr_engine>>
ocr_engine::create(std::string languages, std::string tessdata_dir) {
  if (!valid_language_list(languages))
    return make_error(errc::invalid_argument,
                      "the OCR languages \"" + languages
                        + "\" are not a list of tesseract language names "
                          "joined by '+', such as \"eng+fra\"");
  quiet_tesseract_and_poppler();
  detail::quiet_leptonica();
  auto api = std::make_unique<tesseract::TessBaseAPI>();
  const char* datapath = tessdata_dir.empty() ? nullptr : tessdata_dir.c_str();
  int failed = api->Init(datapath, languages.c_str(), tesseract::OEM_DEFAULT);
  std::vector<std::string> loaded;
  if (failed == 0)
    api->GetLoadedLanguagesAsVector(&loaded);
  std::vector<std::string> missing;
  for (auto& wanted : split_languages(languages))
    if (failed != 0 || std::ranges::find(loaded, wanted) == loaded.end())
      missing.push_back(wanted);
  if (failed != 0 && missing.size() > 1) {
    // Init stops at the first language it cannot load; find which.
    std::vector<std::string> really_missing;
    for (auto& lang : missing) {
      tesseract::TessBaseAPI probe;
      if (probe.Init(datapath, lang.c_str(), tesseract::OEM_DEFAULT) != 0)
        really_missing.push_back(lang);
      probe.End();
    }
    if (!really_missing.empty())
      missing = std::move(really_missing);
  }
  if (!missing.empty()) {
    api->End();
    std::string names;
    for (auto& lang : missing)
      names += (names.empty() ? "" : ", ") + lang;
    std::string where = tessdata_dir.empty()
                          ? std::string("tesseract's tessdata directory")
                          : "\"" + tessdata_dir + "\"";
    return make_error(errc::invalid_argument,
                      "the OCR model for language " + names
                        + " is not installed in " + where
                        + " (install tesseract-ocr-" + missing.front()
                        + " or change the OCR languages)");
  }
  api->SetPageSegMode(page_segmentation);
  api->SetVariable("preserve_interword_spaces", "1");
  return std::unique_ptr<ocr_engine>(
    new ocr_engine(std::move(api), std::move(languages)));
}

expected<std::string> ocr_engine::recognize(const image& picture) {
  if (picture.empty())
    return make_error(errc::invalid_argument, "the image is empty");
  auto page = prepare(picture.pix());
  if (!page)
    return make_error(errc::unavailable,
                      "the image could not be prepared for OCR");
  api_->SetImage(page->pix.get());
  api_->SetSourceResolution(page->dpi);
  int failed = api_->Recognize(nullptr);
  std::unique_ptr<char[]> text{failed == 0 ? api_->GetUTF8Text() : nullptr};
  api_->Clear();
  if (!text)
    return make_error(errc::unavailable, "text recognition failed");
  return std::string(text.get());
}

expected<std::vector<std::string>>
ocr_engine::recognize_pdf(std::string_view pdf_bytes, int dpi,
                          std::vector<std::string>* notes) {
  if (dpi < 72 || dpi > 600)
    return make_error(errc::invalid_argument,
                      "the OCR resolution must be between 72 and 600 dpi");
  if (pdf_bytes.size() > static_cast<std::size_t>(INT32_MAX))
    return make_error(errc::invalid_argument, "the PDF is too large");
  quiet_tesseract_and_poppler();
  std::unique_ptr<poppler::document> doc{poppler::document::load_from_raw_data(
    pdf_bytes.data(), static_cast<int>(pdf_bytes.size()))};
  if (!doc)
    return make_error(errc::invalid_argument, "the PDF could not be read");
  if (doc->is_locked())
    return make_error(errc::invalid_argument,
                      "the PDF is protected by a password");
  int pages = doc->pages();
  if (pages > max_ocr_pages && notes != nullptr)
    notes->push_back("OCR read the first " + std::to_string(max_ocr_pages)
                     + " of the PDF's " + std::to_string(pages) + " pages");
  poppler::page_renderer renderer;
  renderer.set_render_hint(poppler::page_renderer::antialiasing);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing);
  renderer.set_image_format(poppler::image::format_gray8);
  std::vector<std::string> out;
  for (int i = 0; i < std::min(pages, max_ocr_pages); ++i) {
    std::unique_ptr<poppler::page> p{doc->create_page(i)};
    if (!p)
      return make_error(errc::invalid_argument,
                        "page " + std::to_string(i + 1)
                          + " of the PDF could not be read");
    double page_dpi = render_dpi(*p, dpi);
    poppler::image render = renderer.render_page(p.get(), page_dpi, page_dpi);
    if (!render.is_valid())
      return make_error(errc::invalid_argument,
                        "page " + std::to_string(i + 1)
                          + " of the PDF could not be rendered");
    image page{
      to_pix(render, static_cast<int>(std::lround(page_dpi))).release()};
    if (page.empty())
      return make_error(errc::unavailable, "out of memory rendering a page");
    auto text = recognize(page);
    if (!text)
      return std::move(text).error();
    out.push_back(std::move(*text));
  }
  return out;
}

expected<std::string>
ocr_engine::recognize_document(std::string_view bytes,
                               std::vector<std::string>* notes) {
  auto kind = sniff(bytes);
  if (kind == document_kind::pdf) {
    auto pages = recognize_pdf(bytes, 300, notes);
    if (!pages)
      return std::move(pages).error();
    std::string text;
    for (auto& page : *pages) {
      if (&page != &pages->front())
        text += '\f';
      text += page;
    }
    return text;
  }
  if (kind == document_kind::jpeg || kind == document_kind::png
      || kind == document_kind::heic) {
    auto picture = decode_image(bytes);
    if (!picture)
      return std::move(picture).error();
    return recognize(*picture);
  }
  return make_error(errc::invalid_argument,
                    "OCR reads PDF, JPEG, PNG and HEIC documents only");
}

} // namespace larder::extract
