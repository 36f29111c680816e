#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

/// The single-page app's files under `web/dist`.
namespace larder::http {

struct static_file {
  std::filesystem::path path;
  std::string media_type;
  /// `public, max-age=31536000, immutable` for hashed assets
  /// (`/assets/name-<hash>.js`), `no-cache` for everything else.
  std::string cache_control;
};

/// The media type for a file name's extension (html, js, mjs, css, json,
/// map, svg, png, jpg, jpeg, gif, webp, ico, woff, woff2, ttf, txt,
/// webmanifest, wasm, pdf, xml); `application/octet-stream` otherwise.
/// Text types carry `; charset=utf-8`.
std::string media_type_for(std::string_view file_name);

/// Resolves the already percent-decoded URL path `url_path` (starting with
/// '/') under `root` (canonical, absolute). Refuses — empty optional — any
/// path with a NUL, a backslash, a `..` or `.` segment, an empty segment, or
/// a segment starting with '.'; and any file whose canonical path (symlinks
/// followed) lies outside `root`, or that is not a regular file. "/" means
/// "/index.html".
std::optional<static_file> resolve_static(const std::filesystem::path& root,
                                          std::string_view url_path);

} // namespace larder::http
