#include "events/uuid.hpp"

#include <set>

#include <gtest/gtest.h>

using larder::events::uuid;

TEST(uuid, v7_sets_version_and_variant_bits) {
  auto id = uuid::make_v7();
  auto text = id.to_string();
  ASSERT_EQ(text.size(), 36u);
  EXPECT_EQ(text[14], '7');
  EXPECT_TRUE(text[19] == '8' || text[19] == '9' || text[19] == 'a'
              || text[19] == 'b');
}

TEST(uuid, text_round_trips_and_accepts_upper_case) {
  auto id = uuid::make_v7();
  auto parsed = uuid::parse(id.to_string());
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, id);
  auto upper = uuid::parse("0190A3B4-C5D6-7E8F-9A0B-1C2D3E4F5A6B");
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->to_string(), "0190a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b");
}

TEST(uuid, malformed_text_is_refused) {
  for (auto bad : {"", "0190a3b4c5d67e8f9a0b1c2d3e4f5a6b",
                   "0190a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6",
                   "0190a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6g",
                   "0190a3b4+c5d6-7e8f-9a0b-1c2d3e4f5a6b"})
    EXPECT_FALSE(uuid::parse(bad)) << bad;
}

TEST(uuid, v7_ids_are_unique_and_sort_by_creation_millisecond) {
  std::set<uuid> ids;
  for (int i = 0; i < 10000; ++i)
    ids.insert(uuid::make_v7());
  EXPECT_EQ(ids.size(), 10000u);
  auto first = uuid::make_v7();
  // The first 48 bits are the millisecond clock: a later id never sorts
  // before an earlier millisecond.
  while (uuid::make_v7().to_string().substr(0, 13)
         == first.to_string().substr(0, 13)) {
  }
  EXPECT_LT(first, uuid::make_v7());
}
