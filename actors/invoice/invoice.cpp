#include "actors/invoice/invoice.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>

#include "actors/domain_codec.hpp"
#include "actors/values/text.hpp"

namespace larder::domain {

using values::decimal;

// -- enums --------------------------------------------------------------------

namespace {

/// Finds the enumerator whose name is `text` among `all`.
template <class Enum, std::size_t N>
std::optional<Enum> parse_enum(const Enum (&all)[N], std::string_view text) {
  for (auto value : all)
    if (to_string(value) == text)
      return value;
  return std::nullopt;
}

constexpr document_source all_sources[] = {
  document_source::upload, document_source::email, document_source::whatsapp,
  document_source::api};

constexpr duplicate_reason all_duplicate_reasons[] = {
  duplicate_reason::same_content, duplicate_reason::same_number_supplier_total};

constexpr payment_method all_payment_methods[] = {
  payment_method::bank_transfer, payment_method::card,
  payment_method::cash,          payment_method::cheque,
  payment_method::direct_debit,  payment_method::other};

constexpr invoice_status all_statuses[] = {
  invoice_status::received,          invoice_status::extracting,
  invoice_status::awaiting_approval, invoice_status::approved,
  invoice_status::rejected,          invoice_status::failed,
  invoice_status::not_an_invoice,    invoice_status::deleted};

} // namespace

std::string_view to_string(document_source source) noexcept {
  switch (source) {
    case document_source::upload: return "upload";
    case document_source::email: return "email";
    case document_source::whatsapp: return "whatsapp";
    case document_source::api: return "api";
  }
  return "upload";
}

std::optional<document_source> parse_document_source(std::string_view text) {
  return parse_enum(all_sources, text);
}

std::string_view to_string(duplicate_reason reason) noexcept {
  switch (reason) {
    case duplicate_reason::same_content: return "same_content";
    case duplicate_reason::same_number_supplier_total:
      return "same_number_supplier_total";
  }
  return "same_content";
}

std::optional<duplicate_reason> parse_duplicate_reason(std::string_view text) {
  return parse_enum(all_duplicate_reasons, text);
}

std::string_view to_string(payment_method method) noexcept {
  switch (method) {
    case payment_method::bank_transfer: return "bank_transfer";
    case payment_method::card: return "card";
    case payment_method::cash: return "cash";
    case payment_method::cheque: return "cheque";
    case payment_method::direct_debit: return "direct_debit";
    case payment_method::other: return "other";
  }
  return "other";
}

std::optional<payment_method> parse_payment_method(std::string_view text) {
  return parse_enum(all_payment_methods, text);
}

std::string_view to_string(invoice_status status) noexcept {
  switch (status) {
    case invoice_status::received: return "received";
    case invoice_status::extracting: return "extracting";
    case invoice_status::awaiting_approval: return "awaiting_approval";
    case invoice_status::approved: return "approved";
    case invoice_status::rejected: return "rejected";
    case invoice_status::failed: return "failed";
    case invoice_status::not_an_invoice: return "not_an_invoice";
    case invoice_status::deleted: return "deleted";
  }
  return "received";
}

std::optional<invoice_status> parse_invoice_status(std::string_view text) {
  return parse_enum(all_statuses, text);
}

// -- text ---------------------------------------------------------------------

namespace {

using detail::invalid;
using values::trim_space;

enum class text_lines : std::uint8_t { single, multiple };

/// `name` quoted for a message when it is short printable ASCII, so that a
/// hostile name cannot flood or garble the error; otherwise nothing.
std::string echo(std::string_view name) {
  constexpr std::size_t max_echo = 40;
  if (name.empty() || name.size() > max_echo)
    return {};
  for (char ch : name)
    if (ch < 0x20 || ch > 0x7e)
      return {};
  return " '" + std::string{name} + "'";
}

/// Stored text refuses C0 and C1 controls and DEL (line breaks and tabs
/// only in multi-line text), and the bidirectional embeddings, overrides
/// and isolates, with which "invoice\u202Efdp.exe" displays as
/// "invoiceexe.pdf". Whichever fault comes first in the text is reported.
constexpr values::text_wording invoice_wording{
  "must not contain control characters", "must not be empty",
  "must be at most ", true};

/// Trims `text` and checks it; `name` is the field the message names.
expected<std::string> clean_text(std::string_view name, std::string_view text,
                                 std::size_t max_chars, bool required,
                                 text_lines lines = text_lines::single) {
  values::text_rules rules{lines == text_lines::multiple ? "\n\r\t" : "", true};
  return values::clean_text(name, text, required ? 1 : 0, max_chars, rules,
                            invoice_wording);
}

/// `clean_text` for optional text, where "" means none.
expected<std::optional<std::string>>
clean_optional_text(std::string_view name, std::string_view text,
                    std::size_t max_chars,
                    text_lines lines = text_lines::single) {
  auto cleaned = clean_text(name, text, max_chars, false, lines);
  if (!cleaned)
    return std::move(cleaned).error();
  if (cleaned->empty())
    return std::optional<std::string>{};
  return std::optional<std::string>{std::move(*cleaned)};
}

/// Whether `d` is a day `values::date::parse` would accept, for dates that
/// arrive as structs rather than text.
bool real_date(const values::date& d) {
  if (d.year < 1900 || d.year > 2199 || d.month < 1 || d.month > 12
      || d.day < 1)
    return false;
  constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0;
  int last = days[d.month - 1] + (d.month == 2 && leap ? 1 : 0);
  return d.day <= last;
}

/// The precision amounts are kept at while the currency is unknown.
constexpr int default_minor_units = 2;

// -- header fields ------------------------------------------------------------

enum class field_kind : std::uint8_t { text, date, currency, amount };

/// How one member of `invoice_fields` is named, read and written.
struct field_spec {
  std::string_view name;
  field_kind kind;
  std::optional<std::string> invoice_fields::*text = nullptr;
  std::optional<values::date> invoice_fields::*day = nullptr;
  std::optional<decimal> invoice_fields::*amount = nullptr;
};

constexpr std::array<field_spec, 11> field_specs{{
  {"supplier_name", field_kind::text, &invoice_fields::supplier_name},
  {"supplier_tax_id", field_kind::text, &invoice_fields::supplier_tax_id},
  {"invoice_number", field_kind::text, &invoice_fields::invoice_number},
  {"issue_date", field_kind::date, nullptr, &invoice_fields::issue_date},
  {"due_date", field_kind::date, nullptr, &invoice_fields::due_date},
  {"currency", field_kind::currency},
  {"subtotal", field_kind::amount, nullptr, nullptr, &invoice_fields::subtotal},
  {"tax_total", field_kind::amount, nullptr, nullptr,
   &invoice_fields::tax_total},
  {"total", field_kind::amount, nullptr, nullptr, &invoice_fields::total},
  {"purchase_order", field_kind::text, &invoice_fields::purchase_order},
  {"payment_terms", field_kind::text, &invoice_fields::payment_terms},
}};

constexpr bool specs_match_names() {
  for (std::size_t i = 0; i < field_specs.size(); ++i)
    if (field_specs[i].name != invoice_field_names[i])
      return false;
  return field_specs.size() == invoice_field_names.size();
}

static_assert(specs_match_names(),
              "field_specs must list invoice_field_names in order");

const field_spec* find_field(std::string_view name) {
  for (const auto& spec : field_specs)
    if (spec.name == name)
      return &spec;
  return nullptr;
}

std::string text_of(const field_spec& spec, const invoice_fields& fields) {
  switch (spec.kind) {
    case field_kind::text: return (fields.*spec.text).value_or("");
    case field_kind::date: {
      const auto& d = fields.*spec.day;
      return d ? d->to_string() : std::string{};
    }
    case field_kind::currency:
      return fields.currency ? fields.currency->code : std::string{};
    case field_kind::amount: {
      const auto& a = fields.*spec.amount;
      return a ? a->to_string() : std::string{};
    }
  }
  return {};
}

/// Sets a field from its stored text form ("" clears it), as evolve and
/// decode read it: no rounding, the text was normalized when decided.
bool assign_text(const field_spec& spec, invoice_fields& fields,
                 std::string_view text) {
  if (text.empty()) {
    switch (spec.kind) {
      case field_kind::text: (fields.*spec.text).reset(); break;
      case field_kind::date: (fields.*spec.day).reset(); break;
      case field_kind::currency: fields.currency.reset(); break;
      case field_kind::amount: (fields.*spec.amount).reset(); break;
    }
    return true;
  }
  switch (spec.kind) {
    case field_kind::text: fields.*spec.text = std::string{text}; return true;
    case field_kind::date: {
      auto d = values::date::parse(text);
      if (!d)
        return false;
      fields.*spec.day = *d;
      return true;
    }
    case field_kind::currency: {
      auto c = values::currency::parse(text);
      if (!c)
        return false;
      fields.currency = std::move(*c);
      return true;
    }
    case field_kind::amount: {
      auto a = decimal::parse(text);
      if (!a)
        return false;
      fields.*spec.amount = *a;
      return true;
    }
  }
  return false;
}

/// Checks a correction's value and returns its stored text form: trimmed
/// text, canonical dates, upper-case currency codes, amounts rounded to
/// `minor_units` places. "" stays "" (clear the field).
expected<std::string> normalize_value(const field_spec& spec,
                                      std::string_view raw, int minor_units) {
  std::string name{spec.name};
  if (spec.kind == field_kind::text)
    return clean_text(name, raw, max_field_chars, false);
  auto text = trim_space(raw);
  if (text.empty())
    return std::string{};
  switch (spec.kind) {
    case field_kind::text: break;
    case field_kind::date: {
      auto d = values::date::parse(text);
      if (!d)
        return invalid(name + " must be a date written YYYY-MM-DD");
      return d->to_string();
    }
    case field_kind::currency: {
      std::string code{text};
      for (auto& ch : code)
        if (ch >= 'a' && ch <= 'z')
          ch = static_cast<char>(ch - 'a' + 'A');
      auto c = values::currency::parse(code);
      if (!c)
        return invalid(name + " must be an ISO 4217 code such as CAD");
      return c->code;
    }
    case field_kind::amount: {
      auto a = decimal::parse(text);
      if (!a)
        return invalid(name + " must be a decimal number such as 1234.56");
      return a->round(minor_units).to_string();
    }
  }
  return invalid(name + " is not a known field");
}

bool confidence_key(std::string_view key) {
  return find_field(key) != nullptr || key == "lines" || key == "taxes";
}

bool unit_interval(decimal d) {
  return d >= decimal{} && d <= decimal::from_int(1);
}

/// Checks an extractor's header fields: text as corrections are, dates real,
/// the currency known, amounts rounded to the currency's precision.
expected<invoice_fields> clean_fields(invoice_fields fields) {
  for (const auto& spec : field_specs) {
    std::string name = "fields." + std::string{spec.name};
    switch (spec.kind) {
      case field_kind::text: {
        auto& member = fields.*spec.text;
        if (!member)
          break;
        auto cleaned = clean_optional_text(name, *member, max_field_chars);
        if (!cleaned)
          return std::move(cleaned).error();
        member = std::move(*cleaned);
        break;
      }
      case field_kind::date:
        if (const auto& d = fields.*spec.day; d && !real_date(*d))
          return invalid(name + " is not a real calendar date");
        break;
      case field_kind::currency:
        if (fields.currency) {
          auto c = values::currency::parse(fields.currency->code);
          if (!c)
            return invalid(name + " must be an ISO 4217 code such as CAD");
          fields.currency = std::move(*c);
        }
        break;
      case field_kind::amount: break;
    }
  }
  int minor =
    fields.currency ? fields.currency->minor_units : default_minor_units;
  for (const auto& spec : field_specs)
    if (spec.kind == field_kind::amount)
      if (auto& a = fields.*spec.amount)
        a = a->round(minor);
  return fields;
}

/// Checks lines with `values::validate_line`; messages start with the line
/// number (1 for the first), as `values::decode_lines` words them.
expected<std::vector<values::line_item>>
clean_lines(std::vector<values::line_item> lines) {
  if (lines.size() > values::max_lines_per_invoice)
    return invalid("lines: at most "
                   + std::to_string(values::max_lines_per_invoice)
                   + " lines per invoice");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto checked = values::validate_line(std::move(lines[i]));
    if (!checked)
      return invalid("line " + std::to_string(i + 1) + ": "
                     + checked.error().message);
    lines[i] = std::move(*checked);
  }
  return lines;
}

expected<std::vector<values::tax_line>>
clean_taxes(std::vector<values::tax_line> taxes) {
  if (taxes.size() > values::max_tax_lines_per_invoice)
    return invalid("taxes: at most "
                   + std::to_string(values::max_tax_lines_per_invoice)
                   + " tax lines per invoice");
  for (std::size_t i = 0; i < taxes.size(); ++i) {
    auto rate = taxes[i].rate_percent;
    if (rate < decimal{} || rate > decimal::from_int(100))
      return invalid("tax " + std::to_string(i + 1)
                     + ": rate_percent must be between 0 and 100");
  }
  return taxes;
}

} // namespace

