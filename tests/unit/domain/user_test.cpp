// The user entity as tables: given events, when a command, then the events
// it decides or the exact error; plus the payload codec.
#include "actors/user/user.hpp"

#include <ostream>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/decide_table.hpp"

using namespace larder;
using namespace larder::domain;

namespace {

const events::uuid dana =
  *events::uuid::parse("0190f5a4-0000-7000-8000-00000000da7a");

constexpr const char* now = "2026-01-15T10:00:00.000000Z";

command_context context() {
  command_context ctx;
  ctx.meta.actor = events::actor_kind::user;
  ctx.meta.actor_id = dana.to_string();
  ctx.now = now;
  ctx.tenant_id = platform_tenant_id;
  return ctx;
}

user_registered registered(bool global_admin = false,
                           bool founding_admin = false) {
  return {dana, "dana@example.com", "Dana", global_admin, founding_admin};
}

using user_case = larder::testing::decide_case<user_entity>;
using events_list = user_case::events_list;
using larder::testing::failure;

std::vector<user_case> cases() {
  auto founder = std::vector<user_event>{registered(true, true)};
  auto admin = std::vector<user_event>{registered(true)};
  auto plain = std::vector<user_event>{registered()};
  auto disabled = std::vector<user_event>{registered(), user_disabled{"left"},
                                          sessions_revoked{now, "left"}};
  return {
    // --- registration --------------------------------------------------
    {"register_normalizes_the_email_and_trims_the_name",
     {},
     register_user{dana, " Dana@Example.COM ", " Dana ", false, false},
     events_list{registered()}},
    {"register_without_a_display_name",
     {},
     register_user{dana, "dana@example.com", std::nullopt, false, false},
     events_list{
       user_registered{dana, "dana@example.com", std::nullopt, false, false}}},
    {"register_the_founding_admin",
     {},
     register_user{dana, "dana@example.com", "Dana", true, true},
     events_list{registered(true, true)}},
    {"register_twice_is_a_conflict", plain,
     register_user{dana, "dana@example.com", "Dana", false, false},
     failure{errc::conflict, "the user is already registered"}},
    {"register_needs_a_user_id",
     {},
     register_user{events::uuid{}, "dana@example.com", "Dana", false, false},
     failure{errc::invalid_argument, "user_id must be set"}},
    {"register_needs_a_valid_email",
     {},
     register_user{dana, "dana@localhost", "Dana", false, false},
     failure{errc::invalid_argument, "email: email address"}},
    {"register_refuses_an_empty_display_name",
     {},
     register_user{dana, "dana@example.com", " ", false, false},
     failure{errc::invalid_argument, "display_name must not be empty"}},
    {"register_refuses_a_long_display_name",
     {},
     register_user{dana, "dana@example.com", std::string(101, 'd'), false,
                   false},
     failure{errc::invalid_argument, "display_name must be at most 100"}},
    {"register_a_founding_admin_needs_global_admin",
     {},
     register_user{dana, "dana@example.com", "Dana", false, true},
     failure{errc::invalid_argument, "founding_admin requires global_admin"}},

    // --- signing in and sessions ---------------------------------------
    {"sign_in_with_a_magic_link", plain, sign_in{},
     events_list{signed_in{now, "magic_link"}}},
    {"sign_in_with_another_method_is_invalid", plain, sign_in{"password"},
     failure{errc::invalid_argument, "method must be magic_link"}},
    {"a_disabled_user_cannot_sign_in", disabled, sign_in{},
     failure{errc::rejected, "the user is disabled and cannot sign in"}},
    {"an_unknown_user_cannot_sign_in",
     {},
     sign_in{},
     failure{errc::not_found, "no such user"}},
    {"revoke_sessions", plain, revoke_sessions{"lost phone"},
     events_list{sessions_revoked{now, "lost phone"}}},
    {"revoke_sessions_of_a_disabled_user", disabled, revoke_sessions{"again"},
     events_list{sessions_revoked{now, "again"}}},
    {"revoke_sessions_needs_a_reason", plain, revoke_sessions{""},
     failure{errc::invalid_argument, "reason must not be empty"}},

    // --- disabling -------------------------------------------------------
    {"disable_a_user_also_revokes_their_sessions", plain,
     disable_user{"left the company"},
     events_list{user_disabled{"left the company"},
                 sessions_revoked{now, "left the company"}}},
    {"disable_a_global_admin", admin, disable_user{"left"},
     events_list{user_disabled{"left"}, sessions_revoked{now, "left"}}},
    {"disable_again_changes_nothing", disabled, disable_user{"left"},
     events_list{}},
    {"disable_the_founding_admin_is_forbidden", founder, disable_user{"coup"},
     failure{errc::forbidden, "the founding admin cannot be disabled"}},
    {"disable_needs_a_reason", plain, disable_user{"\t"},
     failure{errc::invalid_argument, "reason must not be empty"}},

    // --- global admin ------------------------------------------------------
    {"grant_global_admin", plain, grant_global_admin{},
     events_list{global_admin_granted{}}},
    {"grant_to_a_global_admin_changes_nothing", admin, grant_global_admin{},
     events_list{}},
    {"grant_to_a_disabled_user_is_rejected", disabled, grant_global_admin{},
     failure{errc::rejected, "the user is disabled"}},
    {"revoke_global_admin", admin, revoke_global_admin{},
     events_list{global_admin_revoked{}}},
    {"revoke_from_a_plain_user_changes_nothing", plain, revoke_global_admin{},
     events_list{}},
    {"revoke_from_the_founding_admin_is_forbidden", founder,
     revoke_global_admin{},
     failure{errc::forbidden, "the founding admin cannot lose global admin"}},
    {"grant_to_an_unknown_user_is_not_found",
     {},
     grant_global_admin{},
     failure{errc::not_found, "no such user"}},
  };
}

class user_decide : public ::testing::TestWithParam<user_case> {};

TEST_P(user_decide, decides_as_the_table_says) {
  larder::testing::check_decide(GetParam(), context());
}

INSTANTIATE_TEST_SUITE_P(table, user_decide, ::testing::ValuesIn(cases()),
                         [](const auto& info) {
                           return info.param.name;
                         });

TEST(user_decide_all, an_unknown_user_answers_not_found_to_every_command) {
  std::vector<user_command> commands{sign_in{}, revoke_sessions{"x"},
                                     disable_user{"x"}, grant_global_admin{},
                                     revoke_global_admin{}};
  ASSERT_EQ(commands.size(), std::variant_size_v<user_command> - 1);
  for (const auto& c : commands) {
    auto got = user_entity::decide(user_state{}, c, context());
    ASSERT_FALSE(got) << "command " << c.index();
    EXPECT_EQ(got.error().code, errc::not_found) << "command " << c.index();
  }
}

user_state fold(const std::vector<user_event>& evs) {
  user_state s;
  for (const auto& e : evs)
    s = user_entity::evolve(std::move(s), e);
  return s;
}

TEST(user_evolve, a_registered_user_belongs_to_the_platform) {
  auto s = fold({registered(true, true)});
  EXPECT_TRUE(s.exists);
  EXPECT_EQ(s.tenant_id, platform_tenant_id);
  EXPECT_EQ(s.user_id, dana);
  EXPECT_EQ(s.email, "dana@example.com");
  EXPECT_EQ(s.display_name, "Dana");
  EXPECT_TRUE(s.global_admin);
  EXPECT_TRUE(s.founding_admin);
  EXPECT_EQ(stream_id(user_entity::stream_type, dana),
            "user-0190f5a4-0000-7000-8000-00000000da7a");
}

TEST(user_evolve, sign_ins_revocations_and_disabling_are_remembered) {
  auto s = fold({registered(true), signed_in{now, "magic_link"},
                 sessions_revoked{"2026-01-16T00:00:00.000000Z", "phone"},
                 global_admin_revoked{}, user_disabled{"left"}});
  EXPECT_EQ(s.last_signed_in_at, now);
  EXPECT_EQ(s.sessions_revoked_at, "2026-01-16T00:00:00.000000Z");
  EXPECT_FALSE(s.global_admin);
  EXPECT_TRUE(s.disabled);
  EXPECT_EQ(s.disabled_reason, "left");
  s = user_entity::evolve(s, global_admin_granted{});
  EXPECT_TRUE(s.global_admin);
}

// --- codec -----------------------------------------------------------------

std::vector<user_event> one_of_each_event() {
  return {
    registered(true, true),
    user_registered{dana, "dana@example.com", std::nullopt, false, false},
    signed_in{now, "magic_link"},
    sessions_revoked{now, "lost phone"},
    user_disabled{"left"},
    global_admin_granted{},
    global_admin_revoked{},
  };
}

events::envelope envelope_of(const events::new_event& n) {
  events::envelope env;
  env.event_id = n.event_id;
  env.tenant_id = platform_tenant_id;
  env.stream_id = stream_id(user_entity::stream_type, dana);
  env.event_type = n.event_type;
  env.schema_version = n.schema_version;
  env.payload = n.payload;
  return env;
}

TEST(user_codec, every_event_survives_a_round_trip) {
  std::set<std::size_t> kinds;
  for (const auto& e : one_of_each_event()) {
    kinds.insert(e.index());
    auto encoded = user_entity::encode(e);
    EXPECT_EQ(encoded.schema_version, 1);
    auto decoded = user_entity::decode(envelope_of(encoded));
    ASSERT_TRUE(decoded) << encoded.event_type << ": "
                         << decoded.error().message;
    EXPECT_TRUE(*decoded == e) << encoded.event_type << " " << encoded.payload;
  }
  EXPECT_EQ(kinds.size(), std::variant_size_v<user_event>);
}

TEST(user_codec, payloads_have_the_documented_shape) {
  EXPECT_EQ(user_entity::encode(user_registered{dana, "dana@example.com",
                                                std::nullopt, false, false})
              .payload,
            R"({"user_id":"0190f5a4-0000-7000-8000-00000000da7a",)"
            R"("email":"dana@example.com","display_name":null,)"
            R"("global_admin":false,"founding_admin":false})");
  auto granted = user_entity::encode(global_admin_granted{});
  EXPECT_EQ(granted.event_type, "GlobalAdminGranted");
  EXPECT_EQ(granted.payload, "{}");
}

TEST(user_codec, malformed_payloads_are_invalid_and_name_the_field) {
  struct bad {
    const char* type;
    const char* payload;
    const char* message_part;
  };
  for (const auto& b : {
         bad{"SignedIn", "", "is not a JSON object"},
         bad{"SignedIn", R"({"at":"x"})", "missing or malformed method"},
         bad{"UserRegistered",
             R"({"user_id":"0190f5a4-0000-7000-8000-00000000da7a",)"
             R"("email":"d@example.com","display_name":7,)"
             R"("global_admin":false,"founding_admin":false})",
             "display_name"},
         bad{"UserRegistered",
             R"({"user_id":"0190f5a4-0000-7000-8000-00000000da7a",)"
             R"("email":"d@example.com","display_name":null,)"
             R"("global_admin":"yes","founding_admin":false})",
             "global_admin"},
         bad{"UserRenamed", "{}", "unknown user event type"},
       }) {
    events::envelope env;
    env.event_type = b.type;
    env.schema_version = 1;
    env.payload = b.payload;
    auto decoded = user_entity::decode(env);
    ASSERT_FALSE(decoded) << b.payload;
    EXPECT_EQ(decoded.error().code, errc::invalid_argument);
    EXPECT_NE(decoded.error().message.find(b.message_part), std::string::npos)
      << decoded.error().message;
  }
}

TEST(user_codec, registers_every_event_type_at_version_1) {
  events::catalog catalog;
  user_entity::register_events(catalog);
  for (const char* type :
       {"UserRegistered", "SignedIn", "SessionsRevoked", "UserDisabled",
        "GlobalAdminGranted", "GlobalAdminRevoked"})
    EXPECT_EQ(catalog.current_version(type), 1) << type;
}

} // namespace
