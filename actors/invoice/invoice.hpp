#pragma once

#include <array>
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
#include "events/envelope.hpp"
#include "events/error.hpp"
#include "events/uuid.hpp"

namespace larder::events {
class catalog;
} // namespace larder::events

/// The invoice entity: one supplier document from its arrival to its payment
/// (DESIGN.md §5). Pure: no CAF, no I/O, no clock; the actor shell around it
/// loads, decides, appends and replies.
///
/// The lifecycle `decide` enforces, DESIGN.md §5's diagram as a list of
/// commands, the statuses that allow them and where they lead (paid is a
/// flag on approved, not a status of its own):
///
/// - receive_document: a new stream → received;
/// - start_extraction: received → extracting;
/// - record_extraction: extracting → awaiting_approval;
/// - record_extraction_failure: extracting → failed;
/// - mark_not_an_invoice: extracting, awaiting_approval → not_an_invoice;
/// - suspect_duplicate: received, extracting, awaiting_approval, failed;
/// - correct_fields, replace_lines: awaiting_approval;
/// - approve: awaiting_approval → approved;
/// - reject: awaiting_approval, approved and unpaid → rejected;
/// - mark_paid: approved and unpaid → paid;
/// - mark_unpaid: approved and paid → unpaid;
/// - request_reprocess: awaiting_approval, rejected, failed, not_an_invoice
///   → received, with the extraction results cleared;
/// - delete_invoice: anything but deleted → deleted.
///
/// Rules where the design left room, applied to every command alike:
///
/// - A *transition* (start_extraction, mark_not_an_invoice, approve,
///   reject, mark_paid, mark_unpaid, request_reprocess) asked of an invoice
///   that is already where it would go is `rejected` ("the invoice is
///   already approved"): the caller acted on a stale view and should see it.
///   Retried requests never get that far; the shell answers them from the
///   idempotency key. An *edit* (correct_fields, replace_lines,
///   suspect_duplicate) that would change nothing returns no events, as
///   actors/domain.hpp says.
/// - A failed extraction is retried through request_reprocess, never by
///   start_extraction straight from failed: `retryable` tells the
///   extraction process manager whether to ask for that reprocess.
/// - Duplicates are flagged before anyone decides on the invoice; after
///   approval, rejection or not_an_invoice the warning would come too late.
/// - Corrections and line replacements are accepted only while the invoice
///   awaits approval. After approval the books may already hold it; to change
///   it, reject it and request a reprocess (reopening is not in scope).
/// - A deleted invoice is gone for every command: `not_found`, as the read
///   models have dropped it. Its id is never reused: receiving a document
///   on any existing stream, deleted or not, is a `conflict`.
/// - Errors are checked in this order: the invoice exists (`not_found`), the
///   state allows the command (`rejected`), then the command's input
///   (`invalid_argument`, naming the field).
/// - Amounts are kept at their currency's precision (half to even); while
///   the currency is unknown that is two places, the common case.
/// - Text is valid UTF-8 without control characters or bidirectional
///   overrides, which could make a file name display as something it is not;
///   reasons may span lines.
namespace larder::domain {

/// Where a document came from.
enum class document_source : std::uint8_t { upload, email, whatsapp, api };

std::string_view to_string(document_source source) noexcept;
std::optional<document_source> parse_document_source(std::string_view text);

/// Why two invoices look like the same one.
enum class duplicate_reason : std::uint8_t {
  /// The very same bytes (sha256) arrived before.
  same_content,
  /// Another invoice has the same number, supplier and total.
  same_number_supplier_total,
};

std::string_view to_string(duplicate_reason reason) noexcept;
std::optional<duplicate_reason> parse_duplicate_reason(std::string_view text);

enum class payment_method : std::uint8_t {
  bank_transfer,
  card,
  cash,
  cheque,
  direct_debit,
  other,
};

std::string_view to_string(payment_method method) noexcept;
std::optional<payment_method> parse_payment_method(std::string_view text);

/// Where an invoice is in its lifecycle. Paid is not a status but a flag on
/// an approved invoice, since paying does not end the approval.
enum class invoice_status : std::uint8_t {
  received,
  extracting,
  awaiting_approval,
  approved,
  rejected,
  failed,
  not_an_invoice,
  deleted,
};

std::string_view to_string(invoice_status status) noexcept;
std::optional<invoice_status> parse_invoice_status(std::string_view text);

/// Limits of what an invoice accepts; beyond them a command is refused.
inline constexpr std::int64_t max_document_bytes = 20 * 1024 * 1024;
inline constexpr std::size_t max_file_name_chars = 255;
inline constexpr std::size_t max_sender_chars = 320;
inline constexpr std::size_t max_field_chars = 200;
inline constexpr std::size_t max_reason_chars = 500;
inline constexpr std::size_t max_provider_chars = 100;

/// The media types intake produces by sniffing magic bytes (DESIGN.md §9).
inline constexpr std::array<std::string_view, 7> allowed_media_types{
  "application/pdf", "image/jpeg", "image/png",       "image/heic",
  "image/heif",      "text/xml",   "application/xml",
};

/// The header fields of an invoice, each unknown until extracted or
/// corrected.
struct invoice_fields {
  std::optional<std::string> supplier_name;
  std::optional<std::string> supplier_tax_id;
  std::optional<std::string> invoice_number;
  std::optional<values::date> issue_date;
  std::optional<values::date> due_date;
  std::optional<values::currency> currency;
  std::optional<values::decimal> subtotal;
  std::optional<values::decimal> tax_total;
  std::optional<values::decimal> total;
  std::optional<std::string> purchase_order;
  std::optional<std::string> payment_terms;