std::optional<std::string> field_text(const invoice_fields& fields,
                                      std::string_view name) {
  auto spec = find_field(name);
  if (!spec)
    return std::nullopt;
  return text_of(*spec, fields);
}

const char* event_type(const invoice_event& event) noexcept {
  return std::visit(
    [](const auto& e) {
      return e.type;
    },
    event);
}

// -- evolve -------------------------------------------------------------------

namespace {

/// Moves to `status`, forgetting why the invoice was in the previous one.
void enter(invoice_state& s, invoice_status status) {
  s.status = status;
  s.failure_reason.reset();
  s.failure_retryable = false;
  s.not_an_invoice_reason.reset();
  s.rejection_reason.reset();
}

void apply(invoice_state& s, const document_received& e) {
  s.exists = true;
  s.tenant_id = e.tenant_id;
  s.invoice_id = e.invoice_id;
  s.document = {e.source,     e.file_name, e.media_type,
                e.size_bytes, e.sha256,    e.sender};
  enter(s, invoice_status::received);
}

void apply(invoice_state& s, const extraction_started& e) {
  s.extraction_attempts = e.attempt;
  enter(s, invoice_status::extracting);
}

void apply(invoice_state& s, const extraction_succeeded& e) {
  s.fields = e.fields;
  s.lines = e.lines;
  s.taxes = e.taxes;
  s.confidence = e.confidence;
  s.overall_confidence = e.overall_confidence;
  s.corrected_fields.clear();
  s.provider = e.provider;
  s.model = e.model;
  s.extraction_cost = s.extraction_cost + e.cost;
  enter(s, invoice_status::awaiting_approval);
}

void apply(invoice_state& s, const extraction_failed& e) {
  enter(s, invoice_status::failed);
  s.failure_reason = e.reason;
  s.failure_retryable = e.retryable;
}

void apply(invoice_state& s, const marked_not_an_invoice& e) {
  enter(s, invoice_status::not_an_invoice);
  s.not_an_invoice_reason = e.reason;
}

void apply(invoice_state& s, const duplicate_suspected& e) {
  s.duplicate_of = e.of;
  s.duplicate_why = e.why;
}

void apply(invoice_state& s, const fields_corrected& e) {
  for (const auto& change : e.changes) {
    if (auto spec = find_field(change.field)) {
      assign_text(*spec, s.fields, change.to);
      s.corrected_fields.insert(change.field);
    }
  }
}

void apply(invoice_state& s, const lines_replaced& e) {
  s.lines = e.lines;
}

void apply(invoice_state& s, const invoice_approved&) {
  enter(s, invoice_status::approved);
}

void apply(invoice_state& s, const invoice_rejected& e) {
  enter(s, invoice_status::rejected);
  s.rejection_reason = e.reason;
}

void apply(invoice_state& s, const invoice_paid& e) {
  s.paid = true;
  s.paid_on = e.paid_on;
  s.payment = e.method;
  s.payment_reference = e.reference;
}

void apply(invoice_state& s, const invoice_marked_unpaid&) {
  s.paid = false;
  s.paid_on.reset();
  s.payment.reset();
  s.payment_reference.reset();
}

/// Back to the start: the next extraction replaces everything it found.
/// A duplicate of the same bytes stays one; a duplicate by number, supplier
/// and total is judged again once those are extracted again.
void apply(invoice_state& s, const reprocess_requested&) {
  enter(s, invoice_status::received);
  s.fields = {};
  s.lines.clear();
  s.taxes.clear();
  s.confidence.clear();
  s.overall_confidence.reset();
  s.corrected_fields.clear();
  s.provider.clear();
  s.model.clear();
  if (s.duplicate_why == duplicate_reason::same_number_supplier_total) {
    s.duplicate_of.reset();
    s.duplicate_why.reset();
  }
}

void apply(invoice_state& s, const invoice_deleted& e) {
  enter(s, invoice_status::deleted);
  s.deletion_reason = e.reason;
}

} // namespace

