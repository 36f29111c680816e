#include "http/mailer.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace {

using namespace larder::http;
using larder::errc;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr std::string_view sample_date = "Sun, 22 Nov 2026 10:15:00 +0000";
constexpr std::string_view sample_id = "<0123abcd@larder>";

mail_message sample_mail() {
  return {"larder@example.com", "ana@example.org", "Your sign-in link",
          "Hello Ana,\n\nSign in: https://larder.example/s?t=abc\n"};
}

// -- reading mail back
// -------------------------------------------------------------

std::vector<std::string> split_crlf(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    auto end = text.find("\r\n");
    if (end == std::string_view::npos) {
      lines.emplace_back(text);
      break;
    }
    lines.emplace_back(text.substr(0, end));
    text.remove_prefix(end + 2);
  }
  return lines;
}

/// A message split the way a mail client reads it.
struct parsed_mail {
  /// Header lines as written, folded lines separate.
  std::vector<std::string> header_lines;
  /// Unfolded headers in order: name, value (leading space dropped).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The value of the only header called `name`; fails the test otherwise.
  std::string header(std::string_view name) const {
    std::vector<std::string> found;
    for (const auto& [key, value] : headers)
      if (key == name)
        found.push_back(value);
    EXPECT_EQ(found.size(), 1u) << "header " << name;
    return found.empty() ? std::string() : found.front();
  }
};

parsed_mail parse_mail(std::string_view raw) {
  parsed_mail out;
  auto split = raw.find("\r\n\r\n");
  EXPECT_NE(split, std::string_view::npos) << "no blank line after headers";
  if (split == std::string_view::npos)
    return out;
  out.header_lines = split_crlf(raw.substr(0, split + 2));
  out.body = std::string(raw.substr(split + 4));
  for (const auto& line : out.header_lines) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      EXPECT_FALSE(out.headers.empty()) << "continuation without a header";
      if (!out.headers.empty())
        out.headers.back().second += line; // unfolding drops only the CRLF
      continue;
    }
    auto colon = line.find(':');
    EXPECT_NE(colon, std::string::npos) << "not a header: " << line;
    if (colon == std::string::npos)
      continue;
    auto value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ')
      value.erase(0, 1);
    out.headers.emplace_back(line.substr(0, colon), value);
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Decodes a quoted-printable body strictly: every rule RFC 2045 §6.7 sets
/// for an encoder is checked, and any breach is a nullopt.
std::optional<std::string> qp_decode(std::string_view body) {
  if (body.empty())
    return std::string();
  if (body.size() < 2 || body.substr(body.size() - 2) != "\r\n")
    return std::nullopt;
  std::string out;
  for (const auto& line : split_crlf(body)) {
    if (line.size() > 76)
      return std::nullopt;
    if (!line.empty() && (line.back() == ' ' || line.back() == '\t'))
      return std::nullopt;
    bool soft = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      auto c = static_cast<unsigned char>(line[i]);
      if (c == '=') {
        if (i + 1 == line.size()) {
          soft = true;
          break;
        }
        if (i + 2 >= line.size())
          return std::nullopt;
        int hi = hex_digit(line[i + 1]);
        int lo = hex_digit(line[i + 2]);
        if (hi < 0 || lo < 0)
          return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
      if (c != ' ' && c != '\t' && (c < 33 || c > 126))
        return std::nullopt;
      out += static_cast<char>(c);
    }
    if (!soft)
      out += "\r\n";
  }
  return out;
}

/// The body `render_message` should carry: every line end as CRLF, other
/// CRs kept.
std::string with_crlf(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r'))
      out += '\r';
    out += text[i];
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  static constexpr std::string_view digits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  std::size_t padding = 0;
  for (char c : text) {
    if (c == '=') {
      ++padding;
      bits <<= 6;
    } else {
      auto v = digits.find(c);
      if (v == std::string_view::npos || padding > 0)
        return std::nullopt;
      bits = (bits << 6) | static_cast<std::uint32_t>(v);
    }
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xff);
      out += static_cast<char>((bits >> 8) & 0xff);
      out += static_cast<char>(bits & 0xff);
      bits = 0;
      count = 0;
    }
  }
  if (padding > 2)
    return std::nullopt;
  out.resize(out.size() - padding);
  return out;
}

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = c < 0x80           ? 0
                        : (c >> 5) == 0x6  ? 1
                        : (c >> 4) == 0xe  ? 2
                        : (c >> 3) == 0x1e ? 3
                                           : 4;
    if (extra == 4 || i + extra >= s.size())
      return false;
    for (std::size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80)
        return false;
    i += extra + 1;
  }
  return true;
}

/// The encoded words of an unfolded Subject value; fails the test on
/// anything else in the value.
std::vector<std::string> encoded_words(const std::string& value) {
  std::vector<std::string> words;
  std::istringstream in(value);
  for (std::string word; in >> word;)
    words.push_back(word);
  return words;
}

/// Decodes a Subject made of RFC 2047 `=?UTF-8?B?…?=` words, checking that
/// each word stands alone as whole UTF-8 characters within 75 characters.
std::optional<std::string> decode_subject(const std::string& value) {
  std::string out;
  for (const auto& word : encoded_words(value)) {
    if (word.size() > 75 || !word.starts_with("=?UTF-8?B?")
        || !word.ends_with("?="))
      return std::nullopt;
    auto decoded =
      base64_decode(std::string_view(word).substr(10, word.size() - 12));
    if (!decoded || !is_valid_utf8(*decoded))
      return std::nullopt;
    out += *decoded;
  }
  return out;
}

