#include "app/config.hpp"

#include <filesystem>
#include <map>

#include <gtest/gtest.h>
#include <unistd.h>

using namespace larder;

namespace {

env_lookup fake_env(std::map<std::string, std::string> vars) {
  return
    [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
      if (auto i = vars.find(name); i != vars.end())
        return i->second;
      return std::nullopt;
    };
}

struct temp_dir {
  std::filesystem::path path =
    std::filesystem::temp_directory_path()
    / ("larder-config-" + std::to_string(::getpid()));
  ~temp_dir() {
    std::filesystem::remove_all(path);
  }
};

} // namespace

TEST(config, production_refuses_to_start_without_a_secret) {
  auto cfg = load_config(fake_env(
    {{"LARDER_ENV", "production"}, {"LARDER_DATABASE_URL", "postgresql://x"}}));
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("LARDER_SECRET_KEY"), std::string::npos);
}

TEST(config, production_refuses_known_defaults_and_short_secrets) {
  // The last two are long enough, but this repository's e2e run and bench
  // use them: anyone with the source could sign session tokens.
  for (auto secret : {"changeme", "secret", "0123456789",
                      "web-e2e-secret-key-not-for-production-0123456789",
                      "bench-only-secret-0123456789abcdef0123456789"}) {
    auto cfg =
      load_config(fake_env({{"LARDER_ENV", "production"},
                            {"LARDER_SECRET_KEY", secret},
                            {"LARDER_DATABASE_URL", "postgresql://x"}}));
    EXPECT_FALSE(cfg) << secret;
  }
}

TEST(config, production_needs_an_explicit_database) {
  auto cfg =
    load_config(fake_env({{"LARDER_ENV", "production"},
                          {"LARDER_SECRET_KEY", std::string(64, 'k')}}));
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("LARDER_DATABASE_URL"), std::string::npos);
}

TEST(config, production_with_secret_and_database_starts) {
  auto cfg = load_config(
    fake_env({{"LARDER_ENV", "production"},
              {"LARDER_SECRET_KEY", std::string(64, 'k')},
              {"LARDER_DATABASE_URL", "postgresql://app@db/larder"}}));
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_TRUE(cfg->production);
  EXPECT_EQ(cfg->database_url, "postgresql://app@db/larder");
}

TEST(config, development_generates_a_secret_once_and_keeps_it) {
  temp_dir dir;
  auto env = fake_env({{"LARDER_DATA_DIR", dir.path.string()}});
  auto first = load_config(env);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->secret_key.size(), 64u);
  auto second = load_config(env);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->secret_key, first->secret_key);
  auto perms = std::filesystem::status(dir.path / "secret_key").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

TEST(config, defaults_point_at_the_embedded_cluster_and_loopback) {
  temp_dir dir;
  auto cfg = load_config(fake_env({{"LARDER_DATA_DIR", dir.path.string()}}));
  ASSERT_TRUE(cfg);
  EXPECT_FALSE(cfg->production);
  EXPECT_EQ(cfg->http_addr, "127.0.0.1:8080");
  EXPECT_EQ(cfg->database_url,
            "postgresql://larder_app@127.0.0.1:54320/larder");
  EXPECT_EQ(cfg->migrate_url,
            "postgresql://larder_owner@127.0.0.1:54320/larder");
  EXPECT_EQ(cfg->dev_outbox, dir.path.string() + "/outbox");
}

TEST(config, an_unknown_environment_name_is_an_error) {
  auto cfg = load_config(fake_env({{"LARDER_ENV", "staging"}}));
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().message.find("staging"), std::string::npos);
}
