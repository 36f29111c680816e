#include "http/api.hpp"

/// The one table of every route: method, path, who may call it, its rate
/// limit, whether it reads a JSON body, and its handler. The route × role
/// test (tests/pg/http/routes_pgtest.cpp) and docs/api/openapi.yaml follow
/// this table.
namespace larder::http {

const std::vector<route>& routes() {
  using enum access;
  namespace h = handlers;
  constexpr auto api = limit_class::api;
  constexpr auto signin = limit_class::signin;
  constexpr auto none = limit_class::none;
  static const std::vector<route> table{
    // Operations.
    {"GET", "/health", anyone, none, false, h::health, "Process is alive"},
    {"GET", "/ready", anyone, none, false, h::ready,
     "Database reachable, projections caught up"},
    {"GET", "/metrics", anyone, none, false, h::metrics, "Prometheus metrics"},
    // Sign-in and sessions.
    {"POST", "/api/auth/magic/request", anyone, signin, true, h::magic_request,
     "Mail a sign-in link"},
    {"GET", "/api/auth/verify", anyone, signin, false, h::verify,
     "Consume a sign-in link and start a session"},
    {"GET", "/api/auth/me", signed_in, api, false, h::me,
     "The signed-in person, tenant and role"},
    {"POST", "/api/auth/logout", signed_in, api, false, h::logout,
     "End this session"},
    {"POST", "/api/auth/logout-all", signed_in, api, false, h::logout_all,
     "End every session of this person"},
    {"POST", "/api/auth/tenant", signed_in, api, true, h::switch_tenant,
     "Work in another of one's tenants"},
    {"POST", "/api/waitlist", anyone, signin, true, h::join_waitlist,
     "Ask for access"},
    // Onboarding.
    {"GET", "/api/onboarding/status", signed_in, api, false,
     h::onboarding_status, "Whether the person has a business yet"},
    {"POST", "/api/onboarding/complete", signed_in, api, true,
     h::onboarding_complete, "Create the business; the caller is its admin"},
    {"GET", "/api/onboarding/checklist", tenant_reader, api, false,
     h::checklist, "The first-run checklist"},
    {"POST", "/api/onboarding/checklist/{step}", tenant_member, api, false,
     h::checklist_step, "Tick a checklist step"},
    // The tenant.
    {"GET", "/api/tenant", tenant_reader, api, false, h::tenant_view,
     "The business, its settings, people and senders"},
    {"PATCH", "/api/tenant/settings", tenant_admin, api, true,
     h::change_settings, "Change settings"},
    {"GET", "/api/tenant/members", tenant_reader, api, false, h::members,
     "Members and pending invitations"},
    {"POST", "/api/tenant/invitations", tenant_admin, api, true, h::invite,
     "Invite someone by email"},
    {"DELETE", "/api/tenant/invitations/{email}", tenant_admin, api, false,
     h::revoke_invitation, "Withdraw an invitation"},
    {"PATCH", "/api/tenant/members/{user_id}", tenant_admin, api, true,
     h::change_role, "Change a member's role"},
    {"DELETE", "/api/tenant/members/{user_id}", tenant_admin, api, false,
     h::remove_member, "Remove a member"},
    {"GET", "/api/tenant/whatsapp", tenant_reader, api, false, h::whatsapp_list,
     "WhatsApp senders"},
    {"POST", "/api/tenant/whatsapp", tenant_admin, api, true, h::whatsapp_add,
     "Add a WhatsApp sender"},
    {"PATCH", "/api/tenant/whatsapp/{number}", tenant_admin, api, true,
     h::whatsapp_update, "Rename, enable or disable a sender"},
    {"DELETE", "/api/tenant/whatsapp/{number}", tenant_admin, api, false,
     h::whatsapp_remove, "Remove a sender"},
    {"POST", "/api/tenant/price-alerts/{alert_id}/acknowledge", tenant_member,
     api, false, h::acknowledge_alert, "Acknowledge a price alert"},
    // Invoices.
    {"GET", "/api/invoices/{id}/state", tenant_reader, api, false,
     h::invoice_state, "An invoice's status, straight from its stream"},
    {"GET", "/api/invoices", tenant_reader, api, false, h::invoice_list,
     "Invoices, filtered, searched, sorted and paged"},
    {"GET", "/api/invoices/{id}", tenant_reader, api, false, h::invoice_detail,
     "Everything about one invoice"},
    {"GET", "/api/stats/overview", tenant_reader, api, false, h::overview,
     "The dashboard: counts, spend, suppliers, approvals, unpaid, overdue"},
    {"GET", "/api/invoices/{id}/history", tenant_reader, api, false,
     h::invoice_history,
     "Who did what and when, with before and after for corrections"},
    {"POST", "/api/invoices/{id}/approve", tenant_member, api, false,
     h::approve, "Approve"},
    {"POST", "/api/invoices/{id}/reject", tenant_member, api, true, h::reject,
     "Reject with a reason"},
    {"POST", "/api/invoices/{id}/paid", tenant_member, api, true, h::mark_paid,
     "Mark paid"},
    {"POST", "/api/invoices/{id}/unpaid", tenant_member, api, false,
     h::mark_unpaid, "Mark unpaid"},
    {"PATCH", "/api/invoices/{id}/fields", tenant_member, api, true,
     h::correct_fields, "Correct extracted fields"},
    {"PUT", "/api/invoices/{id}/lines", tenant_member, api, true,
     h::replace_lines, "Replace the line items"},
    {"POST", "/api/invoices/{id}/reprocess", tenant_member, api, true,
     h::reprocess, "Extract again"},
    {"DELETE", "/api/invoices/{id}", tenant_admin, api, false,
     h::delete_invoice, "Delete (a tombstone; history stays)"},
    {"POST", "/api/invoices/bulk", tenant_member, api, true, h::bulk,
     "Approve, reject or mark paid many invoices"},
    {"POST", "/api/invoices/status", tenant_reader, api, true, h::poll_status,
     "Statuses of many invoices"},
    // Live updates.
    {"GET", "/api/events/stream", tenant_reader, api, false, h::event_stream,
     "Server-Sent Events: the tenant's invoice changes as they happen"},
    // Platform administration.
    {"GET", "/api/admin/allowlist", global_admin, api, false, h::allowlist,
     "Allowlist"},
    {"POST", "/api/admin/allowlist", global_admin, api, true, h::allowlist_add,
     "Allow an email or @domain"},
    {"DELETE", "/api/admin/allowlist/{entry}", global_admin, api, false,
     h::allowlist_remove, "Remove an allowlist entry"},
    {"GET", "/api/admin/waitlist", global_admin, api, false, h::waitlist,
     "Waitlist"},
    {"POST", "/api/admin/waitlist/{email}/approve", global_admin, api, false,
     h::waitlist_approve, "Approve a waitlisted email"},
    {"GET", "/api/admin/tenants", global_admin, api, false, h::admin_tenants,
     "Tenants"},
    {"POST", "/api/admin/tenants/{id}/deactivate", global_admin, api, true,
     h::deactivate_tenant, "Deactivate a tenant"},
    {"GET", "/api/admin/users", global_admin, api, false, h::admin_users,
     "Users"},
    {"PATCH", "/api/admin/users/{id}", global_admin, api, true,
     h::admin_change_user, "Grant or revoke platform admin"},
    {"POST", "/api/admin/users/{id}/disable", global_admin, api, true,
     h::disable_user, "Disable a user and end their sessions"},
  };
  return table;
}

} // namespace larder::http