invoice_state invoice_entity::evolve(invoice_state current,
                                     const invoice_event& ev) {
  std::visit(
    [&current](const auto& e) {
      apply(current, e);
    },
    ev);
  return current;
}

// -- decide -------------------------------------------------------------------

namespace {

using decision = expected<std::vector<invoice_event>>;

decision emit(invoice_event ev) {
  std::vector<invoice_event> out;
  out.push_back(std::move(ev));
  return out;
}

decision nothing() {
  return std::vector<invoice_event>{};
}

/// Where the invoice is, as the first half of a refusal.
std::string where(const invoice_state& s) {
  switch (s.status) {
    case invoice_status::received:
      return "the invoice is waiting for extraction";
    case invoice_status::extracting:
      return "the invoice is still being extracted";
    case invoice_status::awaiting_approval:
      return "the invoice is awaiting approval";
    case invoice_status::approved:
      return s.paid ? "the invoice is approved and marked paid"
                    : "the invoice is approved";
    case invoice_status::rejected: return "the invoice was rejected";
    case invoice_status::failed: return "the extraction of the invoice failed";
    case invoice_status::not_an_invoice:
      return "the document was marked as not an invoice";
    case invoice_status::deleted: return "the invoice was deleted";
  }
  return "the invoice is in an unknown state";
}

larder::error refuse(std::string message) {
  return make_error(errc::rejected, std::move(message));
}

larder::error refuse(const invoice_state& s, std::string_view advice) {
  return refuse(where(s) + "; " + std::string{advice});
}

bool before_extraction_finished(const invoice_state& s) {
  return s.status == invoice_status::received
         || s.status == invoice_status::extracting;
}

decision decide_one(const invoice_state& s, const receive_document& c,
                    const command_context& ctx) {
  if (s.exists)
    return make_error(errc::conflict, "the invoice already exists");
  if (c.invoice_id.is_nil())
    return invalid("invoice_id must not be nil");
  if (ctx.tenant_id.is_nil())
    return invalid("tenant_id must not be nil");
  auto file_name =
    clean_text("file_name", c.file_name, max_file_name_chars, true);
  if (!file_name)
    return std::move(file_name).error();
  if (std::find(allowed_media_types.begin(), allowed_media_types.end(),
                c.media_type)
      == allowed_media_types.end()) {
    std::string list;
    for (auto type : allowed_media_types)
      list += (list.empty() ? "" : ", ") + std::string{type};
    return invalid("media_type must be one of " + list);
  }
  if (c.size_bytes <= 0)
    return invalid("size_bytes must be positive: the document is empty");
  if (c.size_bytes > max_document_bytes)
    return invalid("size_bytes exceeds the 20 MiB limit");
  std::string sha = c.sha256;
  bool hex = sha.size() == 64;
  for (auto& ch : sha) {
    if (ch >= 'A' && ch <= 'F')
      ch = static_cast<char>(ch - 'A' + 'a');
    hex = hex && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
  }
  if (!hex)
    return invalid("sha256 must be 64 hexadecimal digits");
  auto sender = clean_text("sender", c.sender, max_sender_chars, false);
  if (!sender)
    return std::move(sender).error();
  return emit(document_received{
    c.invoice_id, ctx.tenant_id, c.source, std::move(*file_name), c.media_type,
    c.size_bytes, std::move(sha), std::move(*sender)});
}

decision decide_one(const invoice_state& s, const start_extraction&,
                    const command_context&) {
  switch (s.status) {
    case invoice_status::received:
      return emit(extraction_started{s.extraction_attempts + 1});
    case invoice_status::extracting:
      return refuse("the invoice is already being extracted");
    case invoice_status::approved:
      return refuse(s, "reject it and request a reprocess to extract it "
                       "again");
    default: return refuse(s, "request a reprocess to extract it again");
  }
}

larder::error no_extraction_running(const invoice_state& s) {
  if (s.status == invoice_status::received)
    return refuse(s, "a result can be recorded only once the extraction "
                     "has started");
  return refuse(s, "no extraction is running, so no result can be recorded");
}

decision decide_one(const invoice_state& s, const record_extraction& c,
                    const command_context&) {
  if (s.status != invoice_status::extracting)
    return no_extraction_running(s);
  auto provider = clean_text("provider", c.provider, max_provider_chars, true);
  if (!provider)
    return std::move(provider).error();
  auto model = clean_text("model", c.model, max_field_chars, false);
  if (!model)
    return std::move(model).error();
  if (c.cost < decimal{})
    return invalid("cost must not be negative");
  if (c.duration_ms < 0)
    return invalid("duration_ms must not be negative");
  if (!unit_interval(c.overall_confidence))
    return invalid("overall_confidence must be between 0 and 1");
  for (const auto& [key, value] : c.confidence) {
    if (!confidence_key(key))
      return invalid("confidence names an unknown field" + echo(key));
    if (!unit_interval(value))
      return invalid("confidence." + key + " must be between 0 and 1");
  }
  auto fields = clean_fields(c.fields);
  if (!fields)
    return std::move(fields).error();
  auto lines = clean_lines(c.lines);
  if (!lines)
    return std::move(lines).error();
  auto taxes = clean_taxes(c.taxes);
  if (!taxes)
    return std::move(taxes).error();
  extraction_succeeded ev;
  ev.fields = std::move(*fields);
  ev.lines = std::move(*lines);
  ev.taxes = std::move(*taxes);
  ev.confidence = c.confidence;
  ev.overall_confidence = c.overall_confidence;
  ev.provider = std::move(*provider);
  ev.model = std::move(*model);
  ev.cost = c.cost;
  ev.duration_ms = c.duration_ms;
  return emit(std::move(ev));
}

decision decide_one(const invoice_state& s, const record_extraction_failure& c,
                    const command_context&) {
  if (s.status != invoice_status::extracting)
    return no_extraction_running(s);
  auto reason = clean_text("reason", c.reason, max_reason_chars, true,
                           text_lines::multiple);
  if (!reason)
    return std::move(reason).error();
  return emit(extraction_failed{std::move(*reason), c.retryable});
}

decision decide_one(const invoice_state& s, const mark_not_an_invoice& c,
                    const command_context&) {
  switch (s.status) {
    case invoice_status::extracting:
    case invoice_status::awaiting_approval: break;
    case invoice_status::received:
      return refuse(s, "it can be marked as not an invoice once the "
                       "extraction has started");
    case invoice_status::not_an_invoice:
      return refuse("the document is already marked as not an invoice");
    default:
      return refuse(s, "only a document being extracted or awaiting "
                       "approval can be marked as not an invoice");
  }
  auto reason = clean_text("reason", c.reason, max_reason_chars, true,
                           text_lines::multiple);
  if (!reason)
    return std::move(reason).error();
  return emit(marked_not_an_invoice{std::move(*reason)});
}

decision decide_one(const invoice_state& s, const suspect_duplicate& c,
                    const command_context&) {
  switch (s.status) {
    case invoice_status::received:
    case invoice_status::extracting:
    case invoice_status::awaiting_approval:
    case invoice_status::failed: break;
    default:
      return refuse(s, "duplicates are flagged only before the invoice is "
                       "decided on");
  }
  if (c.of.is_nil())
    return invalid("of must not be nil");
  if (c.of == s.invoice_id)
    return invalid("of must name another invoice, not this one");
  if (s.duplicate_of == c.of && s.duplicate_why == c.why)
    return nothing();
  return emit(duplicate_suspected{c.of, c.why});
}

/// Why an invoice outside awaiting_approval cannot be edited.
larder::error not_editable(const invoice_state& s) {
  if (before_extraction_finished(s))
    return refuse(s, "it can be corrected once extraction finishes");
  if (s.status == invoice_status::approved)
    return refuse(s, "corrections are closed after approval");
  return refuse(s, "request a reprocess to correct it");
}

decision decide_one(const invoice_state& s, const correct_fields& c,
                    const command_context&) {
  if (s.status != invoice_status::awaiting_approval)
    return not_editable(s);
  std::vector<const field_spec*> specs;
  const field_correction* currency = nullptr;
  for (const auto& corr : c.corrections) {
    auto spec = find_field(corr.field);
    if (!spec)
      return invalid("cannot correct unknown field" + echo(corr.field));
    if (std::find(specs.begin(), specs.end(), spec) != specs.end())
      return invalid(std::string{spec->name} + " is corrected more than once");
    specs.push_back(spec);
    if (spec->kind == field_kind::currency)
      currency = &corr;
  }
  // Amounts take the precision of the currency the invoice ends up with.
  int minor =
    s.fields.currency ? s.fields.currency->minor_units : default_minor_units;
  if (currency) {
    auto code = normalize_value(*find_field("currency"), currency->value, 0);
    if (!code)
      return std::move(code).error();
    minor = code->empty() ? default_minor_units
                          : values::currency::parse(*code)->minor_units;
  }
  fields_corrected ev;
  for (std::size_t i = 0; i < c.corrections.size(); ++i) {
    auto to = normalize_value(*specs[i], c.corrections[i].value, minor);
    if (!to)
      return std::move(to).error();
    auto from = text_of(*specs[i], s.fields);
    if (from != *to)
      ev.changes.push_back(
        {std::string{specs[i]->name}, std::move(from), std::move(*to)});
  }
  if (ev.changes.empty())
    return nothing();
  return emit(std::move(ev));
}

decision decide_one(const invoice_state& s, const replace_lines& c,
                    const command_context&) {
  if (s.status != invoice_status::awaiting_approval)
    return not_editable(s);
  auto lines = clean_lines(c.lines);
  if (!lines)
    return std::move(lines).error();
  if (*lines == s.lines)
    return nothing();
  return emit(lines_replaced{std::move(*lines)});
}

decision decide_one(const invoice_state& s, const approve&,
                    const command_context&) {
  switch (s.status) {
    case invoice_status::awaiting_approval: return emit(invoice_approved{});
    case invoice_status::received:
    case invoice_status::extracting:
      return refuse(s, "it can be approved once extraction finishes");
    case invoice_status::approved:
      return refuse(s.paid ? "the invoice is already approved and marked paid"
                           : "the invoice is already approved");
    case invoice_status::failed:
      return refuse(s, "request a reprocess to extract it again");
    case invoice_status::not_an_invoice:
      return refuse(s, "request a reprocess if it is an invoice after all");
    default: return refuse(s, "request a reprocess to review it again");
  }
}

decision decide_one(const invoice_state& s, const reject& c,
                    const command_context&) {
  switch (s.status) {
    case invoice_status::awaiting_approval: break;
    case invoice_status::approved:
      if (s.paid)
        return refuse(s, "mark it unpaid before rejecting it");
      break;
    case invoice_status::received:
    case invoice_status::extracting:
      return refuse(s, "it can be rejected once extraction finishes");
    case invoice_status::rejected:
      return refuse("the invoice is already rejected");
    default: return refuse(s, "delete it instead");
  }
  auto reason = clean_text("reason", c.reason, max_reason_chars, true,
                           text_lines::multiple);
  if (!reason)
    return std::move(reason).error();
  return emit(invoice_rejected{std::move(*reason)});
}

decision decide_one(const invoice_state& s, const mark_paid& c,
                    const command_context& ctx) {
  switch (s.status) {
    case invoice_status::approved:
      if (s.paid)
        return refuse("the invoice is already marked paid");
      break;
    case invoice_status::awaiting_approval:
      return refuse(s, "approve it before marking it paid");
    case invoice_status::received:
    case invoice_status::extracting:
      return refuse(s, "it can be marked paid once it is extracted and "
                       "approved");
    default: return refuse(s, "only an approved invoice can be marked paid");
  }
  if (!real_date(c.paid_on))
    return invalid("paid_on is not a real calendar date");
  auto today = values::date::parse(std::string_view{ctx.now}.substr(0, 10));
  if (!today)
    return invalid("the command carries no valid time");
  if (c.paid_on > today->plus_days(1))
    return invalid("paid_on must not be later than tomorrow");
  auto reference =
    clean_optional_text("reference", c.reference, max_field_chars);
  if (!reference)
    return std::move(reference).error();
  return emit(invoice_paid{c.paid_on, c.method, std::move(*reference)});
}

decision decide_one(const invoice_state& s, const mark_unpaid&,
                    const command_context&) {
  if (s.status == invoice_status::approved) {
    if (s.paid)
      return emit(invoice_marked_unpaid{});
    return refuse("the invoice is approved but not marked paid");
  }
  return refuse(s, "only a paid invoice can be marked unpaid");
}

decision decide_one(const invoice_state& s, const request_reprocess& c,
                    const command_context&) {
  switch (s.status) {
    case invoice_status::failed:
    case invoice_status::not_an_invoice:
    case invoice_status::rejected:
    case invoice_status::awaiting_approval: break;
    case invoice_status::received:
      return refuse("the invoice is already waiting for extraction");
    case invoice_status::extracting:
      return refuse(s, "it can be reprocessed once extraction finishes");
    default:
      return refuse(s, s.paid ? "mark it unpaid and reject it before "
                                "reprocessing it"
                              : "reject it before reprocessing it");
  }
  auto reason = clean_optional_text("reason", c.reason, max_reason_chars,
                                    text_lines::multiple);
  if (!reason)
    return std::move(reason).error();
  return emit(reprocess_requested{std::move(*reason)});
}

decision decide_one(const invoice_state&, const delete_invoice& c,
                    const command_context&) {
  auto reason = clean_optional_text("reason", c.reason, max_reason_chars,
                                    text_lines::multiple);
  if (!reason)
    return std::move(reason).error();
  return emit(invoice_deleted{std::move(*reason)});
}

} // namespace