std::string body_of(const mail_message& msg) {
  auto rendered = render_message(msg, sample_date, sample_id);
  EXPECT_TRUE(rendered.has_value()) << rendered.error().message;
  return rendered ? parse_mail(*rendered).body : std::string();
}

std::string body_of(std::string text) {
  auto msg = sample_mail();
  msg.text = std::move(text);
  return body_of(msg);
}

parsed_mail rendered_with_subject(std::string subject) {
  auto msg = sample_mail();
  msg.subject = std::move(subject);
  auto rendered = render_message(msg, sample_date, sample_id);
  EXPECT_TRUE(rendered.has_value()) << rendered.error().message;
  return rendered ? parse_mail(*rendered) : parsed_mail{};
}

void expect_header_lines_fit(const parsed_mail& mail) {
  for (const auto& line : mail.header_lines)
    EXPECT_LE(line.size(), 78u) << line;
}

// -- render_message: headers
// ---------------------------------------------------------

TEST(MailRender, WritesTheExactMessage) {
  auto rendered = render_message(sample_mail(), sample_date, sample_id);
  ASSERT_TRUE(rendered.has_value()) << rendered.error().message;
  EXPECT_EQ(*rendered, "From: larder@example.com\r\n"
                       "To: ana@example.org\r\n"
                       "Subject: Your sign-in link\r\n"
                       "Date: Sun, 22 Nov 2026 10:15:00 +0000\r\n"
                       "Message-ID: <0123abcd@larder>\r\n"
                       "MIME-Version: 1.0\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: quoted-printable\r\n"
                       "\r\n"
                       "Hello Ana,\r\n"
                       "\r\n"
                       "Sign in: https://larder.example/s?t=3Dabc\r\n");
}

