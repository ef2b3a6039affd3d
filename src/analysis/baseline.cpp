#include "analysis/baseline.h"

#include <fmt/core.h>

namespace qa {

double chance_accuracy(const std::vector<ProbeItem>& items) {
  double sum = 0;
  size_t n = 0;
  for (const auto& item : items) {
    if (item.kind == ItemKind::kChoice && !item.choices.empty()) {
      sum += 1.0 / static_cast<double>(item.choices.size());
      ++n;
    }
  }
  return n == 0 ? 0.0 : sum / static_cast<double>(n);
}

double min_usable_accuracy(ItemKind kind, double chance, const BaselineRule& rule) {
  return kind == ItemKind::kChoice ? chance + rule.choice_margin_over_chance
                                   : rule.generate_min_accuracy;
}

bool accuracy_in_band(ItemKind kind, double accuracy, double chance, const BaselineRule& rule) {
  return accuracy >= min_usable_accuracy(kind, chance, rule) && accuracy <= rule.max_accuracy;
}

BaselineVerdict judge_baseline(ItemKind kind, int n, int n_correct, double chance,
                               const BaselineRule& rule) {
  if (n <= 0) {
    return {false, "no items evaluated"};
  }

  const double accuracy = static_cast<double>(n_correct) / static_cast<double>(n);
  const double lower = min_usable_accuracy(kind, chance, rule);
  if (accuracy < lower) {
    const std::string bound = kind == ItemKind::kChoice
                                  ? fmt::format("{:.2f} (chance {:.2f} + {:.2f})", lower, chance,
                                                rule.choice_margin_over_chance)
                                  : fmt::format("{:.2f}", lower);
    return {false, fmt::format("accuracy {:.2f} is below {}", accuracy, bound)};
  }
  if (accuracy > rule.max_accuracy) {
    return {false, fmt::format("accuracy {:.2f} is above the ceiling {:.2f}", accuracy,
                               rule.max_accuracy)};
  }
  if (n_correct < rule.min_correct) {
    return {false, fmt::format("{} reference-correct items, at least {} needed", n_correct,
                               rule.min_correct)};
  }
  return {true, "usable"};
}

}  // namespace qa