expected<std::vector<invoice_event>>
invoice_entity::decide(const invoice_state& current, const invoice_command& cmd,
                       const command_context& ctx) {
  if (!std::holds_alternative<receive_document>(cmd)) {
    if (!current.exists)
      return make_error(errc::not_found, "no such invoice");
    if (current.status == invoice_status::deleted)
      return make_error(errc::not_found, "the invoice was deleted");
  }
  return std::visit(
    [&](const auto& c) {
      return decide_one(current, c, ctx);
    },
    cmd);
}

// -- encode -------------------------------------------------------------------

namespace {

using events::json_writer;

void write_optional(json_writer& w, std::string_view name,
                    const std::optional<std::string>& text) {
  if (text)
    w.field(name, *text);
}

/// Known fields only, in `invoice_field_names` order, in `field_text` form.
void write_fields(json_writer& w, const invoice_fields& fields) {
  w.begin_object();
  for (const auto& spec : field_specs) {
    auto text = text_of(spec, fields);
    if (!text.empty())
      w.field(spec.name, text);
  }
  w.end_object();
}

void write(json_writer& w, const document_received& e) {
  w.field("invoice_id", e.invoice_id.to_string())
    .field("tenant_id", e.tenant_id.to_string())
    .field("source", to_string(e.source))
    .field("file_name", e.file_name)
    .field("media_type", e.media_type)
    .field("size_bytes", e.size_bytes)
    .field("sha256", e.sha256)
    .field("sender", e.sender);
}

void write(json_writer& w, const extraction_started& e) {
  w.field("attempt", e.attempt);
}

void write(json_writer& w, const extraction_succeeded& e) {
  w.key("fields");
  write_fields(w, e.fields);
  w.key("lines");
  values::encode_lines(w, e.lines);
  w.key("taxes");
  values::encode_taxes(w, e.taxes);
  w.key("confidence").begin_object();
  for (const auto& [field, value] : e.confidence)
    w.field(field, value.to_string());
  w.end_object();
  w.field("overall_confidence", e.overall_confidence.to_string())
    .field("provider", e.provider)
    .field("model", e.model)
    .field("cost", e.cost.to_string())
    .field("duration_ms", e.duration_ms);
}

void write(json_writer& w, const extraction_failed& e) {
  w.field("reason", e.reason).field("retryable", e.retryable);
}

void write(json_writer& w, const marked_not_an_invoice& e) {
  w.field("reason", e.reason);
}

void write(json_writer& w, const duplicate_suspected& e) {
  w.field("of", e.of.to_string()).field("why", to_string(e.why));
}

void write(json_writer& w, const fields_corrected& e) {
  w.key("changes").begin_array();
  for (const auto& change : e.changes)
    w.begin_object()
      .field("field", change.field)
      .field("from", change.from)
      .field("to", change.to)
      .end_object();
  w.end_array();
}

void write(json_writer& w, const lines_replaced& e) {
  w.key("lines");
  values::encode_lines(w, e.lines);
}

void write(json_writer&, const invoice_approved&) {}

void write(json_writer& w, const invoice_rejected& e) {
  w.field("reason", e.reason);
}

void write(json_writer& w, const invoice_paid& e) {
  w.field("paid_on", e.paid_on.to_string())
    .field("method", to_string(e.method));
  write_optional(w, "reference", e.reference);
}

void write(json_writer&, const invoice_marked_unpaid&) {}

void write(json_writer& w, const reprocess_requested& e) {
  write_optional(w, "reason", e.reason);
}

void write(json_writer& w, const invoice_deleted& e) {
  write_optional(w, "reason", e.reason);
}

} // namespace

