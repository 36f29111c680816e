// The tenant entity as tables: given events, when a command, then the
// events it decides or the exact error; plus the regions' tax profiles and
// the payload codec.
#include "actors/tenant/tenant.hpp"

#include <algorithm>
#include <ostream>
#include <set>

#include <gtest/gtest.h>

#include "tests/support/decide_table.hpp"

using namespace larder;
using namespace larder::domain;
using values::decimal;
using values::tax_kind;

namespace {

const events::uuid tenant =
  *events::uuid::parse("0190f5a4-0000-7000-8000-000000000001");
const events::uuid alice =
  *events::uuid::parse("0190f5a4-0000-7000-8000-00000000a11c");
const events::uuid bob =
  *events::uuid::parse("0190f5a4-0000-7000-8000-000000000b0b");
const events::uuid carol =
  *events::uuid::parse("0190f5a4-0000-7000-8000-0000000ca201");
const events::uuid alert =
  *events::uuid::parse("0190f5a4-0000-7000-8000-0000000a1e27");

constexpr const char* now = "2026-01-15T10:00:00.000000Z";

command_context context() {
  command_context ctx;
  ctx.meta.actor = events::actor_kind::user;
  ctx.meta.actor_id = alice.to_string();
  ctx.meta.source = "web";
  ctx.now = now;
  ctx.tenant_id = tenant;
  return ctx;
}

decimal pct(std::string_view text) {
  return *decimal::parse(text);
}

values::currency cad() {
  return *values::currency::parse("CAD");
}

tax_profile quebec() {
  return {{{tax_kind::gst, pct("5"), {}}, {tax_kind::qst, pct("9.975"), {}}}};
}

tenant_created created() {
  return {tenant,   "Chez Marie", "Marie",     "CA-QC",
          quebec(), cad(),        "chez-marie"};
}

/// A Québec tenant whose only member is alice, its admin.
std::vector<tenant_event> founded(std::vector<tenant_event> then = {}) {
  std::vector<tenant_event> out{
    created(), member_joined{alice, "alice@example.com", tenant_role::admin}};
  out.insert(out.end(), then.begin(), then.end());
  return out;
}

/// Founded, with bob as a plain member.
std::vector<tenant_event> with_bob(std::vector<tenant_event> then = {}) {
  auto out =
    founded({member_invited{"bob@example.com", tenant_role::member, alice},
             member_joined{bob, "bob@example.com", tenant_role::member}});
  out.insert(out.end(), then.begin(), then.end());
  return out;
}

tenant_settings settings(decimal threshold = pct("5"), int days = 90) {
  tenant_settings s;
  s.price_alert_threshold_percent = threshold;
  s.rejected_retention_days = days;
  return s;
}

create_tenant create(std::string alias = "chez-marie") {
  return {" Chez Marie ",     "Marie",          "CA-QC",
          std::nullopt,       std::move(alias), alice,
          "Alice@Example.com"};
}

using tenant_case = larder::testing::decide_case<tenant_entity>;
using events_list = tenant_case::events_list;
using larder::testing::failure;

std::vector<tenant_case> cases() {
  using r = tenant_role;
  std::string long_name(201, 'x');
  std::string accents;
  for (int i = 0; i < 200; ++i)
    accents += "é";
  auto new_york = created();
  new_york.region = "US-NY";
  new_york.taxes = {{{tax_kind::sales_tax, pct("0"), {}}}};
  new_york.currency = *values::currency::parse("USD");
  auto gb_eur = created();
  gb_eur.region = "GB";
  gb_eur.taxes = {{{tax_kind::vat, pct("20"), {pct("5"), pct("0")}}}};
  gb_eur.currency = *values::currency::parse("EUR");
  auto max_alias = std::string(40, 'a');
  auto created_with_alias = [](std::string alias) {
    auto e = created();
    e.inbound_alias = std::move(alias);
    return e;
  };
  auto admin_alice = member_joined{alice, "alice@example.com", r::admin};
  std::map<std::string, export_account> accounts{
    {"expenses", {" Purchases ", "5000"}}, {"gst_itc", {"GST paid", ""}}};
  auto with_accounts = settings();
  with_accounts.export_accounts = {
    {account_purpose::expenses, {"Purchases", "5000"}},
    {account_purpose::gst_itc, {"GST paid", ""}}};
  auto us_tax = settings();
  us_tax.sales_tax_percent = pct("8.875");
  auto us_founded = std::vector<tenant_event>{
    new_york, member_joined{alice, "alice@example.com", r::admin}};

  return {
    // --- creation ---------------------------------------------------------
    {"create_makes_the_creator_admin",
     {},
     create(),
     events_list{created(), admin_alice}},
    {"create_defaults_the_currency_to_the_region",
     {},
     create_tenant{"Chez Marie", "Marie", "US-NY", std::nullopt, "chez-marie",
                   alice, "alice@example.com"},
     events_list{new_york, admin_alice}},
    {"create_takes_a_given_currency",
     {},
     create_tenant{"Chez Marie", "Marie", "GB", "EUR", "chez-marie", alice,
                   "alice@example.com"},
     events_list{gb_eur, admin_alice}},
    {"create_twice_is_a_conflict", founded(), create(),
     failure{errc::conflict, "already exists"}},
    {"create_needs_a_name",
     {},
     create_tenant{"  ", "", "CA-QC", std::nullopt, "chez-marie", alice,
                   "alice@example.com"},
     failure{errc::invalid_argument, "name must not be empty"}},
    {"create_refuses_a_name_over_200_characters",
     {},
     create_tenant{long_name, "", "CA-QC", std::nullopt, "chez-marie", alice,
                   "alice@example.com"},
     failure{errc::invalid_argument, "name must be at most 200 characters"}},
    {"create_counts_characters_not_bytes",
     {},
     create_tenant{accents, "Marie", "CA-QC", std::nullopt, "chez-marie", alice,
                   "alice@example.com"},
     events_list{[&] {
                   auto e = created();
                   e.name = accents;
                   return e;
                 }(),
                 admin_alice}},
    {"create_refuses_control_characters_in_the_name",
     {},
     create_tenant{"Chez\x01Marie", "", "CA-QC", std::nullopt, "chez-marie",
                   alice, "alice@example.com"},
     failure{errc::invalid_argument, "name contains control characters"}},
    {"create_refuses_invalid_utf8_in_the_brand",
     {},
     create_tenant{"Chez Marie", "Mar\xC3", "CA-QC", std::nullopt, "chez-marie",
                   alice, "alice@example.com"},
     failure{errc::invalid_argument, "brand is not valid UTF-8"}},
    {"create_refuses_an_unknown_region",
     {},
     create_tenant{"Chez Marie", "", "FR", std::nullopt, "chez-marie", alice,
                   "alice@example.com"},
     failure{errc::invalid_argument, "region must be"}},
    {"create_refuses_an_unknown_currency",
     {},
     create_tenant{"Chez Marie", "", "CA-QC", "cad", "chez-marie", alice,
                   "alice@example.com"},
     failure{errc::invalid_argument, "currency must be an ISO 4217 code"}},
    {"create_accepts_a_3_character_alias",
     {},
     create("a-1"),
     events_list{created_with_alias("a-1"), admin_alice}},
    {"create_accepts_a_40_character_alias",
     {},
     create(max_alias),
     events_list{created_with_alias(max_alias), admin_alice}},
    {"create_refuses_a_2_character_alias",
     {},
     create("ab"),
     failure{errc::invalid_argument, "inbound_alias must be 3 to 40"}},
    {"create_refuses_a_41_character_alias",
     {},
     create(std::string(41, 'a')),
     failure{errc::invalid_argument, "inbound_alias must be 3 to 40"}},
    {"create_refuses_an_upper_case_alias",
     {},
     create("Chez-Marie"),
     failure{errc::invalid_argument, "inbound_alias may contain only"}},
    {"create_refuses_an_alias_with_a_dot",
     {},
     create("chez.marie"),
     failure{errc::invalid_argument, "inbound_alias may contain only"}},
    {"create_refuses_an_alias_starting_with_a_dash",
     {},
     create("-marie"),
     failure{errc::invalid_argument, "must not start or end with '-'"}},
    {"create_refuses_an_alias_ending_with_a_dash",
     {},
     create("marie-"),
     failure{errc::invalid_argument, "must not start or end with '-'"}},
    {"create_refuses_a_reserved_alias",
     {},
     create("postmaster"),
     failure{errc::invalid_argument, "inbound_alias 'postmaster' is reserved"}},
    {"create_needs_a_creator",
     {},
     create_tenant{"Chez Marie", "", "CA-QC", std::nullopt, "chez-marie",
                   events::uuid{}, "alice@example.com"},
     failure{errc::invalid_argument, "created_by must be set"}},
    {"create_needs_a_valid_creator_email",
     {},
     create_tenant{"Chez Marie", "", "CA-QC", std::nullopt, "chez-marie", alice,
                   "alice"},
     failure{errc::invalid_argument, "creator_email"}},
    {"commands_to_a_missing_tenant_are_not_found",
     {},
     invite_member{"bob@example.com", "member", alice},
     failure{errc::not_found, "no such tenant"}},

    // --- invitations and joining -------------------------------------------
    {"invite_normalizes_the_email", founded(),
     invite_member{" Bob@Example.COM ", "member", alice},
     events_list{member_invited{"bob@example.com", r::member, alice}}},
    {"invite_again_with_the_same_role_changes_nothing",
     founded({member_invited{"bob@example.com", r::member, alice}}),
     invite_member{"BOB@example.com", "member", alice}, events_list{}},
    {"invite_again_with_another_role_replaces_the_invitation",
     founded({member_invited{"bob@example.com", r::member, alice}}),
     invite_member{"bob@example.com", "auditor", alice},
     events_list{member_invited{"bob@example.com", r::auditor, alice}}},
    {"invite_of_a_member_is_a_conflict", with_bob(),
     invite_member{"bob@example.com", "admin", alice},
     failure{errc::conflict, "bob@example.com is already a member"}},
    {"invite_needs_a_valid_email", founded(),
     invite_member{"bob at example", "member", alice},
     failure{errc::invalid_argument, "email: email address"}},
    {"invite_needs_a_known_role", founded(),
     invite_member{"bob@example.com", "owner", alice},
     failure{errc::invalid_argument, "role must be admin, member or auditor"}},
    {"invite_needs_an_inviter", founded(),
     invite_member{"bob@example.com", "member", events::uuid{}},
     failure{errc::invalid_argument, "invited_by must be set"}},
    {"join_with_an_invitation_takes_its_role",
     founded({member_invited{"bob@example.com", r::auditor, alice}}),
     join_tenant{bob, "Bob@example.com"},
     events_list{member_joined{bob, "bob@example.com", r::auditor}}},
    {"join_without_an_invitation_is_forbidden", founded(),
     join_tenant{bob, "bob@example.com"},
     failure{errc::forbidden, "there is no pending invitation for "
                              "bob@example.com"}},
    {"join_after_the_invitation_was_revoked_is_forbidden",
     founded({member_invited{"bob@example.com", r::member, alice},
              invitation_revoked{"bob@example.com"}}),
     join_tenant{bob, "bob@example.com"},
     failure{errc::forbidden, "no pending invitation"}},
    {"join_again_changes_nothing", with_bob(),
     join_tenant{bob, "bob@example.com"}, events_list{}},
    {"join_as_a_member_under_another_email_is_a_conflict",
     with_bob({member_invited{"robert@example.com", r::member, alice}}),
     join_tenant{bob, "robert@example.com"},
     failure{errc::conflict, "already a member as bob@example.com"}},
    {"join_with_an_email_another_member_holds_is_a_conflict", with_bob(),
     join_tenant{carol, "bob@example.com"},
     failure{errc::conflict, "bob@example.com is already a member"}},
    {"join_needs_a_user",
     founded({member_invited{"bob@example.com", r::member, alice}}),
     join_tenant{events::uuid{}, "bob@example.com"},
     failure{errc::invalid_argument, "user_id must be set"}},
    {"revoke_a_pending_invitation",
     founded({member_invited{"bob@example.com", r::member, alice}}),
     revoke_invitation{"BOB@example.com"},
     events_list{invitation_revoked{"bob@example.com"}}},
    {"revoke_without_an_invitation_is_not_found", founded(),
     revoke_invitation{"bob@example.com"},
     failure{errc::not_found, "no pending invitation for bob@example.com"}},
    {"revoke_needs_a_valid_email", founded(), revoke_invitation{"bob"},
     failure{errc::invalid_argument, "email:"}},

    // --- roles and removal ---------------------------------------------
    {"promote_a_member", with_bob(), change_member_role{bob, "admin"},
     events_list{member_role_changed{bob, r::member, r::admin}}},
    {"demote_the_last_admin_is_forbidden", with_bob(),
     change_member_role{alice, "member"},
     failure{errc::forbidden, "the last admin cannot be demoted"}},
    {"demote_an_admin_when_another_remains",
     with_bob({member_role_changed{bob, r::member, r::admin}}),
     change_member_role{alice, "auditor"},
     events_list{member_role_changed{alice, r::admin, r::auditor}}},
    {"change_to_the_same_role_changes_nothing", with_bob(),
     change_member_role{bob, "member"}, events_list{}},
    {"change_the_role_of_a_stranger_is_not_found", with_bob(),
     change_member_role{carol, "admin"},
     failure{errc::not_found, "no member with user_id"}},
    {"change_to_an_unknown_role_is_invalid", with_bob(),
     change_member_role{bob, "Admin"},
     failure{errc::invalid_argument, "role must be"}},
    {"remove_a_member", with_bob(), remove_member{bob},
     events_list{member_removed{bob}}},
    {"remove_the_last_admin_is_forbidden", with_bob(), remove_member{alice},
     failure{errc::forbidden, "the last admin cannot be removed"}},
    {"remove_an_admin_when_another_remains",
     with_bob({member_role_changed{bob, r::member, r::admin}}),
     remove_member{alice}, events_list{member_removed{alice}}},
    {"remove_a_stranger_is_not_found", with_bob(), remove_member{carol},
     failure{errc::not_found, "no member with user_id"}},
    {"a_removed_member_needs_a_new_invitation", with_bob({member_removed{bob}}),
     join_tenant{bob, "bob@example.com"},
     failure{errc::forbidden, "no pending invitation"}},

    // --- WhatsApp senders ------------------------------------------------
    {"add_a_sender_normalizes_the_number", founded(),
     add_whatsapp_sender{"whatsapp:+15145550123", " Kitchen "},
     events_list{whatsapp_sender_added{"+15145550123", "Kitchen"}}},
    {"add_the_same_number_twice_is_a_conflict",
     founded({whatsapp_sender_added{"+15145550123", "Kitchen"}}),
     add_whatsapp_sender{"whatsapp:+15145550123", "Bar"},
     failure{errc::conflict, "+15145550123 is already a WhatsApp sender"}},
    {"add_a_sender_needs_an_e164_number", founded(),
     add_whatsapp_sender{"514-555-0123", "Kitchen"},
     failure{errc::invalid_argument, "number: phone number"}},
    {"add_a_sender_refuses_a_long_label", founded(),
     add_whatsapp_sender{"+15145550123", std::string(101, 'k')},
     failure{errc::invalid_argument, "label must be at most 100"}},
    {"update_a_sender_label",
     founded({whatsapp_sender_added{"+15145550123", "Kitchen"}}),
     update_whatsapp_sender{"+15145550123", "Bar", std::nullopt},
     events_list{whatsapp_sender_updated{"+15145550123", "Bar", true}}},
    {"disable_a_sender",
     founded({whatsapp_sender_added{"+15145550123", "Kitchen"}}),
     update_whatsapp_sender{"+15145550123", std::nullopt, false},
     events_list{whatsapp_sender_updated{"+15145550123", "Kitchen", false}}},
    {"update_a_sender_to_what_it_is_changes_nothing",
     founded({whatsapp_sender_added{"+15145550123", "Kitchen"}}),
     update_whatsapp_sender{"+15145550123", "Kitchen", true}, events_list{}},
    {"update_an_unknown_sender_is_not_found", founded(),
     update_whatsapp_sender{"+15145550123", "Bar", std::nullopt},
     failure{errc::not_found, "+15145550123 is not a WhatsApp sender"}},
    {"update_a_sender_with_a_control_character_is_invalid",
     founded({whatsapp_sender_added{"+15145550123", "Kitchen"}}),
     update_whatsapp_sender{"+15145550123", "Ba\x7Fr", std::nullopt},
     failure{errc::invalid_argument, "label contains control characters"}},
    {"remove_a_sender",
     founded({whatsapp_sender_added{"+15145550123", "Kitchen"}}),
     remove_whatsapp_sender{"whatsapp:+15145550123"},
     events_list{whatsapp_sender_removed{"+15145550123"}}},
    {"remove_an_unknown_sender_is_not_found", founded(),
     remove_whatsapp_sender{"+15145550123"},
     failure{errc::not_found, "is not a WhatsApp sender"}},
    {"a_removed_sender_can_be_added_again",
     founded({whatsapp_sender_added{"+15145550123", "Kitchen"},
              whatsapp_sender_removed{"+15145550123"}}),
     add_whatsapp_sender{"+15145550123", "Bar"},
     events_list{whatsapp_sender_added{"+15145550123", "Bar"}}},

    // --- settings --------------------------------------------------------
    {"settings_threshold_with_two_decimals", founded(),
     change_tenant_settings{pct("7.25"), std::nullopt, std::nullopt,
                            std::nullopt},
     events_list{tenant_settings_changed{settings(pct("7.25"))}}},
    {"settings_threshold_of_100_is_allowed", founded(),
     change_tenant_settings{pct("100"), std::nullopt, std::nullopt,
                            std::nullopt},
     events_list{tenant_settings_changed{settings(pct("100"))}}},
    {"settings_threshold_of_0_is_invalid", founded(),
     change_tenant_settings{pct("0"), std::nullopt, std::nullopt, std::nullopt},
     failure{errc::invalid_argument,
             "price_alert_threshold_percent must be more than 0"}},
    {"settings_negative_threshold_is_invalid", founded(),
     change_tenant_settings{pct("-1"), std::nullopt, std::nullopt,
                            std::nullopt},
     failure{errc::invalid_argument, "price_alert_threshold_percent must be"}},
    {"settings_threshold_over_100_is_invalid", founded(),
     change_tenant_settings{pct("100.01"), std::nullopt, std::nullopt,
                            std::nullopt},
     failure{errc::invalid_argument, "at most 100"}},
    {"settings_threshold_with_three_decimals_is_invalid", founded(),
     change_tenant_settings{pct("5.125"), std::nullopt, std::nullopt,
                            std::nullopt},
     failure{errc::invalid_argument, "at most 2 decimal places"}},
    {"settings_retention_of_1_day", founded(),
     change_tenant_settings{std::nullopt, 1, std::nullopt, std::nullopt},
     events_list{tenant_settings_changed{settings(pct("5"), 1)}}},
    {"settings_retention_of_3650_days", founded(),
     change_tenant_settings{std::nullopt, 3650, std::nullopt, std::nullopt},
     events_list{tenant_settings_changed{settings(pct("5"), 3650)}}},
    {"settings_retention_of_0_days_is_invalid", founded(),
     change_tenant_settings{std::nullopt, 0, std::nullopt, std::nullopt},
     failure{errc::invalid_argument,
             "rejected_retention_days must be between 1 and 3650"}},
    {"settings_retention_of_3651_days_is_invalid", founded(),
     change_tenant_settings{std::nullopt, 3651, std::nullopt, std::nullopt},
     failure{errc::invalid_argument, "rejected_retention_days"}},
    {"settings_export_accounts", founded(),
     change_tenant_settings{std::nullopt, std::nullopt, accounts, std::nullopt},
     events_list{tenant_settings_changed{with_accounts}}},
    {"settings_export_accounts_replace_the_map",
     founded({tenant_settings_changed{with_accounts}}),
     change_tenant_settings{
       std::nullopt, std::nullopt,
       std::map<std::string, export_account>{{"bank", {"Desjardins", ""}}},
       std::nullopt},
     events_list{tenant_settings_changed{[] {
       auto s = settings();
       s.export_accounts = {{account_purpose::bank, {"Desjardins", ""}}};
       return s;
     }()}}},
    {"settings_refuse_an_unknown_account_purpose", founded(),
     change_tenant_settings{
       std::nullopt, std::nullopt,
       std::map<std::string, export_account>{{"cash", {"Cash", "1000"}}},
       std::nullopt},
     failure{errc::invalid_argument,
             "export_accounts: unknown account purpose 'cash'"}},
    {"settings_refuse_an_account_without_a_name", founded(),
     change_tenant_settings{
       std::nullopt, std::nullopt,
       std::map<std::string, export_account>{{"bank", {"", "1000"}}},
       std::nullopt},
     failure{errc::invalid_argument,
             "export_accounts.bank.name must not be empty"}},
    {"settings_refuse_a_long_account_code", founded(),
     change_tenant_settings{std::nullopt, std::nullopt,
                            std::map<std::string, export_account>{
                              {"bank", {"Bank", std::string(21, '1')}}},
                            std::nullopt},
     failure{errc::invalid_argument,
             "export_accounts.bank.code must be at most 20"}},
    {"settings_equal_to_the_current_change_nothing",
     founded({tenant_settings_changed{settings(pct("7"))}}),
     change_tenant_settings{pct("7"), 90, std::nullopt, pct("0")},
     events_list{}},
    {"settings_keep_fields_that_are_not_set",
     founded({tenant_settings_changed{settings(pct("7"), 30)}}),
     change_tenant_settings{std::nullopt, 60, std::nullopt, std::nullopt},
     events_list{tenant_settings_changed{settings(pct("7"), 60)}}},
    {"settings_sales_tax_for_a_us_tenant", us_founded,
     change_tenant_settings{std::nullopt, std::nullopt, std::nullopt,
                            pct("8.875")},
     events_list{tenant_settings_changed{us_tax}}},
    {"settings_sales_tax_outside_the_us_is_rejected", founded(),
     change_tenant_settings{std::nullopt, std::nullopt, std::nullopt, pct("7")},
     failure{errc::rejected, "sales_tax_percent applies only to US tenants"}},
    {"settings_negative_sales_tax_is_invalid", us_founded,
     change_tenant_settings{std::nullopt, std::nullopt, std::nullopt,
                            pct("-1")},
     failure{errc::invalid_argument, "sales_tax_percent must be between"}},

    // --- onboarding, alerts ----------------------------------------------
    {"complete_an_onboarding_step", founded(),
     complete_onboarding_step{"whatsapp_added"},
     events_list{onboarding_step_completed{onboarding_step::whatsapp_added}}},
    {"complete_a_step_again_changes_nothing",
     founded({onboarding_step_completed{onboarding_step::whatsapp_added}}),
     complete_onboarding_step{"whatsapp_added"}, events_list{}},
    {"complete_an_unknown_step_is_invalid", founded(),
     complete_onboarding_step{"tour_taken"},
     failure{errc::invalid_argument, "step must be one of"}},
    {"acknowledge_a_price_alert", founded(),
     acknowledge_price_alert{alert, alice},
     events_list{price_alert_acknowledged{alert, alice}}},
    {"acknowledge_a_price_alert_again_changes_nothing",
     founded({price_alert_acknowledged{alert, alice}}),
     acknowledge_price_alert{alert, bob}, events_list{}},
    {"acknowledge_needs_an_alert", founded(),
     acknowledge_price_alert{events::uuid{}, alice},
     failure{errc::invalid_argument, "alert_id must be set"}},
    {"acknowledge_needs_a_user", founded(),
     acknowledge_price_alert{alert, events::uuid{}},
     failure{errc::invalid_argument, "by must be set"}},

    // --- deactivation ----------------------------------------------------
    {"deactivate_a_tenant", founded(), deactivate_tenant{" closed for good "},
     events_list{tenant_deactivated{"closed for good"}}},
    {"deactivate_needs_a_reason", founded(), deactivate_tenant{""},
     failure{errc::invalid_argument, "reason must not be empty"}},
    {"deactivate_again_changes_nothing",
     founded({tenant_deactivated{"closed"}}), deactivate_tenant{"closed again"},
     events_list{}},
    {"a_deactivated_tenant_refuses_invitations",
     founded({tenant_deactivated{"closed"}}),
     invite_member{"bob@example.com", "member", alice},
     failure{errc::rejected, "the tenant is deactivated"}},
    {"a_deactivated_tenant_refuses_a_pending_join",
     founded({member_invited{"bob@example.com", r::member, alice},
              tenant_deactivated{"closed"}}),
     join_tenant{bob, "bob@example.com"},
     failure{errc::rejected, "the tenant is deactivated"}},
    {"a_deactivated_tenant_cannot_be_created_again",
     founded({tenant_deactivated{"closed"}}), create(),
     failure{errc::conflict, "already exists"}},
  };
}

class tenant_decide : public ::testing::TestWithParam<tenant_case> {};

TEST_P(tenant_decide, decides_as_the_table_says) {
  larder::testing::check_decide(GetParam(), context());
}

INSTANTIATE_TEST_SUITE_P(table, tenant_decide, ::testing::ValuesIn(cases()),
                         [](const auto& info) {
                           return info.param.name;
                         });

/// One command of every kind but creation, each valid for a founded
/// tenant with bob invited.
std::vector<tenant_command> one_of_each_command() {
  return {
    invite_member{"carol@example.com", "member", alice},
    join_tenant{bob, "bob@example.com"},
    change_member_role{alice, "admin"},
    remove_member{alice},
    revoke_invitation{"bob@example.com"},
    add_whatsapp_sender{"+15145550123", "Kitchen"},
    update_whatsapp_sender{"+15145550123", "Bar", std::nullopt},
    remove_whatsapp_sender{"+15145550123"},
    change_tenant_settings{pct("7"), std::nullopt, std::nullopt, std::nullopt},
    complete_onboarding_step{"whatsapp_added"},
    acknowledge_price_alert{alert, alice},
  };
}

TEST(tenant_decide_all, a_missing_tenant_answers_not_found_to_every_command) {
  auto commands = one_of_each_command();
  commands.push_back(deactivate_tenant{"closed"});
  ASSERT_EQ(commands.size(), std::variant_size_v<tenant_command> - 1);
  for (const auto& c : commands) {
    auto got = tenant_entity::decide(tenant_state{}, c, context());
    ASSERT_FALSE(got) << "command index " << c.index();
    EXPECT_EQ(got.error().code, errc::not_found) << "command " << c.index();
  }
}

TEST(tenant_decide_all, a_deactivated_tenant_refuses_every_other_command) {
  tenant_state s;
  for (const auto& e :
       founded({member_invited{"bob@example.com", tenant_role::member, alice},
                whatsapp_sender_added{"+15145550123", "Kitchen"},
                tenant_deactivated{"closed"}}))
    s = tenant_entity::evolve(std::move(s), e);
  for (const auto& c : one_of_each_command()) {
    auto got = tenant_entity::decide(s, c, context());
    ASSERT_FALSE(got) << "command index " << c.index();
    EXPECT_EQ(got.error().code, errc::rejected) << "command " << c.index();
    EXPECT_EQ(got.error().message, "the tenant is deactivated");
  }
}

TEST(tenant_decide_all, creation_needs_the_new_tenant_id_in_the_context) {
  auto ctx = context();
  ctx.tenant_id = {};
  auto got = tenant_entity::decide(tenant_state{}, create(), ctx);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, errc::invalid_argument);
  EXPECT_EQ(got.error().message, "tenant_id must be set");
}

