#include "http/static_files.hpp"

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using larder::http::media_type_for;
using larder::http::resolve_static;

constexpr std::string_view immutable = "public, max-age=31536000, immutable";

/// A web root with the shapes a deployed `web/dist` and an attacker's
/// requests can take:
///
///     base/outside.txt           secret, outside the root
///     base/web2/secret.txt       outside, sharing the root's name as prefix
///     base/web/                  the root
///       index.html, favicon.ico, .env, .git/config
///       assets/index-abc12345.js, assets/…   (hashed and not)
///       sub/page.txt, sub/deeper/data.json
///       inside -> sub/page.txt               (symlink within the root)
///       escape -> ../outside.txt             (symlink out of the root)
///       …
class static_files : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pattern =
      (fs::temp_directory_path() / "larder-static-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    base_ = fs::canonical(pattern);
    root_ = base_ / "web";
    write(base_ / "outside.txt", "secret");
    write(base_ / "web2" / "secret.txt", "secret");
    write(root_ / "index.html", "<!doctype html>");
    write(root_ / "favicon.ico", "ico");
    write(root_ / ".env", "LARDER_SECRET_KEY=x");
    write(root_ / ".git" / "config", "[core]");
    write(root_ / "index-abcdefgh.js", "not under assets");
    for (auto name : {"index-abc12345.js", "index-B9x_3kQa.js",
                      "index-B9x-3kQa.js", "chunk.3f9a1c2e.css",
                      "index-short.js", "app.js", "name_abcdefghij.js",
                      "logo-abcdefgh.svg", "nested/vendor-0123abcd.js"})
      write(root_ / "assets" / name, "asset");
    write(root_ / "sub" / "page.txt", "page");
    write(root_ / "sub" / "deeper" / "data.json", "{}");
    write(root_ / "sub" / "index.html", "sub index");
    fs::create_symlink("sub/page.txt", root_ / "inside.txt");
    fs::create_directory_symlink("sub", root_ / "subdir_link");
    fs::create_symlink("../outside.txt", root_ / "escape.txt");
    fs::create_symlink(base_ / "outside.txt", root_ / "escape_absolute.txt");
    fs::create_symlink("../web2/secret.txt", root_ / "escape_prefix.txt");
    fs::create_directory_symlink("..", root_ / "up");
    fs::create_symlink(".env", root_ / "hidden.txt");
    fs::create_symlink("loop.txt", root_ / "loop.txt");
    fs::create_symlink("nowhere.txt", root_ / "dangling.txt");
    fs::create_directory_symlink(root_, base_ / "web_link");
  }

  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  static void write(const fs::path& path, std::string_view text) {
    fs::create_directories(path.parent_path());
    std::ofstream{path} << text;
  }

  static fs::path base_;
  static fs::path root_;
};

fs::path static_files::base_;
fs::path static_files::root_;

TEST_F(static_files, slash_serves_the_index) {
  auto file = resolve_static(root_, "/");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->path, root_ / "index.html");
  EXPECT_EQ(file->media_type, "text/html; charset=utf-8");
  EXPECT_EQ(file->cache_control, "no-cache");
  EXPECT_EQ(resolve_static(root_, "/index.html")->path, root_ / "index.html");
}

TEST_F(static_files, serves_files_in_the_root_and_below) {
  auto page = resolve_static(root_, "/sub/page.txt");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->path, root_ / "sub" / "page.txt");
  EXPECT_EQ(page->media_type, "text/plain; charset=utf-8");
  EXPECT_EQ(page->cache_control, "no-cache");
  auto data = resolve_static(root_, "/sub/deeper/data.json");
  ASSERT_TRUE(data);
  EXPECT_EQ(data->path, root_ / "sub" / "deeper" / "data.json");
  EXPECT_EQ(data->media_type, "application/json; charset=utf-8");
  auto icon = resolve_static(root_, "/favicon.ico");
  ASSERT_TRUE(icon);
  EXPECT_EQ(icon->media_type, "image/x-icon");
}

TEST_F(static_files, serves_hashed_assets_as_immutable) {
  for (auto path :
       {"/assets/index-abc12345.js", "/assets/index-B9x_3kQa.js",
        "/assets/index-B9x-3kQa.js", "/assets/chunk.3f9a1c2e.css",
        "/assets/logo-abcdefgh.svg", "/assets/nested/vendor-0123abcd.js"}) {
    auto file = resolve_static(root_, path);
    ASSERT_TRUE(file) << path;
    EXPECT_EQ(file->cache_control, immutable) << path;
  }
  auto js = resolve_static(root_, "/assets/index-abc12345.js");
  EXPECT_EQ(js->path, root_ / "assets" / "index-abc12345.js");
  EXPECT_EQ(js->media_type, "text/javascript; charset=utf-8");
}

TEST_F(static_files, revalidates_everything_else) {
  // Too short a hash, no separator, or not under /assets/: a later deploy
  // may change these bytes under the same name.
  for (auto path : {"/assets/index-short.js", "/assets/app.js",
                    "/assets/name_abcdefghij.js", "/index-abcdefgh.js"}) {
    auto file = resolve_static(root_, path);
    ASSERT_TRUE(file) << path;
    EXPECT_EQ(file->cache_control, "no-cache") << path;
  }
}

