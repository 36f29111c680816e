#include "events/hash_chain.hpp"

#include <gtest/gtest.h>

#include "events/crypto.hpp"

using namespace larder;
using namespace larder::events;

namespace {

envelope sample() {
  envelope env;
  env.event_id = *uuid::parse("01938a4e-5b6c-7d8e-9f00-112233445566");
  env.tenant_id = *uuid::parse("0193aaaa-bbbb-7ccc-8ddd-eeeeffff0000");
  env.stream_id = "invoice-01938a4e-0000-7000-8000-000000000001";
  env.stream_version = 1;
  env.event_type = "InvoiceApproved";
  env.schema_version = 1;
  // Member order and white space as a careless writer might produce them.
  env.payload =
    R"({ "total": "12.50", "by": "Zoë", "lines": [ {"qty": 2, "b": true} ] })";
  env.metadata = R"({"source":"web","actor":{"kind":"user","id":"u1"}})";
  env.recorded_at = "2026-11-22T06:01:02.123456Z";
  return env;
}

constexpr auto sample_canonical =
  R"({"event_id":"01938a4e-5b6c-7d8e-9f00-112233445566",)"
  R"("event_type":"InvoiceApproved",)"
  R"("metadata":{"actor":{"id":"u1","kind":"user"},"source":"web"},)"
  R"("payload":{"by":"Zoë","lines":[{"b":true,"qty":2}],"total":"12.50"},)"
  R"("recorded_at":"2026-11-22T06:01:02.123456Z","schema_version":1,)"
  R"("stream_id":"invoice-01938a4e-0000-7000-8000-000000000001",)"
  R"("stream_version":1,"tenant_id":"0193aaaa-bbbb-7ccc-8ddd-eeeeffff0000"})";

} // namespace

TEST(hash_chain, envelope_canonical_form_is_sorted_and_compact) {
  auto canonical = canonical_envelope(sample());
  ASSERT_TRUE(canonical) << canonical.error().message;
  EXPECT_EQ(*canonical, sample_canonical);
}

// The expected digests were computed outside larder with coreutils:
//   (head -c 32 /dev/zero; printf '%s' "$CANONICAL") | sha256sum
// so the chain is reproducible by any auditor's tooling.
TEST(hash_chain, first_hash_matches_an_independent_sha256) {
  auto hash = chain_hash(genesis_hash, sample());
  ASSERT_TRUE(hash);
  EXPECT_EQ(to_hex(*hash),
            "ac5ac95a41d83d59efb33b98d271eafe7b76a831170d7b9c272a334361d91f55");
}

TEST(hash_chain, second_hash_chains_from_the_first) {
  auto first = chain_hash(genesis_hash, sample());
  ASSERT_TRUE(first);
  auto next = sample();
  next.event_id = *uuid::parse("01938a4e-5b6c-7d8e-9f00-112233445567");
  next.stream_version = 2;
  auto second = chain_hash(*first, next);
  ASSERT_TRUE(second);
  EXPECT_EQ(to_hex(*second),
            "21eb301cf39954d4b09eb7b4a4330ed03fa72c9838f35c28bfda0647ea500456");
}

TEST(hash_chain, formatting_of_the_payload_does_not_change_the_hash) {
  auto a = sample();
  auto b = sample();
  b.payload =
    R"({"lines":[{"b":true,"qty":2.0}],"by":"Zo\u00eb","total":"12.50"})";
  EXPECT_EQ(*chain_hash(genesis_hash, a), *chain_hash(genesis_hash, b));
}

TEST(hash_chain, every_covered_field_changes_the_hash) {
  auto base = *chain_hash(genesis_hash, sample());
  std::vector<void (*)(envelope&)> edits = {
    [](envelope& e) {
      e.event_id = uuid::make_v7();
    },
    [](envelope& e) {
      e.tenant_id = uuid::make_v7();
    },
    [](envelope& e) {
      e.stream_id += "x";
    },
    [](envelope& e) {
      e.stream_version = 2;
    },
    [](envelope& e) {
      e.event_type = "InvoiceRejected";
    },
    [](envelope& e) {
      e.schema_version = 2;
    },
    [](envelope& e) {
      e.payload = R"({"total":"12.51"})";
    },
    [](envelope& e) {
      e.metadata = R"({"source":"api"})";
    },
    [](envelope& e) {
      e.recorded_at = "2026-11-22T06:01:02.123457Z";
    },
  };
  for (std::size_t i = 0; i < edits.size(); ++i) {
    auto env = sample();
    edits[i](env);
    EXPECT_NE(*chain_hash(genesis_hash, env), base) << "edit " << i;
  }
  hash_bytes other_prev{};
  other_prev[0] = 1;
  EXPECT_NE(*chain_hash(other_prev, sample()), base);
}

TEST(hash_chain, payloads_that_are_not_json_objects_are_refused) {
  for (auto bad : {"", "[1,2]", "\"text\"", "{\"a\":", "{\"a\":1,\"a\":2}"}) {
    auto env = sample();
    env.payload = bad;
    auto hash = chain_hash(genesis_hash, env);
    ASSERT_FALSE(hash) << bad;
    EXPECT_EQ(hash.error().code, errc::invalid_argument);
  }
}

TEST(hash_chain, the_canonical_fast_path_agrees_with_the_full_path) {
  auto env = sample();
  auto full = chain_hash(genesis_hash, env);
  env.payload = R"({"by":"Zoë","lines":[{"b":true,"qty":2}],"total":"12.50"})";
  env.metadata = R"({"actor":{"id":"u1","kind":"user"},"source":"web"})";
  EXPECT_EQ(chain_hash_of_canonical(genesis_hash, env), *full);
}