// --- evolve ----------------------------------------------------------------

tenant_state fold(const std::vector<tenant_event>& evs) {
  tenant_state s;
  for (const auto& e : evs)
    s = tenant_entity::evolve(std::move(s), e);
  return s;
}

TEST(tenant_evolve, creation_makes_the_creator_the_one_admin) {
  auto decided = tenant_entity::decide(tenant_state{}, create(), context());
  ASSERT_TRUE(decided);
  auto s = fold(*decided);
  EXPECT_TRUE(s.exists);
  EXPECT_EQ(s.tenant_id, tenant);
  EXPECT_EQ(s.name, "Chez Marie");
  EXPECT_EQ(s.currency.code, "CAD");
  EXPECT_EQ(s.admin_count(), 1u);
  ASSERT_NE(s.member_by_email("alice@example.com"), nullptr);
  EXPECT_EQ(s.member_by_email("alice@example.com")->user_id, alice);
  EXPECT_EQ(s.settings, tenant_settings{});
  EXPECT_EQ(s.settings.price_alert_threshold_percent, pct("5"));
  EXPECT_EQ(s.settings.rejected_retention_days, 90);
}

TEST(tenant_evolve, joining_consumes_the_invitation) {
  auto s = fold(
    founded({member_invited{"bob@example.com", tenant_role::auditor, alice}}));
  EXPECT_TRUE(s.invitations.contains("bob@example.com"));
  s = tenant_entity::evolve(
    s, member_joined{bob, "bob@example.com", tenant_role::auditor});
  EXPECT_FALSE(s.invitations.contains("bob@example.com"));
  EXPECT_EQ(s.members.at(bob).role, tenant_role::auditor);
}