TEST_F(static_files, follows_symlinks_that_stay_inside_the_root) {
  auto file = resolve_static(root_, "/inside.txt");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->path, root_ / "sub" / "page.txt");
  EXPECT_EQ(file->media_type, "text/plain; charset=utf-8");
  auto via_dir = resolve_static(root_, "/subdir_link/deeper/data.json");
  ASSERT_TRUE(via_dir);
  EXPECT_EQ(via_dir->path, root_ / "sub" / "deeper" / "data.json");
}

TEST_F(static_files, refuses_symlinks_that_leave_the_root) {
  for (auto path : {"/escape.txt", "/escape_absolute.txt", "/escape_prefix.txt",
                    "/up/outside.txt", "/up/web2/secret.txt"})
    EXPECT_FALSE(resolve_static(root_, path)) << path;
}

TEST_F(static_files, refuses_symlinks_to_hidden_files) {
  EXPECT_FALSE(resolve_static(root_, "/hidden.txt"));
}

TEST_F(static_files, refuses_traversal_and_odd_segments) {
  for (auto path :
       {"/../outside.txt", "/sub/../../outside.txt", "/sub/../index.html",
        "/..", "/.", "/./index.html", "/sub/./page.txt", "//index.html",
        "/sub//page.txt", "/sub/", "/assets/", "/index.html/", "/..%2f",
        "/sub/..", "/..."})
    EXPECT_FALSE(resolve_static(root_, path)) << path;
}

TEST_F(static_files, refuses_hidden_files) {
  for (auto path : {"/.env", "/.git/config", "/.git", "/sub/.hidden"})
    EXPECT_FALSE(resolve_static(root_, path)) << path;
}

TEST_F(static_files, refuses_backslashes_and_nul) {
  EXPECT_FALSE(resolve_static(root_, "/sub\\page.txt"));
  EXPECT_FALSE(resolve_static(root_, "/..\\outside.txt"));
  EXPECT_FALSE(
    resolve_static(root_, std::string_view("/index.html\0.png", 16)));
}

TEST_F(static_files, refuses_paths_without_a_leading_slash) {
  EXPECT_FALSE(resolve_static(root_, ""));
  EXPECT_FALSE(resolve_static(root_, "index.html"));
  EXPECT_FALSE(resolve_static(root_, "sub/page.txt"));
}

TEST_F(static_files, refuses_directories_and_missing_files) {
  for (auto path :
       {"/sub", "/assets", "/subdir_link", "/missing.html", "/sub/missing.txt",
        "/dangling.txt", "/loop.txt", "/index.html/x"})
    EXPECT_FALSE(resolve_static(root_, path)) << path;
}

TEST_F(static_files, tolerates_a_root_given_through_a_symlink) {
  auto file = resolve_static(base_ / "web_link", "/sub/page.txt");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->path, root_ / "sub" / "page.txt");
  EXPECT_FALSE(resolve_static(base_ / "web_link", "/escape.txt"));
}

TEST_F(static_files, a_missing_root_serves_nothing) {
  EXPECT_FALSE(resolve_static(base_ / "no-such-dir", "/"));
  EXPECT_FALSE(resolve_static(fs::path{}, "/"));
}

TEST(media_type_for, knows_the_single_page_app_types) {
  struct row {
    std::string_view name;
    std::string_view type;
  };
  for (auto [name, type] : {
         row{"index.html", "text/html; charset=utf-8"},
         row{"app.js", "text/javascript; charset=utf-8"},
         row{"worker.mjs", "text/javascript; charset=utf-8"},
         row{"style.css", "text/css; charset=utf-8"},
         row{"data.json", "application/json; charset=utf-8"},
         row{"app.js.map", "application/json; charset=utf-8"},
         row{"logo.svg", "image/svg+xml; charset=utf-8"},
         row{"a.png", "image/png"},
         row{"a.jpg", "image/jpeg"},
         row{"a.jpeg", "image/jpeg"},
         row{"a.gif", "image/gif"},
         row{"a.webp", "image/webp"},
         row{"favicon.ico", "image/x-icon"},
         row{"f.woff", "font/woff"},
         row{"f.woff2", "font/woff2"},
         row{"f.ttf", "font/ttf"},
         row{"robots.txt", "text/plain; charset=utf-8"},
         row{"site.webmanifest", "application/manifest+json; charset=utf-8"},
         row{"m.wasm", "application/wasm"},
         row{"doc.pdf", "application/pdf"},
         row{"feed.xml", "application/xml; charset=utf-8"},
       })
    EXPECT_EQ(media_type_for(name), type) << name;
}

TEST(media_type_for, ignores_the_extensions_case) {
  EXPECT_EQ(media_type_for("INDEX.HTML"), "text/html; charset=utf-8");
  EXPECT_EQ(media_type_for("Photo.JPeg"), "image/jpeg");
}

TEST(media_type_for, falls_back_to_octet_stream) {
  for (auto name : {"", "README", "archive.tar.gz", "file.", ".htaccess",
                    "a.exe", "a.htm", "a.jsx", "dir.js/file", "a.html5"})
    EXPECT_EQ(media_type_for(name), "application/octet-stream") << name;
}

} // namespace
