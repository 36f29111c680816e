#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "events/error.hpp"

/// Reading `multipart/form-data` request bodies (RFC 7578) with GMime, the
/// MIME library of Debian's GNOME stack: boundaries, RFC 2231 and RFC 2047
/// encoded file names and transfer encodings are its job, not ours.
namespace larder::http {

/// One part of a form: a file when `is_file`, else a plain field.
struct form_part {
  /// The part's `name` parameter.
  std::string name;
  /// The `filename` parameter as sent (decoded to UTF-8), before any
  /// clean-up; empty for plain fields.
  std::string file_name;
  /// The part's declared Content-Type, lower case, without parameters.
  std::string declared_type;
  std::string bytes;
  bool is_file = false;
};

struct multipart_limits {
  std::size_t max_files = 10;
  std::size_t max_file_bytes = 20 * 1024 * 1024;
  std::size_t max_fields = 20;
  std::size_t max_field_bytes = 64 * 1024;
};

/// Parses a body whose Content-Type header is `content_type`.
/// `invalid_argument` when the type is not multipart/form-data with a
/// boundary, the body is truncated (no closing boundary) or malformed, or a
/// limit is exceeded; the message says which, for the person uploading.
expected<std::vector<form_part>>
parse_form_data(std::string_view content_type, std::string_view body,
                const multipart_limits& limits);

/// The name to show for an uploaded file: the last path segment (browsers
/// on Windows send `C:\fakepath\x.pdf`), control characters and quotes
/// dropped, whitespace collapsed, at most 255 characters (cut at a UTF-8
/// boundary); "document" when nothing is left. Display text only: it never
/// reaches a path.
std::string clean_file_name(std::string_view name);

/// A Content-Disposition value that any browser reads safely (RFC 6266 with
/// an RFC 5987 `filename*` for non-ASCII): no CR, LF, quote or backslash can
/// break out of it. `disposition` is "inline" or "attachment".
std::string content_disposition(std::string_view disposition,
                                std::string_view file_name);

} // namespace larder::http
