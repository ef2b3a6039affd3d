// The usable-baseline rule: whether a family's reference accuracy leaves
// room to measure losses under quantization. Too low and there is nothing to
// lose; too close to the ceiling or to chance and flips are mostly noise.
#pragma once

#include <string>
#include <vector>

#include "probes/item.h"

namespace qa {

struct BaselineRule {
  // Accuracy band of generate families: [generate_min_accuracy, max_accuracy].
  double generate_min_accuracy = 0.2;
  // Choice families need at least chance + choice_margin_over_chance.
  double choice_margin_over_chance = 0.1;
  // Upper end of the band for both kinds.
  double max_accuracy = 0.95;
  // Reference-correct items needed in the frozen battery, so that losses can
  // reach significance after multiple-test correction.
  int min_correct = 30;
  // Accuracy that calibration aims for inside the band.
  double target_accuracy = 0.65;
};

struct BaselineVerdict {
  bool usable = false;
  // "usable", or why not, with the numbers (e.g. "accuracy 0.12 is below 0.20").
  std::string reason;
};

// Chance accuracy of a family: the mean over its choice items of
// 1 / number of choices; 0 for generate items.
double chance_accuracy(const std::vector<ProbeItem>& items);

// Lowest usable accuracy for a family of this kind and chance accuracy.
double min_usable_accuracy(ItemKind kind, double chance, const BaselineRule& rule);

// Whether accuracy lies inside the usable band (no minimum count checked):
// the test calibration applies to each scanned level.
bool accuracy_in_band(ItemKind kind, double accuracy, double chance, const BaselineRule& rule);

// The full rule on n items of which n_correct the reference got right:
// accuracy inside the band and n_correct >= rule.min_correct.
BaselineVerdict judge_baseline(ItemKind kind, int n, int n_correct, double chance,
                               const BaselineRule& rule);

}  // namespace qa
