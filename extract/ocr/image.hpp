#pragma once

#include <cstdint>
#include <string_view>

#include "events/error.hpp"
#include "extract/extraction.hpp"

struct Pix; // leptonica's PIX

/// Decoding the pictures people send (phone photos, scans, screenshots)
/// into one raster type that OCR reads.
namespace larder::extract {

/// The largest picture larder decodes: more is a decompression bomb, not an
/// invoice (a 12 MP phone photo is far below). Checked from the header,
/// before any pixel is allocated.
inline constexpr std::int64_t max_image_pixels = 60'000'000;
inline constexpr int max_image_side = 20'000;

/// A decoded raster: owns one leptonica PIX in the depth it was decoded to
/// (32 bpp RGB, possibly with alpha; 8 bpp gray; 1, 2, 4 or 8 bpp with a
/// colormap from a palette PNG). OCR converts it as it needs. Move-only.
class image {
 public:
  /// Takes ownership of `pix`, which may be null (an empty image).
  explicit image(Pix* pix = nullptr) noexcept : pix_(pix) {}

  image(image&& other) noexcept : pix_(other.release()) {}

  image& operator=(image&& other) noexcept;

  image(const image&) = delete;
  image& operator=(const image&) = delete;

  ~image();

  int width() const noexcept;
  int height() const noexcept;
  /// Bits per pixel.
  int depth() const noexcept;

  bool empty() const noexcept {
    return pix_ == nullptr;
  }

  /// The PIX, still owned by this image.
  Pix* pix() const noexcept {
    return pix_;
  }

  /// Gives up ownership of the PIX.
  Pix* release() noexcept {
    Pix* p = pix_;
    pix_ = nullptr;
    return p;
  }

 private:
  Pix* pix_;
};

/// Decodes a JPEG, PNG or HEIC/HEIF picture, sniffed from `bytes`, upright:
/// a JPEG's EXIF orientation (phones store sideways pixels and a tag) is
/// applied, as HEIF's own rotation and mirror properties are. Errors, all
/// `invalid_argument` with a message for the sender: not a picture larder
/// reads, too large (over `max_image_pixels` or `max_image_side`), "the
/// image could not be decoded" (truncated or corrupt), an HEIC that cannot
/// be decoded (with libheif's reason).
expected<image> decode_image(std::string_view bytes);

/// The EXIF orientation (1–8, see the TIFF 6.0 / Exif 2.3 tag 0x0112) of a
/// JPEG's APP1 Exif segment; 1 (upright) when there is none or it is
/// unreadable.
int exif_orientation(std::string_view jpeg_bytes) noexcept;

} // namespace larder::extract
