#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "events/error.hpp"

/// Outgoing mail for sign-in links and invitations: an SMTP client over
/// libcurl (`LARDER_SMTP_URL`), or, in development, the dev outbox, a
/// directory holding one RFC 5322 message file per mail.
///
/// Sending blocks; the HTTP edge calls it from a detached mail worker, never
/// from the broker.
namespace larder::http {

/// One plain-text mail. `to` is one address; `subject` and `text` are UTF-8.
struct mail_message {
  std::string from;
  std::string to;
  std::string subject;
  std::string text;
};

/// Renders `msg` as an RFC 5322 message with CRLF line ends: From, To,
/// Subject (an RFC 2047 encoded word when not ASCII), Date (`date`, RFC 5322
/// form), Message-ID (`message_id`, with angle brackets), MIME-Version,
/// `text/plain; charset=utf-8` with quoted-printable transfer encoding.
/// `invalid_argument` when an address or the subject holds CR, LF or NUL,
/// or an address is not a plain `local@domain` (no header injection).
expected<std::string> render_message(const mail_message& msg,
                                     std::string_view date,
                                     std::string_view message_id);

/// Sends mail. Implementations are not thread-safe: one per worker.
class mailer {
 public:
  virtual ~mailer() = default;

  /// Sends `msg`; `unavailable` when the server cannot be reached or refuses
  /// (the message says so without credentials), `invalid_argument` for a
  /// message `render_message` refuses.
  virtual std::optional<error> send(const mail_message& msg) = 0;

  /// Where the mail goes, for the start-up log: the outbox directory, or the
  /// SMTP URL without its password.
  virtual std::string describe() const = 0;
};

/// Writes each message atomically (temporary file, fsync, rename) as
/// `<dir>/<UTC time>-<random>.eml`, creating `dir` when missing.
std::unique_ptr<mailer> make_outbox_mailer(std::filesystem::path dir);

/// Sends over SMTP with libcurl. `url` is `smtp://[user:pass@]host[:port]`
/// or `smtps://…`; with `smtp://` and credentials, STARTTLS is required.
/// Each send may take at most `timeout`.
std::unique_ptr<mailer>
make_smtp_mailer(std::string url,
                 std::chrono::milliseconds timeout = std::chrono::seconds(20));

} // namespace larder::http
