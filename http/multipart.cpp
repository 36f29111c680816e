#include "http/multipart.hpp"

#include <memory>
#include <mutex>

#include <gmime/gmime.h>

#include "actors/values/text.hpp"

namespace larder::http {

namespace {

larder::error bad(std::string message) {
  return {errc::invalid_argument, std::move(message)};
}

void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_mime_init();
  });
}

struct unref {
  void operator()(gpointer p) const {
    if (p != nullptr)
      g_object_unref(p);
  }
};
template <class T>
using gobject_ptr = std::unique_ptr<T, unref>;

std::string lower_ascii(std::string_view text) {
  std::string out{text};
  for (auto& ch : out)
    if (ch >= 'A' && ch <= 'Z')
      ch = static_cast<char>(ch - 'A' + 'a');
  return out;
}

/// The boundary parameter of a multipart/form-data Content-Type, or "".
std::string boundary_of(GMimeContentType* type) {
  if (type == nullptr
      || !g_mime_content_type_is_type(type, "multipart", "form-data"))
    return {};
  const char* b = g_mime_content_type_get_parameter(type, "boundary");
  return b == nullptr ? std::string{} : std::string{b};
}

/// Whether `body` ends its multipart with the closing delimiter: a body cut
/// short in transit must not be read as a smaller, complete one.
bool has_closing_delimiter(std::string_view body, const std::string& boundary) {
  auto closing = "--" + boundary + "--";
  auto at = body.rfind(closing);
  if (at == std::string_view::npos)
    return false;
  if (at != 0 && (at < 2 || body.substr(at - 2, 2) != "\r\n")
      && body[at - 1] != '\n')
    return false;
  // Only whitespace (an epilogue is allowed but browsers send none) after.
  for (char ch : body.substr(at + closing.size()))
    if (ch != '\r' && ch != '\n' && ch != ' ' && ch != '\t')
      return false;
  return true;
}

std::string part_bytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr)
    return {};
  gobject_ptr<GMimeStream> mem{g_mime_stream_mem_new()};
  if (g_mime_data_wrapper_write_to_stream(content, mem.get()) < 0)
    return {};
  GByteArray* array = g_mime_stream_mem_get_byte_array(
    reinterpret_cast<GMimeStreamMem*>(mem.get()));
  if (array == nullptr || array->len == 0)
    return {};
  return std::string{reinterpret_cast<const char*>(array->data), array->len};
}

} // namespace

