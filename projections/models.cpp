#include "projections/models.hpp"

#include "projections/directory.hpp"

namespace larder::projections {

std::vector<read_model> all_models() {
  return {directory_model()};
}

} // namespace larder::projections
