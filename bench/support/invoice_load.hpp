#pragma once

#include <vector>

#include "actors/invoice/invoice.hpp"
#include "events/uuid.hpp"

namespace larder::bench {

/// The four commands that take invoice `i` of the benchmarks from upload
/// to approval: a Québec dairy invoice with three lines, GST and QST.
std::vector<domain::invoice_command> invoice_lifecycle(const events::uuid& id,
                                                       int i);

} // namespace larder::bench