expected<std::vector<form_part>>
parse_form_data(std::string_view content_type, std::string_view body,
                const multipart_limits& limits) {
  init_gmime();
  if (content_type.find_first_of("\r\n") != std::string_view::npos)
    return bad("the Content-Type header is malformed");
  std::string ct{content_type};
  gobject_ptr<GMimeContentType> type{
    g_mime_content_type_parse(nullptr, ct.c_str())};
  auto boundary = boundary_of(type.get());
  if (boundary.empty())
    return bad("the upload must be multipart/form-data with a boundary");
  if (boundary.size() > 70)
    return bad("the multipart boundary is longer than 70 characters");
  if (!has_closing_delimiter(body, boundary))
    return bad("the upload is incomplete: the multipart body has no closing "
               "boundary");

  // GMime parses a whole MIME entity: give it the header it came with.
  std::string head = "Content-Type: " + ct + "\r\n\r\n";
  GByteArray* array =
    g_byte_array_sized_new(static_cast<guint>(head.size() + body.size()));
  g_byte_array_append(array, reinterpret_cast<const guint8*>(head.data()),
                      static_cast<guint>(head.size()));
  g_byte_array_append(array, reinterpret_cast<const guint8*>(body.data()),
                      static_cast<guint>(body.size()));
  // The stream takes ownership of the array.
  gobject_ptr<GMimeStream> stream{g_mime_stream_mem_new_with_byte_array(array)};
  gobject_ptr<GMimeParser> parser{g_mime_parser_new_with_stream(stream.get())};
  gobject_ptr<GMimeObject> root{
    g_mime_parser_construct_part(parser.get(), nullptr)};
  if (root == nullptr || !GMIME_IS_MULTIPART(root.get()))
    return bad("the multipart body could not be read");

  auto* multipart = GMIME_MULTIPART(root.get());
  int count = g_mime_multipart_get_count(multipart);
  std::vector<form_part> parts;
  std::size_t files = 0;
  std::size_t fields = 0;
  for (int i = 0; i < count; ++i) {
    GMimeObject* object = g_mime_multipart_get_part(multipart, i);
    if (!GMIME_IS_PART(object))
      return bad("nested multipart parts are not supported; send each file "
                 "as its own part");
    auto* part = GMIME_PART(object);
    form_part out;
    GMimeContentDisposition* disposition =
      g_mime_object_get_content_disposition(object);
    const char* name =
      disposition == nullptr
        ? nullptr
        : g_mime_content_disposition_get_parameter(disposition, "name");
    if (disposition == nullptr
        || lower_ascii(g_mime_content_disposition_get_disposition(disposition))
             != "form-data"
        || name == nullptr)
      return bad("every part of the upload needs Content-Disposition: "
                 "form-data with a name");
    out.name = name;
    const char* file_name = g_mime_part_get_filename(part);
    out.is_file = file_name != nullptr;
    if (out.is_file) {
      out.file_name = file_name;
      if (++files > limits.max_files)
        return bad("at most " + std::to_string(limits.max_files)
                   + " files can be uploaded at once");
    } else if (++fields > limits.max_fields) {
      return bad("the upload has too many form fields");
    }
    GMimeContentType* part_type = g_mime_object_get_content_type(object);
    if (part_type != nullptr) {
      char* mime = g_mime_content_type_get_mime_type(part_type);
      if (mime != nullptr) {
        out.declared_type = lower_ascii(mime);
        g_free(mime);
      }
    }
    out.bytes = part_bytes(part);
    if (out.is_file && out.bytes.size() > limits.max_file_bytes)
      return bad("'" + clean_file_name(out.file_name) + "' is larger than "
                 + std::to_string(limits.max_file_bytes / (1024 * 1024))
                 + " MiB");
    if (!out.is_file && out.bytes.size() > limits.max_field_bytes)
      return bad("the form field '" + out.name + "' is too long");
    parts.push_back(std::move(out));
  }
  return parts;
}

std::string clean_file_name(std::string_view name) {
  // Last path segment, for either separator.
  auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos)
    name.remove_prefix(slash + 1);
  std::string out;
  bool space = false;
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < name.size() && code_points < 255;) {
    auto cp = values::decode_utf8_lenient(name, i);
    bool control = cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028
                   || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E)
                   || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFFFD;
    if (cp == ' ' || cp == 0xA0 || cp == '\t') {
      space = !out.empty();
      continue;
    }
    if (control || cp == '"' || cp == '\\')
      continue;
    if (space) {
      out += ' ';
      ++code_points;
      space = false;
    }
    values::append_utf8(out, cp);
    ++code_points;
  }
  while (!out.empty() && (out.front() == '.'))
    out.erase(out.begin());
  return out.empty() ? std::string{"document"} : out;
}

std::string content_disposition(std::string_view disposition,
                                std::string_view file_name) {
  auto clean = clean_file_name(file_name);
  std::string ascii;
  std::string encoded;
  bool plain = true;
  static constexpr char hex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < clean.size();) {
    std::size_t start = i;
    auto cp = values::decode_utf8_lenient(clean, i);
    if (cp < 0x80) {
      char ch = static_cast<char>(cp);
      ascii += (ch == ';' || ch == '%') ? '_' : ch;
    } else {
      ascii += '_';
      plain = false;
    }
    for (std::size_t k = start; k < i; ++k) {
      auto b = static_cast<unsigned char>(clean[k]);
      bool attr_char =
        (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z')
        || (b >= '0' && b <= '9')
        || std::string_view{"!#$&+-.^_`|~"}.find(static_cast<char>(b))
             != std::string_view::npos;
      if (attr_char) {
        encoded += static_cast<char>(b);
      } else {
        encoded += '%';
        encoded += hex[b >> 4];
        encoded += hex[b & 0xF];
      }
    }
  }
  std::string out{disposition};
  out += "; filename=\"" + ascii + "\"";
  if (!plain || ascii != clean)
    out += "; filename*=UTF-8''" + encoded;
  return out;
}

} // namespace larder::http
