#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/domain.hpp"
#include "actors/values/values.hpp"
#include "events/catalog.hpp"

/// The tenant: one restaurant or business, its members, invitations,
/// WhatsApp senders, settings and onboarding progress. Stream
/// "tenant-<tenant_id>"; the envelope's tenant id is the tenant's own id.
/// Pure (actors/domain.hpp): no CAF, no I/O.
///
/// Authorization (who may invite, remove or change settings) is the http
/// edge's job; `decide` enforces what holds whoever asks, such as a tenant
/// always keeping one admin.
namespace larder::domain {

/// What a member may do in a tenant.
enum class tenant_role : std::uint8_t { admin, member, auditor };

std::string_view to_string(tenant_role role) noexcept;
std::optional<tenant_role> parse_tenant_role(std::string_view text) noexcept;

/// The steps of the first-run checklist, in the order the app shows them.
enum class onboarding_step : std::uint8_t {
  business_created,
  inbound_address_copied,
  whatsapp_added,
  member_invited,
  first_invoice_uploaded,
};

std::string_view to_string(onboarding_step step) noexcept;
std::optional<onboarding_step>
parse_onboarding_step(std::string_view text) noexcept;

/// What an account in the tenant's books is used for by the exports.
enum class account_purpose : std::uint8_t {
  expenses,
  accounts_payable,
  gst_itc,
  qst_itc,
  hst_itc,
  vat_input,
  sales_tax,
  bank,
};

std::string_view to_string(account_purpose purpose) noexcept;
std::optional<account_purpose>
parse_account_purpose(std::string_view text) noexcept;

/// One tax that suppliers in a region charge: its standard rate and the
/// other rates that legitimately appear on invoices (UK VAT: 5 and 0).
struct tax_rate {
  values::tax_kind kind = values::tax_kind::other;
  values::decimal rate_percent;
  std::vector<values::decimal> reduced_rates_percent;

  friend bool operator==(const tax_rate&, const tax_rate&) = default;
};

/// The taxes of a region, in the order invoices list them. Canadian taxes
/// that stack (GST + QST, GST + PST) are separate entries.
struct tax_profile {
  std::vector<tax_rate> taxes;

  friend bool operator==(const tax_profile&, const tax_profile&) = default;
};

/// The tax profile of a region code: "CA-<province or territory>" (CA-QC,
/// CA-ON…), "GB", or "US-<state>" (US-NY, US-DC…), upper case. Rates are
/// those in force when the tenant is created; TenantCreated keeps a copy, so
/// a later change of law does not rewrite old tenants. US sales tax starts
/// at 0: its rate is the tenant setting `sales_tax_percent`.
/// `invalid_argument` names the field `region` for anything else.
expected<tax_profile> tax_profile_for(std::string_view region);

/// The currency a region's invoices are usually in ("CAD", "GBP", "USD"),
/// or "" for an unknown region.
std::string_view default_currency_code(std::string_view region) noexcept;

/// An account in the tenant's books as the exports name it. `code` may be
/// empty (QuickBooks IIF uses names; Xero uses codes).
struct export_account {
  std::string name;
  std::string code;

  friend bool operator==(const export_account&,
                         const export_account&) = default;
};

/// The tenant's settings with their defaults.
struct tenant_settings {
  /// A unit price rising by more than this percentage raises an alert.
  values::decimal price_alert_threshold_percent = values::decimal::from_int(5);
  /// Rejected invoices are deleted this many days after rejection.
  int rejected_retention_days = 90;
  std::map<account_purpose, export_account> export_accounts;
  /// The sales tax rate of a US tenant's state and city (e.g. 8.875 in New
  /// York City); always 0 outside the US.
  values::decimal sales_tax_percent;

  friend bool operator==(const tenant_settings&,
                         const tenant_settings&) = default;
};

struct tenant_member {
  events::uuid user_id;
  std::string email;
  tenant_role role = tenant_role::member;

  friend bool operator==(const tenant_member&, const tenant_member&) = default;
};

struct tenant_invitation {
  std::string email;
  tenant_role role = tenant_role::member;
  events::uuid invited_by;

