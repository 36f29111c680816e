#pragma once

#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include "actors/domain.hpp"

/// The table tests of the pure entity modules: given events, when a
/// command, then events or an error (its code and part of its message).
namespace larder::testing {

struct failure {
  errc code;
  std::string message_part;
};

template <class Entity>
struct decide_case {
  using events_list = std::vector<typename Entity::event>;

  std::string name;
  events_list given;
  typename Entity::command when;
  std::variant<events_list, failure> then;
};

/// Names the case in gtest's messages instead of dumping its bytes.
template <class Entity>
void PrintTo(const decide_case<Entity>& c, std::ostream* os) {
  *os << c.name;
}

/// The events as their type names and payloads, for failure messages.
template <class Entity>
std::string describe(const std::vector<typename Entity::event>& evs) {
  std::string out;
  for (const auto& e : evs) {
    auto n = Entity::encode(e);
    out += "\n  " + n.event_type + " " + n.payload;
  }
  return out.empty() ? " (none)" : out;
}

/// Folds `c.given`, decides `c.when` and checks the outcome.
template <class Entity>
void check_decide(const decide_case<Entity>& c,
                  const domain::command_context& ctx) {
  typename Entity::state s;
  for (const auto& e : c.given)
    s = Entity::evolve(std::move(s), e);
  auto got = Entity::decide(s, c.when, ctx);
  using events_list = typename decide_case<Entity>::events_list;
  if (const auto* want = std::get_if<events_list>(&c.then)) {
    ASSERT_TRUE(got) << to_string(got.error().code) << ": "
                     << got.error().message;
    EXPECT_TRUE(*got == *want)
      << "got" << describe<Entity>(*got) << "\nwant" << describe<Entity>(*want);
  } else {
    const auto& f = std::get<failure>(c.then);
    ASSERT_FALSE(got) << "got" << describe<Entity>(*got);
    EXPECT_EQ(got.error().code, f.code)
      << to_string(got.error().code) << ": " << got.error().message;
    EXPECT_NE(got.error().message.find(f.message_part), std::string::npos)
      << got.error().message;
  }
}

} // namespace larder::testing