TEST(MailRender, ParsesBackIntoTheSameMail) {
  mail_message msg{"no-reply@mail.larder.example",
                   "ana.maria+inbox@example.org", "Invitation to Acme GmbH",
                   "Hi,\n\nyou were invited.\nGrüße\n"};
  auto rendered = render_message(msg, sample_date, sample_id);
  ASSERT_TRUE(rendered.has_value()) << rendered.error().message;
  EXPECT_EQ(rendered->find('\n'), rendered->find("\r\n") + 1)
    << "every line ends in CRLF";
  EXPECT_EQ(std::count(rendered->begin(), rendered->end(), '\n'),
            std::count(rendered->begin(), rendered->end(), '\r'));
  auto mail = parse_mail(*rendered);
  EXPECT_EQ(mail.header("From"), msg.from);
  EXPECT_EQ(mail.header("To"), msg.to);
  EXPECT_EQ(mail.header("Subject"), msg.subject);
  EXPECT_EQ(mail.header("Date"), sample_date);
  EXPECT_EQ(mail.header("Message-ID"), sample_id);
  EXPECT_EQ(mail.header("MIME-Version"), "1.0");
  EXPECT_EQ(mail.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(mail.header("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(mail.headers.size(), 8u);
  EXPECT_EQ(qp_decode(mail.body), with_crlf(msg.text));
}

TEST(MailRender, PutsABareMessageIdInAngleBrackets) {
  auto rendered = render_message(sample_mail(), sample_date, "abc@larder");
  ASSERT_TRUE(rendered.has_value());
  EXPECT_EQ(parse_mail(*rendered).header("Message-ID"), "<abc@larder>");
}

// -- render_message: quoted-printable body
// ---------------------------------------------

TEST(MailRender, EscapesTheEqualsSign) {
  EXPECT_EQ(body_of("a=b\n"), "a=3Db\r\n");
}

TEST(MailRender, EncodesNonAsciiAsUtf8Octets) {
  EXPECT_EQ(body_of("Grüße aus Köln\n"), "Gr=C3=BC=C3=9Fe aus K=C3=B6ln\r\n");
  EXPECT_EQ(body_of("日本\n"), "=E6=97=A5=E6=9C=AC\r\n");
}

TEST(MailRender, EncodesWhitespaceBeforeALineEnd) {
  EXPECT_EQ(body_of("tab\t\nspace \nboth \t\n  inner  ok\n"),
            "tab=09\r\nspace=20\r\nboth =09\r\n  inner  ok\r\n");
}

TEST(MailRender, KeepsCrlfAndTurnsBareLfIntoHardBreaks) {
  EXPECT_EQ(body_of("one\r\ntwo\nthree\r\n\r\n"),
            "one\r\ntwo\r\nthree\r\n\r\n");
}

TEST(MailRender, EncodesALoneCarriageReturn) {
  EXPECT_EQ(body_of("a\rb\r\r\n"), "a=0Db=0D\r\n");
}

TEST(MailRender, EndsATextWithoutLineEndInASoftBreak) {
  EXPECT_EQ(body_of("no newline"), "no newline=\r\n");
  EXPECT_EQ(qp_decode(body_of("no newline")), "no newline");
  EXPECT_EQ(body_of(""), "");
}

TEST(MailRender, KeepsALineOf76CharactersWhole) {
  std::string line(76, 'a');
  EXPECT_EQ(body_of(line + "\n"), line + "\r\n");
}

TEST(MailRender, BreaksALineOf77CharactersSoftly) {
  EXPECT_EQ(body_of(std::string(77, 'a') + "\n"),
            std::string(75, 'a') + "=\r\naa\r\n");
  // Without a final line end the soft break closing the text takes the
  // 76th column too.
  EXPECT_EQ(body_of(std::string(76, 'a')),
            std::string(75, 'a') + "=\r\na=\r\n");
}

TEST(MailRender, NeverSplitsAnEscapeAcrossLines) {
  EXPECT_EQ(body_of(std::string(74, 'a') + "é\n"),
            std::string(74, 'a') + "=\r\n=C3=A9\r\n");
  EXPECT_EQ(body_of(std::string(73, 'a') + "=\n"),
            std::string(73, 'a') + "=3D\r\n");
}

TEST(MailRender, BreaksLongLinkLinesWithin76Columns) {
  std::string link = "https://larder.example/auth/callback?token=";
  for (int i = 0; i < 40; ++i)
    link += "0123456789";
  auto body = body_of("Open " + link + "\n");
  auto lines = split_crlf(body);
  EXPECT_GT(lines.size(), 5u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 76u) << i;
    if (i + 1 < lines.size()) {
      EXPECT_TRUE(lines[i].ends_with('=')) << "soft break on line " << i;
    }
  }
  EXPECT_EQ(qp_decode(body), "Open " + link + "\r\n");
}

TEST(MailRender, RoundTripsArbitraryText) {
  // Every piece the encoder treats specially, in many arrangements.
  const std::vector<std::string> pieces = {"a",
                                           "word ",
                                           " ",
                                           "\t",
                                           "=",
                                           ".",
                                           "é",
                                           "日",
                                           "\n",
                                           "\r\n",
                                           "\r",
                                           "\n\n",
                                           "\0",
                                           "\x7f",
                                           "\xff",
                                           std::string(70, 'x'),
                                           std::string(30, ' ')};
  std::mt19937 rng(20261122);
  for (int round = 0; round < 300; ++round) {
    std::string text;
    auto count = rng() % 60;
    for (std::uint32_t i = 0; i < count; ++i)
      text += pieces[rng() % pieces.size()];
    auto body = body_of(text);
    auto decoded = qp_decode(body);
    ASSERT_TRUE(decoded.has_value()) << "round " << round << ":\n" << body;
    ASSERT_EQ(*decoded, with_crlf(text)) << "round " << round;
  }
}

// -- render_message: Subject
// --------------------------------------------------------------

TEST(MailRender, EncodesANonAsciiSubject) {
  auto mail = rendered_with_subject("Grüße");
  EXPECT_EQ(mail.header("Subject"), "=?UTF-8?B?R3LDvMOfZQ==?=");
  EXPECT_EQ(decode_subject(mail.header("Subject")), "Grüße");
}

TEST(MailRender, FoldsALongNonAsciiSubjectIntoWholeCharacters) {
  // Two- and three-byte characters, so that word boundaries must move to
  // stay between characters.
  std::string subject;
  for (int i = 0; i < 30; ++i)
    subject += "Rechnung für Müller – ";
  auto mail = rendered_with_subject(subject);
  expect_header_lines_fit(mail);
  auto words = encoded_words(mail.header("Subject"));
  EXPECT_GT(words.size(), 10u);
  EXPECT_EQ(decode_subject(mail.header("Subject")), subject);
}

TEST(MailRender, FoldsALongAsciiSubjectAtSpaces) {
  std::string subject;
  for (int i = 0; i < 20; ++i)
    subject += (i ? " " : "") + std::string("invoice-") + std::to_string(i);
  auto mail = rendered_with_subject(subject);
  expect_header_lines_fit(mail);
  int subject_lines = 0;
  for (const auto& line : mail.header_lines)
    if (line.starts_with("Subject:") || line.starts_with(" "))
      ++subject_lines;
  EXPECT_GT(subject_lines, 1);
  EXPECT_EQ(mail.header("Subject"), subject) << "unfolds to the subject";
}

TEST(MailRender, EncodesAnAsciiSubjectThatCannotBeFolded) {
  std::string subject(100, 'x');
  auto mail = rendered_with_subject(subject);
  expect_header_lines_fit(mail);
  EXPECT_EQ(decode_subject(mail.header("Subject")), subject);
}

TEST(MailRender, EncodesSubjectsThatWouldReadDifferentlyAsIs) {
  // A client would decode the first, and trim or squeeze the others.
  for (std::string subject : {"=?UTF-8?B?SGk=?=", " leading space",
                              "trailing space ", "two  spaces", "tab\there"}) {
    SCOPED_TRACE(subject);
    auto mail = rendered_with_subject(subject);
    EXPECT_EQ(decode_subject(mail.header("Subject")), subject);
  }
}

// -- render_message: refusals
// ----------------------------------------------------------------

TEST(MailRender, RefusesHeaderInjection) {
  const std::string nul("x\0y", 3);
  struct row {
    std::string field;
    std::string value;
  };
  const std::vector<row> rows = {
    {"from", "larder@example.com\r\nBcc: eve@evil.example"},
    {"from", "larder@example.com\n"},
    {"from", "larder@exa\rmple.com"},
    {"from", "larder@example.com" + nul},
    {"to", "ana@example.org\r\nBcc: eve@evil.example"},
    {"to", "ana@example.org\n"},
    {"to", "ana@example.org\r"},
    {"to", "ana@example.org" + nul},
    {"subject", "Hi\r\nBcc: eve@evil.example"},
    {"subject", "Hi\nthere"},
    {"subject", "Hi\rthere"},
    {"subject", "Hi" + nul},
  };
  for (const auto& [field, value] : rows) {
    SCOPED_TRACE(field + ": " + value);
    auto msg = sample_mail();
    (field == "from" ? msg.from : field == "to" ? msg.to : msg.subject) = value;
    auto rendered = render_message(msg, sample_date, sample_id);
    ASSERT_FALSE(rendered.has_value());
    EXPECT_EQ(rendered.error().code, errc::invalid_argument);
    EXPECT_NE(rendered.error().message.find("`" + field + "`"),
              std::string::npos)
      << rendered.error().message;
  }
}

TEST(MailRender, RefusesAddressesThatAreNotPlain) {
  const std::vector<std::string> bad = {
    "",
    "ana",
    "@example.org",
    "ana@",
    "ana@@example.org",
    "ana@example@org",
    "ana maria@example.org",
    "ana@exa mple.org",
    "ana\t@example.org",
    "<ana@example.org>",
    "Ana <ana@example.org>",
    "ana@example.org, eve@evil.example",
    "ana@example.org,eve@evil.example",
    "ana@example.org;eve@evil.example",
    "\"ana\"@example.org",
    "ana(comment)@example.org",
    "ana@[127.0.0.1]",
    "ana\\@example.org",
    "ana:x@example.org",
    std::string(64, 'a') + "@" + std::string(186, 'b') + ".org", // 255
  };
  for (const auto& address : bad) {
    for (std::string field : {"from", "to"}) {
      SCOPED_TRACE(field + ": " + address);
      auto msg = sample_mail();
      (field == "from" ? msg.from : msg.to) = address;
      auto rendered = render_message(msg, sample_date, sample_id);
      ASSERT_FALSE(rendered.has_value());
      EXPECT_EQ(rendered.error().code, errc::invalid_argument);
      EXPECT_NE(rendered.error().message.find("`" + field + "`"),
                std::string::npos)
        << rendered.error().message;
    }
  }
}

TEST(MailRender, AcceptsPlainAddressesUpTo254Characters) {
  std::string longest =
    std::string(64, 'a') + "@" + std::string(185, 'b') + ".org";
  ASSERT_EQ(longest.size(), 254u);
  for (std::string address :
       {std::string("a@b"), std::string("ana.maria+invoices@mail.example.org"),
        std::string("o'brien_x-y@example.co.uk"), longest}) {
    SCOPED_TRACE(address);
    auto msg = sample_mail();
    msg.to = address;
    msg.from = address;
    auto rendered = render_message(msg, sample_date, sample_id);
    ASSERT_TRUE(rendered.has_value()) << rendered.error().message;
    EXPECT_EQ(parse_mail(*rendered).header("To"), address);
  }
}

TEST(MailRender, RefusesLineBreaksInDateAndMessageId) {
  auto date = render_message(sample_mail(), "Sun\r\nBcc: x@y", sample_id);
  ASSERT_FALSE(date.has_value());
  EXPECT_EQ(date.error().code, errc::invalid_argument);
  EXPECT_NE(date.error().message.find("`date`"), std::string::npos);
  auto id = render_message(sample_mail(), sample_date, "<a@b>\nBcc: x@y");
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, errc::invalid_argument);
  EXPECT_NE(id.error().message.find("`message_id`"), std::string::npos);
}

// -- the dev outbox
// ---------------------------------------------------------------------------

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(dir))
    out.push_back(entry.path());
  std::sort(out.begin(), out.end());
  return out;
}

