#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace larder::projections {

/// What a model's last committed batches left of each stream it keeps, as
/// of the stream version they end at, so that the next event of a stream
/// recently written does not read its rows back: under a stream of
/// approvals and payments that read and its parsing were most of what each
/// one cost a model. A value is used only when the batch goes on from the
/// version it holds; otherwise (an event of the stream the model does not
/// read came between, a checkpoint moved back after a database crash lost
/// the tail of the batches, another runner wrote the tables) the model reads
/// its rows as before. Values written by a batch are held apart until it
/// commits (`commit`), and dropped if it fails (`discard`). The oldest
/// values give way once `capacity` are held.
template <class Key, class Value>
class version_cache {
 public:
  static constexpr std::size_t capacity = 8192;

  /// The value of `key` at `version`, taken out of the cache.
  std::optional<Value> take(const Key& key, std::int64_t version) {
    auto it = values_.find(key);
    if (it == values_.end())
      return std::nullopt;
    std::optional<Value> out;
    if (it->second.version == version)
      out = std::move(it->second.value);
    values_.erase(it);
    return out;
  }

  /// Holds `value`, `key`'s as of `version`, until the batch commits.
  void stage(Key key, std::int64_t version, Value value) {
    staged_.push_back({std::move(key), entry{std::move(value), version, 0}});
  }

  void commit() {
    for (auto& [key, e] : staged_) {
      e.serial = ++serial_;
      order_.emplace_back(key, serial_);
      values_.insert_or_assign(std::move(key), std::move(e));
    }
    staged_.clear();
    while (values_.size() > capacity) {
      auto [key, serial] = order_.front();
      order_.pop_front();
      if (auto it = values_.find(key);
          it != values_.end() && it->second.serial == serial)
        values_.erase(it);
    }
    // Drops the entries of values since written again, or taken.
    if (order_.size() > 2 * capacity)
      std::erase_if(order_, [this](const auto& e) {
        auto it = values_.find(e.first);
        return it == values_.end() || it->second.serial != e.second;
      });
  }

  void discard() {
    staged_.clear();
  }

 private:
  struct entry {
    Value value;
    std::int64_t version = 0;
    std::uint64_t serial = 0;
  };
  std::map<Key, entry> values_;
  std::deque<std::pair<Key, std::uint64_t>> order_;
  std::vector<std::pair<Key, entry>> staged_;
  std::uint64_t serial_ = 0;
};

} // namespace larder::projections