events::new_event invoice_entity::encode(const invoice_event& ev) {
  return detail::encode_event(ev, [](json_writer& w, const auto& e) {
    write(w, e);
  });
}

// -- decode -------------------------------------------------------------------

namespace {

/// Reads members of one payload object, keeping the first problem and
/// returning harmless defaults after it, so that each event's reader is a
/// straight list of fields checked once at the end. Unknown members are
/// ignored: upcasting, not strictness, is how payloads evolve.
class payload_reader {
 public:
  payload_reader(simdjson::dom::object obj, std::string_view type)
    : obj_(obj), type_(type) {}

  bool failed() const {
    return failed_;
  }

  larder::error error() const {
    return invalid(std::string{type_} + ": " + problem_);
  }

  void fail(std::string problem) {
    if (!failed_) {
      failed_ = true;
      problem_ = std::move(problem);
    }
  }

  /// The member `key`, or a failure when it is missing.
  simdjson::dom::element member(const char* key) {
    simdjson::dom::element el;
    if (obj_[key].get(el))
      fail(std::string{key} + " is missing");
    return el;
  }

  std::string text(const char* key) {
    std::string_view s;
    if (obj_[key].get(s)) {
      fail(std::string{key} + " is missing or not a string");
      return {};
    }
    return std::string{s};
  }