/// Seconds since the epoch of an RFC 5322 `Date` as larder writes it, or -1
/// when it is not in that form (weekday included).
std::time_t parse_mail_date(const std::string& date) {
  std::tm tm{};
  const char* end = strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S +0000", &tm);
  if (end == nullptr || *end != '\0')
    return -1;
  auto t = timegm(&tm);
  std::tm check{};
  gmtime_r(&t, &check);
  char again[64];
  std::strftime(again, sizeof(again), "%a, %d %b %Y %H:%M:%S +0000", &check);
  return date == again ? t : -1;
}

std::string compact_utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof(out), "%Y%m%dT%H%M%S", &tm);
  return out;
}

std::time_t now_seconds() {
  return std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
}

class OutboxMailer : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::path(::testing::TempDir()) / "outbox-XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  fs::path root_;
};

TEST_F(OutboxMailer, CreatesAMissingDirectoryForThisUserOnly) {
  auto dir = root_ / "var" / "outbox";
  auto out = make_outbox_mailer(dir);
  ASSERT_FALSE(out->send(sample_mail()).has_value());
  struct stat st {};
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(dir.parent_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u) << "missing parents too";
  EXPECT_EQ(files_in(dir).size(), 1u);
}

TEST_F(OutboxMailer, WritesTheRenderedMessageUnderATimeName) {
  auto dir = root_ / "outbox";
  auto out = make_outbox_mailer(dir);
  mail_message msg{"larder@example.com", "ana@example.org", "Ihr Anmeldelink",
                   "Hallo Ana,\n\nhttps://larder.example/s?t=abc\n"};
  auto before = now_seconds();
  ASSERT_FALSE(out->send(msg).has_value());
  auto after = now_seconds();

  auto files = files_in(dir);
  ASSERT_EQ(files.size(), 1u);
  auto name = files[0].filename().string();
  std::smatch match;
  ASSERT_TRUE(std::regex_match(
    name, match, std::regex(R"(^(\d{8}T\d{6})\.\d{6}Z-[0-9a-f]{16}\.eml$)")))
    << name;

  auto content = read_file(files[0]);
  auto mail = parse_mail(content);
  auto date = mail.header("Date");
  auto sent_at = parse_mail_date(date);
  ASSERT_NE(sent_at, -1) << date;
  EXPECT_GE(sent_at, before);
  EXPECT_LE(sent_at, after);
  EXPECT_EQ(match[1].str(), compact_utc(sent_at)) << "name and Date agree";
  auto id = mail.header("Message-ID");
  EXPECT_TRUE(std::regex_match(id, std::regex(R"(^<[0-9a-f]{32}@larder>$)")))
    << id;

  auto expected = render_message(msg, date, id);
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(content, *expected);

  struct stat st {};
  ASSERT_EQ(::stat(files[0].c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "sign-in links are secrets";
}

TEST_F(OutboxMailer, GivesEveryMailItsOwnFileAndLeavesNoTemporaries) {
  auto dir = root_ / "outbox";
  auto out = make_outbox_mailer(dir);
  constexpr int count = 100;
  for (int i = 0; i < count; ++i) {
    auto msg = sample_mail();
    msg.subject = "mail " + std::to_string(i);
    ASSERT_FALSE(out->send(msg).has_value()) << i;
  }
  auto files = files_in(dir);
  ASSERT_EQ(files.size(), static_cast<std::size_t>(count));
  std::set<std::string> subjects;
  std::set<std::string> ids;
  for (const auto& file : files) {
    EXPECT_EQ(file.extension(), ".eml") << file;
    EXPECT_FALSE(file.filename().string().starts_with(".")) << file;
    auto mail = parse_mail(read_file(file));
    subjects.insert(mail.header("Subject"));
    ids.insert(mail.header("Message-ID"));
  }
  EXPECT_EQ(subjects.size(), static_cast<std::size_t>(count))
    << "every mail arrived once";
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(count));
}

TEST_F(OutboxMailer, RefusesAnInjectedHeaderAndWritesNothing) {
  auto dir = root_ / "outbox";
  auto out = make_outbox_mailer(dir);
  auto msg = sample_mail();
  msg.to = "ana@example.org\r\nBcc: eve@evil.example";
  auto err = out->send(msg);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, errc::invalid_argument);
  EXPECT_TRUE(files_in(dir).empty());
}