  friend bool operator==(const invoice_fields&,
                         const invoice_fields&) = default;
};

/// The names `correct_fields` and extraction confidences use for the members
/// of `invoice_fields`; the JSON payloads use the same names.
inline constexpr std::array<std::string_view, 11> invoice_field_names{
  "supplier_name", "supplier_tax_id", "invoice_number", "issue_date",
  "due_date",      "currency",        "subtotal",       "tax_total",
  "total",         "purchase_order",  "payment_terms",
};

/// The field as the string form events record ("" when unknown): dates as
/// YYYY-MM-DD, amounts as decimal strings, currency as its code. Returns
/// nothing for a name outside `invoice_field_names`.
std::optional<std::string> field_text(const invoice_fields& fields,
                                      std::string_view name);

// -- events -------------------------------------------------------------------

struct document_received {
  static constexpr const char* type = "DocumentReceived";
  static constexpr int schema_version = 1;

  events::uuid invoice_id;
  events::uuid tenant_id;
  document_source source = document_source::upload;
  /// Display text only: documents are stored by content hash, never by name.
  std::string file_name;
  std::string media_type;
  std::int64_t size_bytes = 0;
  /// Lower-case hexadecimal.
  std::string sha256;
  /// The email address, phone number or user id that sent it; may be empty.
  std::string sender;

  friend bool operator==(const document_received&,
                         const document_received&) = default;
};

struct extraction_started {
  static constexpr const char* type = "ExtractionStarted";
  static constexpr int schema_version = 1;

  /// 1 for the first extraction, counting on across reprocessing.
  int attempt = 1;

  friend bool operator==(const extraction_started&,
                         const extraction_started&) = default;
};

struct extraction_succeeded {
  static constexpr const char* type = "ExtractionSucceeded";
  static constexpr int schema_version = 1;

  invoice_fields fields;
  std::vector<values::line_item> lines;
  std::vector<values::tax_line> taxes;
  /// Field name (or "lines", "taxes") → confidence in [0, 1].
  std::map<std::string, values::decimal> confidence;
  values::decimal overall_confidence;
  /// Which extractor answered ("ubl", "pdf_text", "ocr", "openai"…).
  std::string provider;
  std::string model;
  /// What the extraction cost in US dollars; 0 for local extractors.
  values::decimal cost;
  std::int64_t duration_ms = 0;

  friend bool operator==(const extraction_succeeded&,
                         const extraction_succeeded&) = default;
};

struct extraction_failed {
  static constexpr const char* type = "ExtractionFailed";
  static constexpr int schema_version = 1;

  std::string reason;
  /// True when trying again later may succeed (a provider was down).
  bool retryable = false;

  friend bool operator==(const extraction_failed&,
                         const extraction_failed&) = default;
};

struct marked_not_an_invoice {
  static constexpr const char* type = "MarkedNotAnInvoice";
  static constexpr int schema_version = 1;

  std::string reason;

