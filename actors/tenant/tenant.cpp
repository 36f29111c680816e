#include "actors/tenant/tenant.hpp"

#include <algorithm>
#include <array>
#include <type_traits>
#include <utility>

#include "actors/domain_codec.hpp"
#include "actors/values/text.hpp"

namespace larder::domain {

namespace {

using values::decimal;
using values::tax_kind;

constexpr std::size_t max_name_chars = 200;
constexpr std::size_t max_label_chars = 100;
constexpr std::size_t max_reason_chars = 500;
constexpr std::size_t max_account_name_chars = 100;
constexpr std::size_t max_account_code_chars = 20;
constexpr std::size_t min_alias_chars = 3;
constexpr std::size_t max_alias_chars = 40;
constexpr int max_retention_days = 3650;

// Mailboxes that mail systems and people expect to reach the operator
// (RFC 2142), never a tenant.
constexpr std::array<std::string_view, 7> reserved_aliases{
  "abuse",   "hostmaster", "mailer-daemon", "no-reply",
  "noreply", "postmaster", "webmaster"};

constexpr std::array<std::string_view, 51> us_states{
  "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DC", "DE", "FL", "GA", "HI", "ID",
  "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO",
  "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
  "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY"};

using detail::invalid;
using values::clean_text;

expected<std::string> check_email(std::string_view field,
                                  std::string_view text) {
  auto email = values::normalize_email(text);
  if (!email)
    return invalid(std::string{field} + ": " + email.error().message);
  return email;
}

expected<std::string> check_number(std::string_view text) {
  auto number = values::normalize_e164(text);
  if (!number)
    return invalid("number: " + number.error().message);
  return number;
}

expected<tenant_role> check_role(std::string_view text) {
  if (auto role = parse_tenant_role(text))
    return *role;
  return invalid("role must be admin, member or auditor");
}

/// Checks the format only: that no other tenant holds the alias is the
/// HTTP edge's reservation in `auth.unique_keys`, made before the tenant is
/// created, since one stream cannot see the others.
expected<std::string> check_alias(std::string_view alias) {
  if (alias.size() < min_alias_chars || alias.size() > max_alias_chars)
    return invalid("inbound_alias must be 3 to 40 characters");
  for (char c : alias)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return invalid(
        "inbound_alias may contain only a-z, 0-9 and '-' (lower case)");
  if (alias.front() == '-' || alias.back() == '-')
    return invalid("inbound_alias must not start or end with '-'");
  if (std::find(reserved_aliases.begin(), reserved_aliases.end(), alias)
      != reserved_aliases.end())
    return invalid("inbound_alias '" + std::string{alias} + "' is reserved");
  return std::string{alias};
}

error need_id(std::string_view field) {
  return invalid(std::string{field} + " must be set");
}

bool is_us_region(std::string_view region) {
  return region.starts_with("US-");
}

tax_rate rate(tax_kind kind, std::int64_t percent_units) {
  return tax_rate{kind, decimal::from_units(percent_units), {}};
}

// --- payload codec ----------------------------------------------------------

using simdjson::dom::element;

/// The shared member types, the tenant's own, and each event's members.
struct codec : detail::value_codec {
  using value_codec::read;
  using value_codec::write;

  static void write(events::json_writer& w, tenant_role x) {
    w.value(to_string(x));
  }
  static void write(events::json_writer& w, onboarding_step x) {
    w.value(to_string(x));
  }
  static void write(events::json_writer& w, const tax_profile& x);
  static void write(events::json_writer& w,
                    const std::map<account_purpose, export_account>& x);

  static bool read(const element& v, tenant_role& x) {
    return detail::read_parsed(v, x, &parse_tenant_role);
  }
  static bool read(const element& v, onboarding_step& x) {
    return detail::read_parsed(v, x, &parse_onboarding_step);
  }
  static bool read(const element& v, tax_profile& x);
  static bool read(const element& v,
                   std::map<account_purpose, export_account>& x);