TEST_F(OutboxMailer, ReportsAnUnusableDirectoryWithoutItsPath) {
  auto blocker = root_ / "not-a-directory";
  std::ofstream(blocker) << "x";
  for (auto dir : {blocker, blocker / "outbox"}) {
    SCOPED_TRACE(dir);
    auto err = make_outbox_mailer(dir)->send(sample_mail());
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->code, errc::unavailable);
    EXPECT_NE(err->message.find("outbox"), std::string::npos) << err->message;
    EXPECT_EQ(err->message.find(root_.string()), std::string::npos)
      << err->message;
  }
  EXPECT_EQ(files_in(root_).size(), 1u);
}

TEST_F(OutboxMailer, LeavesNothingBehindWhenAWriteFails) {
  auto dir = root_ / "outbox";
  auto out = make_outbox_mailer(dir);
  ASSERT_TRUE(fs::is_directory(dir));
  // A file size limit makes the write fail half way, as a full disk would;
  // with SIGXFSZ ignored the write reports EFBIG instead of killing us.
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto saved_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto err = out->send(sample_mail());
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, saved_handler);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, errc::unavailable);
  EXPECT_NE(err->message.find("outbox"), std::string::npos) << err->message;
  EXPECT_TRUE(files_in(dir).empty()) << files_in(dir).front();
  ASSERT_FALSE(out->send(sample_mail()).has_value()) << "and recovers";
  EXPECT_EQ(files_in(dir).size(), 1u);
}

TEST_F(OutboxMailer, DescribesItselfAsTheDirectory) {
  auto dir = root_ / "outbox";
  EXPECT_EQ(make_outbox_mailer(dir)->describe(), dir.string());
}

// -- SMTP
// -----------------------------------------------------------------------------------------

/// One mail as the server took it: the envelope and the DATA, with dot
/// stuffing undone and up to the CRLF before the final dot.
struct received_mail {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string data;
};

struct smtp_script {
  /// Advertise STARTTLS in the EHLO reply.
  bool offer_starttls = false;
  /// Answer STARTTLS with 220 and then hang up instead of 454, so that the
  /// client's TLS handshake fails.
  bool accept_starttls = false;
  /// RCPT TO for this address gets 550.
  std::string refuse_rcpt;
  /// Leave QUIT without a reply.
  bool ignore_quit = false;
};

/// Enough of RFC 5321 to take mail from curl: a loopback listener on an
/// ephemeral port, one thread per connection, all stopped and joined by the
/// destructor.
class fake_smtp_server {
 public:
  explicit fake_smtp_server(smtp_script script = {})
    : script_(std::move(script)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(listen_fd_, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(
      ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd_, 16), 0);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(::pipe2(stop_pipe_, O_CLOEXEC), 0);
    acceptor_ = std::thread([this] {
      accept_loop();
    });
  }

  fake_smtp_server(const fake_smtp_server&) = delete;
  fake_smtp_server& operator=(const fake_smtp_server&) = delete;

  ~fake_smtp_server() {
    stop();
    ::close(listen_fd_);
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
  }

  /// `smtp://[userinfo@]127.0.0.1:port`.
  std::string url(std::string_view userinfo = {},
                  std::string_view scheme = "smtp") const {
    std::string out(scheme);
    out += "://";
    if (!userinfo.empty())
      out.append(userinfo).append("@");
    return out + "127.0.0.1:" + std::to_string(port_);
  }

