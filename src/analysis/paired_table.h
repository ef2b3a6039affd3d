// Item-by-item pairing of one rung against the reference rung, and the 2x2
// flip counts of each family: a = both correct, b = reference correct and
// quant wrong (loss), c = reference wrong and quant correct (gain), d = both
// wrong.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/response.h"

namespace qa::analysis {

// One item scored on both the reference and the compared rung.
struct ItemPair {
  std::string item_id;
  bool reference_correct = false;
  bool quant_correct = false;
  // Reference confidence used for margin bins: the choice margin for choice
  // items, the reference answer's log-probability for generate items; NaN
  // when the store has neither.
  double reference_signal = 0;
};

struct FlipCounts {
  int64_t both_correct = 0;  // a
  int64_t loss = 0;          // b: reference correct, quant wrong
  int64_t gain = 0;          // c: reference wrong, quant correct
  int64_t both_wrong = 0;    // d

  int64_t n() const { return both_correct + loss + gain + both_wrong; }
  // (b - c) / n; nullopt when n = 0.
  std::optional<double> net_loss() const;
  // a / (a + b) among reference-correct items; nullopt when a + b = 0.
  std::optional<double> retention() const;
  // (b + c) / n, the share of items whose verdict changed; nullopt when n = 0.
  std::optional<double> flip_rate() const;
};

FlipCounts count_flips(const std::vector<ItemPair>& pairs);

// Pairs a rung's rows with the reference rows by item id, grouped by family
// (the reference row's family). Items present on only one side are left out;
// the result lists pairs in item id order.
std::map<std::string, std::vector<ItemPair>> pair_by_family(
    const std::vector<ResponseRow>& reference_rows, const std::vector<ResponseRow>& quant_rows);

// The reference confidence of a row: margin for choice items, ref_logprob
// otherwise; NaN when the chosen value is not finite.
double reference_signal(const ResponseRow& row);

}  // namespace qa::analysis
