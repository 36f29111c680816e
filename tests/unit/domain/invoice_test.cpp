#include "actors/invoice/invoice.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "events/catalog.hpp"

using namespace larder;
using namespace larder::domain;

namespace {

// -- fixtures -----------------------------------------------------------------

const events::uuid invoice_id =
  *events::uuid::parse("0190a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b");
const events::uuid tenant_id =
  *events::uuid::parse("0190a3b4-0000-7000-8000-000000000001");
const events::uuid earlier_invoice =
  *events::uuid::parse("0190a3b4-0000-7000-8000-0000000000aa");

const std::string sha =
  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// The injected clock: 22 November 2026, early morning UTC.
command_context context() {
  command_context ctx;
  ctx.meta.actor = events::actor_kind::user;
  ctx.meta.actor_id = "user-1";
  ctx.now = "2026-11-22T06:01:02.123456Z";
  ctx.tenant_id = tenant_id;
  return ctx;
}

values::decimal dec(std::string_view text) {
  return values::decimal::parse(text).value();
}

values::date day(std::string_view text) {
  return values::date::parse(text).value();
}

values::line_item raw_line(std::string description, std::string_view quantity,
                           std::string_view price, std::string_view total) {
  values::line_item line;
  line.description = std::move(description);
  line.quantity = dec(quantity);
  line.unit = "kg";
  line.unit_price = dec(price);
  line.line_total = dec(total);
  line.tax_code = "Z";
  return line;
}

/// A line as `validate_line` leaves it, as events hold them.
values::line_item line(std::string description, std::string_view quantity,
                       std::string_view price, std::string_view total) {
  return values::validate_line(
           raw_line(std::move(description), quantity, price, total))
    .value();
}

document_received received_event() {
  return {invoice_id,
          tenant_id,
          document_source::email,
          "facture 42.pdf",
          "application/pdf",
          48213,
          sha,
          "orders@fromagerie.example"};
}

invoice_fields extracted_fields() {
  invoice_fields f;
  f.supplier_name = "Fromagerie du Marché";
  f.supplier_tax_id = "123456789RT0001";
  f.invoice_number = "INV-1";
  f.issue_date = day("2026-11-02");
  f.due_date = day("2026-12-02");
  f.currency = values::currency::parse("CAD").value();
  f.subtotal = dec("103.07");
  f.tax_total = dec("15.43");
  f.total = dec("118.5");
  f.purchase_order = "PO-7";
  f.payment_terms = "Net 30";
  return f;
}

extraction_succeeded extracted_event() {
  extraction_succeeded e;
  e.fields = extracted_fields();
  e.lines = {line("Comté 18 mois", "2.5", "32.4", "81"),
             line("Beurre demi-sel", "3", "7.39", "22.07")};
  e.taxes = {{values::tax_kind::gst, dec("5"), dec("5.15")},
             {values::tax_kind::qst, dec("9.975"), dec("10.28")}};
  e.confidence = {{"supplier_name", dec("0.98")},
                  {"total", dec("0.91")},
                  {"lines", dec("0.8")}};
  e.overall_confidence = dec("0.87");
  e.provider = "openai";
  e.model = "gpt-4o-mini";
  e.cost = dec("0.0021");
  e.duration_ms = 5230;
  return e;
}

/// The statuses a test can start from; `paid` is approved and paid.
enum class given : int {
  nothing,
  received,
  extracting,
  awaiting_approval,
  approved,
  paid,
  rejected,
  failed,
  not_an_invoice,
  deleted,
};

constexpr given all_given[] = {given::nothing,        given::received,
                               given::extracting,     given::awaiting_approval,
                               given::approved,       given::paid,
                               given::rejected,       given::failed,
                               given::not_an_invoice, given::deleted};

const char* name(given g) {
  switch (g) {
    case given::nothing: return "nothing";
    case given::received: return "received";
    case given::extracting: return "extracting";
    case given::awaiting_approval: return "awaiting_approval";
    case given::approved: return "approved";
    case given::paid: return "paid";
    case given::rejected: return "rejected";
    case given::failed: return "failed";
    case given::not_an_invoice: return "not_an_invoice";
    case given::deleted: return "deleted";
  }
  return "?";
}

/// The events that bring a new invoice to `g`.
std::vector<invoice_event> history(given g) {
  std::vector<invoice_event> evs;
  auto add = [&evs](invoice_event e) {
    evs.push_back(std::move(e));
  };
  switch (g) {
    case given::nothing: break;
    case given::received: add(received_event()); break;
    case given::extracting:
      evs = history(given::received);
      add(extraction_started{1});
      break;
    case given::awaiting_approval:
      evs = history(given::extracting);
      add(extracted_event());
      break;
    case given::approved:
      evs = history(given::awaiting_approval);
      add(invoice_approved{});
      break;
    case given::paid:
      evs = history(given::approved);
      add(invoice_paid{day("2026-11-20"), payment_method::card, "4417"});
      break;
    case given::rejected:
      evs = history(given::awaiting_approval);
      add(invoice_rejected{"not our supplier"});
      break;
    case given::failed:
      evs = history(given::extracting);
      add(extraction_failed{"the provider timed out", true});
      break;
    case given::not_an_invoice:
      evs = history(given::extracting);
      add(marked_not_an_invoice{"a delivery note"});
      break;
    case given::deleted:
      evs = history(given::received);
      add(invoice_deleted{"sent by mistake"});
      break;
  }
  return evs;
}

invoice_state fold(const std::vector<invoice_event>& evs,
                   invoice_state s = {}) {
  for (const auto& e : evs)
    s = invoice_entity::evolve(std::move(s), e);
  return s;
}

invoice_state state_of(given g) {
  return fold(history(g));
}

/// Decides and, on success, returns the state the events lead to as well.
struct outcome {
  expected<std::vector<invoice_event>> events;
  invoice_state after;
};

outcome run(const invoice_state& s, const invoice_command& cmd,
            const command_context& ctx = context()) {
  auto decided = invoice_entity::decide(s, cmd, ctx);
  auto after = decided ? fold(*decided, s) : s;
  return {std::move(decided), std::move(after)};
}

/// The one event a command produced, or a test failure.
template <class Event>
Event only_event(const expected<std::vector<invoice_event>>& decided) {
  if (!decided) {
    ADD_FAILURE() << "refused: " << decided.error().message;
    return {};
  }
  if (decided->size() != 1) {
    ADD_FAILURE() << decided->size() << " events instead of one";
    return {};
  }
  auto event = std::get_if<Event>(&decided->front());
  if (!event) {
    ADD_FAILURE() << "got " << event_type(decided->front()) << " instead of "
                  << Event::type;
    return {};
  }
  return *event;
}

void expect_error(const expected<std::vector<invoice_event>>& decided,
                  errc code, std::string_view substring) {
  ASSERT_FALSE(decided) << "decided " << decided->size() << " events";
  EXPECT_EQ(to_string(decided.error().code), to_string(code))
    << decided.error().message;
  EXPECT_NE(decided.error().message.find(substring), std::string::npos)
    << "\"" << decided.error().message << "\" lacks \"" << substring << "\"";
}

// -- commands, one valid sample of each ---------------------------------------

enum class verb : int {
  receive,
  start,
  record,
  fail,
  not_invoice,
  duplicate,
  correct,
  lines,
  approve,
  reject,
  pay,
  unpay,
  reprocess,
  remove,
};

constexpr verb all_verbs[] = {
  verb::receive,     verb::start,     verb::record,  verb::fail,
  verb::not_invoice, verb::duplicate, verb::correct, verb::lines,
  verb::approve,     verb::reject,    verb::pay,     verb::unpay,
  verb::reprocess,   verb::remove};

const char* name(verb v) {
  switch (v) {
    case verb::receive: return "receive_document";
    case verb::start: return "start_extraction";
    case verb::record: return "record_extraction";
    case verb::fail: return "record_extraction_failure";
    case verb::not_invoice: return "mark_not_an_invoice";
    case verb::duplicate: return "suspect_duplicate";
    case verb::correct: return "correct_fields";
    case verb::lines: return "replace_lines";
    case verb::approve: return "approve";
    case verb::reject: return "reject";
    case verb::pay: return "mark_paid";
    case verb::unpay: return "mark_unpaid";
    case verb::reprocess: return "request_reprocess";
    case verb::remove: return "delete_invoice";
  }
  return "?";
}

receive_document receive_command() {
  return {invoice_id,
          document_source::email,
          "facture 42.pdf",
          "application/pdf",
          48213,
          sha,
          "orders@fromagerie.example"};
}

record_extraction record_command() {
  auto e = extracted_event();
  return {e.fields,   e.lines, e.taxes, e.confidence, e.overall_confidence,
          e.provider, e.model, e.cost,  e.duration_ms};
}

invoice_command sample(verb v) {
  switch (v) {
    case verb::receive: return receive_command();
    case verb::start: return start_extraction{};
    case verb::record: return record_command();
    case verb::fail:
      return record_extraction_failure{"the provider timed out", true};
    case verb::not_invoice: return mark_not_an_invoice{"a restaurant menu"};
    case verb::duplicate:
      return suspect_duplicate{earlier_invoice, duplicate_reason::same_content};
    case verb::correct: return correct_fields{{{"invoice_number", "INV-2"}}};
    case verb::lines:
      return replace_lines{{raw_line("Comté 24 mois", "1", "41", "41")}};
    case verb::approve: return approve{};
    case verb::reject: return reject{"charged twice for the butter"};
    case verb::pay:
      return mark_paid{day("2026-11-21"), payment_method::bank_transfer,
                       "TRF-889"};
    case verb::unpay: return mark_unpaid{};
    case verb::reprocess: return request_reprocess{"the total looks wrong"};
    case verb::remove: return delete_invoice{"uploaded twice"};
  }
  return approve{};
}

// -- the lifecycle matrix -----------------------------------------------------

/// A cell: the event type an allowed command produces, or the error code of
/// a refused one.
constexpr const char* NF = "not_found";
constexpr const char* RJ = "rejected";
constexpr const char* CF = "conflict";

struct matrix_row {
  given from;
  std::array<const char*, 14> cells;
};

// clang-format off
/// DESIGN.md §5 as a table; columns follow `all_verbs`:
/// receive, start, record, fail, not_invoice, duplicate, correct, lines,
/// approve, reject, pay, unpay, reprocess, remove.
const matrix_row lifecycle[] = {
  {given::nothing,
   {"DocumentReceived", NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF}},
  {given::received,
   {CF, "ExtractionStarted", RJ, RJ, RJ, "DuplicateSuspected", RJ, RJ, RJ, RJ,
    RJ, RJ, RJ, "InvoiceDeleted"}},
  {given::extracting,
   {CF, RJ, "ExtractionSucceeded", "ExtractionFailed", "MarkedNotAnInvoice",
    "DuplicateSuspected", RJ, RJ, RJ, RJ, RJ, RJ, RJ, "InvoiceDeleted"}},
  {given::awaiting_approval,
   {CF, RJ, RJ, RJ, "MarkedNotAnInvoice", "DuplicateSuspected",
    "FieldsCorrected", "LinesReplaced", "InvoiceApproved", "InvoiceRejected",
    RJ, RJ, "ReprocessRequested", "InvoiceDeleted"}},
  {given::approved,
   {CF, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, "InvoiceRejected", "InvoicePaid", RJ,
    RJ, "InvoiceDeleted"}},
  {given::paid,
   {CF, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, "InvoiceMarkedUnpaid", RJ,
    "InvoiceDeleted"}},
  {given::rejected,
   {CF, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, "ReprocessRequested",
    "InvoiceDeleted"}},
  {given::failed,
   {CF, RJ, RJ, RJ, RJ, "DuplicateSuspected", RJ, RJ, RJ, RJ, RJ, RJ,
    "ReprocessRequested", "InvoiceDeleted"}},
  {given::not_an_invoice,
   {CF, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, RJ, "ReprocessRequested",
    "InvoiceDeleted"}},
  {given::deleted,
   {CF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF}},
};
// clang-format on

/// Where an invoice in `from` stands after an allowed `event_type`.
given lands_in(given from, std::string_view type) {
  if (type == "DocumentReceived" || type == "ReprocessRequested")
    return given::received;
  if (type == "ExtractionStarted")
    return given::extracting;
  if (type == "ExtractionSucceeded")
    return given::awaiting_approval;
  if (type == "ExtractionFailed")
    return given::failed;
  if (type == "MarkedNotAnInvoice")
    return given::not_an_invoice;
  if (type == "InvoiceApproved" || type == "InvoiceMarkedUnpaid")
    return given::approved;
  if (type == "InvoiceRejected")
    return given::rejected;
  if (type == "InvoicePaid")
    return given::paid;
  if (type == "InvoiceDeleted")
    return given::deleted;
  return from; // edits: duplicate flags, corrections, lines
}

given status_as_given(const invoice_state& s) {
  if (!s.exists)
    return given::nothing;
  switch (s.status) {
    case invoice_status::received: return given::received;
    case invoice_status::extracting: return given::extracting;
    case invoice_status::awaiting_approval: return given::awaiting_approval;
    case invoice_status::approved:
      return s.paid ? given::paid : given::approved;
    case invoice_status::rejected: return given::rejected;
    case invoice_status::failed: return given::failed;
    case invoice_status::not_an_invoice: return given::not_an_invoice;
    case invoice_status::deleted: return given::deleted;
  }
  return given::nothing;
}

/// Words every refusal in a state carries, so that it names the state.
const char* state_words(given g) {
  switch (g) {
    case given::received: return "waiting for extraction";
    case given::extracting: return "being extracted";
    case given::awaiting_approval: return "awaiting approval";
    case given::approved: return "approved";
    case given::paid: return "paid";
    case given::rejected: return "rejected";
    case given::failed: return "failed";
    case given::not_an_invoice: return "not an invoice";
    default: return "";
  }
}

struct matrix_case {
  given from;
  verb command;
  std::string expected;
};

std::vector<matrix_case> matrix_cases() {
  std::vector<matrix_case> out;
  for (const auto& row : lifecycle)
    for (std::size_t i = 0; i < std::size(all_verbs); ++i)
      out.push_back({row.from, all_verbs[i], row.cells[i]});
  return out;
}

void PrintTo(const matrix_case& c, std::ostream* os) {
  *os << name(c.command) << " on " << name(c.from) << " -> " << c.expected;
}

class lifecycle_matrix : public testing::TestWithParam<matrix_case> {};

TEST(lifecycle_matrix_table, covers_every_status_and_command) {
  ASSERT_EQ(std::size(lifecycle), std::size(all_given));
  for (std::size_t i = 0; i < std::size(all_given); ++i)
    EXPECT_EQ(lifecycle[i].from, all_given[i]) << name(all_given[i]);
  EXPECT_EQ(std::size(all_verbs), std::variant_size_v<invoice_command>);
  for (auto g : all_given)
    EXPECT_EQ(status_as_given(state_of(g)), g) << name(g);
}

TEST_P(lifecycle_matrix, allows_or_refuses_as_the_design_says) {
  const auto& c = GetParam();
  auto before = state_of(c.from);
  auto [decided, after] = run(before, sample(c.command));
  if (c.expected == NF || c.expected == RJ || c.expected == CF) {
    ASSERT_FALSE(decided) << "allowed with " << decided->size() << " events";
    EXPECT_EQ(to_string(decided.error().code), c.expected)
      << decided.error().message;
    if (c.expected == RJ) {
      EXPECT_NE(decided.error().message.find(state_words(c.from)),
                std::string::npos)
        << "\"" << decided.error().message << "\" does not name the state";
    }
    EXPECT_FALSE(decided.error().message.empty());
    return;
  }
  ASSERT_TRUE(decided) << decided.error().message;
  ASSERT_EQ(decided->size(), 1u);
  EXPECT_STREQ(event_type(decided->front()), c.expected.c_str());
  EXPECT_EQ(status_as_given(after), lands_in(c.from, c.expected));
}

INSTANTIATE_TEST_SUITE_P(all, lifecycle_matrix,
                         testing::ValuesIn(matrix_cases()),
                         [](const testing::TestParamInfo<matrix_case>& info) {
                           return std::string{name(info.param.from)} + "_x_"
                                  + name(info.param.command);
                         });

// -- refusals say what to do --------------------------------------------------

struct refusal_case {
  given from;
  invoice_command command;
  errc code;
  std::string message;
};

TEST(invoice_refusals, name_the_state_and_the_way_forward) {
  const refusal_case cases[] = {
    {given::extracting, approve{}, errc::rejected,
     "the invoice is still being extracted; it can be approved once "
     "extraction finishes"},
    {given::approved, approve{}, errc::rejected,
     "the invoice is already approved"},
    {given::rejected, reject{"again"}, errc::rejected,
     "the invoice is already rejected"},
    {given::paid, reject{"too late"}, errc::rejected,
     "the invoice is approved and marked paid; mark it unpaid before "
     "rejecting it"},
    {given::paid, sample(verb::pay), errc::rejected,
     "the invoice is already marked paid"},
    {given::approved, mark_unpaid{}, errc::rejected,
     "the invoice is approved but not marked paid"},
    {given::awaiting_approval, sample(verb::pay), errc::rejected,
     "the invoice is awaiting approval; approve it before marking it paid"},
    {given::approved, sample(verb::correct), errc::rejected,
     "the invoice is approved; corrections are closed after approval"},
    {given::received, sample(verb::lines), errc::rejected,
     "the invoice is waiting for extraction; it can be corrected once "
     "extraction finishes"},
    {given::paid, sample(verb::reprocess), errc::rejected,
     "mark it unpaid and reject it before reprocessing it"},
    {given::approved, sample(verb::reprocess), errc::rejected,
     "the invoice is approved; reject it before reprocessing it"},
    {given::failed, start_extraction{}, errc::rejected,
     "the extraction of the invoice failed; request a reprocess to extract "
     "it again"},
    {given::received, request_reprocess{}, errc::rejected,
     "the invoice is already waiting for extraction"},
    {given::awaiting_approval, sample(verb::record), errc::rejected,
     "no extraction is running"},
    {given::not_an_invoice, approve{}, errc::rejected,
     "request a reprocess if it is an invoice after all"},
    {given::approved, sample(verb::duplicate), errc::rejected,
     "duplicates are flagged only before the invoice is decided on"},
    {given::nothing, approve{}, errc::not_found, "no such invoice"},
    {given::deleted, delete_invoice{}, errc::not_found,
     "the invoice was deleted"},
    {given::received, receive_command(), errc::conflict,
     "the invoice already exists"},
    {given::deleted, receive_command(), errc::conflict,
     "the invoice already exists"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(name(c.from));
    expect_error(invoice_entity::decide(state_of(c.from), c.command, context()),
                 c.code, c.message);
  }
}

/// State is checked before input: a caller learns that the command cannot
/// succeed before fixing an argument that would not help.
TEST(invoice_refusals, state_is_checked_before_input) {
  expect_error(
    invoice_entity::decide(state_of(given::received), reject{""}, context()),
    errc::rejected, "once extraction finishes");
  expect_error(invoice_entity::decide(state_of(given::nothing),
                                      correct_fields{{{"colour", "red"}}},
                                      context()),
               errc::not_found, "no such invoice");
}

// -- receive_document ---------------------------------------------------------

TEST(receive_document, records_the_document_for_the_callers_tenant) {
  auto [decided, after] = run({}, receive_command());
  auto e = only_event<document_received>(decided);
  EXPECT_EQ(e, received_event());
  EXPECT_TRUE(after.exists);
  EXPECT_EQ(after.tenant_id, tenant_id);
  EXPECT_EQ(after.invoice_id, invoice_id);
  EXPECT_EQ(after.status, invoice_status::received);
  EXPECT_EQ(after.document.sha256, sha);
}

TEST(receive_document, accepts_the_limits_and_normalizes) {
  auto cmd = receive_command();
  cmd.size_bytes = max_document_bytes;
  cmd.file_name.clear();
  for (int i = 0; i < 255; ++i)
    cmd.file_name += "é";
  cmd.file_name = "  " + cmd.file_name + " ";
  cmd.sha256 =
    "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
  cmd.sender.clear();
  cmd.media_type = "image/heic";
  auto e =
    only_event<document_received>(invoice_entity::decide({}, cmd, context()));
  EXPECT_EQ(e.size_bytes, 20 * 1024 * 1024);
  EXPECT_EQ(e.file_name.size(), 510u);
  EXPECT_EQ(e.sha256, sha);
  EXPECT_EQ(e.sender, "");
}

TEST(receive_document, refuses_malformed_documents_naming_the_field) {
  struct bad {
    const char* what;
    void (*change)(receive_document&, command_context&);
    const char* message;
  };
  const bad cases[] = {
    {"nil id",
     [](auto& c, auto&) {
       c.invoice_id = {};
     },
     "invoice_id must not be nil"},
    {"nil tenant",
     [](auto&, auto& ctx) {
       ctx.tenant_id = {};
     },
     "tenant_id must not be nil"},
    {"no name",
     [](auto& c, auto&) {
       c.file_name = "   ";
     },
     "file_name must not be empty"},
    {"long name",
     [](auto& c, auto&) {
       c.file_name = std::string(256, 'a');
     },
     "file_name must be at most 255 characters"},
    {"newline",
     [](auto& c, auto&) {
       c.file_name = "a\nb.pdf";
     },
     "file_name must not contain control characters"},
    {"nul",
     [](auto& c, auto&) {
       c.file_name = std::string{"a\0b.pdf", 7};
     },
     "file_name must not contain control characters"},
    {"C1 control",
     [](auto& c, auto&) {
       c.file_name = "a\u0085b.pdf";
     },
     "file_name must not contain control characters"},
    {"bidi override",
     [](auto& c, auto&) {
       c.file_name = "invoice\u202Efdp.exe";
     },
     "file_name must not contain control characters"},
    {"not UTF-8",
     [](auto& c, auto&) {
       c.file_name = "r\xe9sum\xe9.pdf";
     },
     "file_name is not valid UTF-8"},
    {"overlong UTF-8",
     [](auto& c, auto&) {
       c.file_name = "a\xc0\xaf"
                     "b";
     },
     "file_name is not valid UTF-8"},
    {"html",
     [](auto& c, auto&) {
       c.media_type = "text/html";
     },
     "media_type must be one of application/pdf"},
    {"media type case",
     [](auto& c, auto&) {
       c.media_type = "Application/PDF";
     },
     "media_type"},
    {"empty",
     [](auto& c, auto&) {
       c.size_bytes = 0;
     },
     "size_bytes"},
    {"negative",
     [](auto& c, auto&) {
       c.size_bytes = -1;
     },
     "size_bytes"},
    {"too big",
     [](auto& c, auto&) {
       c.size_bytes = max_document_bytes + 1;
     },
     "size_bytes exceeds the 20 MiB limit"},
    {"short hash",
     [](auto& c, auto&) {
       c.sha256 = sha.substr(1);
     },
     "sha256 must be 64 hexadecimal digits"},
    {"non-hex hash",
     [](auto& c, auto&) {
       c.sha256[10] = 'g';
     },
     "sha256 must be 64 hexadecimal digits"},
    {"sender",
     [](auto& c, auto&) {
       c.sender = "a\tb@example.com";
     },
     "sender must not contain control characters"},
    {"long sender",
     [](auto& c, auto&) {
       c.sender = std::string(321, 'a');
     },
     "sender must be at most 320 characters"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto cmd = receive_command();
    auto ctx = context();
    c.change(cmd, ctx);
    expect_error(invoice_entity::decide({}, cmd, ctx), errc::invalid_argument,
                 c.message);
  }
}

// -- extraction ---------------------------------------------------------------

TEST(record_extraction, stores_what_was_found_and_counts_attempts) {
  auto [decided, after] = run(state_of(given::extracting), record_command());
  auto e = only_event<extraction_succeeded>(decided);
  EXPECT_EQ(e, extracted_event());
  EXPECT_EQ(after.status, invoice_status::awaiting_approval);
  EXPECT_EQ(after.fields, extracted_fields());
  EXPECT_EQ(after.lines.size(), 2u);
  EXPECT_EQ(after.extraction_attempts, 1);
  EXPECT_EQ(after.extraction_cost, dec("0.0021"));
  EXPECT_EQ(after.provider, "openai");
}

TEST(record_extraction, rounds_amounts_to_the_currency_and_flags_lines) {
  auto cmd = record_command();
  cmd.fields.total = dec("10.005");     // half to even: 10
  cmd.fields.subtotal = dec("10.0151"); // 10.02
  cmd.lines = {raw_line("Crème", "2", "3", "7")};
  auto e = only_event<extraction_succeeded>(
    invoice_entity::decide(state_of(given::extracting), cmd, context()));
  EXPECT_EQ(e.fields.total, dec("10"));
  EXPECT_EQ(e.fields.subtotal, dec("10.02"));
  ASSERT_EQ(e.lines.size(), 1u);
  EXPECT_TRUE(e.lines[0].total_mismatch);

  cmd.fields.currency = values::currency::parse("JPY").value();
  cmd.fields.total = dec("1234.5");
  cmd.fields.subtotal = dec("1235.5");
  e = only_event<extraction_succeeded>(
    invoice_entity::decide(state_of(given::extracting), cmd, context()));
  EXPECT_EQ(e.fields.total, dec("1234"));
  EXPECT_EQ(e.fields.subtotal, dec("1236"));

  cmd.fields.currency.reset();
  cmd.fields.total = dec("7.125");
  cmd.fields.supplier_name = "   ";
  e = only_event<extraction_succeeded>(
    invoice_entity::decide(state_of(given::extracting), cmd, context()));
  EXPECT_EQ(e.fields.total, dec("7.12")) << "two places without a currency";
  EXPECT_FALSE(e.fields.supplier_name) << "blank text is no text";
}

TEST(record_extraction, refuses_bad_results_naming_the_field) {
  struct bad {
    const char* what;
    void (*change)(record_extraction&);
    const char* message;
  };
  const bad cases[] = {
    {"bad second line",
     [](auto& c) {
       c.lines[1].description.clear();
     },
     "line 2: description is empty"},
    {"line control character",
     [](auto& c) {
       c.lines[0].unit = "k\x01g";
     },
     "line 1: unit contains a control character"},
    {"too many lines",
     [](auto& c) {
       c.lines.assign(values::max_lines_per_invoice + 1, c.lines[0]);
     },
     "at most 1000 lines"},
    {"confidence above 1",
     [](auto& c) {
       c.confidence["total"] = dec("1.01");
     },
     "confidence.total must be between 0 and 1"},
    {"negative confidence",
     [](auto& c) {
       c.confidence["lines"] = dec("-0.1");
     },
     "confidence.lines must be between 0 and 1"},
    {"unknown confidence",
     [](auto& c) {
       c.confidence["colour"] = dec("0.5");
     },
     "confidence names an unknown field 'colour'"},
    {"overall",
     [](auto& c) {
       c.overall_confidence = dec("2");
     },
     "overall_confidence must be between 0 and 1"},
    {"no provider",
     [](auto& c) {
       c.provider.clear();
     },
     "provider must not be empty"},
    {"negative cost",
     [](auto& c) {
       c.cost = dec("-0.01");
     },
     "cost must not be negative"},
    {"negative duration",
     [](auto& c) {
       c.duration_ms = -1;
     },
     "duration_ms must not be negative"},
    {"tax rate",
     [](auto& c) {
       c.taxes[1].rate_percent = dec("100.5");
     },
     "tax 2: rate_percent must be between 0 and 100"},
    {"supplier name",
     [](auto& c) {
       c.fields.supplier_name = "ACME\x1b[31m";
     },
     "fields.supplier_name must not contain control characters"},
    {"long invoice number",
     [](auto& c) {
       c.fields.invoice_number = std::string(201, '7');
     },
     "fields.invoice_number must be at most 200 characters"},
    {"impossible date",
     [](auto& c) {
       c.fields.due_date = values::date{2026, 2, 29};
     },
     "fields.due_date is not a real calendar date"},
    {"unknown currency",
     [](auto& c) {
       c.fields.currency = values::currency{"XQZ", 2};
     },
     "fields.currency must be an ISO 4217 code"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto cmd = record_command();
    c.change(cmd);
    expect_error(
      invoice_entity::decide(state_of(given::extracting), cmd, context()),
      errc::invalid_argument, c.message);
  }
}

TEST(record_extraction_failure, keeps_the_reason_and_whether_to_retry) {
  auto [decided, after] =
    run(state_of(given::extracting),
        record_extraction_failure{"  the model answered\nno JSON ", false});
  auto e = only_event<extraction_failed>(decided);
  EXPECT_EQ(e.reason, "the model answered\nno JSON");
  EXPECT_EQ(after.status, invoice_status::failed);
  EXPECT_EQ(after.failure_reason, "the model answered\nno JSON");
  EXPECT_FALSE(after.failure_retryable);
  expect_error(invoice_entity::decide(state_of(given::extracting),
                                      record_extraction_failure{"", true},
                                      context()),
               errc::invalid_argument, "reason must not be empty");
}

TEST(mark_not_an_invoice, requires_a_reason) {
  auto [decided, after] =
    run(state_of(given::awaiting_approval), mark_not_an_invoice{"a menu"});
  only_event<marked_not_an_invoice>(decided);
  EXPECT_EQ(after.not_an_invoice_reason, "a menu");
  expect_error(invoice_entity::decide(state_of(given::extracting),
                                      mark_not_an_invoice{" "}, context()),
               errc::invalid_argument, "reason must not be empty");
}

TEST(reprocess, clears_extraction_results_and_counts_attempts_on) {
  auto s = state_of(given::awaiting_approval);
  s = fold({duplicate_suspected{earlier_invoice,
                                duplicate_reason::same_number_supplier_total}},
           s);
  auto [decided, after] = run(s, request_reprocess{});
  auto e = only_event<reprocess_requested>(decided);
  EXPECT_FALSE(e.reason) << "an empty reason is none";
  EXPECT_EQ(after.status, invoice_status::received);
  EXPECT_EQ(after.fields, invoice_fields{});
  EXPECT_TRUE(after.lines.empty());
  EXPECT_TRUE(after.confidence.empty());
  EXPECT_FALSE(after.overall_confidence);
  EXPECT_FALSE(after.duplicate_of) << "judged again on the new fields";
  EXPECT_EQ(after.extraction_cost, dec("0.0021")) << "money spent stays spent";
  auto started = only_event<extraction_started>(
    invoice_entity::decide(after, start_extraction{}, context()));
  EXPECT_EQ(started.attempt, 2);

  auto content =
    fold({duplicate_suspected{earlier_invoice, duplicate_reason::same_content},
          invoice_rejected{"duplicate"}},
         state_of(given::awaiting_approval));
  auto again = run(content, request_reprocess{"try again"}).after;
  EXPECT_EQ(again.duplicate_of, earlier_invoice) << "same bytes stay so";
  EXPECT_FALSE(again.rejection_reason);
}

// -- duplicates ---------------------------------------------------------------

TEST(suspect_duplicate, flags_once_and_never_the_invoice_itself) {
  auto [decided, after] =
    run(state_of(given::received), sample(verb::duplicate));
  only_event<duplicate_suspected>(decided);
  EXPECT_EQ(after.duplicate_of, earlier_invoice);
  EXPECT_EQ(after.duplicate_why, duplicate_reason::same_content);
  EXPECT_EQ(after.status, invoice_status::received);
  auto repeat =
    invoice_entity::decide(after, sample(verb::duplicate), context());
  ASSERT_TRUE(repeat);
  EXPECT_TRUE(repeat->empty()) << "the same suspicion changes nothing";
  auto other_reason = invoice_entity::decide(
    after,
    suspect_duplicate{earlier_invoice,
                      duplicate_reason::same_number_supplier_total},
    context());
  ASSERT_TRUE(other_reason);
  EXPECT_EQ(other_reason->size(), 1u);
  expect_error(
    invoice_entity::decide(after, suspect_duplicate{invoice_id, {}}, context()),
    errc::invalid_argument, "not this one");
  expect_error(
    invoice_entity::decide(after, suspect_duplicate{{}, {}}, context()),
    errc::invalid_argument, "of must not be nil");
}

// -- corrections --------------------------------------------------------------

fields_corrected
corrected(const std::vector<field_correction>& corrections,
          const invoice_state& s = state_of(given::awaiting_approval)) {
  return only_event<fields_corrected>(
    invoice_entity::decide(s, correct_fields{corrections}, context()));
}

TEST(correct_fields, records_from_and_to_as_text) {
  auto e = corrected({{"invoice_number", " INV-1b "},
                      {"issue_date", "2026-11-03"},
                      {"total", "120.004"},
                      {"purchase_order", ""}});
  const std::vector<field_change> expected_changes{
    {"invoice_number", "INV-1", "INV-1b"},
    {"issue_date", "2026-11-02", "2026-11-03"},
    {"total", "118.5", "120"},
    {"purchase_order", "PO-7", ""},
  };
  EXPECT_EQ(e.changes, expected_changes);

  auto after = fold({e}, state_of(given::awaiting_approval));
  EXPECT_EQ(after.fields.invoice_number, "INV-1b");
  EXPECT_EQ(after.fields.issue_date, day("2026-11-03"));
  EXPECT_EQ(after.fields.total, dec("120"));
  EXPECT_FALSE(after.fields.purchase_order);
  EXPECT_EQ(after.corrected_fields,
            (std::set<std::string>{"invoice_number", "issue_date", "total",
                                   "purchase_order"}));
}

std::vector<invoice_event>
correct(const std::vector<field_correction>& corrections,
        const invoice_state& s = state_of(given::awaiting_approval)) {
  auto decided =
    invoice_entity::decide(s, correct_fields{corrections}, context());
  if (!decided) {
    ADD_FAILURE() << decided.error().message;
    return {};
  }
  return *decided;
}

TEST(correct_fields, rounds_amounts_to_the_currency_after_the_command) {
  EXPECT_EQ(corrected({{"tax_total", "15.435"}}).changes,
            (std::vector<field_change>{{"tax_total", "15.43", "15.44"}}))
    << "half to even";
  EXPECT_EQ(corrected({{"tax_total", "15.425"}}).changes,
            (std::vector<field_change>{{"tax_total", "15.43", "15.42"}}));
  EXPECT_EQ(corrected({{"total", "1234.5"}, {"currency", "jpy"}}).changes,
            (std::vector<field_change>{{"total", "118.5", "1234"},
                                       {"currency", "CAD", "JPY"}}))
    << "the new currency's precision, whatever the order";
  EXPECT_EQ(corrected({{"currency", ""}, {"total", "9.999"}}).changes,
            (std::vector<field_change>{{"currency", "CAD", ""},
                                       {"total", "118.5", "10"}}))
    << "two places while the currency is unknown";
  EXPECT_EQ(corrected({{"total", "-20"}}).changes,
            (std::vector<field_change>{{"total", "118.5", "-20"}}))
    << "credit notes are negative";
}

TEST(correct_fields, drops_corrections_to_the_value_already_held) {
  EXPECT_TRUE(correct({{"total", "118.50"}}).empty());
  EXPECT_TRUE(correct({{"invoice_number", "INV-1 "},
                       {"currency", "cad"},
                       {"issue_date", "2026-11-02"}})
                .empty());
  EXPECT_TRUE(correct({}).empty());
  EXPECT_EQ(
    corrected({{"total", "118.5"}, {"due_date", "2026-12-31"}}).changes,
    (std::vector<field_change>{{"due_date", "2026-12-02", "2026-12-31"}}));
}

TEST(correct_fields, sets_fields_the_extraction_missed) {
  auto s = fold({extraction_succeeded{}}, state_of(given::extracting));
  auto e = corrected(
    {{"supplier_name", "Boulangerie Rémi"}, {"subtotal", "12.3456"}}, s);
  EXPECT_EQ(e.changes, (std::vector<field_change>{
                         {"supplier_name", "", "Boulangerie Rémi"},
                         {"subtotal", "", "12.35"}}));
}

TEST(correct_fields, refuses_unknown_fields_and_bad_values_naming_them) {
  struct bad {
    std::vector<field_correction> corrections;
    const char* message;
  };
  const bad cases[] = {
    {{{"colour", "red"}}, "cannot correct unknown field 'colour'"},
    {{{"Total", "1"}}, "unknown field 'Total'"},
    {{{"lines", "[]"}}, "unknown field 'lines'"},
    {{{std::string(41, 'x'), "1"}}, "cannot correct unknown field"},
    {{{"bad\nname", "1"}}, "cannot correct unknown field"},
    {{{"total", "1"}, {"total", "2"}}, "total is corrected more than once"},
    {{{"due_date", "2026-02-30"}},
     "due_date must be a date written YYYY-MM-DD"},
    {{{"issue_date", "02/11/2026"}}, "issue_date must be a date"},
    {{{"total", "12,50"}}, "total must be a decimal number"},
    {{{"subtotal", "1e3"}}, "subtotal must be a decimal number"},
    {{{"tax_total", "0.00001"}}, "tax_total must be a decimal number"},
    {{{"currency", "ZZZ"}}, "currency must be an ISO 4217 code"},
    {{{"currency", "dollars"}}, "currency must be an ISO 4217 code"},
    {{{"supplier_name", std::string(201, 'x')}},
     "supplier_name must be at most 200 characters"},
    {{{"payment_terms", "net\n30"}},
     "payment_terms must not contain control characters"},
    {{{"supplier_tax_id", "\xff"}}, "supplier_tax_id is not valid UTF-8"},
    {{{"invoice_number", "ok"}, {"total", "abc"}},
     "total must be a decimal number"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    expect_error(invoice_entity::decide(state_of(given::awaiting_approval),
                                        correct_fields{c.corrections},
                                        context()),
                 errc::invalid_argument, c.message);
  }
  auto two_hundred = std::string(200, 'x');
  EXPECT_EQ(corrected({{"supplier_name", two_hundred}}).changes.at(0).to,
            two_hundred);
}

// -- lines --------------------------------------------------------------------

TEST(replace_lines, validates_each_line_and_names_its_number) {
  auto [decided, after] =
    run(state_of(given::awaiting_approval),
        replace_lines{{raw_line("Lait", "10", "1.2", "12"),
                       raw_line("Oeufs", "2", "5", "11")}});
  auto e = only_event<lines_replaced>(decided);
  ASSERT_EQ(e.lines.size(), 2u);
  EXPECT_FALSE(e.lines[0].total_mismatch);
  EXPECT_TRUE(e.lines[1].total_mismatch);
  EXPECT_EQ(after.lines, e.lines);

  auto bad = replace_lines{{raw_line("Lait", "1", "1", "1"),
                            raw_line("Oeufs", "1", "1", "1"),
                            raw_line(std::string(501, 'o'), "1", "1", "1")}};
  expect_error(
    invoice_entity::decide(state_of(given::awaiting_approval), bad, context()),
    errc::invalid_argument,
    "line 3: description is longer than 500 characters");

  auto same = invoice_entity::decide(after, replace_lines{e.lines}, context());
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->empty()) << "the same lines change nothing";

  auto none = only_event<lines_replaced>(
    invoice_entity::decide(after, replace_lines{}, context()));
  EXPECT_TRUE(none.lines.empty()) << "an invoice may have no lines";
}

// -- approval, rejection, payment ---------------------------------------------

TEST(reject, requires_a_reason_of_at_most_500_characters) {
  auto s = state_of(given::approved);
  expect_error(invoice_entity::decide(s, reject{" \n "}, context()),
               errc::invalid_argument, "reason must not be empty");
  expect_error(
    invoice_entity::decide(s, reject{std::string(501, 'r')}, context()),
    errc::invalid_argument, "reason must be at most 500 characters");
  expect_error(invoice_entity::decide(s, reject{"bad\x07"}, context()),
               errc::invalid_argument, "reason must not contain control");
  auto [decided, after] = run(s, reject{std::string(500, 'r')});
  EXPECT_EQ(only_event<invoice_rejected>(decided).reason.size(), 500u);
  EXPECT_EQ(after.status, invoice_status::rejected);
  EXPECT_EQ(after.rejection_reason, std::string(500, 'r'));
  auto multi = only_event<invoice_rejected>(
    invoice_entity::decide(s, reject{"wrong price\non line 2"}, context()));
  EXPECT_EQ(multi.reason, "wrong price\non line 2");
}

TEST(mark_paid, accepts_dates_up_to_tomorrow) {
  auto s = state_of(given::approved);
  auto paid = [&](std::string_view on, std::string reference = "") {
    return invoice_entity::decide(
      s, mark_paid{day(on), payment_method::cheque, std::move(reference)},
      context());
  };
  auto tomorrow = only_event<invoice_paid>(paid("2026-11-23", "  #1045 "));
  EXPECT_EQ(tomorrow.paid_on, day("2026-11-23"));
  EXPECT_EQ(tomorrow.method, payment_method::cheque);
  EXPECT_EQ(tomorrow.reference, "#1045");
  auto early = only_event<invoice_paid>(paid("2026-10-01"));
  EXPECT_FALSE(early.reference) << "an empty reference is none";
  expect_error(paid("2026-11-24"), errc::invalid_argument,
               "paid_on must not be later than tomorrow");
  expect_error(invoice_entity::decide(
                 s, mark_paid{values::date{2026, 2, 29}, {}, ""}, context()),
               errc::invalid_argument, "paid_on is not a real calendar date");
  auto ctx = context();
  ctx.now = "yesterday";
  expect_error(invoice_entity::decide(s, sample(verb::pay), ctx),
               errc::invalid_argument, "no valid time");
}

// -- the whole way ------------------------------------------------------------

TEST(invoice_lifecycle, happy_path_ends_in_the_predicted_state) {
  invoice_state s;
  std::vector<std::string> types;
  auto step = [&](invoice_command cmd) {
    auto decided = invoice_entity::decide(s, cmd, context());
    ASSERT_TRUE(decided) << decided.error().message;
    for (const auto& e : *decided) {
      types.push_back(event_type(e));
      s = invoice_entity::evolve(std::move(s), e);
    }
  };
  step(receive_command());
  step(start_extraction{});
  step(record_command());
  step(correct_fields{{{"invoice_number", "INV-1/A"}}});
  step(approve{});
  step(mark_paid{day("2026-11-20"), payment_method::card, "4417"});
  step(mark_unpaid{});
  step(mark_paid{day("2026-11-22"), payment_method::bank_transfer, ""});

  EXPECT_EQ(types,
            (std::vector<std::string>{"DocumentReceived", "ExtractionStarted",
                                      "ExtractionSucceeded", "FieldsCorrected",
                                      "InvoiceApproved", "InvoicePaid",
                                      "InvoiceMarkedUnpaid", "InvoicePaid"}));

  invoice_state expected;
  expected.exists = true;
  expected.tenant_id = tenant_id;
  expected.invoice_id = invoice_id;
  expected.status = invoice_status::approved;
  expected.paid = true;
  expected.paid_on = day("2026-11-22");
  expected.payment = payment_method::bank_transfer;
  expected.document = {
    document_source::email,     "facture 42.pdf", "application/pdf", 48213, sha,
    "orders@fromagerie.example"};
  auto extracted = extracted_event();
  expected.fields = extracted.fields;
  expected.fields.invoice_number = "INV-1/A";
  expected.lines = extracted.lines;
  expected.taxes = extracted.taxes;
  expected.confidence = extracted.confidence;
  expected.overall_confidence = dec("0.87");
  expected.corrected_fields = {"invoice_number"};
  expected.provider = "openai";
  expected.model = "gpt-4o-mini";
  expected.extraction_attempts = 1;
  expected.extraction_cost = dec("0.0021");

  EXPECT_EQ(s.status, expected.status);
  EXPECT_EQ(s.paid_on, expected.paid_on);
  EXPECT_FALSE(s.payment_reference);
  EXPECT_EQ(s.fields, expected.fields);
  EXPECT_TRUE(s == expected) << "some other member differs";

  auto again = invoice_entity::decide(s, approve{}, context());
  expect_error(again, errc::rejected, "already approved");
}

// -- codecs -------------------------------------------------------------------

struct codec_case {
  const char* name;
  invoice_event event;
};

std::vector<codec_case> codec_cases() {
  invoice_fields sparse;
  sparse.currency = values::currency::parse("BHD").value();
  sparse.total = dec("-1.125");
  extraction_succeeded empty_result;
  empty_result.fields = sparse;
  empty_result.provider = "ubl";
  auto with_category = extracted_event();
  with_category.lines[0].category = "cheese";
  with_category.lines.push_back(
    line("\"Quoted\" \\ and ünïcödé", "-1", "2", "-3"));
  return {
    {"document_received", received_event()},
    {"document_received_no_sender",
     document_received{invoice_id, tenant_id, document_source::whatsapp,
                       "IMG_0042.jpg", "image/jpeg", 1, sha, ""}},
    {"extraction_started", extraction_started{3}},
    {"extraction_succeeded", with_category},
    {"extraction_succeeded_sparse", empty_result},
    {"extraction_failed", extraction_failed{"timeout\nafter 30 s", true}},
    {"marked_not_an_invoice", marked_not_an_invoice{"a menu"}},
    {"duplicate_suspected",
     duplicate_suspected{earlier_invoice,
                         duplicate_reason::same_number_supplier_total}},
    {"fields_corrected", fields_corrected{{{"total", "118.5", "120"},
                                           {"due_date", "", "2026-12-31"},
                                           {"currency", "CAD", ""},
                                           {"supplier_name", "A", "B"}}}},
    {"lines_replaced", lines_replaced{extracted_event().lines}},
    {"lines_replaced_empty", lines_replaced{}},
    {"invoice_approved", invoice_approved{}},
    {"invoice_rejected", invoice_rejected{"wrong supplier"}},
    {"invoice_paid",
     invoice_paid{day("2026-11-20"), payment_method::direct_debit, "DD-1"}},
    {"invoice_paid_no_reference",
     invoice_paid{day("2026-11-20"), payment_method::other, std::nullopt}},
    {"invoice_marked_unpaid", invoice_marked_unpaid{}},
    {"reprocess_requested", reprocess_requested{"blurry scan"}},
    {"reprocess_requested_no_reason", reprocess_requested{}},
    {"invoice_deleted", invoice_deleted{"uploaded twice"}},
    {"invoice_deleted_no_reason", invoice_deleted{}},
  };
}

events::envelope stored(const events::new_event& ne) {
  events::envelope env;
  env.event_id = ne.event_id;
  env.tenant_id = tenant_id;
  env.stream_id = stream_id(invoice_entity::stream_type, invoice_id);
  env.stream_version = 1;
  env.event_type = ne.event_type;
  env.schema_version = ne.schema_version;
  env.payload = ne.payload;
  return env;
}

void PrintTo(const codec_case& c, std::ostream* os) {
  *os << c.name;
}

class invoice_codec : public testing::TestWithParam<codec_case> {};

TEST_P(invoice_codec, decode_inverts_encode) {
  const auto& ev = GetParam().event;
  auto ne = invoice_entity::encode(ev);
  EXPECT_EQ(ne.event_type, event_type(ev));
  EXPECT_EQ(ne.schema_version, 1);
  EXPECT_FALSE(ne.event_id.is_nil());
  auto decoded = invoice_entity::decode(stored(ne));
  ASSERT_TRUE(decoded) << decoded.error().message << "\n" << ne.payload;
  EXPECT_TRUE(*decoded == ev) << ne.payload;
  EXPECT_EQ(invoice_entity::encode(*decoded).payload, ne.payload);
}

INSTANTIATE_TEST_SUITE_P(every_event, invoice_codec,
                         testing::ValuesIn(codec_cases()),
                         [](const testing::TestParamInfo<codec_case>& info) {
                           return std::string{info.param.name};
                         });

TEST(invoice_codec_cases, cover_every_event_type) {
  std::set<std::size_t> seen;
  for (const auto& c : codec_cases())
    seen.insert(c.event.index());
  EXPECT_EQ(seen.size(), std::variant_size_v<invoice_event>);
}

TEST(invoice_codec_format, writes_amounts_and_dates_as_strings) {
  auto extracted = invoice_entity::encode(extracted_event()).payload;
  for (const char* part :
       {R"("fields":{"supplier_name":"Fromagerie du Marché",)",
        R"("issue_date":"2026-11-02")", R"("currency":"CAD")",
        R"("total":"118.5")", R"("cost":"0.0021")",
        R"("overall_confidence":"0.87")", R"("duration_ms":5230)",
        R"("confidence":{"lines":"0.8","supplier_name":"0.98","total":"0.91"})",
        R"("quantity":"2.5")"})
    EXPECT_NE(extracted.find(part), std::string::npos)
      << part << " not in " << extracted;
  EXPECT_EQ(
    invoice_entity::encode(
      invoice_paid{day("2026-11-20"), payment_method::bank_transfer, "X"})
      .payload,
    R"({"paid_on":"2026-11-20","method":"bank_transfer","reference":"X"})");
  EXPECT_EQ(invoice_entity::encode(received_event()).payload,
            R"({"invoice_id":"0190a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b",)"
            R"("tenant_id":"0190a3b4-0000-7000-8000-000000000001",)"
            R"("source":"email","file_name":"facture 42.pdf",)"
            R"("media_type":"application/pdf","size_bytes":48213,)"
            R"("sha256":")"
              + sha + R"(","sender":"orders@fromagerie.example"})");
  EXPECT_EQ(invoice_entity::encode(invoice_approved{}).payload, "{}");
  EXPECT_EQ(invoice_entity::encode(invoice_deleted{}).payload, "{}");
}

TEST(invoice_codec_format, refuses_payloads_it_cannot_trust) {
  struct bad {
    const char* type;
    int version;
    const char* payload;
    const char* message;
  };
  const bad cases[] = {
    {"InvoiceFrozen", 1, "{}", "unknown invoice event type InvoiceFrozen"},
    {"InvoiceApproved", 2, "{}", "schema version 2"},
    {"InvoiceRejected", 1, "[1]", "not a JSON object"},
    {"InvoiceRejected", 1, "{\"reason\":", "not a JSON object"},
    {"InvoiceRejected", 1, "{}", "InvoiceRejected: reason is missing"},
    {"InvoiceRejected", 1, R"({"reason":7})", "reason is missing or not a"},
    {"InvoicePaid", 1, R"({"paid_on":"2026-11-20","method":"bitcoin"})",
     "method has an unknown value"},
    {"InvoicePaid", 1, R"({"paid_on":"20/11/2026","method":"cash"})",
     "paid_on is not a date"},
    {"ExtractionStarted", 1, R"({"attempt":0})", "attempt is out of range"},
    {"ExtractionStarted", 1, R"({"attempt":"1"})", "not an integer"},
    {"DuplicateSuspected", 1, R"({"of":"nope","why":"same_content"})",
     "of is not a UUID"},
    {"DocumentReceived", 1,
     R"({"invoice_id":"0190a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b",)"
     R"("tenant_id":"0190a3b4-0000-7000-8000-000000000001",)"
     R"("source":"fax","file_name":"a","media_type":"application/pdf",)"
     R"("size_bytes":1,"sha256":"x","sender":""})",
     "source has an unknown value"},
    {"FieldsCorrected", 1,
     R"({"changes":[{"field":"colour","from":"","to":"red"}]})",
     "changes holds an invalid correction"},
    {"FieldsCorrected", 1,
     R"({"changes":[{"field":"total","from":"","to":"lots"}]})",
     "changes holds an invalid correction"},
    {"LinesReplaced", 1, R"({"lines":[{"description":"x"}]})",
     "LinesReplaced: lines: line 1: missing field"},
    {"ExtractionSucceeded", 1,
     R"({"fields":{"total":12},"lines":[],"taxes":[],"confidence":{},)"
     R"("overall_confidence":"1","provider":"p","model":"","cost":"0",)"
     R"("duration_ms":1})",
     "fields.total is not valid"},
    {"ExtractionSucceeded", 1,
     R"({"fields":{},"lines":[],"taxes":[],"confidence":{"total":0.5},)"
     R"("overall_confidence":"1","provider":"p","model":"","cost":"0",)"
     R"("duration_ms":1})",
     "confidence.total is not a decimal string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.payload);
    events::envelope env;
    env.event_type = c.type;
    env.schema_version = c.version;
    env.payload = c.payload;
    auto decoded = invoice_entity::decode(env);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, errc::invalid_argument);
    EXPECT_NE(decoded.error().message.find(c.message), std::string::npos)
      << decoded.error().message;
  }
}

TEST(invoice_codec_format, ignores_members_it_does_not_know) {
  events::envelope env;
  env.event_type = "InvoiceRejected";
  env.payload = R"({"reason":"late","added_in_a_later_build":true})";
  auto decoded = invoice_entity::decode(env);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(*decoded == invoice_event{invoice_rejected{"late"}});
}

TEST(invoice_catalog, registers_every_type_at_version_one) {
  events::catalog catalog;
  invoice_entity::register_events(catalog);
  for (const auto& c : codec_cases()) {
    auto env = stored(invoice_entity::encode(c.event));
    EXPECT_EQ(catalog.current_version(env.event_type), 1) << env.event_type;
    EXPECT_TRUE(catalog.upcast(env)) << env.event_type;
  }
  EXPECT_FALSE(catalog.contains("TenantCreated"));
}

TEST(invoice_enums, round_trip_through_their_names) {
  for (auto s : {document_source::upload, document_source::email,
                 document_source::whatsapp, document_source::api})
    EXPECT_EQ(parse_document_source(to_string(s)), s);
  for (auto m : {payment_method::bank_transfer, payment_method::card,
                 payment_method::cash, payment_method::cheque,
                 payment_method::direct_debit, payment_method::other})
    EXPECT_EQ(parse_payment_method(to_string(m)), m);
  for (auto st : {invoice_status::received, invoice_status::extracting,
                  invoice_status::awaiting_approval, invoice_status::approved,
                  invoice_status::rejected, invoice_status::failed,
                  invoice_status::not_an_invoice, invoice_status::deleted})
    EXPECT_EQ(parse_invoice_status(to_string(st)), st);
  EXPECT_FALSE(parse_payment_method("Card"));
  EXPECT_EQ(field_text(extracted_fields(), "due_date"), "2026-12-02");
  EXPECT_FALSE(field_text(extracted_fields(), "colour"));
}

} // namespace
