#include "http/mailer.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <system_error>
#include <utility>

#include <curl/curl.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events/crypto.hpp"
#include "events/envelope.hpp"

namespace larder::http {

namespace {

constexpr std::string_view crlf = "\r\n";

/// RFC 5322 §2.1.1: header lines SHOULD stay within 78 characters.
constexpr std::size_t max_header_line = 78;

/// RFC 2045 §6.7: an encoded line holds at most 76 characters, the `=` of a
/// soft line break included.
constexpr std::size_t max_qp_line = 76;

/// RFC 2047 §2: an encoded word is at most 75 characters.
constexpr std::size_t max_encoded_word = 75;

/// `=?UTF-8?B?` and `?=` around the base64 of an encoded word.
constexpr std::string_view encoded_word_open = "=?UTF-8?B?";
constexpr std::string_view encoded_word_close = "?=";

/// RFC 5321 §4.5.3.1.3 limits a path to 256 octets with its angle brackets.
constexpr std::size_t max_address_size = 254;

// -- validation ---------------------------------------------------------------

bool holds_line_break_or_nul(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3))
         != std::string_view::npos;
}

std::optional<error> check_header_text(std::string_view field,
                                       std::string_view value) {
  if (holds_line_break_or_nul(value))
    return make_error(errc::invalid_argument,
                      "the mail's `" + std::string(field)
                        + "` holds a line break or NUL");
  return std::nullopt;
}

/// Characters that would let an address grow a display name, a second
/// address, a comment or a quoted string: RFC 5322's specials and white
/// space. What is left is the plain `local@domain` that sign-in mail needs.
bool allowed_in_address(unsigned char c) {
  if (c <= 0x20 || c == 0x7f)
    return false;
  return std::string_view("()<>[]:;\\,\"").find(static_cast<char>(c))
         == std::string_view::npos;
}

std::optional<error> check_address(std::string_view field,
                                   std::string_view address) {
  if (auto err = check_header_text(field, address))
    return err;
  auto at = address.find('@');
  bool plain = !address.empty() && address.size() <= max_address_size
               && at != std::string_view::npos && at != 0
               && at + 1 != address.size()
               && address.find('@', at + 1) == std::string_view::npos
               && std::all_of(address.begin(), address.end(), [](char c) {
                    return allowed_in_address(static_cast<unsigned char>(c));
                  });
  if (!plain)
    return make_error(errc::invalid_argument,
                      "the mail's `" + std::string(field)
                        + "` address is not a plain local@domain");
  return std::nullopt;
}

// -- Subject
// --------------------------------------------------------------------

std::string base64(std::string_view bytes) {
  static constexpr char digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    auto v =
      static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16
      | static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1]))
          << 8
      | static_cast<unsigned char>(bytes[i + 2]);
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    out += digits[(v >> 6) & 63];
    out += digits[v & 63];
  }
  if (auto rest = bytes.size() - i; rest > 0) {
    std::uint32_t v =
      static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2)
      v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1]))
           << 8;
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    out += rest == 2 ? digits[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

/// True when `subject` reads the same to every mail client written as is:
/// printable ASCII, single spaces between words, and nothing a client would
/// mistake for an encoded word.
bool is_plain_subject(std::string_view subject) {
  if (subject.empty())
    return true;
  if (subject.front() == ' ' || subject.back() == ' '
      || subject.find("  ") != std::string_view::npos
      || subject.find("=?") != std::string_view::npos)
    return false;
  return std::all_of(subject.begin(), subject.end(), [](char c) {
    return c >= 0x20 && c <= 0x7e;
  });
}

/// `Subject:` with `subject` folded before spaces so that no line exceeds
/// 78 characters; nothing when a word is too long to fit on a line.
std::optional<std::string> fold_plain_subject(std::string_view subject) {
  std::string out = "Subject:";
  std::size_t line = out.size();
  bool line_has_word = false;
  while (!subject.empty()) {
    auto space = subject.find(' ');
    auto word = subject.substr(0, space);
    subject.remove_prefix(space == std::string_view::npos ? subject.size()
                                                          : space + 1);
    if (line + 1 + word.size() > max_header_line) {
      if (!line_has_word || 1 + word.size() > max_header_line)
        return std::nullopt;
      out += crlf;
      line = 0;
    }
    out += ' ';
    out += word;
    line += 1 + word.size();
    line_has_word = true;
  }
  return out;
}

bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xc0) == 0x80;
}