TEST(tenant_evolve, sales_tax_setting_sets_the_us_tax_rate) {
  auto us = created();
  us.region = "US-NY";
  us.taxes = *tax_profile_for("US-NY");
  auto with_rate = settings();
  with_rate.sales_tax_percent = pct("8.875");
  auto s = fold({us, tenant_settings_changed{with_rate}});
  ASSERT_EQ(s.taxes.taxes.size(), 1u);
  EXPECT_EQ(s.taxes.taxes[0].kind, tax_kind::sales_tax);
  EXPECT_EQ(s.taxes.taxes[0].rate_percent, pct("8.875"));
}

TEST(tenant_evolve, senders_follow_their_events) {
  auto s = fold(founded({whatsapp_sender_added{"+15145550123", "Kitchen"},
                         whatsapp_sender_updated{"+15145550123", "Bar", false},
                         whatsapp_sender_added{"+447700900123", "London"},
                         whatsapp_sender_removed{"+15145550123"}}));
  ASSERT_EQ(s.whatsapp_senders.size(), 1u);
  EXPECT_EQ(s.whatsapp_senders.at("+447700900123"),
            (whatsapp_sender{"+447700900123", "London", true}));
}

// --- regions ---------------------------------------------------------------

struct region_case {
  std::string region;
  std::vector<tax_rate> taxes;
  std::string currency;
};