  /// Ends every session and joins every thread; idempotent.
  void stop() {
    if (stopped_.exchange(true))
      return;
    [[maybe_unused]] auto n = ::write(stop_pipe_[1], "x", 1);
    acceptor_.join();
    for (auto& session : sessions_)
      session.join();
  }

  std::vector<received_mail> mails() const {
    std::lock_guard guard{mutex_};
    return mails_;
  }

  /// Every command line received, in order.
  std::vector<std::string> commands() const {
    std::lock_guard guard{mutex_};
    return commands_;
  }

  /// Every byte received, DATA and TLS handshakes included.
  std::string raw() const {
    std::lock_guard guard{mutex_};
    return raw_;
  }

  int connections() const {
    std::lock_guard guard{mutex_};
    return connections_;
  }

 private:
  class reader {
   public:
    reader(fake_smtp_server& server, int fd) : server_(server), fd_(fd) {}

    /// The next line without its CRLF; nothing once the peer hangs up or
    /// the server stops.
    std::optional<std::string> line() {
      for (;;) {
        if (auto end = buffer_.find("\r\n"); end != std::string::npos) {
          auto out = buffer_.substr(0, end);
          buffer_.erase(0, end + 2);
          return out;
        }
        if (!fill())
          return std::nullopt;
      }
    }

    /// The DATA that follows a 354, dot stuffing undone.
    std::optional<std::string> data() {
      std::string out;
      while (auto next = line()) {
        if (*next == ".")
          return out;
        if (next->starts_with("."))
          next->erase(0, 1);
        out += *next + "\r\n";
      }
      return std::nullopt;
    }

   private:
    bool fill() {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {server_.stop_pipe_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 || fds[1].revents != 0)
        return false;
      char chunk[4096];
      auto n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n <= 0)
        return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
      std::lock_guard guard{server_.mutex_};
      server_.raw_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }

    fake_smtp_server& server_;
    int fd_;
    std::string buffer_;
  };

  void accept_loop() {
    for (;;) {
      pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 || fds[1].revents != 0)
        return;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0)
        continue;
      {
        std::lock_guard guard{mutex_};
        ++connections_;
      }
      sessions_.emplace_back([this, fd] {
        serve(fd);
        ::close(fd);
      });
    }
  }

  static void reply(int fd, std::string_view text) {
    while (!text.empty()) {
      auto n = ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
      if (n <= 0)
        return;
      text.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  /// The address between the angle brackets of `MAIL FROM:<…>`.
  static std::string path_of(const std::string& command) {
    auto open = command.find('<');
    auto close = command.find('>', open);
    if (open == std::string::npos || close == std::string::npos)
      return {};
    return command.substr(open + 1, close - open - 1);
  }

  void serve(int fd) {
    reader in(*this, fd);
    reply(fd, "220 fake.test ESMTP ready\r\n");
    received_mail current;
    while (auto command = in.line()) {
      {
        std::lock_guard guard{mutex_};
        commands_.push_back(*command);
      }
      std::string verb = command->substr(0, command->find(' '));
      std::transform(verb.begin(), verb.end(), verb.begin(),
                     [](unsigned char c) {
                       return std::toupper(c);
                     });
      if (verb == "EHLO" || verb == "HELO") {
        reply(fd, script_.offer_starttls ? "250-fake.test\r\n250 STARTTLS\r\n"
                                         : "250 fake.test\r\n");
      } else if (verb == "STARTTLS") {
        if (script_.accept_starttls) {
          reply(fd, "220 2.0.0 ready to start TLS\r\n");
          return;
        }
        reply(fd, "454 4.7.0 TLS not available\r\n");
      } else if (verb == "MAIL") {
        current = {};
        current.mail_from = path_of(*command);
        reply(fd, "250 2.1.0 ok\r\n");
      } else if (verb == "RCPT") {
        auto to = path_of(*command);
        if (to == script_.refuse_rcpt) {
          reply(fd, "550 5.1.1 no such mailbox\r\n");
        } else {
          current.rcpt_to.push_back(to);
          reply(fd, "250 2.1.5 ok\r\n");
        }
      } else if (verb == "DATA") {
        reply(fd, "354 end with <CRLF>.<CRLF>\r\n");
        auto data = in.data();
        if (!data)
          return;
        current.data = std::move(*data);
        {
          std::lock_guard guard{mutex_};
          mails_.push_back(std::exchange(current, {}));
        }
        reply(fd, "250 2.0.0 queued\r\n");
      } else if (verb == "RSET" || verb == "NOOP") {
        current = {};
        reply(fd, "250 2.0.0 ok\r\n");
      } else if (verb == "QUIT") {
        if (script_.ignore_quit) {
          while (in.line()) {
          }
          return;
        }
        reply(fd, "221 2.0.0 bye\r\n");
        return;
      } else {
        reply(fd, "502 5.5.2 not implemented\r\n");
      }
    }
  }

  smtp_script script_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::uint16_t port_ = 0;
  std::atomic<bool> stopped_{false};
  std::thread acceptor_;
  std::vector<std::thread> sessions_;
  mutable std::mutex mutex_;
  std::vector<received_mail> mails_;
  std::vector<std::string> commands_;
  std::string raw_;
  int connections_ = 0;
};

/// A loopback port on which nothing listens.
std::uint16_t closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

constexpr auto test_timeout = 10s;
constexpr std::string_view password = "s3cret-Pa55";

/// Checks that `data` is what `render_message` makes of `msg` with the Date
/// and Message-ID the sender chose, and that those are well formed.
void expect_rendered(const std::string& data, const mail_message& msg) {
  auto mail = parse_mail(data);
  auto date = mail.header("Date");
  EXPECT_NE(parse_mail_date(date), -1) << date;
  auto id = mail.header("Message-ID");
  EXPECT_TRUE(std::regex_match(id, std::regex(R"(^<[0-9a-f]{32}@larder>$)")))
    << id;
  auto expected = render_message(msg, date, id);
  ASSERT_TRUE(expected.has_value());
  EXPECT_EQ(data, *expected);
}

TEST(SmtpMailer, DeliversTheEnvelopeAndTheMessage) {
  fake_smtp_server server;
  mail_message msg{"no-reply@larder.example", "ana@example.org",
                   "Ihr Anmeldelink für Lärder",
                   "Hallo Ana,\n\nhttps://larder.example/s?t=abc\n"};
  {
    auto out = make_smtp_mailer(server.url(), test_timeout);
    auto err = out->send(msg);
    ASSERT_FALSE(err.has_value()) << err->message;
  }
  auto mails = server.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].mail_from, msg.from);
  EXPECT_EQ(mails[0].rcpt_to, std::vector<std::string>{msg.to});
  expect_rendered(mails[0].data, msg);
  auto mail = parse_mail(mails[0].data);
  EXPECT_EQ(decode_subject(mail.header("Subject")), msg.subject);
  EXPECT_EQ(qp_decode(mail.body), with_crlf(msg.text));
  auto commands = server.commands();
  ASSERT_FALSE(commands.empty());
  EXPECT_TRUE(commands.front().starts_with("EHLO")) << commands.front();
  EXPECT_EQ(commands.back(), "QUIT") << "the mailer says goodbye when freed";
}