  /// Absent or null means none.
  std::optional<std::string> optional_text(const char* key) {
    simdjson::dom::element el;
    if (obj_[key].get(el) || el.is_null())
      return std::nullopt;
    std::string_view s;
    if (el.get(s)) {
      fail(std::string{key} + " is not a string");
      return std::nullopt;
    }
    return std::string{s};
  }

  std::int64_t integer(const char* key, std::int64_t min, std::int64_t max) {
    std::int64_t n = 0;
    if (obj_[key].get(n)) {
      fail(std::string{key} + " is missing or not an integer");
      return min;
    }
    if (n < min || n > max) {
      fail(std::string{key} + " is out of range");
      return min;
    }
    return n;
  }

  bool flag(const char* key) {
    bool b = false;
    if (obj_[key].get(b))
      fail(std::string{key} + " is missing or not a boolean");
    return b;
  }

  decimal amount(const char* key) {
    auto parsed = decimal::parse(text(key));
    if (!parsed) {
      fail(std::string{key} + " is not a decimal string");
      return {};
    }
    return *parsed;
  }

  events::uuid id(const char* key) {
    auto parsed = events::uuid::parse(text(key));
    if (!parsed) {
      fail(std::string{key} + " is not a UUID");
      return {};
    }
    return *parsed;
  }