/// `Subject:` with `subject` as RFC 2047 base64 encoded words, one per line,
/// each ending on a character boundary so that clients which decode words
/// one at a time still show whole characters.
std::string encode_subject(std::string_view subject) {
  std::string out = "Subject:";
  std::size_t line = out.size();
  auto overhead = encoded_word_open.size() + encoded_word_close.size();
  while (!subject.empty()) {
    auto room = std::min(max_header_line - line - 1, max_encoded_word);
    auto take = std::min((room - overhead) / 4 * 3, subject.size());
    if (take < subject.size()) {
      // Back up at most three bytes to the start of a UTF-8 sequence; text
      // that is not UTF-8 is cut where it falls.
      auto cut = take;
      while (cut > 0 && take - cut < 3 && is_utf8_continuation(subject[cut]))
        --cut;
      if (cut > 0 && !is_utf8_continuation(subject[cut]))
        take = cut;
    }
    if (line == 0)
      out += crlf;
    out += ' ';
    out += encoded_word_open;
    out += base64(subject.substr(0, take));
    out += encoded_word_close;
    line = 0;
    subject.remove_prefix(take);
  }
  return out;
}

std::string render_subject(std::string_view subject) {
  if (is_plain_subject(subject))
    if (auto folded = fold_plain_subject(subject))
      return std::move(*folded);
  return encode_subject(subject);
}

// -- quoted-printable
// -------------------------------------------------------------

/// Appends one line of text (without its line end) as quoted-printable.
/// `hard_break` says whether a line end follows in the text; the last line
/// of a text without a final line end closes with a soft break instead, so
/// that decoding gives back exactly the text.
void append_qp_line(std::string& out, std::string_view line, bool hard_break) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::size_t column = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto c = static_cast<unsigned char>(line[i]);
    bool last = i + 1 == line.size();
    bool literal = (c >= 33 && c <= 126 && c != '=')
                   || ((c == ' ' || c == '\t') && !(last && hard_break));
    char token[3] = {static_cast<char>(c), 0, 0};
    std::size_t size = 1;
    if (!literal) {
      token[0] = '=';
      token[1] = digits[c >> 4];
      token[2] = digits[c & 0x0f];
      size = 3;
    }
    // A soft break takes a column; the last token before a hard break may
    // use it.
    auto limit = last && hard_break ? max_qp_line : max_qp_line - 1;
    if (column + size > limit) {
      out += '=';
      out += crlf;
      column = 0;
    }
    out.append(token, size);
    column += size;
  }
  if (!hard_break)
    out += '=';
  out += crlf;
}

/// Encodes `text` as quoted-printable. CRLF and bare LF are line ends and
/// become CRLF hard breaks; any other CR is data.
std::string encode_quoted_printable(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    auto newline = text.find('\n');
    if (newline == std::string_view::npos) {
      append_qp_line(out, text, false);
      break;
    }
    auto end = newline;
    if (end > 0 && text[end - 1] == '\r')
      --end;
    append_qp_line(out, text.substr(0, end), true);
    text.remove_prefix(newline + 1);
  }
  return out;
}

// -- time and names
// -----------------------------------------------------------------

using micro_time = std::chrono::sys_time<std::chrono::microseconds>;

/// RFC 5322 §3.3 date in UTC, e.g. `Sun, 22 Nov 2026 10:15:00 +0000`.
std::string format_mail_date(micro_time t) {
  using namespace std::chrono;
  static constexpr std::array<const char*, 7> weekdays = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> months = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<seconds> tod{floor<seconds>(t - day)};
  char buf[40];
  std::snprintf(
    buf, sizeof(buf), "%s, %02u %s %04d %02d:%02d:%02d +0000",
    weekdays[weekday{day}.c_encoding()], static_cast<unsigned>(ymd.day()),
    months[static_cast<unsigned>(ymd.month()) - 1],
    static_cast<int>(ymd.year()), static_cast<int>(tod.hours().count()),
    static_cast<int>(tod.minutes().count()),
    static_cast<int>(tod.seconds().count()));
  return buf;
}

