#include "projections/models.hpp"

#include "projections/directory.hpp"
#include "projections/exports/exports.hpp"
#include "projections/extraction_jobs.hpp"
#include "projections/invoices.hpp"
#include "projections/suppliers.hpp"

namespace larder::projections {

std::vector<read_model>
all_models(std::shared_ptr<const events::catalog> catalog) {
  std::vector<read_model> out;
  out.push_back(directory_model());
  out.push_back(invoices_model(catalog));
  out.push_back(suppliers_model());
  out.push_back(extraction_jobs_model());
  out.push_back(exports::exports_model());
  return out;
}

} // namespace larder::projections