  values::date day(const char* key) {
    auto parsed = values::date::parse(text(key));
    if (!parsed) {
      fail(std::string{key} + " is not a date");
      return {};
    }
    return *parsed;
  }

  template <class Enum>
  Enum choice(const char* key, std::optional<Enum> (*parse)(std::string_view)) {
    auto parsed = parse(text(key));
    if (!parsed) {
      fail(std::string{key} + " has an unknown value");
      return Enum{};
    }
    return *parsed;
  }

  simdjson::dom::object object(const char* key) {
    simdjson::dom::object o;
    if (obj_[key].get(o))
      fail(std::string{key} + " is missing or not an object");
    return o;
  }

  simdjson::dom::array array(const char* key) {
    simdjson::dom::array a;
    if (obj_[key].get(a))
      fail(std::string{key} + " is missing or not an array");
    return a;
  }

  std::vector<values::line_item> lines(const char* key) {
    auto el = member(key);
    if (failed_)
      return {};
    auto decoded = values::decode_lines(el);
    if (!decoded) {
      fail(std::string{key} + ": " + decoded.error().message);
      return {};
    }
    return std::move(*decoded);
  }

  std::vector<values::tax_line> taxes(const char* key) {
    auto el = member(key);
    if (failed_)
      return {};
    auto decoded = values::decode_taxes(el);
    if (!decoded) {
      fail(std::string{key} + ": " + decoded.error().message);
      return {};
    }
    return std::move(*decoded);
  }

