#pragma once

#include <memory>
#include <vector>

#include "events/catalog.hpp"

#include "projections/runner.hpp"

namespace larder::projections {

/// Every read model the server keeps up to date, in the order they start;
/// `larder projections` and /ready know them from here.
/// `catalog` upcasts events a model reads back from a stream.
std::vector<read_model>
all_models(std::shared_ptr<const events::catalog> catalog);

} // namespace larder::projections
