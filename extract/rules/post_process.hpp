#pragma once

#include <string>

#include "actors/tenant/tenant.hpp"
#include "extract/extraction.hpp"

namespace larder::extract {

/// What post-processing knows about the tenant.
struct post_context {
  /// The tenant's region ("CA-QC", "GB", "US-NY").
  std::string region;
  domain::tax_profile taxes;
  /// The tenant's currency code, the default for documents that name none.
  std::string currency;
};

/// Checks and completes any extractor's output (e-invoice, template, rules,
/// OCR) in place:
///
/// - arithmetic within rounding: lines against subtotal, subtotal + taxes
///   against total, rate × base against each tax; one missing amount of
///   subtotal / tax_total / total is derived from the other two. Exact
///   e-invoices (provider ubl, cii, zugferd1) are only noted, never changed;
/// - tax kinds from the tenant's profile by rate (5 % GST, 9.975 % QST…);
/// - the tenant's currency when the document names none;
/// - the due date from payment terms ("Net 30", "30 jours", "due on
///   receipt");
/// - the supplier name without stray spaces and punctuation;
/// - `not_an_invoice` with a reason a person understands (nothing that makes
///   an invoice, a menu, an account statement, a quote, garbage);
/// - a confidence per present field and an overall confidence: ≥ 0.9 for a
///   complete, consistent invoice, about 0.3 for a text with only a total,
///   0 for what is not an invoice.
///
/// Every change is said in `notes`.
void post_process(extraction& x, const post_context& context);

/// The overall confidence of `x` from its field confidences and what is
/// missing, as `post_process` sets it; 0 when `x.not_an_invoice` is set.
double overall_confidence(const extraction& x);

} // namespace larder::extract
