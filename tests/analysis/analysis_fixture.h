// Response rows with a known flip pattern, shared by the analysis tests.
//
// A family of n items has ids FAMILY-000 ... in order. The reference gets
// items 0 .. reference_correct-1 right. A compared rung flips the first
// `losses` reference-correct items to wrong and the first `gains`
// reference-wrong items to right, so b = losses and c = gains exactly.
// Item i's reference signal (margin for choice items, ref_logprob for
// generate items) is 0.25 * i - 3.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "store/response.h"

namespace qa::test {

struct FamilyPattern {
  std::string family;
  std::string kind;  // "generate" or "choice"
  int n = 0;
  int reference_correct = 0;
};

inline std::vector<ResponseRow> pattern_rows(const FamilyPattern& pattern, const std::string& rung,
                                             int losses, int gains,
                                             const std::string& battery_hash = "battery-test") {
  std::vector<ResponseRow> rows;
  for (int i = 0; i < pattern.n; ++i) {
    ResponseRow row;
    row.rung = rung;
    row.item_id = fmt::format("{}-{:03d}", pattern.family, i);
    row.battery_hash = battery_hash;
    row.family = pattern.family;
    row.level = 1;
    row.kind = pattern.kind;
    row.run_id = 1;
    row.output = "output";

    const bool reference_correct = i < pattern.reference_correct;
    const bool lost = reference_correct && i < losses;
    const bool gained = !reference_correct && i - pattern.reference_correct < gains;
    row.correct = (reference_correct && !lost) || gained;
    row.correct_norm = row.correct;

    const double signal = 0.25 * i - 3;
    row.ref_logprob = signal;
    row.margin = pattern.kind == "choice" ? signal : std::nan("");
    if (pattern.kind == "choice") {
      row.predicted_index = row.correct ? 0 : 1;
      row.predicted_index_norm = row.predicted_index;
    }
    row.n_tokens = 10;
    row.ms = 1.5;
    rows.push_back(row);
  }
  return rows;
}

inline void append_rows(std::vector<ResponseRow>& rows, const std::vector<ResponseRow>& more) {
  rows.insert(rows.end(), more.begin(), more.end());
}

}  // namespace qa::test