template <std::size_t N>
std::string random_hex() {
  std::array<std::uint8_t, N> bytes{};
  events::random_bytes(bytes);
  return events::to_hex(bytes);
}

std::string new_message_id() {
  return "<" + random_hex<16>() + "@larder>";
}

/// Renders `msg` with the current time and a fresh Message-ID.
expected<std::string> render_now(const mail_message& msg, micro_time now) {
  return render_message(msg, format_mail_date(now), new_message_id());
}

// -- outbox
// -------------------------------------------------------------------------

/// A file descriptor closed on scope exit.
class unique_fd {
 public:
  explicit unique_fd(int fd = -1) noexcept : fd_(fd) {}
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;

  ~unique_fd() {
    if (fd_ >= 0)
      ::close(fd_);
  }

  int get() const noexcept {
    return fd_;
  }

  /// Closes now, reporting the error a deferred write may surface here.
  int close() noexcept {
    int rc = ::close(std::exchange(fd_, -1));
    return rc;
  }

 private:
  int fd_;
};

error outbox_error(int code) {
  return make_error(errc::unavailable,
                    "cannot write the mail to the dev outbox ("
                      + std::error_code(code, std::system_category()).message()
                      + ")");
}

/// Creates `dir` and any missing parents, private to this user; 0 or an
/// errno.
int make_private_dirs(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST)
    return 0;
  if (errno != ENOENT)
    return errno;
  auto parent = dir.parent_path();
  if (parent.empty() || parent == dir)
    return ENOENT;
  if (int rc = make_private_dirs(parent))
    return rc;
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST)
    return 0;
  return errno;
}

int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    auto n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

/// `2026-11-22T10:15:00.123456Z` as `20261122T101500.123456Z`: sorts by
/// time and is a valid file name everywhere.
std::string compact_timestamp(micro_time t) {
  auto text = events::format_timestamp(t);
  std::erase_if(text, [](char c) {
    return c == '-' || c == ':';
  });
  return text;
}

class outbox_mailer final : public mailer {
 public:
  explicit outbox_mailer(std::filesystem::path dir) : dir_(std::move(dir)) {
    // Made up front so a developer finds it; a failure here is reported by
    // the first send, which tries again.
    make_private_dirs(dir_);
  }

  std::optional<error> send(const mail_message& msg) override {
    auto now = std::chrono::floor<std::chrono::microseconds>(
      std::chrono::system_clock::now());
    auto rendered = render_now(msg, now);
    if (!rendered)
      return rendered.error();
    if (int rc = make_private_dirs(dir_))
      return outbox_error(rc);
    unique_fd dir_fd{::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir_fd.get() < 0)
      return outbox_error(errno);
    auto name = compact_timestamp(now) + "-" + random_hex<8>() + ".eml";
    // A dot file without the .eml suffix: nothing that watches the outbox
    // for mail picks up a half-written message.
    auto temp_name = "." + name + ".tmp";
    int rc = write_file(dir_fd.get(), temp_name, *rendered);
    if (rc == 0
        && ::renameat(dir_fd.get(), temp_name.c_str(), dir_fd.get(),
                      name.c_str())
             != 0)
      rc = errno;
    if (rc != 0) {
      ::unlinkat(dir_fd.get(), temp_name.c_str(), 0);
      return outbox_error(rc);
    }
    // The rename is durable only once the directory is.
    if (::fsync(dir_fd.get()) != 0)
      return outbox_error(errno);
    return std::nullopt;
  }

  std::string describe() const override {
    return dir_.string();
  }

