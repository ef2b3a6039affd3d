#include "analysis/paired_table.h"

#include <cmath>
#include <limits>
#include <unordered_map>

namespace qa::analysis {

std::optional<double> FlipCounts::net_loss() const {
  if (n() == 0) {
    return std::nullopt;
  }
  return static_cast<double>(loss - gain) / static_cast<double>(n());
}

std::optional<double> FlipCounts::retention() const {
  const int64_t reference_correct = both_correct + loss;
  if (reference_correct == 0) {
    return std::nullopt;
  }
  return static_cast<double>(both_correct) / static_cast<double>(reference_correct);
}

std::optional<double> FlipCounts::flip_rate() const {
  if (n() == 0) {
    return std::nullopt;
  }
  return static_cast<double>(loss + gain) / static_cast<double>(n());
}

FlipCounts count_flips(const std::vector<ItemPair>& pairs) {
  FlipCounts counts;
  for (const ItemPair& pair : pairs) {
    if (pair.reference_correct && pair.quant_correct) {
      ++counts.both_correct;
    } else if (pair.reference_correct) {
      ++counts.loss;
    } else if (pair.quant_correct) {
      ++counts.gain;
    } else {
      ++counts.both_wrong;
    }
  }
  return counts;
}

double reference_signal(const ResponseRow& row) {
  const double value = row.kind == "choice" ? row.margin : row.ref_logprob;
  return std::isfinite(value) ? value : std::numeric_limits<double>::quiet_NaN();
}

std::map<std::string, std::vector<ItemPair>> pair_by_family(
    const std::vector<ResponseRow>& reference_rows, const std::vector<ResponseRow>& quant_rows) {
  std::unordered_map<std::string, const ResponseRow*> quant_by_item;
  quant_by_item.reserve(quant_rows.size());
  for (const ResponseRow& row : quant_rows) {
    quant_by_item.emplace(row.item_id, &row);
  }

  std::map<std::string, std::map<std::string, ItemPair>> by_family;
  for (const ResponseRow& reference : reference_rows) {
    const auto found = quant_by_item.find(reference.item_id);
    if (found == quant_by_item.end()) {
      continue;
    }
    ItemPair pair;
    pair.item_id = reference.item_id;
    pair.reference_correct = reference.correct;
    pair.quant_correct = found->second->correct;
    pair.reference_signal = reference_signal(reference);
    by_family[reference.family].emplace(reference.item_id, std::move(pair));
  }

  std::map<std::string, std::vector<ItemPair>> result;
  for (auto& [family, items] : by_family) {
    auto& pairs = result[family];
    pairs.reserve(items.size());
    for (auto& [item_id, pair] : items) {
      pairs.push_back(std::move(pair));
    }
  }
  return result;
}

}  // namespace qa::analysis
