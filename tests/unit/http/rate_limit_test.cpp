#include "http/rate_limit.hpp"

#include <string>

#include <gtest/gtest.h>

namespace {

using larder::http::address_key;
using larder::http::bucket_policy;
using larder::http::rate_limiter;
using namespace std::chrono_literals;

const rate_limiter::clock::time_point t0{std::chrono::hours{1000}};

/// Takes `n` tokens from `key` at `now`; how many were granted.
int take_n(rate_limiter& limiter, std::string_view key, int n,
           rate_limiter::clock::time_point now) {
  int granted = 0;
  for (int i = 0; i < n; ++i)
    granted += limiter.take(key, now) == 0s;
  return granted;
}

TEST(rate_limiter, a_new_key_gets_the_whole_burst_then_is_refused) {
  rate_limiter limiter{{.burst = 5, .per_second = 1}};
  EXPECT_EQ(take_n(limiter, "1.2.3.4", 5, t0), 5);
  // Empty bucket at 1 token/s: one second until the next token.
  EXPECT_EQ(limiter.take("1.2.3.4", t0), 1s);
  EXPECT_EQ(limiter.take("1.2.3.4", t0), 1s);
}

TEST(rate_limiter, retry_after_is_rounded_up_to_whole_seconds) {
  // 0.25 tokens/s: an empty bucket needs four seconds for one token.
  rate_limiter limiter{{.burst = 1, .per_second = 0.25}};
  EXPECT_EQ(limiter.take("k", t0), 0s);
  EXPECT_EQ(limiter.take("k", t0), 4s);
  // 1.5 s later, 0.375 tokens: 2.5 s to go, reported as 3.
  EXPECT_EQ(limiter.take("k", t0 + 1500ms), 3s);
  EXPECT_EQ(limiter.take("k", t0 + 3999ms), 1s);
  EXPECT_EQ(limiter.take("k", t0 + 4s), 0s);
}

TEST(rate_limiter, retry_after_is_at_least_one_second) {
  // 10 tokens/s: the next token is 0.1 s away, but Retry-After counts whole
  // seconds and zero would mean "allowed".
  rate_limiter limiter{{.burst = 2, .per_second = 10}};
  EXPECT_EQ(take_n(limiter, "k", 2, t0), 2);
  EXPECT_EQ(limiter.take("k", t0), 1s);
  EXPECT_EQ(limiter.take("k", t0 + 50ms), 1s);
}

TEST(rate_limiter, the_advertised_wait_is_enough) {
  rate_limiter limiter{{.burst = 3, .per_second = 0.3}};
  auto now = t0;
  EXPECT_EQ(take_n(limiter, "k", 3, now), 3);
  for (int i = 0; i < 20; ++i) {
    auto wait = limiter.take("k", now);
    ASSERT_GT(wait, 0s);
    now += wait;
    EXPECT_EQ(limiter.take("k", now), 0s) << i;
  }
}

TEST(rate_limiter, refills_continuously_up_to_the_burst) {
  rate_limiter limiter{{.burst = 10, .per_second = 2}};
  EXPECT_EQ(take_n(limiter, "k", 10, t0), 10);
  EXPECT_GT(limiter.take("k", t0), 0s);
  // 1.5 s at 2/s: three tokens, not more.
  EXPECT_EQ(take_n(limiter, "k", 4, t0 + 1500ms), 3);
  // An hour later the bucket holds the burst, not 7200 tokens.
  EXPECT_EQ(take_n(limiter, "k", 20, t0 + 1h), 10);
}

TEST(rate_limiter, refused_requests_do_not_drain_the_bucket) {
  rate_limiter limiter{{.burst = 1, .per_second = 1}};
  EXPECT_EQ(limiter.take("k", t0), 0s);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(limiter.take("k", t0 + 500ms), 1s);
  EXPECT_EQ(limiter.take("k", t0 + 1s), 0s);
}

TEST(rate_limiter, a_clock_going_backwards_adds_nothing) {
  rate_limiter limiter{{.burst = 1, .per_second = 1}};
  EXPECT_EQ(limiter.take("k", t0), 0s);
  EXPECT_EQ(limiter.take("k", t0 - 1h), 1s);
  EXPECT_EQ(limiter.take("k", t0 + 1s), 0s);
}

TEST(rate_limiter, keys_are_independent) {
  rate_limiter limiter{{.burst = 2, .per_second = 1}};
  EXPECT_EQ(take_n(limiter, "alice@example.com", 3, t0), 2);
  EXPECT_EQ(take_n(limiter, "bob@example.com", 2, t0), 2);
  EXPECT_EQ(take_n(limiter, "Alice@example.com", 2, t0), 2);
  EXPECT_EQ(limiter.size(), 3u);
  EXPECT_EQ(limiter.take("alice@example.com", t0), 1s);
}

TEST(rate_limiter, a_policy_without_refill_still_gives_a_finite_wait) {
  rate_limiter limiter{{.burst = 1, .per_second = 0}};
  EXPECT_EQ(limiter.take("k", t0), 0s);
  auto wait = limiter.take("k", t0);
  EXPECT_GE(wait, 1s);
  EXPECT_LE(wait, 24h);
  EXPECT_GT(limiter.take("k", t0 + 48h), 0s);
}

TEST(rate_limiter, prune_forgets_buckets_that_have_refilled) {
  rate_limiter limiter{{.burst = 4, .per_second = 1}};
  limiter.take("busy", t0);
  take_n(limiter, "busier", 4, t0);
  EXPECT_EQ(limiter.size(), 2u);
  limiter.prune(t0);
  EXPECT_EQ(limiter.size(), 2u);
  // After 1 s "busy" is full again (3 + 1); "busier" holds one token.
  limiter.prune(t0 + 1s);
  EXPECT_EQ(limiter.size(), 1u);
  // A forgotten bucket behaves as a new, full one.
  EXPECT_EQ(take_n(limiter, "busy", 5, t0 + 1s), 4);
  // "busier" kept its state: three tokens by now, not a fresh four.
  EXPECT_EQ(take_n(limiter, "busier", 4, t0 + 3s), 3);
  limiter.prune(t0 + 1h);
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(rate_limiter, prune_bounds_the_map_by_dropping_the_oldest) {
  rate_limiter limiter{{.burst = 2, .per_second = 0.001}, 3};
  for (int i = 0; i < 10; ++i)
    take_n(limiter, "k" + std::to_string(i), 2, t0 + i * 1s);
  EXPECT_EQ(limiter.size(), 10u);
  limiter.prune(t0 + 10s);
  EXPECT_EQ(limiter.size(), 3u);
  // The three most recently updated keys kept their empty buckets; an old
  // key was dropped and starts full.
  for (int i = 7; i < 10; ++i)
    EXPECT_GT(limiter.take("k" + std::to_string(i), t0 + 10s), 0s) << i;
  EXPECT_EQ(limiter.take("k0", t0 + 10s), 0s);
}

TEST(rate_limiter, prune_to_zero_keys_empties_the_map) {
  rate_limiter limiter{{.burst = 1, .per_second = 0.001}, 0};
  limiter.take("a", t0);
  limiter.take("b", t0);
  limiter.prune(t0);
  EXPECT_EQ(limiter.size(), 0u);
}

// One IPv6 subscriber holds a whole /64: its addresses share a bucket.
TEST(address_key, groups_ipv6_by_its_64_and_keeps_ipv4_whole) {
  EXPECT_EQ(address_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(address_key("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            address_key("2001:db8:1:2::7"));
  EXPECT_NE(address_key("2001:db8:1:2::1"), address_key("2001:db8:1:3::1"));
  EXPECT_EQ(address_key("::1"), "::/64");
  EXPECT_EQ(address_key("203.0.113.9"), "203.0.113.9");
  EXPECT_EQ(address_key("::ffff:203.0.113.9"), "::ffff:203.0.113.9");
  EXPECT_NE(address_key("::ffff:203.0.113.9"),
            address_key("::ffff:203.0.113.10"));
  EXPECT_EQ(address_key("not an address"), "not an address");
}

} // namespace