 private:
  simdjson::dom::object obj_;
  std::string_view type_;
  bool failed_ = false;
  std::string problem_;
};

void read(payload_reader& r, document_received& e) {
  e.invoice_id = r.id("invoice_id");
  e.tenant_id = r.id("tenant_id");
  e.source = r.choice("source", &parse_document_source);
  e.file_name = r.text("file_name");
  e.media_type = r.text("media_type");
  e.size_bytes = r.integer("size_bytes", 0, max_document_bytes);
  e.sha256 = r.text("sha256");
  e.sender = r.text("sender");
}

void read(payload_reader& r, extraction_started& e) {
  e.attempt = static_cast<int>(
    r.integer("attempt", 1, std::numeric_limits<std::int32_t>::max()));
}

void read(payload_reader& r, extraction_succeeded& e) {
  if (auto fields = r.object("fields"); !r.failed()) {
    for (auto member : fields) {
      auto spec = find_field(member.key);
      if (!spec)
        continue;
      std::string_view text;
      if (member.value.get(text) || !assign_text(*spec, e.fields, text))
        r.fail("fields." + std::string{member.key} + " is not valid");
    }
  }
  e.lines = r.lines("lines");
  e.taxes = r.taxes("taxes");
  if (auto confidence = r.object("confidence"); !r.failed()) {
    for (auto member : confidence) {
      std::string_view text;
      std::optional<decimal> value;
      if (!member.value.get(text))
        if (auto parsed = decimal::parse(text))
          value = *parsed;
      if (!value)
        r.fail("confidence." + std::string{member.key}
               + " is not a decimal string");
      else
        e.confidence[std::string{member.key}] = *value;
    }
  }
  e.overall_confidence = r.amount("overall_confidence");
  e.provider = r.text("provider");
  e.model = r.text("model");
  e.cost = r.amount("cost");
  e.duration_ms =
    r.integer("duration_ms", 0, std::numeric_limits<std::int64_t>::max());
}

void read(payload_reader& r, extraction_failed& e) {
  e.reason = r.text("reason");
  e.retryable = r.flag("retryable");
}

void read(payload_reader& r, marked_not_an_invoice& e) {
  e.reason = r.text("reason");
}

void read(payload_reader& r, duplicate_suspected& e) {
  e.of = r.id("of");
  e.why = r.choice("why", &parse_duplicate_reason);
}

void read(payload_reader& r, fields_corrected& e) {
  auto changes = r.array("changes");
  if (r.failed())
    return;
  for (auto element : changes) {
    simdjson::dom::object obj;
    if (element.get(obj)) {
      r.fail("changes holds something other than an object");
      return;
    }
    payload_reader item{obj, "changes"};
    field_change change{item.text("field"), item.text("from"), item.text("to")};
    auto spec = find_field(change.field);
    invoice_fields scratch;
    if (item.failed() || !spec || !assign_text(*spec, scratch, change.from)
        || !assign_text(*spec, scratch, change.to)) {
      r.fail("changes holds an invalid correction");
      return;
    }
    e.changes.push_back(std::move(change));
  }
}

void read(payload_reader& r, lines_replaced& e) {
  e.lines = r.lines("lines");
}

void read(payload_reader&, invoice_approved&) {}

void read(payload_reader& r, invoice_rejected& e) {
  e.reason = r.text("reason");
}

void read(payload_reader& r, invoice_paid& e) {
  e.paid_on = r.day("paid_on");
  e.method = r.choice("method", &parse_payment_method);
  e.reference = r.optional_text("reference");
}

void read(payload_reader&, invoice_marked_unpaid&) {}

void read(payload_reader& r, reprocess_requested& e) {
  e.reason = r.optional_text("reason");
}

void read(payload_reader& r, invoice_deleted& e) {
  e.reason = r.optional_text("reason");
}

} // namespace

expected<invoice_event> invoice_entity::decode(const events::envelope& env) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(env.payload.data(), env.payload.size()).get(obj))
    return invalid(env.event_type + ": the payload is not a JSON object");
  return detail::decode_event<invoice_event>(
    env, "invoice", [&](auto& ev) -> std::optional<larder::error> {
      payload_reader r{obj, std::decay_t<decltype(ev)>::type};
      read(r, ev);
      if (r.failed())
        return r.error();
      return std::nullopt;
    });
}

void invoice_entity::register_events(events::catalog& catalog) {
  detail::register_event_types<invoice_event>(catalog);
}

} // namespace larder::domain
