#include "extract/extraction.hpp"

#include <algorithm>
#include <cmath>

#include <simdjson.h>

#include "actors/values/text.hpp"
#include "events/json_writer.hpp"

namespace larder::extract {

namespace {

/// `text` as one line of at most `max` code points: control characters
/// become spaces, runs of spaces collapse, invalid UTF-8 is dropped.
std::string clip(std::string_view text, std::size_t max) {
  std::string out;
  std::size_t count = 0;
  bool space = false;
  for (std::size_t i = 0; i < text.size() && count < max;) {
    auto cp = values::decode_utf8(text, i);
    if (!cp) {
      ++i;
      continue;
    }
    bool blank = *cp <= 0x20 || (*cp >= 0x7F && *cp <= 0x9F) || *cp == 0xA0
                 || (*cp >= 0x202A && *cp <= 0x202E)
                 || (*cp >= 0x2066 && *cp <= 0x2069);
    if (blank) {
      space = !out.empty();
      continue;
    }
    if (space && count + 1 < max) {
      out += ' ';
      ++count;
    }
    space = false;
    values::append_utf8(out, *cp);
    ++count;
  }
  return out;
}

void clip_optional(std::optional<std::string>& field) {
  if (!field)
    return;
  *field = clip(*field, domain::max_field_chars);
  if (field->empty())
    field.reset();
}

values::decimal confidence_decimal(double c) {
  if (!(c >= 0)) // NaN too
    c = 0;
  c = std::min(c, 1.0);
  return values::decimal::from_units(
    static_cast<std::int64_t>(std::llround(c * values::decimal::one)));
}

bool known_confidence_key(std::string_view key) {
  return key == "lines" || key == "taxes"
         || std::find(domain::invoice_field_names.begin(),
                      domain::invoice_field_names.end(), key)
              != domain::invoice_field_names.end();
}

larder::error bad(std::string message) {
  return {errc::invalid_argument, std::move(message)};
}

} // namespace

domain::record_extraction to_record(const extraction& x,
                                    std::vector<std::string>* notes) {
  domain::record_extraction r;
  r.fields = x.fields;
  clip_optional(r.fields.supplier_name);
  clip_optional(r.fields.supplier_tax_id);
  clip_optional(r.fields.invoice_number);
  clip_optional(r.fields.purchase_order);
  clip_optional(r.fields.payment_terms);
  std::size_t dropped = 0;
  for (auto line : x.lines) {
    if (r.lines.size() == values::max_lines_per_invoice) {
      ++dropped;
      continue;
    }
    line.description = clip(line.description, values::max_description_chars);
    if (line.description.empty())
      line.description = "(no description)";
    line.unit = clip(line.unit, values::max_unit_chars);
    line.tax_code = clip(line.tax_code, values::max_tax_code_chars);
    if (line.category) {
      *line.category = clip(*line.category, values::max_category_chars);
      if (line.category->empty())
        line.category.reset();
    }
    auto valid = values::validate_line(std::move(line));
    if (valid)
      r.lines.push_back(std::move(*valid));
    else
      ++dropped;
  }
  if (dropped > 0 && notes != nullptr)
    notes->push_back(std::to_string(dropped)
                     + " line(s) could not be kept (out of range or too many)");
  for (const auto& tax : x.taxes)
    if (r.taxes.size() < values::max_tax_lines_per_invoice)
      r.taxes.push_back(tax);
  for (const auto& [key, value] : x.confidence)
    if (known_confidence_key(key))
      r.confidence[key] = confidence_decimal(value);
  r.overall_confidence = confidence_decimal(x.overall_confidence);
  r.provider = clip(x.provider.empty() ? "unknown" : x.provider,
                    domain::max_provider_chars);
  r.model = clip(x.model, domain::max_field_chars);
  return r;
}

std::string to_json(const extraction& x, std::int64_t duration_ms) {
  std::vector<std::string> notes = x.notes;
  auto r = to_record(x, &notes);
  domain::extraction_succeeded ev;
  ev.fields = r.fields;
  ev.lines = r.lines;
  ev.taxes = r.taxes;
  ev.confidence = r.confidence;
  ev.overall_confidence = r.overall_confidence;
  ev.provider = r.provider;
  ev.model = r.model;
  ev.duration_ms = duration_ms;
  auto payload = domain::invoice_entity::encode(ev).payload;
  events::json_writer w;
  w.begin_object();
  w.key("extraction").raw(payload);
  w.field("credit_note", x.credit_note);
  w.key("not_an_invoice");
  if (x.not_an_invoice.empty())
    w.null();
  else
    w.value(clip(x.not_an_invoice, domain::max_reason_chars));
  w.key("notes").begin_array();
  for (const auto& note : notes)
    w.value(clip(note, domain::max_reason_chars));
  w.end_array();
  w.field("text_chars", static_cast<std::int64_t>(x.text.size()));
  w.end_object();
  return w.take();
}

expected<extraction> extraction_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc))
    return bad("the extraction is not JSON");
  simdjson::dom::object payload;
  if (doc["extraction"].get(payload))
    return bad("the extraction has no 'extraction' object");
  events::envelope env;
  env.event_type = domain::extraction_succeeded::type;
  env.schema_version = domain::extraction_succeeded::schema_version;
  env.payload = simdjson::to_string(payload);
  auto decoded = domain::invoice_entity::decode(env);
  if (!decoded)
    return bad("the extraction does not decode: " + decoded.error().message);
  const auto* ev = std::get_if<domain::extraction_succeeded>(&*decoded);
  if (ev == nullptr)
    return bad("the extraction is not an ExtractionSucceeded payload");
  extraction x;
  x.fields = ev->fields;
  x.lines = ev->lines;
  x.taxes = ev->taxes;
  for (const auto& [key, value] : ev->confidence)
    x.confidence[key] =
      static_cast<double>(value.units()) / values::decimal::one;
  x.overall_confidence =
    static_cast<double>(ev->overall_confidence.units()) / values::decimal::one;
  x.provider = ev->provider;
  x.model = ev->model;
  bool credit = false;
  if (doc["credit_note"].get(credit) == simdjson::SUCCESS)
    x.credit_note = credit;
  std::string_view why;
  if (doc["not_an_invoice"].get(why) == simdjson::SUCCESS)
    x.not_an_invoice = std::string{why};
  simdjson::dom::array notes;
  if (doc["notes"].get(notes) == simdjson::SUCCESS)
    for (auto note : notes) {
      std::string_view text;
      if (note.get(text) == simdjson::SUCCESS)
        x.notes.emplace_back(text);
    }
  return x;
}

std::string error_json(const larder::error& err) {
  events::json_writer w;
  w.begin_object().key("error").begin_object();
  w.field("code", to_string(err.code)).field("message", err.message);
  w.end_object().end_object();
  return w.take();
}

std::optional<larder::error> error_from_json(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(json.data(), json.size()).get(doc))
    return std::nullopt;
  std::string_view code;
  std::string_view message;
  if (doc["error"]["code"].get(code) || doc["error"]["message"].get(message))
    return std::nullopt;
  larder::error err{errc::invalid_argument, std::string{message}};
  for (auto c : {errc::unavailable, errc::conflict, errc::rejected,
                 errc::invalid_argument, errc::not_found, errc::forbidden,
                 errc::timeout})
    if (to_string(c) == code)
      err.code = c;
  return err;
}

} // namespace larder::extract