/// Names the case in gtest's messages instead of dumping its bytes.
void PrintTo(const region_case& c, std::ostream* os) {
  *os << c.region;
}

std::vector<region_case> region_cases() {
  auto gst = tax_rate{tax_kind::gst, pct("5"), {}};
  auto hst = [](const char* p) {
    return tax_rate{tax_kind::hst, pct(p), {}};
  };
  auto pst = [](const char* p) {
    return tax_rate{tax_kind::pst, pct(p), {}};
  };
  auto sales = tax_rate{tax_kind::sales_tax, pct("0"), {}};
  return {
    {"CA-QC", {gst, {tax_kind::qst, pct("9.975"), {}}}, "CAD"},
    {"CA-ON", {hst("13")}, "CAD"},
    {"CA-NS", {hst("14")}, "CAD"},
    {"CA-NB", {hst("15")}, "CAD"},
    {"CA-NL", {hst("15")}, "CAD"},
    {"CA-PE", {hst("15")}, "CAD"},
    {"CA-BC", {gst, pst("7")}, "CAD"},
    {"CA-MB", {gst, pst("7")}, "CAD"},
    {"CA-SK", {gst, pst("6")}, "CAD"},
    {"CA-AB", {gst}, "CAD"},
    {"CA-YT", {gst}, "CAD"},
    {"CA-NT", {gst}, "CAD"},
    {"CA-NU", {gst}, "CAD"},
    {"GB", {{tax_kind::vat, pct("20"), {pct("5"), pct("0")}}}, "GBP"},
    {"US-NY", {sales}, "USD"},
    {"US-CA", {sales}, "USD"},
    {"US-DC", {sales}, "USD"},
    {"US-WY", {sales}, "USD"},
  };
}