TEST(SmtpMailer, KeepsLinesThatAreJustADot) {
  // SMTP ends DATA at a line holding one dot; curl must stuff it.
  fake_smtp_server server;
  auto msg = sample_mail();
  msg.text = "above\n.\n..\n.hidden\nbelow\n";
  auto out = make_smtp_mailer(server.url(), test_timeout);
  auto err = out->send(msg);
  ASSERT_FALSE(err.has_value()) << err->message;
  auto mails = server.mails();
  ASSERT_EQ(mails.size(), 1u);
  expect_rendered(mails[0].data, msg);
  EXPECT_EQ(qp_decode(parse_mail(mails[0].data).body), with_crlf(msg.text));
}

TEST(SmtpMailer, SendsSeveralMailsWithOneMailer) {
  fake_smtp_server server;
  auto out = make_smtp_mailer(server.url(), test_timeout);
  std::vector<mail_message> sent;
  for (int i = 0; i < 3; ++i) {
    auto msg = sample_mail();
    msg.to = "user" + std::to_string(i) + "@example.org";
    msg.subject = "mail " + std::to_string(i);
    auto err = out->send(msg);
    ASSERT_FALSE(err.has_value()) << i << ": " << err->message;
    sent.push_back(msg);
  }
  auto mails = server.mails();
  ASSERT_EQ(mails.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(mails[i].rcpt_to, std::vector<std::string>{sent[i].to});
    expect_rendered(mails[i].data, sent[i]);
  }
}

TEST(SmtpMailer, ReportsARefusedRecipientAndCarriesOn) {
  smtp_script script;
  script.refuse_rcpt = "nobody@example.org";
  fake_smtp_server server(script);
  auto out = make_smtp_mailer(server.url(), test_timeout);
  auto refused = sample_mail();
  refused.to = "nobody@example.org";
  auto err = out->send(refused);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, errc::unavailable);
  EXPECT_EQ(err->message, "the mail server refused the message (SMTP 550)");

  auto err2 = out->send(sample_mail());
  ASSERT_FALSE(err2.has_value()) << err2->message;
  auto mails = server.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].rcpt_to, std::vector<std::string>{"ana@example.org"});
}

TEST(SmtpMailer, NeverSendsCredentialsWithoutStartTls) {
  fake_smtp_server server;
  auto out = make_smtp_mailer(server.url("mailer:" + std::string(password)),
                              test_timeout);
  auto err = out->send(sample_mail());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, errc::unavailable);
  EXPECT_NE(err->message.find("STARTTLS"), std::string::npos) << err->message;
  EXPECT_EQ(err->message.find(password), std::string::npos);
  out.reset();
  server.stop();
  for (const auto& command : server.commands()) {
    EXPECT_FALSE(command.starts_with("AUTH")) << command;
    EXPECT_FALSE(command.starts_with("MAIL")) << command;
  }
  EXPECT_EQ(server.raw().find(password), std::string::npos);
  EXPECT_TRUE(server.mails().empty());
}

TEST(SmtpMailer, ReportsARefusedStartTls) {
  smtp_script script;
  script.offer_starttls = true;
  fake_smtp_server server(script);
  auto out = make_smtp_mailer(server.url("mailer:" + std::string(password)),
                              test_timeout);
  auto err = out->send(sample_mail());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, errc::unavailable);
  EXPECT_NE(err->message.find("STARTTLS"), std::string::npos) << err->message;
  EXPECT_EQ(err->message.find(password), std::string::npos);
  out.reset();
  server.stop();
  auto commands = server.commands();
  EXPECT_NE(std::find(commands.begin(), commands.end(), "STARTTLS"),
            commands.end());
  for (const auto& command : commands)
    EXPECT_FALSE(command.starts_with("AUTH")) << command;
  EXPECT_EQ(server.raw().find(password), std::string::npos);
}

