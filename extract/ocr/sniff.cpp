#include "extract/ocr/sniff.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

namespace larder::extract {

namespace {

constexpr std::string_view png_signature{"\x89PNG\r\n\x1a\n", 8};

/// Readers (poppler, pdf.js, Acrobat) accept junk before the header.
constexpr std::size_t pdf_header_window = 1024;

bool starts_with(std::string_view bytes, std::string_view prefix) noexcept {
  return bytes.substr(0, prefix.size()) == prefix;
}

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return lower(x) == lower(y);
            });
}

std::uint32_t read_be32(std::string_view bytes, std::size_t at) noexcept {
  auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i]));
  };
  return (byte(at) << 24) | (byte(at + 1) << 16) | (byte(at + 2) << 8)
         | byte(at + 3);
}

/// An ISO BMFF file whose `ftyp` box names an HEIF image brand. Generic
/// HEIF brands (`mif1`, `msf1`) also appear in AVIF files, which larder does
/// not read, so they count only when no AVIF brand is present.
bool is_heif(std::string_view bytes) noexcept {
  if (bytes.size() < 16 || bytes.substr(4, 4) != "ftyp")
    return false;
  std::size_t box_size = read_be32(bytes, 0);
  if (box_size < 16 || box_size % 4 != 0)
    return false;
  box_size = std::min(box_size, bytes.size() - bytes.size() % 4);
  static constexpr std::array<std::string_view, 6> hevc_brands{
    "heic", "heix", "hevc", "hevx", "heim", "heis"};
  static constexpr std::array<std::string_view, 2> generic_brands{"mif1",
                                                                  "msf1"};
  bool hevc = false;
  bool generic = false;
  bool avif = false;
  auto look_at = [&](std::string_view brand) {
    hevc = hevc || std::ranges::find(hevc_brands, brand) != hevc_brands.end();
    generic =
      generic
      || std::ranges::find(generic_brands, brand) != generic_brands.end();
    avif = avif || brand == "avif" || brand == "avis";
  };
  look_at(bytes.substr(8, 4)); // the major brand; 12..16 is its version
  for (std::size_t at = 16; at + 4 <= box_size; at += 4)
    look_at(bytes.substr(at, 4));
  return hevc || (generic && !avif);
}

bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool is_name_start(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'
         || c == ':' || u >= 0x80;
}

bool is_name_char(char c) noexcept {
  return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

std::string_view skip_space(std::string_view s) noexcept {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  return s;
}

/// The name that starts `s`, e.g. "Invoice" or "rsm:CrossIndustryInvoice".
std::string_view leading_name(std::string_view s) noexcept {
  if (s.empty() || !is_name_start(s.front()))
    return {};
  std::size_t n = 1;
  while (n < s.size() && is_name_char(s[n]))
    ++n;
  return s.substr(0, n);
}

/// XML by its start: an optional UTF-8 byte order mark and whitespace, then
/// a declaration, comments, a doctype or a root element. HTML (a doctype or
/// root named html) is not XML for larder, even when it is well formed;
/// other roots are the e-invoice reader's to judge.
bool is_xml(std::string_view bytes) noexcept {
  if (starts_with(bytes, "\xEF\xBB\xBF"))
    bytes.remove_prefix(3);
  bytes = skip_space(bytes);
  if (starts_with(bytes, "<?xml")
      && (bytes.size() == 5 || is_space(bytes[5]) || bytes[5] == '?'))
    return true;
  // Comments may precede the root; a few are enough to decide.
  for (int comments = 0; comments < 16 && starts_with(bytes, "<!--");
       ++comments) {
    auto end = bytes.find("-->", 4);
    if (end == std::string_view::npos)
      return false;
    bytes = skip_space(bytes.substr(end + 3));
  }
  if (bytes.size() >= 9 && iequals(bytes.substr(0, 9), "<!DOCTYPE")) {
    auto name = leading_name(skip_space(bytes.substr(9)));
    return !name.empty() && !iequals(name, "html");
  }
  if (!starts_with(bytes, "<"))
    return false;
  auto root = leading_name(bytes.substr(1));
  if (root.empty() || iequals(root, "html"))
    return false;
  auto after = bytes.substr(1 + root.size());
  return after.empty() || is_space(after.front()) || after.front() == '>'
         || after.front() == '/';
}

/// `declared` without parameters and surrounding space, in lower case.
std::string essence_of(std::string_view declared) {
  declared = declared.substr(0, declared.find(';'));
  while (!declared.empty() && is_space(declared.front()))
    declared.remove_prefix(1);
  while (!declared.empty() && is_space(declared.back()))
    declared.remove_suffix(1);
  std::string out(declared);
  std::ranges::transform(out, out.begin(), lower);
  return out;
}

} // namespace

std::optional<document_kind> sniff(std::string_view bytes) noexcept {
  if (starts_with(bytes, png_signature))
    return document_kind::png;
  if (starts_with(bytes, "\xFF\xD8\xFF"))
    return document_kind::jpeg;
  if (is_heif(bytes))
    return document_kind::heic;
  if (starts_with(bytes, "%PDF-"))
    return document_kind::pdf;
  if (is_xml(bytes))
    return document_kind::xml;
  if (bytes.substr(0, pdf_header_window).find("%PDF-")
      != std::string_view::npos)
    return document_kind::pdf;
  return std::nullopt;
}

std::string_view media_type_of(document_kind kind) noexcept {
  switch (kind) {
    case document_kind::pdf: return "application/pdf";
    case document_kind::jpeg: return "image/jpeg";
    case document_kind::png: return "image/png";
    case document_kind::heic: return "image/heic";
    case document_kind::xml: return "application/xml";
  }
  return "application/octet-stream";
}

bool declared_type_matches(std::string_view declared_media_type,
                           document_kind kind) noexcept {
  struct alias {
    std::string_view media_type;
    document_kind kind;
  };
  static constexpr std::array<alias, 13> aliases{{
    {"application/pdf", document_kind::pdf},
    {"application/x-pdf", document_kind::pdf},
    {"application/acrobat", document_kind::pdf},
    {"image/jpeg", document_kind::jpeg},
    {"image/jpg", document_kind::jpeg},
    {"image/pjpeg", document_kind::jpeg},
    {"image/png", document_kind::png},
    {"image/x-png", document_kind::png},
    {"image/heic", document_kind::heic},
    {"image/heif", document_kind::heic},
    {"image/heic-sequence", document_kind::heic},
    {"image/heif-sequence", document_kind::heic},
    {"text/xml", document_kind::xml},
  }};
  // Types that say "some bytes" without naming a kind: mail clients and
  // browsers send them for attachments they do not recognise.
  static constexpr std::array<std::string_view, 5> unspecific{
    "application/octet-stream", "binary/octet-stream", "application/download",
    "application/x-download", "application/force-download"};
  std::string essence;
  try {
    essence = essence_of(declared_media_type);
  } catch (...) { // only std::bad_alloc; a type that long names nothing
    return false;
  }
  if (essence.empty()
      || std::ranges::find(unspecific, essence) != unspecific.end())
    return true;
  if (kind == document_kind::xml
      && (essence == "application/xml"
          || (essence.ends_with("+xml") && essence.find('/') != essence.npos)))
    return true;
  return std::ranges::any_of(aliases, [&](const alias& a) {
    return a.kind == kind && a.media_type == essence;
  });
}

} // namespace larder::extract