 private:
  /// Writes and syncs `data` to a new file `name` under `dir_fd`; 0 or an
  /// errno.
  static int write_file(int dir_fd, const std::string& name,
                        std::string_view data) {
    unique_fd fd{::openat(dir_fd, name.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
    if (fd.get() < 0)
      return errno;
    if (int rc = write_all(fd.get(), data))
      return rc;
    if (::fsync(fd.get()) != 0)
      return errno;
    if (fd.close() != 0)
      return errno;
    return 0;
  }

  std::filesystem::path dir_;
};

// -- SMTP
// ----------------------------------------------------------------------------

struct curl_deleter {
  void operator()(CURL* handle) const noexcept {
    curl_easy_cleanup(handle);
  }

  void operator()(curl_slist* list) const noexcept {
    curl_slist_free_all(list);
  }
};

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    curl_global_init(CURL_GLOBAL_DEFAULT);
  });
}

/// `url` with the password of its user info replaced by `***`. Takes the
/// last `@` as the end of the user info, so that a password holding `/` or
/// `@` is hidden too (at worst more than the password is).
std::string redact_url(std::string_view url) {
  auto scheme = url.find("://");
  auto start = scheme == std::string_view::npos ? 0 : scheme + 3;
  auto at = url.rfind('@');
  if (at == std::string_view::npos || at < start)
    return std::string(url);
  auto colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at)
    return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***"
         + std::string(url.substr(at));
}

/// Whether curl will find a user name or password in `url`. A URL curl
/// cannot parse counts as having them: the send fails either way, and never
/// in clear text.
bool url_has_credentials(const std::string& url) {
  CURLU* parsed = curl_url();
  if (parsed == nullptr)
    return true;
  bool result = true;
  if (curl_url_set(parsed, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
    char* part = nullptr;
    bool user = curl_url_get(parsed, CURLUPART_USER, &part, 0) == CURLUE_OK;
    curl_free(std::exchange(part, nullptr));
    bool password =
      curl_url_get(parsed, CURLUPART_PASSWORD, &part, 0) == CURLUE_OK;
    curl_free(part);
    result = user || password;
  }
  curl_url_cleanup(parsed);
  return result;
}

struct upload {
  std::string_view rest;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count,
                        void* user) {
  auto* state = static_cast<upload*>(user);
  auto n = std::min(size * count, state->rest.size());
  std::memcpy(buffer, state->rest.data(), n);
  state->rest.remove_prefix(n);
  return n;
}

error smtp_error(std::string message) {
  return make_error(errc::unavailable, std::move(message));
}

/// Turns a failed transfer into a message for the operator. Built from the
/// result code and the SMTP reply code only: curl's own messages may quote
/// the URL, and with it the password.
error describe_failure(CURLcode rc, long smtp_code) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return smtp_error("the mail server URL is not a valid smtp:// or "
                        "smtps:// URL");
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return smtp_error("cannot reach the mail server");
    case CURLE_OPERATION_TIMEDOUT:
      return smtp_error("the mail server did not answer in time");
    case CURLE_USE_SSL_FAILED:
      return smtp_error("the mail server would not start TLS (STARTTLS), "
                        "which sending with credentials requires");
    case CURLE_LOGIN_DENIED:
      return smtp_error("the mail server refused the credentials");
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return smtp_error("cannot establish TLS with the mail server");
    default: break;
  }
  // curl reports a refused MAIL, RCPT or DATA as a send error or a weird
  // reply; the reply code tells them from a broken connection.
  if (smtp_code >= 400)
    return smtp_error("the mail server refused the message (SMTP "
                      + std::to_string(smtp_code) + ")");
  return smtp_error(std::string("the mail server connection failed (")
                    + curl_easy_strerror(rc) + ")");
}

class smtp_mailer final : public mailer {
 public:
  smtp_mailer(std::string url, std::chrono::milliseconds timeout)
    : url_(std::move(url)),
      timeout_(std::max(timeout, std::chrono::milliseconds(1))),
      credentials_(url_has_credentials(url_)) {
    init_curl_once();
    handle_.reset(curl_easy_init());
  }

