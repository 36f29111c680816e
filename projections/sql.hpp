#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "events/sql_time.hpp"

/// Days as the read models' JSON writes them, whatever the session's
/// DateStyle: YYYY-MM-DD. Timestamps: LARDER_RFC3339.
#define LARDER_DAY(column) "to_char(" column ", 'YYYY-MM-DD')"

namespace larder::projections {

/// Sets what a session that answers the read models' queries plans with;
/// the HTTP edge's database pool and the export jobs call it on each new
/// connection.
/// PostgreSQL's default cost of a random page read (4, against 1 for a
/// sequential one) models a spinning disk. The read models are meant to be
/// read from memory, where an index probe costs about what the next page
/// of a sequential scan does. At 4 the planner counted a quarter's invoices
/// of a tenant (at most 1,001 of them) with a sequential scan of every
/// tenant's invoices, 30–42 ms through a ring buffer that never stays
/// cached, instead of the tenant's issue-date index, 7 ms.
inline void prepare_query_session(pqxx::connection& conn) {
  pqxx::nontransaction{conn}.exec("SET random_page_cost = 1.1");
}

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

/// One row for COPY, its fields in the order of the stream's columns; NULL
/// where nothing was given.
template <std::size_t N>
class copy_row {
 public:
  copy_row& text(std::string v) {
    fields_.at(next_++) = std::move(v);
    return *this;
  }

  copy_row& text_or_null(std::optional<std::string> v) {
    fields_.at(next_++) = std::move(v);
    return *this;
  }

  /// NULL for "".
  copy_row& nonempty(std::string v) {
    if (v.empty())
      ++next_;
    else
      fields_.at(next_++) = std::move(v);
    return *this;
  }

  copy_row& number(std::int64_t n) {
    return text(std::to_string(n));
  }

  copy_row& flag(bool b) {
    return text(b ? "t" : "f");
  }

  /// The fields of `other`, in its order.
  template <std::size_t M>
  copy_row& append(copy_row<M> other) {
    for (std::size_t i = 0; i < other.next_; ++i)
      fields_.at(next_++) = std::move(other.fields_[i]);
    return *this;
  }

  bool operator==(const copy_row&) const = default;

  /// pqxx escapes each field for COPY's text format.
  void send(pqxx::stream_to& out) const {
    if (next_ != N)
      throw std::logic_error("a COPY row has the wrong number of fields");
    std::array<const char*, N> raw;
    for (std::size_t i = 0; i < N; ++i)
      raw[i] = fields_[i] ? fields_[i]->c_str() : nullptr;
    out << raw;
  }

 private:
  template <std::size_t>
  friend class copy_row;

  std::array<std::optional<std::string>, N> fields_;
  std::size_t next_ = 0;
};

} // namespace larder::projections