  friend bool operator==(const tenant_invitation&,
                         const tenant_invitation&) = default;
};

/// A phone number whose WhatsApp messages are filed into this tenant.
struct whatsapp_sender {
  /// E.164, e.g. "+15145550123".
  std::string number;
  std::string label;
  bool enabled = true;

  friend bool operator==(const whatsapp_sender&,
                         const whatsapp_sender&) = default;
};

/// What a tenant knows, built only by `tenant_entity::evolve`.
struct tenant_state {
  bool exists = false;
  events::uuid tenant_id;
  std::string name;
  std::string brand;
  std::string region;
  /// The profile from TenantCreated, with the US sales tax rate from the
  /// settings applied.
  tax_profile taxes;
  values::currency currency;
  std::string inbound_alias;
  std::map<events::uuid, tenant_member> members;
  /// Pending invitations by normalized email.
  std::map<std::string, tenant_invitation, std::less<>> invitations;
  /// By E.164 number.
  std::map<std::string, whatsapp_sender, std::less<>> whatsapp_senders;
  tenant_settings settings;
  std::set<onboarding_step> onboarding_done;
  std::set<events::uuid> acknowledged_alerts;
  bool deactivated = false;
  std::string deactivation_reason;

  std::size_t admin_count() const;
  /// The member with this normalized email, or nullptr.
  const tenant_member* member_by_email(std::string_view email) const;

  friend bool operator==(const tenant_state&, const tenant_state&) = default;
};

// Events. Each is a fact in the past tense (DESIGN.md §5).

struct tenant_created {
  static constexpr const char* type = "TenantCreated";
  static constexpr int schema_version = 1;
  events::uuid tenant_id;
  std::string name;
  /// The name guests know, when it differs from `name`; may be empty.
  std::string brand;
  std::string region;
  tax_profile taxes;
  values::currency currency;
  /// The local part of the tenant's inbound address, <alias>@<mail domain>.
  std::string inbound_alias;

  friend bool operator==(const tenant_created&,
                         const tenant_created&) = default;
};

struct member_invited {
  static constexpr const char* type = "MemberInvited";
  static constexpr int schema_version = 1;
  std::string email;
  tenant_role role = tenant_role::member;
  events::uuid invited_by;

  friend bool operator==(const member_invited&,
                         const member_invited&) = default;
};

struct member_joined {
  static constexpr const char* type = "MemberJoined";
  static constexpr int schema_version = 1;
  events::uuid user_id;
  std::string email;
  tenant_role role = tenant_role::member;

  friend bool operator==(const member_joined&, const member_joined&) = default;
};

struct member_role_changed {
  static constexpr const char* type = "MemberRoleChanged";
  static constexpr int schema_version = 1;
  events::uuid user_id;
  tenant_role from = tenant_role::member;
  tenant_role to = tenant_role::member;

  friend bool operator==(const member_role_changed&,
                         const member_role_changed&) = default;
};

struct member_removed {
  static constexpr const char* type = "MemberRemoved";
  static constexpr int schema_version = 1;
  events::uuid user_id;

  friend bool operator==(const member_removed&,
                         const member_removed&) = default;
};

struct invitation_revoked {
  static constexpr const char* type = "InvitationRevoked";
  static constexpr int schema_version = 1;
  std::string email;

  friend bool operator==(const invitation_revoked&,
                         const invitation_revoked&) = default;
};

struct whatsapp_sender_added {
  static constexpr const char* type = "WhatsAppSenderAdded";
  static constexpr int schema_version = 1;
  std::string number;
  std::string label;

  friend bool operator==(const whatsapp_sender_added&,
                         const whatsapp_sender_added&) = default;
};

/// The sender as it is after the change.
struct whatsapp_sender_updated {
  static constexpr const char* type = "WhatsAppSenderUpdated";
  static constexpr int schema_version = 1;
  std::string number;
  std::string label;
  bool enabled = true;

  friend bool operator==(const whatsapp_sender_updated&,
                         const whatsapp_sender_updated&) = default;
};

struct whatsapp_sender_removed {
  static constexpr const char* type = "WhatsAppSenderRemoved";
  static constexpr int schema_version = 1;
  std::string number;

