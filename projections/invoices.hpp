#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/invoice/invoice.hpp"
#include "events/catalog.hpp"
#include "events/error.hpp"
#include "events/uuid.hpp"
#include "projections/runner.hpp"

namespace pqxx {
class transaction_base;
} // namespace pqxx

/// The invoices read model (schema `rm_invoices`, schema/004_invoices.sql):
/// one row per invoice that is not deleted, for the invoice list with its
/// filters and search, the invoice page and the dashboard.
///
/// Each invoice's state is the domain's own (`invoice_entity::evolve` over
/// its events), so the read model can never disagree with the actor about
/// what an event does; the row adds who approved or rejected and when. A
/// batch keeps the invoices it touches in memory and writes them with one
/// upsert; an invoice first met in the middle of its stream is brought up
/// to date from its stream.
///
/// Queries answer JSON text built by PostgreSQL, tenant-scoped: another
/// tenant's invoice does not exist. Amounts are decimal strings, dates
/// YYYY-MM-DD, timestamps RFC 3339.
namespace larder::projections {

/// What a person sees, computed here and nowhere else: `processing`
/// (received, extracting), `awaiting_approval`, `approved_unpaid`,
/// `approved_paid`, `rejected`, `failed`, `not_an_invoice` (and `deleted`,
/// which no list shows).
std::string_view display_status(domain::invoice_status status, bool paid);

/// The display statuses a list may filter by.
inline constexpr std::string_view display_statuses[] = {
  "processing",    "awaiting_approval", "approved_unpaid",
  "approved_paid", "rejected",          "failed",
  "not_an_invoice"};

/// The model, named "invoices"; `catalog` upcasts the events of a stream
/// it reads back.
read_model invoices_model(std::shared_ptr<const events::catalog> catalog);

/// Lower case, accents off (é → e, ß → ss, œ → oe …), for search.
std::string fold_for_search(std::string_view text);

using query_pairs = std::vector<std::pair<std::string, std::string>>;

/// `GET /api/invoices` parameters: status (comma-separated display
/// statuses), supplier (exact, any case), issue_from, issue_to, due_from,
/// due_to (YYYY-MM-DD), min_total, max_total, source, q (words, each a
/// prefix), sort (received_at, issue_date, due_date, total, supplier,
/// invoice_number, status), order (asc, desc), limit (1–200, default 50),
/// offset.
struct invoice_list_query {
  std::vector<std::string> statuses;
  std::string supplier;
  std::optional<values::date> issue_from, issue_to, due_from, due_to;
  std::optional<values::decimal> min_total, max_total;
  std::string source;
  std::string q;
  std::string sort = "received_at";
  bool descending = true;
  int limit = 50;
  std::int64_t offset = 0;
};

/// Refuses unknown parameters and bad values with `invalid_argument` and a
/// message saying what is allowed.
expected<invoice_list_query>
parse_invoice_list_query(const query_pairs& params);

/// `{"invoices":[…],"total":N,"limit":L,"offset":O,"next_offset":N|null}`;
/// each invoice as a list shows it.
std::string invoice_list_json(pqxx::transaction_base& txn,
                              const events::uuid& tenant,
                              const invoice_list_query& q);

/// Everything about one invoice, or nothing when the tenant has no such
/// (undeleted) invoice.
std::optional<std::string> invoice_detail_json(pqxx::transaction_base& txn,
                                               const events::uuid& tenant,
                                               const events::uuid& invoice);

/// `GET /api/stats/overview`: counts by display status, spend (approved
/// invoices by issue date, per currency) this month, last month and by
/// month for the 12 months up to `today`, the top 5 suppliers by that
/// spend, pending approvals, unpaid and overdue totals (approved, unpaid,
/// due before `today`), and what extraction cost this month.
std::string overview_json(pqxx::transaction_base& txn,
                          const events::uuid& tenant,
                          const values::date& today);

} // namespace larder::projections