  /// The one list of each event's payload members, used both to write and
  /// to read so the two cannot drift apart. `E` is const when writing.
  template <class F, class E>
  static void fields(F& f, E& e);
};

void codec::write(events::json_writer& w, const tax_profile& x) {
  w.begin_array();
  for (const auto& t : x.taxes) {
    w.begin_object()
      .field("kind", values::to_string(t.kind))
      .field("rate_percent", t.rate_percent.to_string());
    if (!t.reduced_rates_percent.empty()) {
      w.key("reduced_rates_percent").begin_array();
      for (const auto& r : t.reduced_rates_percent)
        w.value(r.to_string());
      w.end_array();
    }
    w.end_object();
  }
  w.end_array();
}

void codec::write(events::json_writer& w,
                  const std::map<account_purpose, export_account>& x) {
  w.begin_object();
  for (const auto& [purpose, account] : x)
    w.key(to_string(purpose))
      .begin_object()
      .field("name", account.name)
      .field("code", account.code)
      .end_object();
  w.end_object();
}

bool codec::read(const element& v, tax_profile& x) {
  simdjson::dom::array taxes;
  if (v.get(taxes))
    return false;
  x.taxes.clear();
  for (element item : taxes) {
    tax_rate t;
    std::string_view kind;
    element rate_percent;
    if (item["kind"].get(kind) || item["rate_percent"].get(rate_percent)
        || !read(rate_percent, t.rate_percent))
      return false;
    auto parsed = values::parse_tax_kind(kind);
    if (!parsed)
      return false;
    t.kind = *parsed;
    simdjson::dom::array reduced;
    if (!item["reduced_rates_percent"].get(reduced)) {
      for (element r : reduced) {
        decimal d;
        if (!read(r, d))
          return false;
        t.reduced_rates_percent.push_back(d);
      }
    }
    x.taxes.push_back(std::move(t));
  }
  return true;
}

bool codec::read(const element& v,
                 std::map<account_purpose, export_account>& x) {
  simdjson::dom::object accounts;
  if (v.get(accounts))
    return false;
  x.clear();
  for (auto [key, value] : accounts) {
    auto purpose = parse_account_purpose(key);
    element name;
    element code;
    if (!purpose || value["name"].get(name) || value["code"].get(code))
      return false;
    export_account account;
    if (!read(name, account.name) || !read(code, account.code))
      return false;
    x[*purpose] = std::move(account);
  }
  return true;
}

template <class F, class E>
void codec::fields(F& f, E& e) {
  using T = std::remove_const_t<E>;
  if constexpr (std::is_same_v<T, tenant_created>)
    f("tenant_id", e.tenant_id)("name", e.name)("brand", e.brand)(
      "region", e.region)("taxes", e.taxes)("currency", e.currency)(
      "inbound_alias", e.inbound_alias);
  else if constexpr (std::is_same_v<T, member_invited>)
    f("email", e.email)("role", e.role)("invited_by", e.invited_by);
  else if constexpr (std::is_same_v<T, member_joined>)
    f("user_id", e.user_id)("email", e.email)("role", e.role);
  else if constexpr (std::is_same_v<T, member_role_changed>)
    f("user_id", e.user_id)("from", e.from)("to", e.to);
  else if constexpr (std::is_same_v<T, member_removed>)
    f("user_id", e.user_id);
  else if constexpr (std::is_same_v<T, invitation_revoked>)
    f("email", e.email);
  else if constexpr (std::is_same_v<T, whatsapp_sender_added>)
    f("number", e.number)("label", e.label);
  else if constexpr (std::is_same_v<T, whatsapp_sender_updated>)
    f("number", e.number)("label", e.label)("enabled", e.enabled);
  else if constexpr (std::is_same_v<T, whatsapp_sender_removed>)
    f("number", e.number);
  else if constexpr (std::is_same_v<T, tenant_settings_changed>)
    f("price_alert_threshold_percent",
      e.settings.price_alert_threshold_percent)(
      "rejected_retention_days", e.settings.rejected_retention_days)(
      "export_accounts", e.settings.export_accounts)(
      "sales_tax_percent", e.settings.sales_tax_percent);
  else if constexpr (std::is_same_v<T, onboarding_step_completed>)
    f("step", e.step);
  else if constexpr (std::is_same_v<T, price_alert_acknowledged>)
    f("alert_id", e.alert_id)("by", e.by);
  else if constexpr (std::is_same_v<T, tenant_deactivated>)
    f("reason", e.reason);
  else
    static_assert(!sizeof(T), "every tenant event needs its fields");
}

// --- decide, one overload per command ---------------------------------------

using decision = expected<std::vector<tenant_event>>;

decision none() {
  return std::vector<tenant_event>{};
}

decision one(tenant_event e) {
  return std::vector<tenant_event>{std::move(e)};
}

decision decide_one(const tenant_state& s, const create_tenant& c,
                    const command_context& ctx) {
  if (s.exists)
    return make_error(errc::conflict, "the tenant already exists");
  if (ctx.tenant_id.is_nil())
    return need_id("tenant_id");
  auto name = clean_text("name", c.name, 1, max_name_chars);
  if (!name)
    return name.error();
  auto brand = clean_text("brand", c.brand, 0, max_name_chars);
  if (!brand)
    return brand.error();
  auto taxes = tax_profile_for(c.region);
  if (!taxes)
    return taxes.error();
  auto code = c.currency ? std::string_view{*c.currency}
                         : default_currency_code(c.region);
  auto currency = values::currency::parse(code);
  if (!currency)
    return invalid("currency must be an ISO 4217 code such as CAD, GBP or USD");
  auto alias = check_alias(c.inbound_alias);
  if (!alias)
    return alias.error();
  if (c.created_by.is_nil())
    return need_id("created_by");
  auto email = check_email("creator_email", c.creator_email);
  if (!email)
    return email.error();
  // The creator joins as admin in the same decision, so a tenant never
  // exists without one.
  return std::vector<tenant_event>{
    tenant_created{ctx.tenant_id, std::move(*name), std::move(*brand), c.region,
                   std::move(*taxes), std::move(*currency), std::move(*alias)},
    member_joined{c.created_by, std::move(*email), tenant_role::admin}};
}

decision decide_one(const tenant_state& s, const invite_member& c,
                    const command_context&) {
  auto email = check_email("email", c.email);
  if (!email)
    return email.error();
  auto role = check_role(c.role);
  if (!role)
    return role.error();
  if (c.invited_by.is_nil())
    return need_id("invited_by");
  if (s.member_by_email(*email))
    return make_error(errc::conflict, *email + " is already a member");
  // Inviting again with the same role changes nothing; with another role
  // the new invitation replaces the pending one.
  if (auto i = s.invitations.find(*email);
      i != s.invitations.end() && i->second.role == *role)
    return none();
  return one(member_invited{std::move(*email), *role, c.invited_by});
}

decision decide_one(const tenant_state& s, const join_tenant& c,
                    const command_context&) {
  if (c.user_id.is_nil())
    return need_id("user_id");
  auto email = check_email("email", c.email);
  if (!email)
    return email.error();
  if (auto m = s.members.find(c.user_id); m != s.members.end()) {
    if (m->second.email == *email)
      return none();
    return make_error(errc::conflict,
                      "the user is already a member as " + m->second.email);
  }
  if (s.member_by_email(*email))
    return make_error(errc::conflict, *email + " is already a member");
  auto i = s.invitations.find(*email);
  if (i == s.invitations.end())
    return make_error(errc::forbidden, "there is no pending invitation for "
                                         + *email
                                         + "; ask an admin to invite you");
  return one(member_joined{c.user_id, std::move(*email), i->second.role});
}

decision decide_one(const tenant_state& s, const change_member_role& c,
                    const command_context&) {
  auto role = check_role(c.role);
  if (!role)
    return role.error();
  auto m = s.members.find(c.user_id);
  if (m == s.members.end())
    return make_error(errc::not_found,
                      "no member with user_id " + c.user_id.to_string());
  auto from = m->second.role;
  if (from == *role)
    return none();
  if (from == tenant_role::admin && s.admin_count() == 1)
    return make_error(errc::forbidden,
                      "the last admin cannot be demoted; make another member "
                      "an admin first");
  return one(member_role_changed{c.user_id, from, *role});
}

decision decide_one(const tenant_state& s, const remove_member& c,
                    const command_context&) {
  auto m = s.members.find(c.user_id);
  if (m == s.members.end())
    return make_error(errc::not_found,
                      "no member with user_id " + c.user_id.to_string());
  if (m->second.role == tenant_role::admin && s.admin_count() == 1)
    return make_error(errc::forbidden,
                      "the last admin cannot be removed; make another member "
                      "an admin first");
  return one(member_removed{c.user_id});
}

decision decide_one(const tenant_state& s, const revoke_invitation& c,
                    const command_context&) {
  auto email = check_email("email", c.email);
  if (!email)
    return email.error();
  if (!s.invitations.contains(*email))
    return make_error(errc::not_found,
                      "there is no pending invitation for " + *email);
  return one(invitation_revoked{std::move(*email)});
}

decision decide_one(const tenant_state& s, const add_whatsapp_sender& c,
                    const command_context&) {
  auto number = check_number(c.number);
  if (!number)
    return number.error();
  auto label = clean_text("label", c.label, 0, max_label_chars);
  if (!label)
    return label.error();
  // Unique within the tenant here; one phone may send for several tenants
  // (the directory's tenants_by_whatsapp_number lists them all).
  if (s.whatsapp_senders.contains(*number))
    return make_error(errc::conflict,
                      *number + " is already a WhatsApp sender of this tenant");
  return one(whatsapp_sender_added{std::move(*number), std::move(*label)});
}

decision decide_one(const tenant_state& s, const update_whatsapp_sender& c,
                    const command_context&) {
  auto number = check_number(c.number);
  if (!number)
    return number.error();
  auto i = s.whatsapp_senders.find(*number);
  if (i == s.whatsapp_senders.end())
    return make_error(errc::not_found,
                      *number + " is not a WhatsApp sender of this tenant");
  auto next = i->second;
  if (c.label) {
    auto label = clean_text("label", *c.label, 0, max_label_chars);
    if (!label)
      return label.error();
    next.label = std::move(*label);
  }
  if (c.enabled)
    next.enabled = *c.enabled;
  if (next == i->second)
    return none();
  return one(whatsapp_sender_updated{std::move(next.number),
                                     std::move(next.label), next.enabled});
}

decision decide_one(const tenant_state& s, const remove_whatsapp_sender& c,
                    const command_context&) {
  auto number = check_number(c.number);
  if (!number)
    return number.error();
  if (!s.whatsapp_senders.contains(*number))
    return make_error(errc::not_found,
                      *number + " is not a WhatsApp sender of this tenant");
  return one(whatsapp_sender_removed{std::move(*number)});
}

decision decide_one(const tenant_state& s, const change_tenant_settings& c,
                    const command_context&) {
  auto next = s.settings;
  if (auto t = c.price_alert_threshold_percent) {
    if (*t <= decimal{} || *t > decimal::from_int(100))
      return invalid(
        "price_alert_threshold_percent must be more than 0 and at most 100");
    if (t->units() % 100 != 0)
      return invalid(
        "price_alert_threshold_percent may have at most 2 decimal places");
    next.price_alert_threshold_percent = *t;
  }
  if (auto days = c.rejected_retention_days) {
    if (*days < 1 || *days > max_retention_days)
      return invalid("rejected_retention_days must be between 1 and 3650");
    next.rejected_retention_days = *days;
  }
  if (c.export_accounts) {
    next.export_accounts.clear();
    for (const auto& [key, account] : *c.export_accounts) {
      auto purpose = parse_account_purpose(key);
      if (!purpose)
        return invalid("export_accounts: unknown account purpose '" + key
                       + "'; use expenses, accounts_payable, gst_itc, "
                         "qst_itc, hst_itc, vat_input, sales_tax or bank");
      auto field = "export_accounts." + key;
      auto name =
        clean_text(field + ".name", account.name, 1, max_account_name_chars);
      if (!name)
        return name.error();
      auto code =
        clean_text(field + ".code", account.code, 0, max_account_code_chars);
      if (!code)
        return code.error();
      next.export_accounts[*purpose] = {std::move(*name), std::move(*code)};
    }
  }
  if (auto rate = c.sales_tax_percent) {
    if (*rate < decimal{} || *rate > decimal::from_int(100))
      return invalid("sales_tax_percent must be between 0 and 100");
    if (!is_us_region(s.region) && *rate != decimal{})
      return make_error(errc::rejected,
                        "sales_tax_percent applies only to US tenants; the "
                        "taxes of "
                          + s.region + " follow from the region");
    next.sales_tax_percent = *rate;
  }
  if (next == s.settings)
    return none();
  return one(tenant_settings_changed{std::move(next)});
}

decision decide_one(const tenant_state& s, const complete_onboarding_step& c,
                    const command_context&) {
  auto step = parse_onboarding_step(c.step);
  if (!step)
    return invalid("step must be one of business_created, "
                   "inbound_address_copied, whatsapp_added, member_invited, "
                   "first_invoice_uploaded");
  if (s.onboarding_done.contains(*step))
    return none();
  return one(onboarding_step_completed{*step});
}

decision decide_one(const tenant_state& s, const acknowledge_price_alert& c,
                    const command_context&) {
  if (c.alert_id.is_nil())
    return need_id("alert_id");
  if (c.by.is_nil())
    return need_id("by");
  if (s.acknowledged_alerts.contains(c.alert_id))
    return none();
  return one(price_alert_acknowledged{c.alert_id, c.by});
}

decision decide_one(const tenant_state& s, const deactivate_tenant& c,
                    const command_context&) {
  if (s.deactivated)
    return none();
  auto reason = clean_text("reason", c.reason, 1, max_reason_chars);
  if (!reason)
    return reason.error();
  return one(tenant_deactivated{std::move(*reason)});
}

} // namespace

std::string_view to_string(tenant_role role) noexcept {
  switch (role) {
    case tenant_role::admin: return "admin";
    case tenant_role::member: return "member";
    case tenant_role::auditor: return "auditor";
  }
  return "member";
}

std::optional<tenant_role> parse_tenant_role(std::string_view text) noexcept {
  for (auto role :
       {tenant_role::admin, tenant_role::member, tenant_role::auditor})
    if (to_string(role) == text)
      return role;
  return std::nullopt;
}

std::string_view to_string(onboarding_step step) noexcept {
  switch (step) {
    case onboarding_step::business_created: return "business_created";
    case onboarding_step::inbound_address_copied:
      return "inbound_address_copied";
    case onboarding_step::whatsapp_added: return "whatsapp_added";
    case onboarding_step::member_invited: return "member_invited";
    case onboarding_step::first_invoice_uploaded:
      return "first_invoice_uploaded";
  }
  return "business_created";
}

std::optional<onboarding_step>
parse_onboarding_step(std::string_view text) noexcept {
  for (auto step :
       {onboarding_step::business_created,
        onboarding_step::inbound_address_copied,
        onboarding_step::whatsapp_added, onboarding_step::member_invited,
        onboarding_step::first_invoice_uploaded})
    if (to_string(step) == text)
      return step;
  return std::nullopt;
}

std::string_view to_string(account_purpose purpose) noexcept {
  switch (purpose) {
    case account_purpose::expenses: return "expenses";
    case account_purpose::accounts_payable: return "accounts_payable";
    case account_purpose::gst_itc: return "gst_itc";
    case account_purpose::qst_itc: return "qst_itc";
    case account_purpose::hst_itc: return "hst_itc";
    case account_purpose::vat_input: return "vat_input";
    case account_purpose::sales_tax: return "sales_tax";
    case account_purpose::bank: return "bank";
  }
  return "expenses";
}

std::optional<account_purpose>
parse_account_purpose(std::string_view text) noexcept {
  for (auto purpose :
       {account_purpose::expenses, account_purpose::accounts_payable,
        account_purpose::gst_itc, account_purpose::qst_itc,
        account_purpose::hst_itc, account_purpose::vat_input,
        account_purpose::sales_tax, account_purpose::bank})
    if (to_string(purpose) == text)
      return purpose;
  return std::nullopt;
}

expected<tax_profile> tax_profile_for(std::string_view region) {
  // Rates in units of 1/10000 percent: 50000 is 5%, 99750 is 9.975%.
  auto gst = rate(tax_kind::gst, 50000);
  if (region.size() == 5 && region.starts_with("CA-")) {
    auto p = region.substr(3);
    if (p == "QC")
      return tax_profile{{gst, rate(tax_kind::qst, 99750)}};
    if (p == "ON")
      return tax_profile{{rate(tax_kind::hst, 130000)}};
    // Nova Scotia's HST fell from 15% to 14% on 2025-04-01.
    if (p == "NS")
      return tax_profile{{rate(tax_kind::hst, 140000)}};
    if (p == "NB" || p == "NL" || p == "PE")
      return tax_profile{{rate(tax_kind::hst, 150000)}};
    // Manitoba calls its 7% provincial sales tax RST.
    if (p == "BC" || p == "MB")
      return tax_profile{{gst, rate(tax_kind::pst, 70000)}};
    if (p == "SK")
      return tax_profile{{gst, rate(tax_kind::pst, 60000)}};
    if (p == "AB" || p == "YT" || p == "NT" || p == "NU")
      return tax_profile{{gst}};
  } else if (region == "GB") {
    auto vat = rate(tax_kind::vat, 200000);
    vat.reduced_rates_percent = {decimal::from_int(5), decimal{}};
    return tax_profile{{vat}};
  } else if (region.size() == 5 && is_us_region(region)
             && std::find(us_states.begin(), us_states.end(), region.substr(3))
                  != us_states.end()) {
    return tax_profile{{rate(tax_kind::sales_tax, 0)}};
  }
  return invalid("region must be a Canadian province or territory (CA-QC), "
                 "GB, or a US state (US-NY)");
}

std::string_view default_currency_code(std::string_view region) noexcept {
  if (region.starts_with("CA-"))
    return "CAD";
  if (region == "GB")
    return "GBP";
  if (is_us_region(region))
    return "USD";
  return "";
}

std::size_t tenant_state::admin_count() const {
  return static_cast<std::size_t>(
    std::count_if(members.begin(), members.end(), [](const auto& m) {
      return m.second.role == tenant_role::admin;
    }));
}

const tenant_member*
tenant_state::member_by_email(std::string_view email) const {
  for (const auto& [id, m] : members)
    if (m.email == email)
      return &m;
  return nullptr;
}

tenant_state tenant_entity::evolve(state s, const event& e) {
  std::visit(detail::overloaded{
               [&s](const tenant_created& x) {
                 s.exists = true;
                 s.tenant_id = x.tenant_id;
                 s.name = x.name;
                 s.brand = x.brand;
                 s.region = x.region;
                 s.taxes = x.taxes;
                 s.currency = x.currency;
                 s.inbound_alias = x.inbound_alias;
               },
               [&s](const member_invited& x) {
                 s.invitations[x.email] = {x.email, x.role, x.invited_by};
               },
               [&s](const member_joined& x) {
                 s.members[x.user_id] = {x.user_id, x.email, x.role};
                 s.invitations.erase(x.email);
               },
               [&s](const member_role_changed& x) {
                 if (auto m = s.members.find(x.user_id); m != s.members.end())
                   m->second.role = x.to;
               },
               [&s](const member_removed& x) {
                 s.members.erase(x.user_id);
               },
               [&s](const invitation_revoked& x) {
                 s.invitations.erase(x.email);
               },
               [&s](const whatsapp_sender_added& x) {
                 s.whatsapp_senders[x.number] = {x.number, x.label, true};
               },
               [&s](const whatsapp_sender_updated& x) {
                 s.whatsapp_senders[x.number] = {x.number, x.label, x.enabled};
               },
               [&s](const whatsapp_sender_removed& x) {
                 s.whatsapp_senders.erase(x.number);
               },
               [&s](const tenant_settings_changed& x) {
                 s.settings = x.settings;
                 for (auto& t : s.taxes.taxes)
                   if (t.kind == tax_kind::sales_tax)
                     t.rate_percent = x.settings.sales_tax_percent;
               },
               [&s](const onboarding_step_completed& x) {
                 s.onboarding_done.insert(x.step);
               },
               [&s](const price_alert_acknowledged& x) {
                 s.acknowledged_alerts.insert(x.alert_id);
               },
               [&s](const tenant_deactivated& x) {
                 s.deactivated = true;
                 s.deactivation_reason = x.reason;
               },
             },
             e);
  return s;
}

expected<std::vector<tenant_event>>
tenant_entity::decide(const state& s, const command& c,
                      const command_context& ctx) {
  if (!std::holds_alternative<create_tenant>(c)) {
    if (!s.exists)
      return make_error(errc::not_found, "no such tenant");
    if (s.deactivated && !std::holds_alternative<deactivate_tenant>(c))
      return make_error(errc::rejected, "the tenant is deactivated");
  }
  return std::visit(
    [&](const auto& x) {
      return decide_one(s, x, ctx);
    },
    c);
}

events::new_event tenant_entity::encode(const event& e) {
  return detail::encode_fields<codec>(e);
}

expected<tenant_event> tenant_entity::decode(const events::envelope& env) {
  return detail::decode_fields<tenant_event, codec>(env, "tenant");
}

void tenant_entity::register_events(events::catalog& catalog) {
  detail::register_event_types<tenant_event>(catalog);
}

} // namespace larder::domain