  friend bool operator==(const whatsapp_sender_removed&,
                         const whatsapp_sender_removed&) = default;
};

/// All settings as they are after the change, so that a reader needs no
/// earlier event to know them.
struct tenant_settings_changed {
  static constexpr const char* type = "TenantSettingsChanged";
  static constexpr int schema_version = 1;
  tenant_settings settings;

  friend bool operator==(const tenant_settings_changed&,
                         const tenant_settings_changed&) = default;
};

struct onboarding_step_completed {
  static constexpr const char* type = "OnboardingStepCompleted";
  static constexpr int schema_version = 1;
  onboarding_step step = onboarding_step::business_created;

  friend bool operator==(const onboarding_step_completed&,
                         const onboarding_step_completed&) = default;
};

struct price_alert_acknowledged {
  static constexpr const char* type = "PriceAlertAcknowledged";
  static constexpr int schema_version = 1;
  events::uuid alert_id;
  /// The user who acknowledged it.
  events::uuid by;

  friend bool operator==(const price_alert_acknowledged&,
                         const price_alert_acknowledged&) = default;
};

struct tenant_deactivated {
  static constexpr const char* type = "TenantDeactivated";
  static constexpr int schema_version = 1;
  std::string reason;

  friend bool operator==(const tenant_deactivated&,
                         const tenant_deactivated&) = default;
};

using tenant_event = std::variant<
  tenant_created, member_invited, member_joined, member_role_changed,
  member_removed, invitation_revoked, whatsapp_sender_added,
  whatsapp_sender_updated, whatsapp_sender_removed, tenant_settings_changed,
  onboarding_step_completed, price_alert_acknowledged, tenant_deactivated>;

// Commands. Fields arrive as the caller sent them; `decide` validates and
// normalizes them, and its errors name the field.

/// Creates the tenant `ctx.tenant_id` (the caller names the new tenant's id
/// there) and makes `created_by` its first admin.
struct create_tenant {
  std::string name;
  std::string brand;
  std::string region;
  /// Defaults to the region's currency.
  std::optional<std::string> currency;
  std::string inbound_alias;
  events::uuid created_by;
  std::string creator_email;
};

struct invite_member {
  std::string email;
  std::string role;
  events::uuid invited_by;
};

/// Accepts the pending invitation for `email`.
struct join_tenant {
  events::uuid user_id;
  std::string email;
};

struct change_member_role {
  events::uuid user_id;
  std::string role;
};

struct remove_member {
  events::uuid user_id;
};

struct revoke_invitation {
  std::string email;
};

struct add_whatsapp_sender {
  std::string number;
  std::string label;
};

/// Changes only the fields that are set.
struct update_whatsapp_sender {
  std::string number;
  std::optional<std::string> label;
  std::optional<bool> enabled;
};

struct remove_whatsapp_sender {
  std::string number;
};

/// Changes only the fields that are set; `export_accounts` replaces the
/// whole map and is keyed by account purpose ("expenses", "gst_itc"…).
struct change_tenant_settings {
  std::optional<values::decimal> price_alert_threshold_percent;
  std::optional<int> rejected_retention_days;
  std::optional<std::map<std::string, export_account>> export_accounts;
  std::optional<values::decimal> sales_tax_percent;
};

struct complete_onboarding_step {
  std::string step;
};

struct acknowledge_price_alert {
  events::uuid alert_id;
  events::uuid by;
};

struct deactivate_tenant {
  std::string reason;
};

using tenant_command =
  std::variant<create_tenant, invite_member, join_tenant, change_member_role,
               remove_member, revoke_invitation, add_whatsapp_sender,
               update_whatsapp_sender, remove_whatsapp_sender,
               change_tenant_settings, complete_onboarding_step,
               acknowledge_price_alert, deactivate_tenant>;

/// The tenant entity's traits (actors/domain.hpp).
struct tenant_entity {
  using state = tenant_state;
  using event = tenant_event;
  using command = tenant_command;
  static constexpr const char* stream_type = "tenant";

  static state evolve(state s, const event& e);
  static expected<std::vector<event>> decide(const state& s, const command& c,
                                             const command_context& ctx);
  static events::new_event encode(const event& e);
  static expected<event> decode(const events::envelope& env);
  static void register_events(events::catalog& catalog);
};

} // namespace larder::domain