  friend bool operator==(const marked_not_an_invoice&,
                         const marked_not_an_invoice&) = default;
};

struct duplicate_suspected {
  static constexpr const char* type = "DuplicateSuspected";
  static constexpr int schema_version = 1;

  /// The earlier invoice this one seems to repeat.
  events::uuid of;
  duplicate_reason why = duplicate_reason::same_content;

  friend bool operator==(const duplicate_suspected&,
                         const duplicate_suspected&) = default;
};

/// One corrected field; `from` and `to` in `field_text` form, "" for unknown.
struct field_change {
  std::string field;
  std::string from;
  std::string to;

  friend bool operator==(const field_change&, const field_change&) = default;
};

struct fields_corrected {
  static constexpr const char* type = "FieldsCorrected";
  static constexpr int schema_version = 1;

  std::vector<field_change> changes;

  friend bool operator==(const fields_corrected&,
                         const fields_corrected&) = default;
};

struct lines_replaced {
  static constexpr const char* type = "LinesReplaced";
  static constexpr int schema_version = 1;

  std::vector<values::line_item> lines;

  friend bool operator==(const lines_replaced&,
                         const lines_replaced&) = default;
};

struct invoice_approved {
  static constexpr const char* type = "InvoiceApproved";
  static constexpr int schema_version = 1;

  friend bool operator==(const invoice_approved&,
                         const invoice_approved&) = default;
};

struct invoice_rejected {
  static constexpr const char* type = "InvoiceRejected";
  static constexpr int schema_version = 1;

  std::string reason;

  friend bool operator==(const invoice_rejected&,
                         const invoice_rejected&) = default;
};

struct invoice_paid {
  static constexpr const char* type = "InvoicePaid";
  static constexpr int schema_version = 1;

  values::date paid_on;
  payment_method method = payment_method::bank_transfer;
  /// A cheque number or bank reference.
  std::optional<std::string> reference;

  friend bool operator==(const invoice_paid&, const invoice_paid&) = default;
};

struct invoice_marked_unpaid {
  static constexpr const char* type = "InvoiceMarkedUnpaid";
  static constexpr int schema_version = 1;

  friend bool operator==(const invoice_marked_unpaid&,
                         const invoice_marked_unpaid&) = default;
};

struct reprocess_requested {
  static constexpr const char* type = "ReprocessRequested";
  static constexpr int schema_version = 1;

  std::optional<std::string> reason;

  friend bool operator==(const reprocess_requested&,
                         const reprocess_requested&) = default;
};

/// A tombstone: the stream stays for the audit trail, read models drop the
/// invoice.
struct invoice_deleted {
  static constexpr const char* type = "InvoiceDeleted";
  static constexpr int schema_version = 1;

  std::optional<std::string> reason;

  friend bool operator==(const invoice_deleted&,
                         const invoice_deleted&) = default;
};

using invoice_event =
  std::variant<document_received, extraction_started, extraction_succeeded,
               extraction_failed, marked_not_an_invoice, duplicate_suspected,
               fields_corrected, lines_replaced, invoice_approved,
               invoice_rejected, invoice_paid, invoice_marked_unpaid,
               reprocess_requested, invoice_deleted>;

/// The type name of an event ("InvoiceApproved").
const char* event_type(const invoice_event& event) noexcept;

// -- state --------------------------------------------------------------------

/// The stored document, as intake described it.
struct document_info {
  document_source source = document_source::upload;
  std::string file_name;
  std::string media_type;
  std::int64_t size_bytes = 0;
  std::string sha256;
  std::string sender;

  friend bool operator==(const document_info&, const document_info&) = default;
};

/// Everything the invoice knows, built only by `evolve`. The stream version
/// lives in the actor shell, not here.
struct invoice_state {
  bool exists = false;
  events::uuid tenant_id;
  events::uuid invoice_id;
  invoice_status status = invoice_status::received;

  /// Meaningful only while approved.
  bool paid = false;
  std::optional<values::date> paid_on;
  std::optional<payment_method> payment;
  std::optional<std::string> payment_reference;

  document_info document;

  /// The extraction results, as corrected; cleared by a reprocess request.
  invoice_fields fields;
  std::vector<values::line_item> lines;
  std::vector<values::tax_line> taxes;
  std::map<std::string, values::decimal> confidence;
  std::optional<values::decimal> overall_confidence;
  /// Fields a person corrected since the last extraction: the confidence of
  /// the extractor no longer applies to them.
  std::set<std::string> corrected_fields;
  std::string provider;
  std::string model;

