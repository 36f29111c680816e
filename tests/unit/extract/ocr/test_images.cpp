#include "test_images.hpp"

#include <gtest/gtest.h>
#include <leptonica/allheaders.h>
#include <libheif/heif.h>

#include <array>
#include <fstream>
#include <iterator>
#include <memory>

namespace larder::extract::testing {

namespace {

std::string take_lept_bytes(l_uint8* data, size_t size) {
  std::string out(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  return out;
}

void put_be32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

std::uint32_t crc32_of(std::string_view bytes) {
  std::uint32_t c = 0xFFFFFFFFU;
  for (char ch : bytes) {
    c ^= static_cast<unsigned char>(ch);
    for (int k = 0; k < 8; ++k)
      c = (c & 1) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xFFFFFFFFU;
}

void put_chunk(std::string& out, std::string_view type, std::string_view data) {
  put_be32(out, static_cast<std::uint32_t>(data.size()));
  std::string body(type);
  body += data;
  out += body;
  put_be32(out, crc32_of(body));
}

} // namespace

std::filesystem::path corpus_dir() {
  return LARDER_CORPUS_DIR;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

image white_page(int width, int height) {
  image page{pixCreate(width, height, 8)};
  pixSetAllArbitrary(page.pix(), 255);
  return page;
}

void fill_black(image& picture, int x, int y, int w, int h) {
  pixRasterop(picture.pix(), x, y, w, h, PIX_CLR, nullptr, 0, 0);
}

int gray_at(const image& picture, int x, int y) {
  l_uint32 value = 0;
  pixGetPixel(picture.pix(), x, y, &value);
  if (picture.depth() == 32) {
    l_int32 r = 0;
    l_int32 g = 0;
    l_int32 b = 0;
    extractRGBValues(value, &r, &g, &b);
    return (r + g + b) / 3;
  }
  if (picture.depth() == 1)
    return value != 0 ? 0 : 255;
  return static_cast<int>(value);
}

std::string encode_jpeg(const image& picture) {
  l_uint8* data = nullptr;
  size_t size = 0;
  EXPECT_EQ(pixWriteMemJpeg(&data, &size, picture.pix(), 90, 0), 0);
  return take_lept_bytes(data, size);
}

std::string encode_png(const image& picture) {
  l_uint8* data = nullptr;
  size_t size = 0;
  EXPECT_EQ(pixWriteMemPng(&data, &size, picture.pix(), 0), 0);
  return take_lept_bytes(data, size);
}

std::string with_exif_orientation(std::string_view jpeg, int orientation,
                                  bool little_endian) {
  auto u16 = [&](std::string& out, unsigned v) {
    if (little_endian) {
      out.push_back(static_cast<char>(v & 0xFF));
      out.push_back(static_cast<char>(v >> 8));
    } else {
      out.push_back(static_cast<char>(v >> 8));
      out.push_back(static_cast<char>(v & 0xFF));
    }
  };
  auto u32 = [&](std::string& out, unsigned v) {
    if (little_endian) {
      u16(out, v & 0xFFFF);
      u16(out, v >> 16);
    } else {
      u16(out, v >> 16);
      u16(out, v & 0xFFFF);
    }
  };
  std::string tiff = little_endian ? "II" : "MM";
  u16(tiff, 42);
  u32(tiff, 8);      // IFD0 right after the header
  u16(tiff, 2);      // two entries: one before the orientation, as cameras do
  u16(tiff, 0x010F); // Make, ASCII, 4 bytes inline
  u16(tiff, 2);
  u32(tiff, 4);
  tiff += std::string("Cam\0", 4);
  u16(tiff, 0x0112); // Orientation, SHORT, 1
  u16(tiff, 3);
  u32(tiff, 1);
  u16(tiff, static_cast<unsigned>(orientation));
  u16(tiff, 0);
  u32(tiff, 0); // no next IFD
  std::string payload = std::string("Exif\0\0", 6) + tiff;
  std::string segment = "\xFF\xE1";
  auto length = static_cast<unsigned>(payload.size() + 2);
  segment.push_back(static_cast<char>(length >> 8));
  segment.push_back(static_cast<char>(length & 0xFF));
  segment += payload;
  std::string out(jpeg.substr(0, 2));
  out += segment;
  out += jpeg.substr(2);
  return out;
}

std::string encode_heic(const image& picture) {
  struct deleter {
    void operator()(heif_context* c) const {
      heif_context_free(c);
    }

    void operator()(heif_image* i) const {
      heif_image_release(i);
    }

    void operator()(heif_encoder* e) const {
      heif_encoder_release(e);
    }
  };
  std::unique_ptr<heif_context, deleter> context{heif_context_alloc()};
  heif_encoder* raw_encoder = nullptr;
  auto err = heif_context_get_encoder_for_format(
    context.get(), heif_compression_HEVC, &raw_encoder);
  std::unique_ptr<heif_encoder, deleter> encoder{raw_encoder};
  EXPECT_EQ(err.code, heif_error_Ok) << err.message;
  if (err.code != heif_error_Ok)
    return {};
  heif_encoder_set_logging_level(raw_encoder, 0);
  heif_encoder_set_lossy_quality(raw_encoder, 85);
  int width = picture.width() & ~1;
  int height = picture.height() & ~1;
  heif_image* raw_image = nullptr;
  err = heif_image_create(width, height, heif_colorspace_RGB,
                          heif_chroma_interleaved_RGB, &raw_image);
  std::unique_ptr<heif_image, deleter> rgb{raw_image};
  EXPECT_EQ(err.code, heif_error_Ok) << err.message;
  err =
    heif_image_add_plane(raw_image, heif_channel_interleaved, width, height, 8);
  EXPECT_EQ(err.code, heif_error_Ok) << err.message;
  int stride = 0;
  std::uint8_t* plane =
    heif_image_get_plane(raw_image, heif_channel_interleaved, &stride);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      auto v = static_cast<std::uint8_t>(gray_at(picture, x, y));
      std::uint8_t* px =
        plane + static_cast<std::ptrdiff_t>(y) * stride + 3 * x;
      px[0] = v;
      px[1] = v;
      px[2] = v;
    }
  err = heif_context_encode_image(context.get(), raw_image, raw_encoder,
                                  nullptr, nullptr);
  EXPECT_EQ(err.code, heif_error_Ok) << err.message;
  std::string out;
  heif_writer writer{};
  writer.writer_api_version = 1;
  writer.write = [](heif_context*, const void* data, size_t size,
                    void* userdata) {
    static_cast<std::string*>(userdata)->append(static_cast<const char*>(data),
                                                size);
    return heif_error{heif_error_Ok, heif_suberror_Unspecified, "ok"};
  };
  err = heif_context_write(context.get(), &writer, &out);
  EXPECT_EQ(err.code, heif_error_Ok) << err.message;
  return out;
}

std::string scanned_pdf(const image& picture, int dpi) {
  l_uint8* data = nullptr;
  size_t size = 0;
  EXPECT_EQ(pixWriteMemPdf(&data, &size, picture.pix(), dpi, "scan"), 0);
  return take_lept_bytes(data, size);
}

image rotated(const image& picture, int quads) {
  return image{pixRotateOrth(picture.pix(), quads)};
}

image flipped(const image& picture, bool left_right) {
  return image{left_right ? pixFlipLR(nullptr, picture.pix())
                          : pixFlipTB(nullptr, picture.pix())};
}

image scaled(const image& picture, double factor) {
  return image{pixScale(picture.pix(), static_cast<float>(factor),
                        static_cast<float>(factor))};
}

image cropped(const image& picture, int x, int y, int w, int h) {
  std::unique_ptr<Box, void (*)(Box*)> box{boxCreate(x, y, w, h), [](Box* b) {
                                             boxDestroy(&b);
                                           }};
  return image{pixClipRectangle(picture.pix(), box.get(), nullptr)};
}

std::string png_header(std::uint32_t width, std::uint32_t height) {
  std::string out("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  put_be32(ihdr, width);
  put_be32(ihdr, height);
  ihdr += std::string("\x08\x02\x00\x00\x00", 5); // 8-bit RGB
  put_chunk(out, "IHDR", ihdr);
  put_chunk(out, "IEND", "");
  return out;
}

} // namespace larder::extract::testing

/// x265 3.5 leaks a small allocation in every x265_encoder_open (libheif
/// 1.15 releases the encoder with x265_encoder_close, which misses it). Only
/// the tests encode HEIC; larder itself never does. x265 has no frame
/// pointers, so the report's stack ends in libx265: match the library.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:libx265.so\n";
}
