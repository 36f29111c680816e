#pragma once

#include <vector>

#include "projections/runner.hpp"

namespace larder::projections {

/// Every read model the server keeps up to date, in the order they start;
/// `larder projections` and /ready know them from here.
std::vector<read_model> all_models();

} // namespace larder::projections
