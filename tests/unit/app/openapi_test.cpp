// docs/api/openapi.yaml and the route table (http/routes.cpp) describe the
// same routes: every route is documented with its method, path, access
// level, rate-limit class and whether it reads a JSON body, and every
// documented operation is a route. The document is read line by line, no
// YAML library: a path is a line "  /...:" under "paths:", a method a line
// "    get:" (post, put, patch, delete) under it, and the operation's
// "      x-larder-access:", "      x-larder-rate-limit:" and
// "      requestBody:" lines follow until the next method or path.
#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "http/api.hpp"

namespace {

using larder::http::limit_class;

/// One operation as the document has it.
struct documented {
  /// Upper case, as the route table spells it.
  std::string method;
  std::string path;
  std::string access;
  std::string rate_limit;
  bool has_body = false;
  /// 1 for the first line of the file.
  int line = 0;
};

/// What the reader found, and what it could not make sense of.
struct document {
  std::vector<documented> operations;
  std::vector<std::string> problems;
};

std::string_view to_string(limit_class c) {
  switch (c) {
    case limit_class::api: return "api";
    case limit_class::signin: return "signin";
    case limit_class::webhook: return "webhook";
    case limit_class::none: return "none";
  }
  return "?";
}

std::string upper(std::string_view text) {
  std::string out{text};
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(std::toupper(c));
  });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r'))
    text.remove_suffix(1);
  while (!text.empty() && text.front() == ' ')
    text.remove_prefix(1);
  return text;
}

/// A scalar without its quotes, if it has them.
std::string unquote(std::string_view text) {
  text = trim(text);
  if (text.size() >= 2
      && ((text.front() == '"' && text.back() == '"')
          || (text.front() == '\'' && text.back() == '\'')))
    text = text.substr(1, text.size() - 2);
  return std::string{text};
}

std::size_t indent_of(std::string_view line) {
  auto n = line.find_first_not_of(' ');
  return n == std::string_view::npos ? line.size() : n;
}

/// The value of `key: value` on a line indented by exactly `indent`, if the
/// line is that key.
std::optional<std::string> value_of(std::string_view line, std::size_t indent,
                                    std::string_view key) {
  if (indent_of(line) != indent)
    return std::nullopt;
  line.remove_prefix(indent);
  if (!line.starts_with(key) || line.size() <= key.size()
      || line[key.size()] != ':')
    return std::nullopt;
  return unquote(line.substr(key.size() + 1));
}

document read_document(std::istream& in) {
  document doc;
  bool in_paths = false;
  std::string path;
  documented* op = nullptr;
  bool in_request_body = false;
  std::string text;
  int number = 0;
  auto problem = [&](const std::string& what) {
    doc.problems.push_back("line " + std::to_string(number) + ": " + what);
  };
  while (std::getline(in, text)) {
    ++number;
    std::string_view line = text;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    auto body = trim(line);
    if (body.empty() || body.front() == '#')
      continue;
    auto indent = indent_of(line);
    if (indent == 0) {
      in_paths = line == "paths:";
      path.clear();
      op = nullptr;
      continue;
    }
    if (!in_paths)
      continue;
    if (indent == 2) {
      op = nullptr;
      path.clear();
      if (body.front() != '/' || body.back() != ':') {
        problem("expected a path such as '  /api/x:', found '"
                + std::string{body} + "'");
        continue;
      }
      path = std::string{body.substr(0, body.size() - 1)};
      continue;
    }
    if (indent == 4) {
      op = nullptr;
      static constexpr std::string_view methods[] = {"get", "post", "put",
                                                     "patch", "delete"};
      for (auto m : methods)
        if (body.size() == m.size() + 1 && body.starts_with(m)
            && body.back() == ':') {
          if (path.empty()) {
            problem("a method outside any path");
            break;
          }
          doc.operations.push_back({upper(m), path, "", "", false, number});
          op = &doc.operations.back();
        }
      continue;
    }
    // A JSON body is a requestBody with application/json content (an
    // upload's multipart/form-data body is not one).
    if (op != nullptr && in_request_body && indent > 6) {
      if (body == "application/json:")
        op->has_body = true;
      continue;
    }
    if (op == nullptr || indent != 6)
      continue;
    in_request_body = false;
    if (auto v = value_of(line, 6, "x-larder-access"))
      op->access = *v;
    else if (auto r = value_of(line, 6, "x-larder-rate-limit"))
      op->rate_limit = *r;
    else if (value_of(line, 6, "requestBody"))
      in_request_body = true;
  }
  return doc;
}

std::string yaml_path() {
  return std::string{LARDER_SOURCE_DIR} + "/docs/api/openapi.yaml";
}

document read_yaml() {
  std::ifstream in{yaml_path()};
  if (!in) {
    ADD_FAILURE() << "cannot read " << yaml_path();
    return {};
  }
  return read_document(in);
}

