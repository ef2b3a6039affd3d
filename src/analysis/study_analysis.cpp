#include "analysis/study_analysis.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/core.h>

#include "analysis/bootstrap.h"
#include "analysis/statistics.h"
#include "common/error.h"
#include "common/log.h"
#include "common/study.h"

namespace qa::analysis {

const char* const kHeadlineRule =
    "conclusion rule (counts of degraded usable families): a rung missing from the ladder -> "
    "'incomplete ladder'; 0 at Q4_K_M, Q3_K_M and Q2_K -> 'none down to Q2_K'; 0 at Q4_K_M and "
    "Q3_K_M -> 'none before Q2_K'; 0 at Q4_K_M and 2 * Q3_K_M count < Q2_K count -> "
    "'mostly Q2_K-only'; otherwise -> 'earlier Q4/Q3 degradation'";

namespace {

using RowsByRung = std::map<std::string, std::vector<ResponseRow>>;

RowsByRung group_rows(const AnalysisInput& input) {
  RowsByRung rows_by_rung;
  for (const ResponseRow& row : input.rows) {
    if (!input.battery_hash.empty() && row.battery_hash != input.battery_hash) {
      continue;
    }
    rows_by_rung[row.rung].push_back(row);
  }
  return rows_by_rung;
}

std::vector<SummaryRow> summarize_rung(const std::string& rung, double bits_per_weight,
                                       const std::vector<ResponseRow>& rows,
                                       const std::vector<std::string>& families) {
  std::map<std::string, std::pair<int64_t, int64_t>> counts;  // family -> (n, correct)
  for (const ResponseRow& row : rows) {
    auto& [n, correct] = counts[row.family];
    ++n;
    correct += row.correct ? 1 : 0;
  }

  std::vector<SummaryRow> summary;
  for (const std::string& family : families) {
    SummaryRow row;
    row.rung = rung;
    row.bits_per_weight = bits_per_weight;
    row.family = family;
    const auto found = counts.find(family);
    if (found != counts.end()) {
      row.n = found->second.first;
      row.correct = found->second.second;
    }
    if (row.n > 0) {
      row.accuracy = static_cast<double>(row.correct) / static_cast<double>(row.n);
      const ProportionInterval interval = wilson_interval(row.correct, row.n);
      row.ci_low = interval.low;
      row.ci_high = interval.high;
    }
    summary.push_back(row);
  }
  return summary;
}

// Exact test and bootstrap interval of one family at one rung (Holm and the
// degraded verdict are filled in later, once every test is known).
RungTest test_pairs(const std::string& family, const RungSpec& rung,
                    const std::vector<ItemPair>& pairs, const AnalysisSettings& settings) {
  RungTest test;
  test.family = family;
  test.rung = rung.name;
  test.noise_floor = rung.noise_floor;
  test.counts = count_flips(pairs);
  test.p_value = mcnemar_exact_p(test.counts.loss, test.counts.gain);

  if (!pairs.empty()) {
    // (c - b) / n rather than -net_loss, so a tie prints as 0 and not -0.
    test.acc_diff = static_cast<double>(test.counts.gain - test.counts.loss) /
                    static_cast<double>(test.counts.n());

    std::vector<uint8_t> reference_correct;
    std::vector<uint8_t> quant_correct;
    for (const ItemPair& pair : pairs) {
      reference_correct.push_back(pair.reference_correct ? 1 : 0);
      quant_correct.push_back(pair.quant_correct ? 1 : 0);
    }
    // The seed depends on the rows' rung, not the listed name, so a rung
    // identical_to another gets the very same interval.
    const uint64_t seed = derive_seed(settings.seed, family + "/" + rung.rows_rung);
    const BootstrapInterval interval = paired_bootstrap_interval(
        reference_correct, quant_correct, settings.bootstrap_resamples, seed);
    test.boot_ci_low = interval.low;
    test.boot_ci_high = interval.high;
  }
  return test;
}

MarginCuts margin_cuts_of(const std::vector<ResponseRow>& reference_rows, const std::string& family) {
  std::vector<double> signals;
  std::set<std::string> kinds;
  for (const ResponseRow& row : reference_rows) {
    if (row.family != family) {
      continue;
    }
    kinds.insert(row.kind == "choice" ? "margin" : "ref_logprob");
    const double signal = reference_signal(row);
    if (!std::isnan(signal)) {
      signals.push_back(signal);
    }
  }

  MarginCuts cuts;
  for (const std::string& kind : kinds) {
    cuts.signal += (cuts.signal.empty() ? "" : "|") + kind;
  }
  if (!signals.empty()) {
    std::sort(signals.begin(), signals.end());
    cuts.q1 = percentile_of_sorted(signals, 0.25);
    cuts.q2 = percentile_of_sorted(signals, 0.50);
    cuts.q3 = percentile_of_sorted(signals, 0.75);
  }
  return cuts;
}

std::vector<MarginBinRow> bin_by_margin(const std::string& family, const std::string& rung,
                                        const std::vector<ItemPair>& pairs, const MarginCuts& cuts) {
  const std::vector<std::string> labels = {"Q1", "Q2", "Q3", "Q4"};
  std::vector<MarginBinRow> bins;
  for (const std::string& label : labels) {
    bins.push_back({family, rung, label, 0, 0, 0});
  }
  MarginBinRow unknown{family, rung, "none", 0, 0, 0};

  for (const ItemPair& pair : pairs) {
    MarginBinRow* bin = &unknown;
    if (!std::isnan(pair.reference_signal) && cuts.q1) {
      // Upper cut points are inclusive: Q1 holds signal <= 25th percentile.
      size_t index = 3;
      if (pair.reference_signal <= *cuts.q1) {
        index = 0;
      } else if (pair.reference_signal <= *cuts.q2) {
        index = 1;
      } else if (pair.reference_signal <= *cuts.q3) {
        index = 2;
      }
      bin = &bins[index];
    }
    ++bin->n;
    bin->losses += (pair.reference_correct && !pair.quant_correct) ? 1 : 0;
    bin->gains += (!pair.reference_correct && pair.quant_correct) ? 1 : 0;
  }

  if (unknown.n > 0) {
    bins.push_back(unknown);
  }
  return bins;
}

void apply_holm_and_verdict(std::vector<RungTest>& tests, const std::vector<RungSpec>& rungs,
                            const AnalysisSettings& settings, int& holm_family_size) {
  std::map<std::string, const RungSpec*> spec_by_name;
  for (const RungSpec& rung : rungs) {
    spec_by_name[rung.name] = &rung;
  }

  // One test per (family, rows rung): a rung identical_to another is the
  // same test and must not be counted twice.
  std::map<std::pair<std::string, std::string>, size_t> family_index;
  std::vector<double> p_values;
  for (const RungTest& test : tests) {
    const RungSpec& spec = *spec_by_name.at(test.rung);
    if (test.noise_floor || test.counts.n() == 0) {
      continue;
    }
    const auto key = std::make_pair(test.family, spec.rows_rung);
    if (family_index.emplace(key, p_values.size()).second) {
      p_values.push_back(test.p_value);
    }
  }
  holm_family_size = static_cast<int>(p_values.size());
  const std::vector<double> adjusted = holm_adjust(p_values);

  for (RungTest& test : tests) {
    const RungSpec& spec = *spec_by_name.at(test.rung);
    const auto found = family_index.find({test.family, spec.rows_rung});
    if (test.noise_floor || found == family_index.end()) {
      continue;
    }
    test.p_holm = adjusted[found->second];
    test.degraded = *test.p_holm < settings.alpha && test.counts.loss > test.counts.gain &&
                    *test.counts.net_loss() >= settings.delta;
  }
}

std::vector<FamilyDeath> order_deaths(const std::vector<RungTest>& tests,
                                      const std::vector<RungSpec>& ladder,
                                      const std::vector<std::string>& usable_families) {
  std::vector<FamilyDeath> deaths;
  std::vector<int> death_index;

  for (const std::string& family : usable_families) {
    FamilyDeath death;
    death.family = family;
    int first_degraded = -1;
    std::vector<bool> degraded(ladder.size(), false);
    std::set<std::string> counted_rows_rungs;
    double net_loss_sum = 0;
    int net_loss_count = 0;

    for (size_t i = 0; i < ladder.size(); ++i) {
      for (const RungTest& test : tests) {
        if (test.family != family || test.rung != ladder[i].name) {
          continue;
        }
        degraded[i] = test.degraded;
        const auto net_loss = test.counts.net_loss();
        if (net_loss && counted_rows_rungs.insert(ladder[i].rows_rung).second) {
          net_loss_sum += *net_loss;
          ++net_loss_count;
        }
      }
      if (degraded[i]) {
        death.degraded_rungs.push_back(ladder[i].name);
        if (first_degraded < 0) {
          first_degraded = static_cast<int>(i);
        }
      }
    }

    if (first_degraded >= 0) {
      death.death_rung = ladder[first_degraded].name;
      death.death_bits_per_weight = ladder[first_degraded].bits_per_weight;
      for (size_t i = first_degraded + 1; i < ladder.size(); ++i) {
        if (!degraded[i]) {
          death.recovered_rungs.push_back(ladder[i].name);
        }
      }
      death.persistent = death.recovered_rungs.empty();
    }
    death.mean_net_loss = net_loss_count > 0 ? net_loss_sum / net_loss_count : 0;
    death.fragility = death.mean_net_loss + death.death_bits_per_weight.value_or(0);

    deaths.push_back(death);
    death_index.push_back(first_degraded >= 0 ? first_degraded : static_cast<int>(ladder.size()));
  }

  // Earlier death (higher precision) ranks first; ties share the lower rank
  // (1, 2, 2, 4) and are listed by family name. Survivors rank last together.
  std::vector<size_t> order(deaths.size());
  for (size_t i = 0; i < order.size(); ++i) {
    order[i] = i;
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t left, size_t right) {
    return death_index[left] < death_index[right];
  });
  std::vector<FamilyDeath> ranked;
  for (size_t position = 0; position < order.size(); ++position) {
    FamilyDeath death = deaths[order[position]];
    const bool tied = position > 0 && death_index[order[position]] == death_index[order[position - 1]];
    death.rank = tied ? ranked.back().rank : static_cast<int>(position) + 1;
    ranked.push_back(death);
  }
  return ranked;
}

std::optional<int> count_degraded_at(const std::vector<RungTest>& tests, const std::string& rung,
                                     const std::set<std::string>& usable,
                                     const std::vector<RungSpec>& ladder) {
  const bool present = std::any_of(ladder.begin(), ladder.end(),
                                   [&](const RungSpec& spec) { return spec.name == rung; });
  if (!present) {
    return std::nullopt;
  }
  int count = 0;
  for (const RungTest& test : tests) {
    if (test.rung == rung && test.degraded && usable.count(test.family) > 0) {
      ++count;
    }
  }
  return count;
}

}  // namespace

