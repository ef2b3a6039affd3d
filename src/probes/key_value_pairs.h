// Key-value lists shared by kv_retrieval and its long-context control.
#pragma once

#include <string>
#include <vector>

#include "probes/core_helpers.h"

namespace qa::probes::core {

struct KeyValueQuestion {
  std::string text;  // "Pairs: k1=v1, k2=v2, ... Value of kq:"
  std::string value;
  int query_position = 0;  // 0-based index of the queried pair
};

// Builds pair_count pairs of distinct made-up keys (5 letters) and distinct
// three-digit values, and asks for the value of the pair at a position drawn
// from [first_position, last_position] (clamped to the list).
inline KeyValueQuestion make_key_value_question(Rng& rng, int pair_count, int first_position,
                                                int last_position) {
  std::vector<std::string> keys;
  while (static_cast<int>(keys.size()) < pair_count) {
    std::string key = pseudo_word(rng, 5);
    bool seen = false;
    for (const auto& existing : keys) {
      seen = seen || existing == key;
    }
    if (!seen) {
      keys.push_back(std::move(key));
    }
  }
  const std::vector<int> values = distinct_ints(rng, pair_count, 100, 999);
  if (last_position > pair_count - 1) {
    last_position = pair_count - 1;
  }
  const int position = rng.range(first_position, last_position);

  std::vector<std::string> pairs;
  for (int i = 0; i < pair_count; ++i) {
    pairs.push_back(fmt::format("{}={}", keys[i], values[i]));
  }
  return {fmt::format("Pairs: {}. Value of {}:", join_comma(pairs), keys[position]),
          fmt::format("{}", values[position]), position};
}

}  // namespace qa::probes::core
