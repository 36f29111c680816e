#include "extract/ocr/image.hpp"

#include <leptonica/allheaders.h>
#include <libheif/heif.h>

#include <array>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "extract/ocr/detail/quiet.hpp"
#include "extract/ocr/sniff.hpp"

namespace larder::extract {

namespace detail {

void quiet_leptonica() noexcept {
  static std::once_flag once;
  std::call_once(once, [] {
    setMsgSeverity(L_SEVERITY_NONE);
    leptSetStderrHandler([](const char*) {});
  });
}

} // namespace detail

image& image::operator=(image&& other) noexcept {
  if (this != &other) {
    pixDestroy(&pix_);
    pix_ = other.release();
  }
  return *this;
}

image::~image() {
  pixDestroy(&pix_);
}

int image::width() const noexcept {
  return pix_ == nullptr ? 0 : pixGetWidth(pix_);
}

int image::height() const noexcept {
  return pix_ == nullptr ? 0 : pixGetHeight(pix_);
}

int image::depth() const noexcept {
  return pix_ == nullptr ? 0 : pixGetDepth(pix_);
}

namespace {

const std::string could_not_decode = "the image could not be decoded";

error undecodable() {
  return make_error(errc::invalid_argument, could_not_decode);
}

std::uint32_t byte_at(std::string_view s, std::size_t i) noexcept {
  return static_cast<unsigned char>(s[i]);
}

std::uint32_t be16(std::string_view s, std::size_t i) noexcept {
  return (byte_at(s, i) << 8) | byte_at(s, i + 1);
}

std::uint32_t be32(std::string_view s, std::size_t i) noexcept {
  return (be16(s, i) << 16) | be16(s, i + 2);
}

/// Refuses decompression bombs from the dimensions a header announces.
std::optional<error> check_dimensions(std::int64_t width, std::int64_t height) {
  if (width <= 0 || height <= 0)
    return undecodable();
  if (width > max_image_side || height > max_image_side
      || width * height > max_image_pixels)
    return make_error(
      errc::invalid_argument,
      "the image is too large (" + std::to_string(width) + " x "
        + std::to_string(height)
        + " pixels); larder reads pictures of at most 60 megapixels and "
          "20000 pixels a side");
  return std::nullopt;
}

// -- PNG ---------------------------------------------------------------------

std::uint32_t crc32_of(std::string_view bytes) noexcept {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
      std::uint32_t c = n;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFU;
  for (char ch : bytes)
    c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFU;
}

struct png_layout {
  std::int64_t width = 0;
  std::int64_t height = 0;
};

/// Walks the chunks and checks their CRCs, so that a truncated or damaged
/// file is refused here rather than by libpng, which would print to stderr.
std::optional<png_layout> read_png_layout(std::string_view bytes) noexcept {
  std::size_t at = 8;
  png_layout layout;
  bool first = true;
  while (at + 12 <= bytes.size()) {
    std::size_t length = be32(bytes, at);
    if (length > bytes.size() - at - 12)
      return std::nullopt;
    auto type = bytes.substr(at + 4, 4);
    if (crc32_of(bytes.substr(at + 4, 4 + length))
        != be32(bytes, at + 8 + length))
      return std::nullopt;
    if (first) {
      if (type != "IHDR" || length != 13)
        return std::nullopt;
      layout.width = be32(bytes, at + 8);
      layout.height = be32(bytes, at + 12);
      first = false;
    }
    if (type == "IEND")
      return layout;
    at += 12 + length;
  }
  return std::nullopt;
}

// -- JPEG --------------------------------------------------------------------

struct jpeg_layout {
  std::int64_t width = 0;
  std::int64_t height = 0;
  int orientation = 1;
  /// Whether an end-of-image marker follows the scan data.
  bool complete = false;
};

/// The orientation tag of an Exif APP1 payload (after "Exif\0\0").
int read_exif_orientation(std::string_view tiff) noexcept {
  if (tiff.size() < 8)
    return 1;
  bool little = tiff.substr(0, 2) == "II";
  if (!little && tiff.substr(0, 2) != "MM")
    return 1;
  auto u16 = [&](std::size_t i) {
    return little ? (byte_at(tiff, i + 1) << 8) | byte_at(tiff, i)
                  : be16(tiff, i);
  };
  auto u32 = [&](std::size_t i) {
    return little ? (u16(i + 2) << 16) | u16(i) : be32(tiff, i);
  };
  if (u16(2) != 42)
    return 1;
  std::size_t ifd = u32(4);
  if (ifd < 8 || ifd + 2 > tiff.size())
    return 1;
  std::size_t entries = u16(ifd);
  for (std::size_t i = 0; i < entries; ++i) {
    std::size_t entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.size())
      return 1;
    constexpr std::uint32_t orientation_tag = 0x0112;
    constexpr std::uint32_t type_short = 3;
    if (u16(entry) == orientation_tag) {
      if (u16(entry + 2) != type_short || u32(entry + 4) != 1)
        return 1;
      auto value = static_cast<int>(u16(entry + 8));
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/// Walks the marker segments up to the first scan: the frame size, the
/// Exif orientation and whether the file ends with an EOI marker.
std::optional<jpeg_layout> read_jpeg_layout(std::string_view bytes) noexcept {
  jpeg_layout layout;
  std::size_t at = 2;
  bool have_frame = false;
  while (true) {
    if (at + 4 > bytes.size() || byte_at(bytes, at) != 0xFF)
      return std::nullopt;
    while (at + 1 < bytes.size() && byte_at(bytes, at + 1) == 0xFF)
      ++at; // fill bytes
    if (at + 4 > bytes.size())
      return std::nullopt;
    std::uint32_t marker = byte_at(bytes, at + 1);
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
      at += 2;
      continue;
    }
    if (marker == 0xD9)
      return std::nullopt; // ends before any scan
    std::size_t length = be16(bytes, at + 2);
    if (length < 2 || at + 2 + length > bytes.size())
      return std::nullopt;
    auto payload = bytes.substr(at + 4, length - 2);
    bool start_of_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4
                          && marker != 0xC8 && marker != 0xCC;
    if (start_of_frame && payload.size() >= 5) {
      layout.height = be16(payload, 1);
      layout.width = be16(payload, 3);
      have_frame = true;
    } else if (marker == 0xE1
               && payload.substr(0, 6) == std::string_view{"Exif\0\0", 6}) {
      layout.orientation = read_exif_orientation(payload.substr(6));
    } else if (marker == 0xDA) {
      if (!have_frame)
        return std::nullopt;
      // Entropy-coded data escapes 0xFF as FF 00, so FF D9 is the end.
      auto rest = bytes.substr(at + 2 + length);
      layout.complete = rest.find("\xFF\xD9") != std::string_view::npos;
      return layout;
    }
    at += 2 + length;
  }
}

/// Turns stored pixels upright for the given Exif orientation.
Pix* apply_orientation(Pix* pix, int orientation) {
  switch (orientation) {
    case 2: return pixFlipLR(nullptr, pix);
    case 3: return pixRotateOrth(pix, 2);
    case 4: return pixFlipTB(nullptr, pix);
    case 5: { // transpose: a quarter turn clockwise, then a mirror
      Pix* turned = pixRotateOrth(pix, 1);
      Pix* out = turned == nullptr ? nullptr : pixFlipLR(nullptr, turned);
      pixDestroy(&turned);
      return out;
    }
    case 6: return pixRotateOrth(pix, 1);
    case 7: { // transverse
      Pix* turned = pixRotateOrth(pix, 1);
      Pix* out = turned == nullptr ? nullptr : pixFlipTB(nullptr, turned);
      pixDestroy(&turned);
      return out;
    }
    case 8: return pixRotateOrth(pix, 3);
    default: return pixClone(pix);
  }
}

expected<image> decode_jpeg(std::string_view bytes) {
  auto layout = read_jpeg_layout(bytes);
  if (!layout || !layout->complete)
    return undecodable();
  if (auto refused = check_dimensions(layout->width, layout->height))
    return *refused;
  l_int32 warnings = 0;
  image stored{pixReadMemJpeg(reinterpret_cast<const l_uint8*>(bytes.data()),
                              bytes.size(), 0, 1, &warnings, 0)};
  if (stored.empty())
    return undecodable();
  if (layout->orientation == 1)
    return stored;
  image upright{apply_orientation(stored.pix(), layout->orientation)};
  if (upright.empty())
    return undecodable();
  return upright;
}

expected<image> decode_png(std::string_view bytes) {
  auto layout = read_png_layout(bytes);
  if (!layout)
    return undecodable();
  if (auto refused = check_dimensions(layout->width, layout->height))
    return *refused;
  image decoded{pixReadMemPng(reinterpret_cast<const l_uint8*>(bytes.data()),
                              bytes.size())};
  if (decoded.empty())
    return undecodable();
  return decoded;
}

// -- HEIC --------------------------------------------------------------------

void init_libheif() {
  static std::once_flag once;
  // Reference counted; never released, as plugins stay loaded for the
  // process's life.
  std::call_once(once, [] {
    heif_init(nullptr);
  });
}

error heic_error(const char* reason) {
  std::string message = "the HEIC image could not be decoded";
  if (reason != nullptr && *reason != '\0')
    message += std::string(": ") + reason;
  return make_error(errc::invalid_argument, std::move(message));
}

struct heif_deleter {
  void operator()(heif_context* c) const noexcept {
    heif_context_free(c);
  }

  void operator()(heif_image_handle* h) const noexcept {
    heif_image_handle_release(h);
  }

  void operator()(heif_image* i) const noexcept {
    heif_image_release(i);
  }
};

template <class T>
using heif_ptr = std::unique_ptr<T, heif_deleter>;

expected<image> decode_heic(std::string_view bytes) {
  init_libheif();
  heif_ptr<heif_context> context{heif_context_alloc()};
  if (!context)
    return make_error(errc::unavailable, "out of memory decoding an image");
  auto err = heif_context_read_from_memory_without_copy(
    context.get(), bytes.data(), bytes.size(), nullptr);
  if (err.code != heif_error_Ok)
    return heic_error(err.message);
  heif_image_handle* raw_handle = nullptr;
  err = heif_context_get_primary_image_handle(context.get(), &raw_handle);
  heif_ptr<heif_image_handle> handle{raw_handle};
  if (err.code != heif_error_Ok)
    return heic_error(err.message);
  if (auto refused = check_dimensions(heif_image_handle_get_width(raw_handle),
                                      heif_image_handle_get_height(raw_handle)))
    return *refused;
  heif_image* raw_image = nullptr;
  err = heif_decode_image(raw_handle, &raw_image, heif_colorspace_RGB,
                          heif_chroma_interleaved_RGB, nullptr);
  heif_ptr<heif_image> decoded{raw_image};
  if (err.code != heif_error_Ok)
    return heic_error(err.message);
  int stride = 0;
  const std::uint8_t* plane =
    heif_image_get_plane_readonly(raw_image, heif_channel_interleaved, &stride);
  int width = heif_image_get_width(raw_image, heif_channel_interleaved);
  int height = heif_image_get_height(raw_image, heif_channel_interleaved);
  if (plane == nullptr
      || heif_image_get_bits_per_pixel_range(raw_image,
                                             heif_channel_interleaved)
           != 8)
    return heic_error("unsupported pixel format");
  if (auto refused = check_dimensions(width, height))
    return *refused;
  image out{pixCreate(width, height, 32)};
  if (out.empty())
    return make_error(errc::unavailable, "out of memory decoding an image");
  l_uint32* data = pixGetData(out.pix());
  int words_per_line = pixGetWpl(out.pix());
  for (int y = 0; y < height; ++y) {
    const std::uint8_t* row = plane + static_cast<std::ptrdiff_t>(y) * stride;
    l_uint32* line = data + static_cast<std::ptrdiff_t>(y) * words_per_line;
    for (int x = 0; x < width; ++x)
      composeRGBPixel(row[3 * x], row[3 * x + 1], row[3 * x + 2], &line[x]);
  }
  return out;
}

} // namespace

int exif_orientation(std::string_view jpeg_bytes) noexcept {
  if (sniff(jpeg_bytes) != document_kind::jpeg)
    return 1;
  auto layout = read_jpeg_layout(jpeg_bytes);
  return layout ? layout->orientation : 1;
}

expected<image> decode_image(std::string_view bytes) {
  detail::quiet_leptonica();
  switch (sniff(bytes).value_or(document_kind::xml)) {
    case document_kind::jpeg: return decode_jpeg(bytes);
    case document_kind::png: return decode_png(bytes);
    case document_kind::heic: return decode_heic(bytes);
    default:
      return make_error(errc::invalid_argument,
                        "the document is not a JPEG, PNG or HEIC image");
  }
}

} // namespace larder::extract