TEST(SmtpMailer, ReportsAFailedTlsHandshake) {
  smtp_script script;
  script.offer_starttls = true;
  script.accept_starttls = true;
  fake_smtp_server server(script);
  auto out = make_smtp_mailer(server.url("mailer:" + std::string(password)),
                              test_timeout);
  auto err = out->send(sample_mail());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, errc::unavailable);
  EXPECT_EQ(err->message, "cannot establish TLS with the mail server");
  out.reset();
  server.stop();
  EXPECT_EQ(server.raw().find(password), std::string::npos);
}

TEST(SmtpMailer, SpeaksTlsFromTheStartWithSmtps) {
  // The plain server cannot answer a TLS hello: the send must fail rather
  // than fall back to clear text.
  fake_smtp_server server;
  auto out = make_smtp_mailer(
    server.url("mailer:" + std::string(password), "smtps"), test_timeout);
  auto err = out->send(sample_mail());
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, errc::unavailable);
  EXPECT_EQ(err->message, "cannot establish TLS with the mail server");
  out.reset();
  server.stop();
  EXPECT_EQ(server.connections(), 1);
  for (const auto& command : server.commands())
    EXPECT_FALSE(command.starts_with("EHLO")) << "spoke SMTP in clear text";
  EXPECT_EQ(server.raw().find(password), std::string::npos);
}

TEST(SmtpMailer, ReportsAnUnreachableServer) {
  auto out = make_smtp_mailer("smtp://mailer:" + std::string(password)
                                + "@127.0.0.1:" + std::to_string(closed_port()),
                              2s);
  auto start = std::chrono::steady_clock::now();
  auto err = out->send(sample_mail());
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, errc::unavailable);
  EXPECT_EQ(err->message, "cannot reach the mail server");
  EXPECT_LT(took, 2s);
}

TEST(SmtpMailer, GivesUpOnASilentServerAtTheTimeout) {
  // Listens, so the connection is made, but never greets.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  auto out = make_smtp_mailer(
    "smtp://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), 300ms);
  auto start = std::chrono::steady_clock::now();
  auto err = out->send(sample_mail());
  auto took = std::chrono::steady_clock::now() - start;
  out.reset();
  ::close(fd);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, errc::unavailable);
  EXPECT_EQ(err->message, "the mail server did not answer in time");
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
}

TEST(SmtpMailer, DoesNotHangWhenFreedBesideAServerThatIgnoresQuit) {
  smtp_script script;
  script.ignore_quit = true;
  fake_smtp_server server(script);
  auto out = make_smtp_mailer(server.url(), 1s);
  auto err = out->send(sample_mail());
  ASSERT_FALSE(err.has_value()) << err->message;
  auto start = std::chrono::steady_clock::now();
  out.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_EQ(server.mails().size(), 1u);
}

TEST(SmtpMailer, RefusesUrlsThatAreNotSmtp) {
  char dir_pattern[] = "/tmp/larder-smtp-XXXXXX";
  ASSERT_NE(mkdtemp(dir_pattern), nullptr);
  fs::path target = fs::path(dir_pattern) / "overwritten.eml";
  fake_smtp_server server;
  for (auto url : {"file://" + target.string(), server.url({}, "http")}) {
    SCOPED_TRACE(url);
    auto err = make_smtp_mailer(url, test_timeout)->send(sample_mail());
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->code, errc::unavailable);
    EXPECT_NE(err->message.find("smtp://"), std::string::npos) << err->message;
  }
  EXPECT_FALSE(fs::exists(target));
  server.stop();
  EXPECT_EQ(server.connections(), 0);
  fs::remove_all(dir_pattern);
}

TEST(SmtpMailer, RefusesAnInjectedHeaderBeforeConnecting) {
  fake_smtp_server server;
  auto out = make_smtp_mailer(server.url(), test_timeout);
  auto msg = sample_mail();
  msg.subject = "Hi\r\nBcc: eve@evil.example";
  auto err = out->send(msg);
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->code, errc::invalid_argument);
  out.reset();
  server.stop();
  EXPECT_EQ(server.connections(), 0);
}

TEST(SmtpMailer, DescribesTheUrlWithoutThePassword) {
  const std::vector<std::pair<std::string, std::string>> rows = {
    {"smtp://mail.example.org:587", "smtp://mail.example.org:587"},
    {"smtp://mailer:s3cret@mail.example.org:587",
     "smtp://mailer:***@mail.example.org:587"},
    {"smtps://mailer%40example.org:s3cret@mail.example.org",
     "smtps://mailer%40example.org:***@mail.example.org"},
    {"smtp://mailer@mail.example.org", "smtp://mailer@mail.example.org"},
    // Unencoded `@` or `/` in a password: hide up to the last `@`.
    {"smtp://mailer:s3c@ret@mail.example.org",
     "smtp://mailer:***@mail.example.org"},
    {"smtp://mailer:s3c/ret@mail.example.org/ehlo.example",
     "smtp://mailer:***@mail.example.org/ehlo.example"},
    {"mailer:s3cret@smtp.example.org", "mailer:***@smtp.example.org"},
  };
  for (const auto& [url, shown] : rows) {
    SCOPED_TRACE(url);
    auto described = make_smtp_mailer(url)->describe();
    EXPECT_EQ(described, shown);
    EXPECT_EQ(described.find("s3c"), std::string::npos);
  }
}

} // namespace