  std::optional<error> send(const mail_message& msg) override {
    auto rendered =
      render_now(msg, std::chrono::floor<std::chrono::microseconds>(
                        std::chrono::system_clock::now()));
    if (!rendered)
      return rendered.error();
    if (!handle_)
      return smtp_error("cannot start an SMTP client (curl_easy_init failed)");
    CURL* curl = handle_.get();
    // Forget the last message's options but keep its open connection.
    curl_easy_reset(curl);
    auto from = "<" + msg.from + ">";
    std::unique_ptr<curl_slist, curl_deleter> recipients{
      curl_slist_append(nullptr, ("<" + msg.to + ">").c_str())};
    if (!recipients)
      return smtp_error("cannot start an SMTP client (out of memory)");
    upload body{*rendered};
    auto timeout_ms = static_cast<long>(timeout_.count());
    // Whole seconds, rounded up: also bounds the wait for the reply to QUIT
    // when the handle is freed, which the transfer timeout does not.
    auto response_s = static_cast<long>((timeout_.count() + 999) / 1000);
    bool ok =
      curl_easy_setopt(curl, CURLOPT_URL, url_.c_str()) == CURLE_OK
      // Never anything but mail: an upload to file:// would write the
      // message over a file.
      && curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps") == CURLE_OK
      && curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str()) == CURLE_OK
      && curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients.get()) == CURLE_OK
      && curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L) == CURLE_OK
      && curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_upload) == CURLE_OK
      && curl_easy_setopt(curl, CURLOPT_READDATA, &body) == CURLE_OK
      && curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                          static_cast<curl_off_t>(rendered->size()))
           == CURLE_OK
      && curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK
      && curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, response_s)
           == CURLE_OK
      // Signals are the process's business, not a worker thread's.
      && curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) == CURLE_OK
      // Credentials never travel in clear text: without STARTTLS the send
      // fails before AUTH.
      && (!credentials_
          || curl_easy_setopt(curl, CURLOPT_USE_SSL,
                              static_cast<long>(CURLUSESSL_ALL))
               == CURLE_OK);
    if (!ok)
      return smtp_error("cannot configure the SMTP client");
    auto rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
      return std::nullopt;
    long smtp_code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &smtp_code);
    return describe_failure(rc, smtp_code);
  }

  std::string describe() const override {
    return redact_url(url_);
  }

 private:
  std::string url_;
  std::chrono::milliseconds timeout_;
  bool credentials_;
  std::unique_ptr<CURL, curl_deleter> handle_;
};

} // namespace

expected<std::string> render_message(const mail_message& msg,
                                     std::string_view date,
                                     std::string_view message_id) {
  if (auto err = check_address("from", msg.from))
    return *err;
  if (auto err = check_address("to", msg.to))
    return *err;
  if (auto err = check_header_text("subject", msg.subject))
    return *err;
  if (auto err = check_header_text("date", date))
    return *err;
  if (auto err = check_header_text("message_id", message_id))
    return *err;
  if (date.empty() || message_id.empty())
    return make_error(errc::invalid_argument,
                      "the mail needs a date and a message id");
  bool bracketed = message_id.size() >= 2 && message_id.front() == '<'
                   && message_id.back() == '>';
  std::string out;
  out.reserve(512 + msg.text.size() * 3 / 2);
  out.append("From: ").append(msg.from).append(crlf);
  out.append("To: ").append(msg.to).append(crlf);
  out.append(render_subject(msg.subject)).append(crlf);
  out.append("Date: ").append(date).append(crlf);
  out.append("Message-ID: ");
  if (bracketed)
    out.append(message_id);
  else
    out.append("<").append(message_id).append(">");
  out.append(crlf);
  out.append("MIME-Version: 1.0\r\n");
  out.append("Content-Type: text/plain; charset=utf-8\r\n");
  out.append("Content-Transfer-Encoding: quoted-printable\r\n");
  out.append(crlf);
  out.append(encode_quoted_printable(msg.text));
  return out;
}

std::unique_ptr<mailer> make_outbox_mailer(std::filesystem::path dir) {
  return std::make_unique<outbox_mailer>(std::move(dir));
}

std::unique_ptr<mailer> make_smtp_mailer(std::string url,
                                         std::chrono::milliseconds timeout) {
  return std::make_unique<smtp_mailer>(std::move(url), timeout);
}

} // namespace larder::http
