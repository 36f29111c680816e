#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "extract/ocr/image.hpp"

/// Making the test pictures: files from the corpus, JPEGs with an Exif
/// orientation, HEICs from libheif's encoder, scanned PDFs.
namespace larder::extract::testing {

std::filesystem::path corpus_dir();

/// The bytes of `path`; fails the test (and returns "") when unreadable.
std::string read_file(const std::filesystem::path& path);

/// An 8 bpp gray `width` x `height` image, white, with black rectangles.
image white_page(int width, int height);
void fill_black(image& picture, int x, int y, int w, int h);

/// The gray value (0–255) at (x, y), whatever the depth.
int gray_at(const image& picture, int x, int y);

/// Leptonica's JPEG of `picture` at quality 90.
std::string encode_jpeg(const image& picture);

/// Leptonica's PNG of `picture`.
std::string encode_png(const image& picture);

/// `jpeg` with an APP1 Exif segment carrying `orientation`, inserted after
/// the SOI marker, in big- ("MM") or little-endian ("II") TIFF order.
std::string with_exif_orientation(std::string_view jpeg, int orientation,
                                  bool little_endian = false);

/// libheif's HEVC (x265) encoding of `picture` as an RGB HEIC.
std::string encode_heic(const image& picture);

/// A one-page PDF holding `picture` as a JPEG image and no text layer, as a
/// scanner makes.
std::string scanned_pdf(const image& picture, int dpi);

/// A copy of `picture` turned a quarter `quads` times clockwise, or
/// scaled, or cropped.
image rotated(const image& picture, int quads);
/// A mirror image of `picture`, left to right or top to bottom.
image flipped(const image& picture, bool left_right);
image scaled(const image& picture, double factor);
image cropped(const image& picture, int x, int y, int w, int h);

/// A PNG header (signature, IHDR with valid CRC, IEND) announcing
/// `width` x `height` pixels, with no image data.
std::string png_header(std::uint32_t width, std::uint32_t height);

} // namespace larder::extract::testing
