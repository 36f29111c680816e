#pragma once

#include <libxml/tree.h>

#include <optional>
#include <string>
#include <vector>

#include "extract/einvoice/einvoice.hpp"

/// What the syntax readers collect, as text straight from the document, and
/// the one place that turns it into an extraction, so that UBL and CII
/// follow the same rules for signs, prices, rounding and confidences.
namespace larder::extract::einvoice::detail {

struct raw_date {
  std::string text;
  /// The UN/CEFACT format code ("102"); empty for an xsd:date.
  std::string format;
  bool cefact = false;
};

struct raw_line {
  std::string id;
  std::string description;
  std::string quantity;
  std::string unit_code;
  /// The net price, else the gross price, with the quantity it is for.
  std::string price;
  std::string base_quantity;
  std::string line_total;
  std::string tax_category;
  std::string tax_rate;
};

struct raw_tax {
  std::string scheme;
  std::string category;
  std::string rate;
  std::string amount;
};

struct raw_invoice {
  einvoice_syntax syntax = einvoice_syntax::ubl;
  std::string model;
  bool credit_note = false;
  std::string supplier_name;
  std::string supplier_tax_id;
  std::string invoice_number;
  raw_date issue_date;
  raw_date due_date;
  std::string currency;
  std::string subtotal;
  std::string tax_total;
  std::string total;
  std::string purchase_order;
  std::string payment_terms;
  std::vector<raw_line> lines;
  std::vector<raw_tax> taxes;
};

extraction build(const raw_invoice& raw);

/// Collects a UBL 2.1 Invoice or CreditNote.
raw_invoice read_ubl(const xmlNode* root, bool credit_note_root);

/// Collects a CII CrossIndustryInvoice (`zugferd1` false) or a ZUGFeRD 1.0
/// CrossIndustryDocument (true).
raw_invoice read_cii(const xmlNode* root, bool zugferd1);

} // namespace larder::extract::einvoice::detail
