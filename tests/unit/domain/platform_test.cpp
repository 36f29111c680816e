// The platform entity as tables: given events, when a command, then the
// events it decides or the exact error; the allowlist query; the codec.
#include "actors/platform/platform.hpp"

#include <ostream>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/decide_table.hpp"

using namespace larder;
using namespace larder::domain;

namespace {

const events::uuid root =
  *events::uuid::parse("0190f5a4-0000-7000-8000-0000000000aa");

command_context context() {
  command_context ctx;
  ctx.meta.actor = events::actor_kind::user;
  ctx.meta.actor_id = root.to_string();
  ctx.now = "2026-01-15T10:00:00.000000Z";
  ctx.tenant_id = platform_tenant_id;
  return ctx;
}

using platform_case = larder::testing::decide_case<platform_entity>;
using events_list = platform_case::events_list;
using larder::testing::failure;

std::vector<platform_case> cases() {
  auto waiting = std::vector<platform_event>{
    waitlist_joined{"ann@example.com", "Two bistros in Montréal"}};
  return {
    // --- allowlist -------------------------------------------------------
    {"allow_an_email",
     {},
     add_allowlist_entry{" Ann@Example.com "},
     events_list{allowlist_entry_added{"ann@example.com"}}},
    {"allow_a_domain",
     {},
     add_allowlist_entry{"@Example.COM"},
     events_list{allowlist_entry_added{"@example.com"}}},
    {"allow_an_internationalized_domain_in_its_ascii_form",
     {},
     add_allowlist_entry{"@xn--caf-dma.ca"},
     events_list{allowlist_entry_added{"@xn--caf-dma.ca"}}},
    {"allow_a_duplicate_changes_nothing",
     {allowlist_entry_added{"@example.com"}},
     add_allowlist_entry{"@EXAMPLE.com"},
     events_list{}},
    {"allow_a_domain_without_a_dot_is_invalid",
     {},
     add_allowlist_entry{"@localhost"},
     failure{errc::invalid_argument, "entry must be an email address or @"}},
    {"allow_a_bare_at_is_invalid",
     {},
     add_allowlist_entry{"@"},
     failure{errc::invalid_argument, "entry must be"}},
    {"allow_a_domain_with_an_empty_label_is_invalid",
     {},
     add_allowlist_entry{"@example..com"},
     failure{errc::invalid_argument, "entry must be"}},
    {"allow_a_domain_label_starting_with_a_dash_is_invalid",
     {},
     add_allowlist_entry{"@-example.com"},
     failure{errc::invalid_argument, "entry must be"}},
    {"allow_a_domain_pattern_with_a_local_part_is_invalid",
     {},
     add_allowlist_entry{"@ann@example.com"},
     failure{errc::invalid_argument, "entry must be"}},
    {"allow_a_malformed_email_is_invalid",
     {},
     add_allowlist_entry{"ann"},
     failure{errc::invalid_argument, "entry: email address"}},
    {"remove_an_entry",
     {allowlist_entry_added{"@example.com"}},
     remove_allowlist_entry{"@Example.com"},
     events_list{allowlist_entry_removed{"@example.com"}}},
    {"remove_an_absent_entry_is_not_found",
     {allowlist_entry_added{"@example.com"}},
     remove_allowlist_entry{"ann@example.com"},
     failure{errc::not_found, "ann@example.com is not on the allowlist"}},

    // --- waitlist --------------------------------------------------------
    {"join_the_waitlist",
     {},
     join_waitlist{"Ann@Example.com", " Two bistros in Montréal "},
     events_list{
       waitlist_joined{"ann@example.com", "Two bistros in Montréal"}}},
    {"join_the_waitlist_with_a_multi_line_note",
     {},
     join_waitlist{"ann@example.com", "Two bistros.\nOne café."},
     events_list{
       waitlist_joined{"ann@example.com", "Two bistros.\nOne café."}}},
    {"join_the_waitlist_without_a_note",
     {},
     join_waitlist{"ann@example.com", ""},
     events_list{waitlist_joined{"ann@example.com", ""}}},
    {"join_the_waitlist_twice_changes_nothing", waiting,
     join_waitlist{"ann@example.com", "Three bistros now"}, events_list{}},
    {"join_with_a_500_character_note",
     {},
     join_waitlist{"ann@example.com", std::string(500, 'n')},
     events_list{waitlist_joined{"ann@example.com", std::string(500, 'n')}}},
    {"join_with_a_501_character_note_is_invalid",
     {},
     join_waitlist{"ann@example.com", std::string(501, 'n')},
     failure{errc::invalid_argument, "note must be at most 500 characters"}},
    {"join_with_a_control_character_in_the_note_is_invalid",
     {},
     join_waitlist{"ann@example.com", "bell\a"},
     failure{errc::invalid_argument, "note contains control characters"}},
    {"join_with_a_malformed_email_is_invalid",
     {},
     join_waitlist{"ann@", ""},
     failure{errc::invalid_argument, "email: email address"}},
    {"approve_allowlists_the_email", waiting,
     approve_waitlist_entry{"ANN@example.com", root},
     events_list{waitlist_approved{"ann@example.com", root},
                 allowlist_entry_added{"ann@example.com"}}},
    {"approve_an_allowlisted_email_adds_no_duplicate",
     {waitlist_joined{"ann@example.com", ""},
      allowlist_entry_added{"ann@example.com"}},
     approve_waitlist_entry{"ann@example.com", root},
     events_list{waitlist_approved{"ann@example.com", root}}},
    {"approve_an_email_its_domain_allows_still_adds_it",
     {waitlist_joined{"ann@example.com", ""},
      allowlist_entry_added{"@example.com"}},
     approve_waitlist_entry{"ann@example.com", root},
     events_list{waitlist_approved{"ann@example.com", root},
                 allowlist_entry_added{"ann@example.com"}}},
    {"approve_twice_changes_nothing",
     {waitlist_joined{"ann@example.com", ""},
      waitlist_approved{"ann@example.com", root},
      allowlist_entry_added{"ann@example.com"}},
     approve_waitlist_entry{"ann@example.com", root},
     events_list{}},
    {"approve_someone_not_waiting_is_not_found", waiting,
     approve_waitlist_entry{"bob@example.com", root},
     failure{errc::not_found, "bob@example.com is not on the waitlist"}},
    {"approve_needs_an_approver", waiting,
     approve_waitlist_entry{"ann@example.com", events::uuid{}},
     failure{errc::invalid_argument, "approved_by must be set"}},
  };
}

class platform_decide : public ::testing::TestWithParam<platform_case> {};

TEST_P(platform_decide, decides_as_the_table_says) {
  larder::testing::check_decide(GetParam(), context());
}

INSTANTIATE_TEST_SUITE_P(table, platform_decide, ::testing::ValuesIn(cases()),
                         [](const auto& info) {
                           return info.param.name;
                         });

platform_state fold(const std::vector<platform_event>& evs) {
  platform_state s;
  for (const auto& e : evs)
    s = platform_entity::evolve(std::move(s), e);
  return s;
}

TEST(platform_allowlist, matches_exact_emails_and_whole_domains) {
  auto s = fold({allowlist_entry_added{"ann@example.com"},
                 allowlist_entry_added{"@bistro.ca"}});
  EXPECT_TRUE(is_allowed(s, "ann@example.com"));
  EXPECT_FALSE(is_allowed(s, "bob@example.com"));
  EXPECT_TRUE(is_allowed(s, "chef@bistro.ca"));
  EXPECT_TRUE(is_allowed(s, "owner@bistro.ca"));
  EXPECT_FALSE(is_allowed(s, "chef@kitchen.bistro.ca"));
  EXPECT_FALSE(is_allowed(s, "chef@notbistro.ca"));
  EXPECT_FALSE(is_allowed(s, "chef@bistro.ca.evil.com"));
  EXPECT_FALSE(is_allowed(s, "bistro.ca"));
  EXPECT_FALSE(is_allowed(s, ""));
}

TEST(platform_allowlist, removing_a_domain_keeps_approved_emails) {
  auto s = fold({waitlist_joined{"chef@bistro.ca", ""},
                 allowlist_entry_added{"@bistro.ca"},
                 waitlist_approved{"chef@bistro.ca", root},
                 allowlist_entry_added{"chef@bistro.ca"},
                 allowlist_entry_removed{"@bistro.ca"}});
  EXPECT_TRUE(is_allowed(s, "chef@bistro.ca"));
  EXPECT_FALSE(is_allowed(s, "owner@bistro.ca"));
  EXPECT_TRUE(s.waitlist.at("chef@bistro.ca").approved);
}

TEST(platform_allowlist, approval_through_decide_allows_the_email) {
  auto s = fold({waitlist_joined{"ann@example.com", "hi"}});
  EXPECT_FALSE(is_allowed(s, "ann@example.com"));
  auto decided = platform_entity::decide(
    s, approve_waitlist_entry{"ann@example.com", root}, context());
  ASSERT_TRUE(decided);
  for (const auto& e : *decided)
    s = platform_entity::evolve(std::move(s), e);
  EXPECT_TRUE(is_allowed(s, "ann@example.com"));
}

TEST(platform_allowlist, normalizes_entries) {
  EXPECT_EQ(*normalize_allowlist_entry(" @Bistro.CA "), "@bistro.ca");
  EXPECT_EQ(*normalize_allowlist_entry("Chef@Bistro.ca"), "chef@bistro.ca");
  auto label = std::string(63, 'a');
  auto too_long = "@" + label + "." + label + "." + label + "." + label;
  EXPECT_EQ(too_long.size(), 256u);
  EXPECT_FALSE(normalize_allowlist_entry(too_long));
  auto long_label = "@" + std::string(64, 'a') + ".com";
  EXPECT_FALSE(normalize_allowlist_entry(long_label));
  EXPECT_TRUE(normalize_allowlist_entry("@" + label + ".com"));
  EXPECT_TRUE(normalize_allowlist_entry("@" + label + "." + label + "." + label
                                        + "." + label.substr(2)));
}

TEST(platform_state_test, always_exists_and_belongs_to_the_platform) {
  platform_state s;
  EXPECT_TRUE(s.exists);
  EXPECT_EQ(s.tenant_id, platform_tenant_id);
  EXPECT_EQ(platform_tenant_id.to_string(),
            "00000000-0000-0000-0000-000000000001");
  EXPECT_FALSE(platform_tenant_id.is_nil());
  EXPECT_EQ(std::string{platform_stream_id}, "platform");
}

// --- codec -----------------------------------------------------------------

std::vector<platform_event> one_of_each_event() {
  return {
    allowlist_entry_added{"@bistro.ca"},
    allowlist_entry_removed{"ann@example.com"},
    waitlist_joined{"ann@example.com", "Deux bistros \"chez nous\"\nÀ bientôt"},
    waitlist_approved{"ann@example.com", root},
  };
}

TEST(platform_codec, every_event_survives_a_round_trip) {
  std::set<std::size_t> kinds;
  for (const auto& e : one_of_each_event()) {
    kinds.insert(e.index());
    auto encoded = platform_entity::encode(e);
    events::envelope env;
    env.event_id = encoded.event_id;
    env.tenant_id = platform_tenant_id;
    env.stream_id = platform_stream_id;
    env.event_type = encoded.event_type;
    env.schema_version = encoded.schema_version;
    env.payload = encoded.payload;
    auto decoded = platform_entity::decode(env);
    ASSERT_TRUE(decoded) << encoded.event_type << ": "
                         << decoded.error().message;
    EXPECT_TRUE(*decoded == e) << encoded.event_type << " " << encoded.payload;
  }
  EXPECT_EQ(kinds.size(), std::variant_size_v<platform_event>);
}

TEST(platform_codec, payloads_have_the_documented_shape) {
  auto approved =
    platform_entity::encode(waitlist_approved{"ann@example.com", root});
  EXPECT_EQ(approved.event_type, "WaitlistApproved");
  EXPECT_EQ(approved.payload,
            R"({"email":"ann@example.com",)"
            R"("approved_by":"0190f5a4-0000-7000-8000-0000000000aa"})");
}

TEST(platform_codec, malformed_payloads_are_invalid_and_name_the_field) {
  events::envelope env;
  env.event_type = "WaitlistApproved";
  env.payload = R"({"email":"ann@example.com","approved_by":42})";
  auto decoded = platform_entity::decode(env);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, errc::invalid_argument);
  EXPECT_NE(decoded.error().message.find("approved_by"), std::string::npos);
  env.event_type = "WaitlistLeft";
  decoded = platform_entity::decode(env);
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("unknown platform event type"),
            std::string::npos);
}

TEST(platform_codec, registers_every_event_type_at_version_1) {
  events::catalog catalog;
  platform_entity::register_events(catalog);
  for (const char* type : {"AllowlistEntryAdded", "AllowlistEntryRemoved",
                           "WaitlistJoined", "WaitlistApproved"})
    EXPECT_EQ(catalog.current_version(type), 1) << type;
}

} // namespace