std::string headline_conclusion(const Headline& counts) {
  if (!counts.q4_degraded || !counts.q3_degraded || !counts.q2_degraded) {
    std::string missing;
    const std::pair<const std::optional<int>*, const char*> rungs[] = {
        {&counts.q4_degraded, "Q4_K_M"}, {&counts.q3_degraded, "Q3_K_M"}, {&counts.q2_degraded, "Q2_K"}};
    for (const auto& [count, name] : rungs) {
      if (!*count) {
        missing += (missing.empty() ? "" : ", ") + std::string(name);
      }
    }
    return "incomplete ladder (no " + missing + ")";
  }

  const int q4 = *counts.q4_degraded;
  const int q3 = *counts.q3_degraded;
  const int q2 = *counts.q2_degraded;
  if (q4 == 0 && q3 == 0 && q2 == 0) {
    return "none down to Q2_K";
  }
  if (q4 == 0 && q3 == 0) {
    return "none before Q2_K";
  }
  if (q4 == 0 && 2 * q3 < q2) {
    return "mostly Q2_K-only";
  }
  return "earlier Q4/Q3 degradation";
}

AnalysisResult analyze_rows(const AnalysisInput& input) {
  const RowsByRung rows_by_rung = group_rows(input);
  const auto reference = rows_by_rung.find(kReferenceRung);
  if (reference == rows_by_rung.end()) {
    throw Error(fmt::format("the results store has no rows for the '{}' rung of battery {}; "
                            "run 'quant-autopsy sweep' (or calibrate) first",
                            kReferenceRung, input.battery_hash));
  }
  const std::vector<ResponseRow>& reference_rows = reference->second;

  AnalysisResult result;
  std::set<std::string> family_set;
  for (const ResponseRow& row : reference_rows) {
    family_set.insert(row.family);
  }
  result.families.assign(family_set.begin(), family_set.end());

  std::vector<std::string> usable_families;
  for (const std::string& family : result.families) {
    const auto baseline = input.baselines.find(family);
    if (baseline == input.baselines.end()) {
      result.excluded_families[family] = "not listed in calibration.csv";
    } else if (!baseline->second.usable) {
      result.excluded_families[family] = baseline->second.reason;
    } else {
      usable_families.push_back(family);
    }
  }
  const std::set<std::string> usable(usable_families.begin(), usable_families.end());

  // Rungs with rows; the others are reported and skipped.
  std::vector<RungSpec> rungs;
  std::vector<RungSpec> ladder;
  for (const RungSpec& rung : input.rungs) {
    if (rows_by_rung.count(rung.rows_rung) == 0) {
      log_warn("analyze: rung {} has no rows in the results store; it is left out of the analysis",
               rung.name);
      continue;
    }
    rungs.push_back(rung);
    if (!rung.noise_floor) {
      ladder.push_back(rung);
      result.ladder_rungs.push_back(rung.name);
    }
  }

  result.summary = summarize_rung(kReferenceRung, input.reference_bits_per_weight, reference_rows,
                                  result.families);
  for (const std::string& family : result.families) {
    result.margin_cuts[family] = margin_cuts_of(reference_rows, family);
  }

  for (const RungSpec& rung : rungs) {
    const std::vector<ResponseRow>& rows = rows_by_rung.at(rung.rows_rung);
    const auto summary = summarize_rung(rung.name, rung.bits_per_weight, rows, result.families);
    result.summary.insert(result.summary.end(), summary.begin(), summary.end());

    const auto pairs_by_family = pair_by_family(reference_rows, rows);
    NoiseFloor noise{rung.name, 0, 0, std::nullopt};
    for (const std::string& family : result.families) {
      const auto found = pairs_by_family.find(family);
      const std::vector<ItemPair> no_pairs;
      const std::vector<ItemPair>& pairs = found == pairs_by_family.end() ? no_pairs : found->second;

      result.tests.push_back(test_pairs(family, rung, pairs, input.settings));
      const auto bins = bin_by_margin(family, rung.name, pairs, result.margin_cuts[family]);
      result.margin_bins.insert(result.margin_bins.end(), bins.begin(), bins.end());

      noise.n += result.tests.back().counts.n();
      noise.flips += result.tests.back().counts.loss + result.tests.back().counts.gain;
    }
    if (rung.noise_floor) {
      if (noise.n > 0) {
        noise.flip_rate = static_cast<double>(noise.flips) / static_cast<double>(noise.n);
      }
      result.noise_floors.push_back(noise);
    }
  }

  apply_holm_and_verdict(result.tests, rungs, input.settings, result.holm_family_size);
  result.deaths = order_deaths(result.tests, ladder, usable_families);

  result.headline.q4_degraded = count_degraded_at(result.tests, "Q4_K_M", usable, ladder);
  result.headline.q3_degraded = count_degraded_at(result.tests, "Q3_K_M", usable, ladder);
  result.headline.q2_degraded = count_degraded_at(result.tests, "Q2_K", usable, ladder);
  result.headline.conclusion = headline_conclusion(result.headline);
  return result;
}

}  // namespace qa::analysis
