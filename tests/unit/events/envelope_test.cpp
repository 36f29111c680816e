// Event metadata as stored in es.events.metadata.
#include "events/envelope.hpp"

#include <gtest/gtest.h>

using larder::events::actor_kind;
using larder::events::decode_metadata;
using larder::events::encode_metadata;
using larder::events::event_metadata;

namespace {

event_metadata keyed() {
  event_metadata m;
  m.actor = actor_kind::user;
  m.actor_id = "0190a0b0-0000-7000-8000-000000000001";
  m.request_id = "r-1";
  m.correlation_id = "r-1";
  m.source = "api";
  m.idempotency_key = "0190a0b0-0000-7000-8000-000000000001:k1";
  m.request_hash = "00112233445566778899aabbccddeeff";
  return m;
}

TEST(metadata, round_trips_with_its_idempotency_key_and_request_hash) {
  auto m = keyed();
  auto json = encode_metadata(m);
  EXPECT_NE(json.find(R"("request_hash":"00112233445566778899aabbccddeeff")"),
            std::string::npos)
    << json;
  auto back = decode_metadata(json);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, m);
}

// A command whose key was dropped (an upload's checklist tick, an export)
// stores no request hash: without a key nothing reads it.
TEST(metadata, keeps_a_request_hash_only_with_its_key) {
  auto m = keyed();
  m.idempotency_key.clear();
  auto json = encode_metadata(m);
  EXPECT_EQ(json.find("request_hash"), std::string::npos) << json;
  auto back = decode_metadata(json);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->request_hash.empty());
}

} // namespace
