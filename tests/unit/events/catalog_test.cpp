#include "events/catalog.hpp"

#include <gtest/gtest.h>

using namespace larder;
using namespace larder::events;

namespace {

catalog price_catalog() {
  catalog c;
  c.add_type("PriceRecorded", 3);
  // v1 had "price" as a number-ish string; v2 renamed it to "unit_price".
  c.add_upcaster("PriceRecorded", 1, [](std::string_view payload) {
    std::string s{payload};
    s.replace(s.find("\"price\""), 7, "\"unit_price\"");
    return expected<std::string>{s};
  });
  // v3 added a currency, defaulting to CAD for old events.
  c.add_upcaster("PriceRecorded", 2, [](std::string_view payload) {
    std::string s{payload};
    s.insert(s.size() - 1, ",\"currency\":\"CAD\"");
    return expected<std::string>{s};
  });
  return c;
}

envelope event(std::string type, int version, std::string payload) {
  envelope env;
  env.event_type = std::move(type);
  env.schema_version = version;
  env.payload = std::move(payload);
  return env;
}

} // namespace

TEST(catalog, upcasts_old_payloads_through_every_step) {
  auto c = price_catalog();
  auto env = event("PriceRecorded", 1, R"({"price":"4.50"})");
  ASSERT_TRUE(c.upcast(env));
  EXPECT_EQ(env.schema_version, 3);
  EXPECT_EQ(env.payload, R"({"unit_price":"4.50","currency":"CAD"})");
}

TEST(catalog, current_payloads_pass_unchanged) {
  auto c = price_catalog();
  auto env =
    event("PriceRecorded", 3, R"({"unit_price":"1","currency":"EUR"})");
  ASSERT_TRUE(c.upcast(env));
  EXPECT_EQ(env.payload, R"({"unit_price":"1","currency":"EUR"})");
}

TEST(catalog, unknown_types_future_versions_and_gaps_are_errors) {
  auto c = price_catalog();
  auto unknown = event("Nope", 1, "{}");
  EXPECT_EQ(c.upcast(unknown).error().code, errc::invalid_argument);
  auto future = event("PriceRecorded", 4, "{}");
  EXPECT_EQ(c.upcast(future).error().code, errc::invalid_argument);
  catalog gap;
  gap.add_type("X", 3);
  gap.add_upcaster("X", 2, [](std::string_view p) {
    return expected<std::string>{std::string{p}};
  });
  auto old = event("X", 1, "{}");
  auto res = gap.upcast(old);
  ASSERT_FALSE(res);
  EXPECT_NE(res.error().message.find("no upcaster for X v1"),
            std::string::npos);
}
