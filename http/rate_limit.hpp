#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

/// Token buckets keyed by a client (an address, a user id, an email). Not
/// thread-safe: owned by the HTTP edge actor.
namespace larder::http {

struct bucket_policy {
  /// Bucket size: how many requests may arrive at once.
  double burst = 20;
  /// Tokens added per second.
  double per_second = 10;
};

/// The bucket key of a client address: an IPv6 address by its /64 (one
/// subscriber's network: whoever holds one holds 2^64 addresses, and
/// would otherwise get as many buckets), an IPv4 or IPv4-mapped address
/// whole. Anything else is its own key.
std::string address_key(std::string_view address);

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  explicit rate_limiter(bucket_policy policy, std::size_t max_keys = 100000);

  /// Takes one token from `key`'s bucket. Zero when allowed; otherwise how
  /// long until a token is available (at least one second, rounded up), for
  /// `Retry-After`.
  std::chrono::seconds take(std::string_view key, clock::time_point now);

  /// Forgets full buckets (they behave as new ones); called periodically so
  /// the map stays bounded. When more than `max_keys` remain, the oldest are
  /// dropped.
  void prune(clock::time_point now);

  std::size_t size() const noexcept {
    return buckets_.size();
  }

  const bucket_policy& policy() const noexcept {
    return policy_;
  }

 private:
  struct bucket {
    double tokens;
    clock::time_point updated;
  };
  bucket_policy policy_;
  std::size_t max_keys_;
  std::unordered_map<std::string, bucket> buckets_;
};

} // namespace larder::http