class tenant_region : public ::testing::TestWithParam<region_case> {};

TEST_P(tenant_region, has_its_tax_profile_and_currency) {
  const auto& c = GetParam();
  auto profile = tax_profile_for(c.region);
  ASSERT_TRUE(profile) << profile.error().message;
  EXPECT_EQ(profile->taxes, c.taxes);
  EXPECT_EQ(default_currency_code(c.region), c.currency);
}

INSTANTIATE_TEST_SUITE_P(table, tenant_region,
                         ::testing::ValuesIn(region_cases()),
                         [](const auto& info) {
                           auto name = info.param.region;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(tenant_regions, unknown_codes_are_invalid) {
  for (const char* region :
       {"", "CA", "CA-", "CA-XX", "CA-qc", "ca-qc", "UK", "GB-ENG", "US",
        "US-XX", "US-ny", "US-NYC", "FR", "CA-QC "}) {
    auto profile = tax_profile_for(region);
    ASSERT_FALSE(profile) << region;
    EXPECT_EQ(profile.error().code, errc::invalid_argument) << region;
    EXPECT_NE(profile.error().message.find("region"), std::string::npos);
  }
  EXPECT_EQ(default_currency_code("FR"), "");
}

// --- codec -----------------------------------------------------------------

std::vector<tenant_event> one_of_each_event() {
  auto gb = created();
  gb.region = "GB";
  gb.taxes = *tax_profile_for("GB");
  gb.currency = *values::currency::parse("GBP");
  gb.brand = "";
  gb.name = "Café \"Zoë\" \\ 東京";
  auto full = settings(pct("12.5"), 365);
  full.export_accounts = {{account_purpose::expenses, {"Purchases", "5000"}},
                          {account_purpose::vat_input, {"VAT in", ""}},
                          {account_purpose::bank, {"Barclays", "1200"}}};
  full.sales_tax_percent = pct("8.875");
  return {
    gb,
    member_invited{"bob@example.com", tenant_role::auditor, alice},
    member_joined{bob, "bob@example.com", tenant_role::member},
    member_role_changed{bob, tenant_role::member, tenant_role::admin},
    member_removed{bob},
    invitation_revoked{"bob@example.com"},
    whatsapp_sender_added{"+15145550123", "Kitchen"},
    whatsapp_sender_updated{"+15145550123", "", false},
    whatsapp_sender_removed{"+15145550123"},
    tenant_settings_changed{full},
    onboarding_step_completed{onboarding_step::first_invoice_uploaded},
    price_alert_acknowledged{alert, alice},
    tenant_deactivated{"closed"},
  };
}

events::envelope envelope_of(const events::new_event& n) {
  events::envelope env;
  env.event_id = n.event_id;
  env.tenant_id = tenant;
  env.stream_id = stream_id(tenant_entity::stream_type, tenant);
  env.stream_version = 1;
  env.event_type = n.event_type;
  env.schema_version = n.schema_version;
  env.payload = n.payload;
  env.recorded_at = now;
  return env;
}

TEST(tenant_codec, every_event_survives_a_round_trip) {
  auto samples = one_of_each_event();
  std::set<std::size_t> kinds;
  for (const auto& e : samples) {
    kinds.insert(e.index());
    auto encoded = tenant_entity::encode(e);
    EXPECT_FALSE(encoded.event_id.is_nil());
    EXPECT_EQ(encoded.schema_version, 1);
    auto decoded = tenant_entity::decode(envelope_of(encoded));
    ASSERT_TRUE(decoded) << encoded.event_type << ": "
                         << decoded.error().message;
    EXPECT_TRUE(*decoded == e) << encoded.event_type << " " << encoded.payload;
  }
  EXPECT_EQ(kinds.size(), std::variant_size_v<tenant_event>);
}

TEST(tenant_codec, decimals_are_strings_in_payloads) {
  auto full = settings(pct("12.5"), 365);
  full.sales_tax_percent = pct("8.875");
  full.export_accounts = {{account_purpose::gst_itc, {"GST paid", "2150"}}};
  auto encoded = tenant_entity::encode(tenant_settings_changed{full});
  EXPECT_EQ(encoded.event_type, "TenantSettingsChanged");
  EXPECT_EQ(
    encoded.payload,
    R"({"price_alert_threshold_percent":"12.5",)"
    R"("rejected_retention_days":365,)"
    R"("export_accounts":{"gst_itc":{"name":"GST paid","code":"2150"}},)"
    R"("sales_tax_percent":"8.875"})");
  auto qc = tenant_entity::encode(created());
  EXPECT_NE(qc.payload.find(R"("taxes":[{"kind":"gst","rate_percent":"5"},)"
                            R"({"kind":"qst","rate_percent":"9.975"}])"),
            std::string::npos)
    << qc.payload;
}

TEST(tenant_codec, malformed_payloads_are_invalid_and_name_the_field) {
  struct bad {
    const char* type;
    int version;
    const char* payload;
    const char* message_part;
  };
  for (const auto& b : {
         bad{"MemberRemoved", 1, "not json", "is not a JSON object"},
         bad{"MemberRemoved", 1, "[]", "is not a JSON object"},
         bad{"MemberRemoved", 1, "{}", "missing or malformed user_id"},
         bad{"MemberRemoved", 1, R"({"user_id":"nope"})",
             "missing or malformed user_id"},
         bad{"MemberInvited", 1,
             R"({"email":"b@example.com","role":"owner","invited_by":)"
             R"("0190f5a4-0000-7000-8000-00000000a11c"})",
             "missing or malformed role"},
         bad{"TenantSettingsChanged", 1,
             R"({"price_alert_threshold_percent":5,)"
             R"("rejected_retention_days":90,"export_accounts":{},)"
             R"("sales_tax_percent":"0"})",
             "price_alert_threshold_percent"},
         bad{"TenantSettingsChanged", 1,
             R"({"price_alert_threshold_percent":"5",)"
             R"("rejected_retention_days":90,)"
             R"("export_accounts":{"cash":{"name":"x","code":""}},)"
             R"("sales_tax_percent":"0"})",
             "export_accounts"},
         bad{"OnboardingStepCompleted", 1, R"({"step":"tour"})", "step"},
         bad{"MemberRemoved", 2, "{}", "schema version 2"},
         bad{"TenantRenamed", 1, "{}", "unknown tenant event type"},
       }) {
    events::envelope env;
    env.event_type = b.type;
    env.schema_version = b.version;
    env.payload = b.payload;
    auto decoded = tenant_entity::decode(env);
    ASSERT_FALSE(decoded) << b.payload;
    EXPECT_EQ(decoded.error().code, errc::invalid_argument);
    EXPECT_NE(decoded.error().message.find(b.message_part), std::string::npos)
      << decoded.error().message;
  }
}

TEST(tenant_codec, registers_every_event_type_at_version_1) {
  events::catalog catalog;
  tenant_entity::register_events(catalog);
  for (const char* type :
       {"TenantCreated", "MemberInvited", "MemberJoined", "MemberRoleChanged",
        "MemberRemoved", "InvitationRevoked", "WhatsAppSenderAdded",
        "WhatsAppSenderUpdated", "WhatsAppSenderRemoved",
        "TenantSettingsChanged", "OnboardingStepCompleted",
        "PriceAlertAcknowledged", "TenantDeactivated"})
    EXPECT_EQ(catalog.current_version(type), 1) << type;
}

TEST(tenant_codec, stream_ids_name_the_tenant) {
  EXPECT_EQ(stream_id(tenant_entity::stream_type, tenant),
            "tenant-0190f5a4-0000-7000-8000-000000000001");
}

} // namespace
