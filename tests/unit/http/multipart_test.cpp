#include "http/multipart.hpp"

#include <string>

#include <gtest/gtest.h>

namespace larder::http {
namespace {

const std::string boundary = "----larderBoundary7MA4YWxkTrZu0gW";
const std::string content_type = "multipart/form-data; boundary=" + boundary;

std::string file_part(std::string_view name, std::string_view file_name,
                      std::string_view type, std::string_view bytes) {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\""
         + std::string{name} + "\"; filename=\"" + std::string{file_name}
         + "\"\r\nContent-Type: " + std::string{type} + "\r\n\r\n"
         + std::string{bytes} + "\r\n";
}

std::string field_part(std::string_view name, std::string_view value) {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\""
         + std::string{name} + "\"\r\n\r\n" + std::string{value} + "\r\n";
}

std::string closing() {
  return "--" + boundary + "--\r\n";
}

TEST(multipart, binary_bytes_come_back_exactly) {
  // NULs, CRLFs and a line that starts like a boundary must survive.
  std::string bytes = "%PDF-1.7\r\n";
  bytes += std::string("\0\x01\xff\r\n--", 8);
  bytes += "--not-the-boundary\r\n\r\n";
  for (int i = 0; i < 256; ++i)
    bytes += static_cast<char>(i);
  auto body = file_part("file", "invoice.pdf", "application/pdf", bytes)
              + field_part("note", "from the walk-in") + closing();
  auto parts = parse_form_data(content_type, body, {});
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_TRUE((*parts)[0].is_file);
  EXPECT_EQ((*parts)[0].name, "file");
  EXPECT_EQ((*parts)[0].file_name, "invoice.pdf");
  EXPECT_EQ((*parts)[0].declared_type, "application/pdf");
  EXPECT_EQ((*parts)[0].bytes, bytes);
  EXPECT_FALSE((*parts)[1].is_file);
  EXPECT_EQ((*parts)[1].bytes, "from the walk-in");
}

TEST(multipart, rfc2231_file_names_are_decoded) {
  std::string body =
    "--" + boundary
    + "\r\nContent-Disposition: form-data; name=\"file\"; "
      "filename*=UTF-8''facture%20cr%C3%A8me%20br%C3%BBl%C3%A9e.pdf\r\n"
      "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n"
    + closing();
  auto parts = parse_form_data(content_type, body, {});
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].file_name, "facture crème brûlée.pdf");
}

TEST(multipart, refuses_what_is_not_a_whole_form) {
  auto whole =
    file_part("file", "a.pdf", "application/pdf", "%PDF-1.4") + closing();
  // Cut short in transit.
  auto cut = whole.substr(0, whole.size() - closing().size() + 4);
  auto r = parse_form_data(content_type, cut, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, errc::invalid_argument);
  EXPECT_NE(r.error().message.find("incomplete"), std::string::npos);
  // Not a form at all.
  EXPECT_FALSE(parse_form_data("application/json", "{}", {}));
  EXPECT_FALSE(parse_form_data("multipart/form-data", whole, {}));
  // A header injection through the content type.
  EXPECT_FALSE(parse_form_data(content_type + "\r\nX-Evil: 1", whole, {}));
  // A part without a name.
  auto nameless = "--" + boundary
                  + "\r\nContent-Disposition: form-data\r\n\r\nx\r\n"
                  + closing();
  EXPECT_FALSE(parse_form_data(content_type, nameless, {}));
}

TEST(multipart, limits_hold) {
  multipart_limits limits;
  limits.max_files = 2;
  limits.max_file_bytes = 10;
  std::string three;
  for (int i = 0; i < 3; ++i)
    three += file_part("file", "f" + std::to_string(i) + ".pdf",
                       "application/pdf", "%PDF");
  three += closing();
  auto r = parse_form_data(content_type, three, limits);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("at most 2 files"), std::string::npos);
  auto big =
    file_part("file", "big.pdf", "application/pdf", std::string(11, 'x'))
    + closing();
  r = parse_form_data(content_type, big, limits);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("big.pdf"), std::string::npos);
}

TEST(multipart, file_names_are_cleaned_for_display) {
  EXPECT_EQ(clean_file_name("C:\\fakepath\\Sysco March.pdf"),
            "Sysco March.pdf");
  EXPECT_EQ(clean_file_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(clean_file_name("a\r\nSet-Cookie: x=\"y\".pdf"),
            "aSet-Cookie: x=y.pdf");
  EXPECT_EQ(clean_file_name("  many   spaces\there.pdf "),
            "many spaces here.pdf");
  EXPECT_EQ(clean_file_name("invoice\u202Efdp.exe"), "invoicefdp.exe");
  EXPECT_EQ(clean_file_name(".htaccess"), "htaccess");
  EXPECT_EQ(clean_file_name(""), "document");
  EXPECT_EQ(clean_file_name(std::string("\xff\xfe", 2)), "document");
  EXPECT_EQ(clean_file_name(std::string(400, 'a')).size(), 255u);
}

TEST(multipart, content_disposition_cannot_be_broken_out_of) {
  EXPECT_EQ(content_disposition("attachment", "invoice 42.pdf"),
            "attachment; filename=\"invoice 42.pdf\"");
  auto evil = content_disposition(
    "inline", "x\".pdf\r\nSet-Cookie: session=stolen; a=\"b");
  EXPECT_EQ(evil.find('\r'), std::string::npos);
  EXPECT_EQ(evil.find('\n'), std::string::npos);
  // The only quotes are the two around the name.
  EXPECT_EQ(std::count(evil.begin(), evil.end(), '"'), 2);
  EXPECT_EQ(content_disposition("attachment", "Crème brûlée.pdf"),
            "attachment; filename=\"Cr_me br_l_e.pdf\"; "
            "filename*=UTF-8''Cr%C3%A8me%20br%C3%BBl%C3%A9e.pdf");
  EXPECT_EQ(content_disposition("attachment", "100%; real.pdf"),
            "attachment; filename=\"100__ real.pdf\"; "
            "filename*=UTF-8''100%25%3B%20real.pdf");
}

} // namespace
} // namespace larder::http
