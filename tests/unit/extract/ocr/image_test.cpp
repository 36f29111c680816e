#include "extract/ocr/image.hpp"

#include <gtest/gtest.h>

#include <string>

#include "extract/ocr/sniff.hpp"
#include "test_images.hpp"

namespace larder::extract {
namespace {

using namespace testing;

/// 160 x 80, white, a 40 px black square at the top left and a 20 px one
/// at the bottom right: every flip and turn of it looks different.
image upright_pattern() {
  auto page = white_page(160, 80);
  fill_black(page, 0, 0, 40, 40);
  fill_black(page, 140, 60, 20, 20);
  return page;
}

void expect_upright(const image& picture, const std::string& what) {
  ASSERT_EQ(picture.width(), 160) << what;
  ASSERT_EQ(picture.height(), 80) << what;
  EXPECT_LT(gray_at(picture, 20, 20), 64) << what;   // big square
  EXPECT_LT(gray_at(picture, 150, 70), 64) << what;  // small square
  EXPECT_GT(gray_at(picture, 150, 10), 192) << what; // top right
  EXPECT_GT(gray_at(picture, 10, 70), 192) << what;  // bottom left
  EXPECT_GT(gray_at(picture, 100, 40), 192) << what; // middle
}

/// How a camera stores `upright` for each Exif orientation: the inverse of
/// the transformation a reader applies.
image stored_for(int orientation) {
  auto up = upright_pattern();
  switch (orientation) {
    case 2: return flipped(up, true);
    case 3: return rotated(up, 2);
    case 4: return flipped(up, false);
    case 5: { // transpose is its own inverse
      auto turned = rotated(up, 1);
      return flipped(turned, true);
    }
    case 6: return rotated(up, 3);
    case 7: {
      auto turned = rotated(up, 1);
      return flipped(turned, false);
    }
    case 8: return rotated(up, 1);
    default: return up;
  }
}

TEST(image, decodes_the_corpus_pngs) {
  auto aws = decode_image(
    read_file(corpus_dir() / "invoice2data/samples/AmazonWebServices.png"));
  ASSERT_TRUE(aws) << aws.error().message;
  EXPECT_EQ(aws->width(), 2975);
  EXPECT_EQ(aws->height(), 3850);
  EXPECT_GT(gray_at(*aws, 10, 10), 200); // a white margin
}

TEST(image, decodes_a_png_it_encoded) {
  auto bytes = encode_png(upright_pattern());
  ASSERT_EQ(sniff(bytes), document_kind::png);
  auto decoded = decode_image(bytes);
  ASSERT_TRUE(decoded) << decoded.error().message;
  expect_upright(*decoded, "png");
}

// Phones store the sensor's pixels and say in Exif how to turn them.
TEST(image, applies_every_exif_orientation) {
  for (int orientation = 1; orientation <= 8; ++orientation) {
    for (bool little_endian : {false, true}) {
      auto what = "orientation " + std::to_string(orientation)
                  + (little_endian ? " II" : " MM");
      auto jpeg = with_exif_orientation(encode_jpeg(stored_for(orientation)),
                                        orientation, little_endian);
      EXPECT_EQ(exif_orientation(jpeg), orientation) << what;
      auto decoded = decode_image(jpeg);
      ASSERT_TRUE(decoded) << what << ": " << decoded.error().message;
      expect_upright(*decoded, what);
    }
  }
}

TEST(image, jpeg_without_exif_is_left_as_stored) {
  auto jpeg = encode_jpeg(upright_pattern());
  EXPECT_EQ(exif_orientation(jpeg), 1);
  auto decoded = decode_image(jpeg);
  ASSERT_TRUE(decoded) << decoded.error().message;
  expect_upright(*decoded, "no exif");
}

TEST(image, unreadable_orientation_is_upright) {
  auto jpeg = encode_jpeg(upright_pattern());
  EXPECT_EQ(exif_orientation(with_exif_orientation(jpeg, 9)), 1);
  EXPECT_EQ(exif_orientation(with_exif_orientation(jpeg, 0)), 1);
  EXPECT_EQ(exif_orientation("not a jpeg"), 1);
}

TEST(image, decodes_a_heic_from_libheif) {
  auto heic = encode_heic(upright_pattern());
  ASSERT_EQ(sniff(heic), document_kind::heic);
  auto decoded = decode_image(heic);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->depth(), 32);
  expect_upright(*decoded, "heic");
}

void expect_refused(const std::string& bytes, const std::string& message,
                    const std::string& what) {
  auto decoded = decode_image(bytes);
  ASSERT_FALSE(decoded) << what;
  EXPECT_EQ(decoded.error().code, errc::invalid_argument) << what;
  EXPECT_EQ(decoded.error().message, message) << what;
}

TEST(image, refuses_truncated_and_corrupt_pictures) {
  const std::string bad = "the image could not be decoded";
  auto png = encode_png(upright_pattern());
  auto jpeg = encode_jpeg(upright_pattern());
  expect_refused(png.substr(0, png.size() / 2), bad, "truncated png");
  expect_refused(png.substr(0, png.size() - 4), bad, "png without IEND crc");
  auto damaged_png = png;
  damaged_png[png.size() / 2] ^= 0x55;
  expect_refused(damaged_png, bad, "damaged png");
  expect_refused(jpeg.substr(0, jpeg.size() / 2), bad, "truncated jpeg");
  expect_refused("\xFF\xD8\xFF\xE0 garbage", bad, "jpeg signature only");
  expect_refused(std::string("\x89PNG\r\n\x1a\n", 8), bad, "png signature");
}

TEST(image, refuses_a_corrupt_heic_with_a_reason) {
  auto heic = encode_heic(upright_pattern());
  auto decoded = decode_image(heic.substr(0, heic.size() / 2));
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, errc::invalid_argument);
  EXPECT_TRUE(
    decoded.error().message.starts_with("the HEIC image could not be decoded"))
    << decoded.error().message;
}

TEST(image, refuses_decompression_bombs_from_the_header) {
  const std::string side = "the image is too large (30000 x 100 pixels); "
                           "larder reads pictures of at most 60 megapixels "
                           "and 20000 pixels a side";
  expect_refused(png_header(30000, 100), side, "png side");
  auto area = decode_image(png_header(10000, 10000));
  ASSERT_FALSE(area);
  EXPECT_NE(area.error().message.find("too large (10000 x 10000"),
            std::string::npos)
    << area.error().message;
  // A JPEG whose frame header claims 65000 x 65000.
  auto jpeg = encode_jpeg(upright_pattern());
  auto sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  for (std::size_t i : {sof + 5, sof + 7}) {
    jpeg[i] = static_cast<char>(0xFD);
    jpeg[i + 1] = static_cast<char>(0xE8);
  }
  auto huge = decode_image(jpeg);
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("too large (65000 x 65000"),
            std::string::npos)
    << huge.error().message;
}

TEST(image, refuses_documents_that_are_not_pictures) {
  expect_refused(read_file(corpus_dir() / "invoice2data/samples/oyo.pdf"),
                 "the document is not a JPEG, PNG or HEIC image", "pdf");
  expect_refused("", "the document is not a JPEG, PNG or HEIC image", "empty");
  expect_refused("GIF89a", "the document is not a JPEG, PNG or HEIC image",
                 "gif");
}

TEST(image, moves_ownership) {
  auto a = upright_pattern();
  image b = std::move(a);
  EXPECT_TRUE(a.empty()); // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.width(), 160);
  a = std::move(b);
  EXPECT_EQ(a.width(), 160);
}

} // namespace
} // namespace larder::extract
