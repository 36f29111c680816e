#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace larder::events {

/// Builds a PostgreSQL array literal to bind as one parameter
/// (`unnest($1::text[])`), so a batch of any size is one statement whose
/// text never changes and nothing reaches the SQL. Text elements are quoted
/// and escaped, so any text (JSON with quotes and backslashes) survives.
class pg_array {
 public:
  /// A quoted text element.
  void add(std::string_view text) {
    // Sized for the worst case and written through a pointer: appending
    // char by char was 3% of the client's CPU in `./dev bench append`.
    auto at = out_.size();
    out_.resize(at + 2 * text.size() + 3);
    char* p = out_.data() + at;
    *p++ = first_ ? '{' : ',';
    first_ = false;
    *p++ = '"';
    for (char c : text) {
      if (c == '"' || c == '\\')
        *p++ = '\\';
      *p++ = c;
    }
    *p++ = '"';
    out_.resize(static_cast<std::size_t>(p - out_.data()));
  }

  void add(const char* text) {
    add(std::string_view{text});
  }

  void add(std::int64_t number) {
    add_unquoted(std::to_string(number));
  }

  /// An element written as it is: for text that never needs quoting, such
  /// as numbers, uuids, dates and `t`/`f`.
  void add_unquoted(std::string_view token) {
    out_ += first_ ? '{' : ',';
    first_ = false;
    out_ += token;
  }

  void add_null() {
    add_unquoted("NULL");
  }

  bool empty() const {
    return first_;
  }

  /// The literal.
  std::string str() const {
    return first_ ? std::string{"{}"} : out_ + '}';
  }

  /// The literal without a copy; the builder is spent afterwards.
  std::string take() {
    if (first_)
      return "{}";
    out_ += '}';
    return std::move(out_);
  }

 private:
  std::string out_;
  bool first_ = true;
};

/// Builds a one-dimensional array in PostgreSQL's binary wire format
/// (what `array_recv` reads), to bind as one binary parameter. Nothing is
/// quoted, escaped or printed: elements travel as their bytes (ids as 16
/// bytes, hashes as 32), so neither side escapes or parses array text, and
/// no text can be misread as array syntax. Every element has the array's
/// one element type; no NULLs.
class pg_binary_array {
 public:
  /// Element types by their built-in OIDs (pg_type.dat; fixed forever).
  enum class element : std::uint32_t {
    bytea = 17,
    int8 = 20,
    int4 = 23,
    text = 25,
    uuid = 2950,
  };

  explicit pg_binary_array(element type) : type_(type) {
    out_.resize(header_bytes);
  }

  /// A text or bytea element: its bytes as they are. Text must be valid
  /// UTF-8 (the server checks).
  void add_bytes(std::string_view bytes) {
    put32(static_cast<std::uint32_t>(bytes.size()));
    out_.append(bytes);
    ++count_;
  }

  void add_bytes(std::span<const std::uint8_t> bytes) {
    add_bytes(std::string_view{reinterpret_cast<const char*>(bytes.data()),
                               bytes.size()});
  }

  void add_int8(std::int64_t value) {
    put32(8);
    put32(static_cast<std::uint32_t>(static_cast<std::uint64_t>(value) >> 32));
    put32(static_cast<std::uint32_t>(value));
    ++count_;
  }

  void add_int4(std::int32_t value) {
    put32(4);
    put32(static_cast<std::uint32_t>(value));
    ++count_;
  }

  /// The array's wire bytes; the builder is spent afterwards.
  std::string take() {
    std::size_t at = 0;
    auto set32 = [&](std::uint32_t v) {
      for (int shift = 24; shift >= 0; shift -= 8)
        out_[at++] = static_cast<char>((v >> shift) & 0xff);
    };
    if (count_ == 0) {
      // ndim 0 is the empty array; it has no dimension to describe.
      out_.resize(12);
      set32(0), set32(0), set32(static_cast<std::uint32_t>(type_));
      return std::move(out_);
    }
    set32(1);                                  // dimensions
    set32(0);                                  // flags: no NULLs
    set32(static_cast<std::uint32_t>(type_));  // element type
    set32(static_cast<std::uint32_t>(count_)); // length
    set32(1);                                  // lower bound
    return std::move(out_);
  }

 private:
  static constexpr std::size_t header_bytes = 20;

  void put32(std::uint32_t v) {
    char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                 static_cast<char>(v >> 8), static_cast<char>(v)};
    out_.append(b, 4);
  }

  element type_;
  std::string out_;
  std::size_t count_ = 0;
};

} // namespace larder::events
