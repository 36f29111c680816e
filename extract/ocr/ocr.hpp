#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"
#include "extract/ocr/image.hpp"

namespace tesseract {
class TessBaseAPI;
} // namespace tesseract

namespace larder::extract {

/// The most pages of a scanned PDF that OCR reads; an invoice is rarely
/// longer, and each page costs seconds of CPU.
inline constexpr int max_ocr_pages = 20;

/// Reads the text of pictures and scanned PDFs with tesseract, keeping the
/// layout: words stay on the line they are printed on, with runs of spaces
/// between columns, so that templates and rules written for `pdftotext
/// -layout` read OCR text too.
///
/// Holds one tesseract engine, which is not thread-safe: each worker thread
/// owns its own `ocr_engine` (CP.31), created once and reused, since
/// loading the models costs far more than reading a page. Tesseract's
/// internal OpenMP threads add to the worker's; set `OMP_THREAD_LIMIT=1`
/// when workers already fill the cores.
class ocr_engine {
 public:
  /// Loads the models for `languages` ("eng+fra", tesseract's names: letters,
  /// digits and `_`, joined by `+`) from `tessdata_dir`, or from tesseract's
  /// default place (`TESSDATA_PREFIX`, else the packaged tessdata) when
  /// empty. Errors: `invalid_argument` naming the language whose model is
  /// missing or whose name is malformed. A start-up error: the caller
  /// should stop with the message.
  static expected<std::unique_ptr<ocr_engine>>
  create(std::string languages = "eng+fra", std::string tessdata_dir = "");

  ocr_engine(const ocr_engine&) = delete;
  ocr_engine& operator=(const ocr_engine&) = delete;
  ~ocr_engine();

  /// The text of `picture`, lines separated by '\n'. Converts to grayscale
  /// and upscales small pictures (screenshots, thumbnails) towards 300 dpi
  /// first. `invalid_argument` for an empty image, `unavailable` when
  /// tesseract fails.
  expected<std::string> recognize(const image& picture);

  /// The text of each page of a scanned PDF (one without a text layer),
  /// rendered at `dpi` (72–600; lowered for pages so large that the render
  /// would exceed the image limits). Reads at most `max_ocr_pages` pages;
  /// when there are more, says so in `notes`, if given, one sentence for
  /// the reviewer. `invalid_argument` for bytes poppler cannot open or an
  /// encrypted PDF.
  expected<std::vector<std::string>>
  recognize_pdf(std::string_view pdf_bytes, int dpi = 300,
                std::vector<std::string>* notes = nullptr);

  /// The text of a JPEG, PNG, HEIC or PDF document, sniffed from its bytes;
  /// a PDF's pages are separated by form feeds ('\f'), as `pdftotext` does.
  /// `invalid_argument` for anything else (XML included: it has no picture).
  expected<std::string>
  recognize_document(std::string_view bytes,
                     std::vector<std::string>* notes = nullptr);

  /// The languages loaded, as given to `create`.
  const std::string& languages() const noexcept {
    return languages_;
  }

 private:
  ocr_engine(std::unique_ptr<tesseract::TessBaseAPI> api,
             std::string languages) noexcept;

  std::unique_ptr<tesseract::TessBaseAPI> api_;
  std::string languages_;
};

} // namespace larder::extract
