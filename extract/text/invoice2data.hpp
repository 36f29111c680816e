#pragma once

#include <string>

#include "extract/extraction.hpp"

/// invoice2data's JSON output for any extraction, so tools built on
/// invoice2data (the OCA Odoo importer among them) can read larder's.
namespace larder::extract {

/// The one-element JSON array invoice2data writes for one invoice. A
/// template extraction gives the template's own object; any other is mapped
/// from `fields` and `lines` under invoice2data's recommended names:
/// `issuer` and `partner_name` (supplier), `invoice_number`, `date` and
/// `date_due` (YYYY-MM-DD), `amount`, `amount_untaxed`, `amount_tax`
/// (numbers), `vat`, `currency`, `desc` ("Invoice from <supplier>") and
/// `lines` with `name`, `qty`, `price_unit`, `price_subtotal` and `uom`.
std::string to_invoice2data_json(const extraction& x);

} // namespace larder::extract
