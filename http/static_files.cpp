#include "http/static_files.hpp"

#include <algorithm>
#include <array>
#include <system_error>
#include <utility>

namespace larder::http {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view immutable = "public, max-age=31536000, immutable";
constexpr std::string_view no_cache = "no-cache";

/// Extension (lower case) to media type.
constexpr std::array<std::pair<std::string_view, std::string_view>, 21>
  media_types{{
    {"html", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"svg", "image/svg+xml; charset=utf-8"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain; charset=utf-8"},
    {"webmanifest", "application/manifest+json; charset=utf-8"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"xml", "application/xml; charset=utf-8"},
  }};

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_hash_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
         || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/// True when the URL names a bundler's content-hashed asset
/// (`/assets/index-B9x_3kQa.js`, `/assets/chunk.3f9a1c2e.css`): its bytes
/// never change under that name, so browsers may cache it for good.
bool is_hashed_asset(std::string_view url_path) {
  if (!url_path.starts_with("/assets/"))
    return false;
  auto name = url_path.substr(url_path.rfind('/') + 1);
  auto stem = name.substr(0, name.rfind('.'));
  // The hash alphabet holds '-', so a separator may sit anywhere in the
  // trailing run of hash characters: `-` or `.`, then 8 or more of them.
  std::size_t tail = 0;
  for (auto i = stem.size(); i-- > 0;) {
    char c = stem[i];
    if ((c == '-' || c == '.') && tail >= 8)
      return true;
    if (!is_hash_char(c))
      return false;
    ++tail;
  }
  return false;
}

/// Checks the URL path's shape before touching the file system.
bool acceptable_url_path(std::string_view url_path) {
  if (!url_path.starts_with('/'))
    return false;
  if (url_path.find('\0') != std::string_view::npos
      || url_path.find('\\') != std::string_view::npos)
    return false;
  auto rest = url_path.substr(1);
  for (;;) {
    auto slash = rest.find('/');
    auto segment = rest.substr(0, slash);
    // Covers "", ".", ".." and hidden files (.env, .git) alike.
    if (segment.empty() || segment.front() == '.')
      return false;
    if (slash == std::string_view::npos)
      return true;
    rest = rest.substr(slash + 1);
  }
}

/// The part of `path` below `root`, or nothing when `path` is not inside it.
std::optional<fs::path> below(const fs::path& root, const fs::path& path) {
  auto [r, p] =
    std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  if (r != root.end())
    return std::nullopt;
  fs::path rel;
  for (; p != path.end(); ++p)
    rel /= *p;
  return rel;
}

} // namespace

std::string media_type_for(std::string_view file_name) {
  auto slash = file_name.rfind('/');
  if (slash != std::string_view::npos)
    file_name.remove_prefix(slash + 1);
  auto dot = file_name.rfind('.');
  if (dot == std::string_view::npos)
    return "application/octet-stream";
  auto ext = file_name.substr(dot + 1);
  for (const auto& [known, type] : media_types)
    if (ext.size() == known.size()
        && std::equal(ext.begin(), ext.end(), known.begin(),
                      [](char a, char b) {
                        return lower(a) == b;
                      }))
      return std::string{type};
  return "application/octet-stream";
}

std::optional<static_file> resolve_static(const fs::path& root,
                                          std::string_view url_path) {
  if (url_path == "/")
    url_path = "/index.html";
  if (!acceptable_url_path(url_path))
    return std::nullopt;
  std::error_code ec;
  // The caller passes a canonical root; canonicalising again costs a few
  // stat calls and keeps a relative or symlinked root from widening access.
  auto canonical_root = fs::canonical(root, ec);
  if (ec)
    return std::nullopt;
  auto candidate = canonical_root / fs::path{url_path.substr(1)};
  auto resolved = fs::canonical(candidate, ec);
  if (ec)
    return std::nullopt;
  auto rel = below(canonical_root, resolved);
  if (!rel || rel->empty())
    return std::nullopt;
  // A symlink inside the root may still point at a hidden file there.
  for (const auto& part : *rel)
    if (part.native().starts_with('.'))
      return std::nullopt;
  if (!fs::is_regular_file(fs::status(resolved, ec)) || ec)
    return std::nullopt;
  auto name = url_path.substr(url_path.rfind('/') + 1);
  return static_file{
    std::move(resolved), media_type_for(name),
    std::string{is_hashed_asset(url_path) ? immutable : no_cache}};
}

} // namespace larder::http
