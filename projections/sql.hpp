#pragma once

#include <optional>
#include <string>
#include <vector>

#include <pqxx/pqxx>

/// Timestamps and days as the read models' JSON writes them, whatever the
/// session's DateStyle and time zone: RFC 3339 UTC with microseconds, and
/// YYYY-MM-DD.
// clang-format off
#define LARDER_RFC3339(column)                                                 \
  "to_char(" column " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
#define LARDER_DAY(column) "to_char(" column ", 'YYYY-MM-DD')"
// clang-format on

namespace larder::projections {

/// The parameters of one statement, bound in order, NULL where empty: for
/// the queries whose filters are each optional.
class sql_params {
 public:
  sql_params& add(std::optional<std::string> value) {
    values_.push_back(std::move(value));
    return *this;
  }

  pqxx::result exec(pqxx::transaction_base& txn, const char* sql) const {
    std::vector<const char*> raw;
    raw.reserve(values_.size());
    for (const auto& v : values_)
      raw.push_back(v ? v->c_str() : nullptr);
    return txn.exec_params(sql, pqxx::prepare::make_dynamic_params(raw));
  }

 private:
  std::vector<std::optional<std::string>> values_;
};

} // namespace larder::projections