  /// How many extractions have started, and what all of them cost.
  int extraction_attempts = 0;
  values::decimal extraction_cost;

  std::optional<events::uuid> duplicate_of;
  std::optional<duplicate_reason> duplicate_why;

  /// Why the invoice is in its current status, when that status has a why.
  std::optional<std::string> failure_reason;
  bool failure_retryable = false;
  std::optional<std::string> not_an_invoice_reason;
  std::optional<std::string> rejection_reason;
  std::optional<std::string> deletion_reason;

  friend bool operator==(const invoice_state&, const invoice_state&) = default;
};

// -- commands -----------------------------------------------------------------

/// Creates the invoice; only on a new stream. The tenant comes from the
/// command context.
struct receive_document {
  events::uuid invoice_id;
  document_source source = document_source::upload;
  std::string file_name;
  std::string media_type;
  std::int64_t size_bytes = 0;
  /// 64 hexadecimal digits in either case; stored lower-case.
  std::string sha256;
  std::string sender;
};

/// Sent by the extraction process manager before it runs an extractor.
struct start_extraction {};

/// What an extractor found. Text fields are checked, amounts rounded to the
/// currency's precision, lines checked with `values::validate_line`.
struct record_extraction {
  invoice_fields fields;
  std::vector<values::line_item> lines;
  std::vector<values::tax_line> taxes;
  std::map<std::string, values::decimal> confidence;
  values::decimal overall_confidence;
  std::string provider;
  std::string model;
  values::decimal cost;
  std::int64_t duration_ms = 0;
};

struct record_extraction_failure {
  std::string reason;
  bool retryable = false;
};

struct mark_not_an_invoice {
  std::string reason;
};

struct suspect_duplicate {
  events::uuid of;
  duplicate_reason why = duplicate_reason::same_content;
};

/// A new value for one field in text form; "" clears the field.
struct field_correction {
  std::string field;
  std::string value;
};

/// Corrects header fields. Each name must be in `invoice_field_names` and
/// appear once; text is trimmed of surrounding spaces and at most
/// `max_field_chars`; dates are YYYY-MM-DD; a currency code may be lower
/// case; amounts are decimals rounded to the currency the invoice has after
/// this command. Corrections to the value already held are dropped.
struct correct_fields {
  std::vector<field_correction> corrections;
};

struct replace_lines {
  std::vector<values::line_item> lines;
};

struct approve {};

/// Refuses the invoice; `reason` (1..500 characters) is shown to the team.
struct reject {
  std::string reason;
};

/// `paid_on` may precede the issue date (prepayment) but not follow the
/// command's clock by more than a day, which leaves room for time zones.
struct mark_paid {
  values::date paid_on;
  payment_method method = payment_method::bank_transfer;
  /// Empty means none.
  std::string reference;
};

struct mark_unpaid {};

/// Sends the document back to extraction. Empty `reason` means none.
struct request_reprocess {
  std::string reason;
};

/// Empty `reason` means none.
struct delete_invoice {
  std::string reason;
};

using invoice_command =
  std::variant<receive_document, start_extraction, record_extraction,
               record_extraction_failure, mark_not_an_invoice,
               suspect_duplicate, correct_fields, replace_lines, approve,
               reject, mark_paid, mark_unpaid, request_reprocess,
               delete_invoice>;

// -- the entity ---------------------------------------------------------------

/// The traits the entity actor shell is instantiated with (actors/domain.hpp).
struct invoice_entity {
  using state = invoice_state;
  using event = invoice_event;
  using command = invoice_command;

  static constexpr const char* stream_type = "invoice";

  /// Applies one event. Total: events were checked when decided and again
  /// when decoded.
  static state evolve(state current, const event& ev);

  static expected<std::vector<event>>
  decide(const state& current, const command& cmd, const command_context& ctx);

  /// A fresh v7 event id, the type, its schema version and the JSON payload.
  static events::new_event encode(const event& ev);

  /// Reads a stored event that the catalogue has brought to the current
  /// schema version; anything else is `invalid_argument`.
  static expected<event> decode(const events::envelope& env);

  /// Declares every invoice event type at its schema version.
  static void register_events(events::catalog& catalog);
};

} // namespace larder::domain
