#include "http/rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace larder::http {

namespace {

/// The longest `Retry-After` the limiter reports, so a policy that never
/// refills (per_second <= 0) still yields a finite header.
constexpr double max_retry_seconds = 86400;

/// Refill arithmetic in doubles can land a hair below a whole token (0.1 s
/// at 10/s); this much is forgiven so the advertised Retry-After holds.
constexpr double epsilon = 1e-9;

double seconds_between(rate_limiter::clock::time_point from,
                       rate_limiter::clock::time_point to) {
  if (to <= from)
    return 0;
  return std::chrono::duration<double>(to - from).count();
}

} // namespace

rate_limiter::rate_limiter(bucket_policy policy, std::size_t max_keys)
  : policy_(policy), max_keys_(max_keys) {}

std::chrono::seconds rate_limiter::take(std::string_view key,
                                        clock::time_point now) {
  auto [it, fresh] =
    buckets_.try_emplace(std::string{key}, bucket{policy_.burst, now});
  auto& b = it->second;
  if (!fresh && now > b.updated) {
    if (policy_.per_second > 0)
      b.tokens = std::min(
        policy_.burst,
        b.tokens + seconds_between(b.updated, now) * policy_.per_second);
    b.updated = now;
  }
  if (b.tokens + epsilon >= 1) {
    b.tokens = std::max(0.0, b.tokens - 1);
    return std::chrono::seconds{0};
  }
  double wait = policy_.per_second > 0 ? (1 - b.tokens) / policy_.per_second
                                       : max_retry_seconds;
  wait = std::clamp(std::ceil(wait - epsilon), 1.0, max_retry_seconds);
  return std::chrono::seconds{static_cast<std::int64_t>(wait)};
}

void rate_limiter::prune(clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) {
    const auto& b = entry.second;
    double refilled = b.tokens;
    if (policy_.per_second > 0)
      refilled += seconds_between(b.updated, now) * policy_.per_second;
    return refilled + epsilon >= policy_.burst;
  });
  if (buckets_.size() <= max_keys_)
    return;
  // Drop the buckets touched longest ago: their clients are the least likely
  // to come back before the buckets would have refilled anyway.
  using iterator = decltype(buckets_)::iterator;
  std::vector<iterator> order;
  order.reserve(buckets_.size());
  for (auto i = buckets_.begin(); i != buckets_.end(); ++i)
    order.push_back(i);
  auto excess = order.size() - max_keys_;
  std::nth_element(order.begin(),
                   order.begin() + static_cast<std::ptrdiff_t>(excess),
                   order.end(), [](iterator a, iterator b) {
                     return a->second.updated < b->second.updated;
                   });
  for (std::size_t i = 0; i < excess; ++i)
    buckets_.erase(order[i]);
}

std::string address_key(std::string_view address) {
  std::string text{address};
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1 || IN6_IS_ADDR_V4MAPPED(&v6))
    return text;
  std::fill(v6.s6_addr + 8, v6.s6_addr + 16, 0);
  char out[INET6_ADDRSTRLEN];
  if (inet_ntop(AF_INET6, &v6, out, sizeof out) == nullptr)
    return text;
  return std::string{out} + "/64";
}

} // namespace larder::http