std::string name_of(std::string_view method, std::string_view path) {
  return std::string{method} + " " + std::string{path};
}

} // namespace

TEST(openapi, reader_finds_paths_methods_and_their_members) {
  std::istringstream in{R"(openapi: 3.1.0
info:
  title: sample
paths:
  # A comment.
  /api/things/{id}:
    parameters:
      - name: id
    get:
      operationId: thing
      x-larder-access: tenant_reader
      x-larder-rate-limit: api
      responses:
        "200":
          description: ok
    delete:
      x-larder-access: "tenant_admin"
      requestBody:
        required: true
        content:
          application/json:
            schema: {}
  /health:
    get:
      x-larder-access: anyone
    post:
      requestBody:
        content:
          multipart/form-data:
            schema: {}
components:
  schemas:
    get:
      x-larder-access: nobody
)"};
  auto doc = read_document(in);
  EXPECT_TRUE(doc.problems.empty());
  ASSERT_EQ(doc.operations.size(), 4u);
  EXPECT_EQ(name_of(doc.operations[0].method, doc.operations[0].path),
            "GET /api/things/{id}");
  EXPECT_EQ(doc.operations[0].access, "tenant_reader");
  EXPECT_EQ(doc.operations[0].rate_limit, "api");
  EXPECT_FALSE(doc.operations[0].has_body);
  EXPECT_EQ(doc.operations[0].line, 9);
  EXPECT_EQ(name_of(doc.operations[1].method, doc.operations[1].path),
            "DELETE /api/things/{id}");
  EXPECT_EQ(doc.operations[1].access, "tenant_admin");
  EXPECT_TRUE(doc.operations[1].has_body);
  EXPECT_EQ(name_of(doc.operations[2].method, doc.operations[2].path),
            "GET /health");
  EXPECT_EQ(doc.operations[2].access, "anyone");
  EXPECT_EQ(doc.operations[2].rate_limit, "");
  EXPECT_FALSE(doc.operations[3].has_body) << "a form is no JSON body";
}

TEST(openapi, document_is_well_formed_for_the_reader) {
  auto doc = read_yaml();
  for (const auto& p : doc.problems)
    ADD_FAILURE() << yaml_path() << " " << p;
  EXPECT_FALSE(doc.operations.empty()) << "no operations in " << yaml_path();
  std::map<std::string, int> seen;
  for (const auto& op : doc.operations) {
    auto name = name_of(op.method, op.path);
    if (auto [it, fresh] = seen.emplace(name, op.line); !fresh)
      ADD_FAILURE() << name << " is documented twice: lines " << it->second
                    << " and " << op.line;
    EXPECT_FALSE(op.access.empty())
      << name << " (line " << op.line << ") has no x-larder-access";
    EXPECT_FALSE(op.rate_limit.empty())
      << name << " (line " << op.line << ") has no x-larder-rate-limit";
  }
}

TEST(openapi, every_route_in_the_table_is_documented) {
  auto doc = read_yaml();
  std::map<std::pair<std::string, std::string>, const documented*> by_route;
  for (const auto& op : doc.operations)
    by_route.emplace(std::pair{op.method, op.path}, &op);
  for (const auto& r : larder::http::routes()) {
    auto name = name_of(r.method, r.pattern);
    auto it = by_route.find({std::string{r.method}, std::string{r.pattern}});
    if (it == by_route.end()) {
      ADD_FAILURE() << name << " is in http/routes.cpp but not documented in "
                    << "docs/api/openapi.yaml";
      continue;
    }
    const auto& op = *it->second;
    EXPECT_EQ(op.access, larder::http::to_string(r.needs))
      << name << ": x-larder-access (line " << op.line
      << ") differs from the route table";
    EXPECT_EQ(op.rate_limit, to_string(r.limit))
      << name << ": x-larder-rate-limit (line " << op.line
      << ") differs from the route table";
    EXPECT_EQ(op.has_body, r.json_body)
      << name << ": the route " << (r.json_body ? "reads a" : "reads no")
      << " JSON body, but the operation (line " << op.line << ") "
      << (op.has_body ? "has" : "has no") << " requestBody";
  }
}

TEST(openapi, every_documented_operation_is_a_route) {
  auto doc = read_yaml();
  for (const auto& op : doc.operations) {
    auto route =
      std::find_if(larder::http::routes().begin(), larder::http::routes().end(),
                   [&](const larder::http::route& r) {
                     return r.method == op.method && r.pattern == op.path;
                   });
    if (route == larder::http::routes().end())
      ADD_FAILURE() << name_of(op.method, op.path) << " is documented in "
                    << "docs/api/openapi.yaml (line " << op.line
                    << ") but is not in http/routes.cpp";
  }
}
