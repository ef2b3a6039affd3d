#include "analysis/analysis_tables.h"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "common/study.h"

namespace qa::analysis {

namespace {

std::string format_optional(const std::optional<double>& value) {
  return value ? format_double(*value) : "";
}

std::string format_bool(bool value) { return value ? "true" : "false"; }

std::string join(const std::vector<std::string>& values, const char* separator) {
  std::string joined;
  for (const std::string& value : values) {
    joined += (joined.empty() ? "" : separator) + value;
  }
  return joined;
}

std::string settings_comment(const AnalysisInput& input) {
  const AnalysisSettings& settings = input.settings;
  return fmt::format("model={} alpha={} delta={} bootstrap={} seed={} battery_hash={}", input.model,
                     format_double(settings.alpha), format_double(settings.delta),
                     settings.bootstrap_resamples, settings.seed, input.battery_hash);
}

std::string noise_floor_text(const AnalysisResult& result) {
  if (result.noise_floors.empty()) {
    return "This study has no noise-floor rung (reference-rerun or F16), so the flip rate that "
           "evaluation settings alone cause is not measured.";
  }
  std::string text;
  for (const NoiseFloor& noise : result.noise_floors) {
    text += fmt::format(" Noise floor {}: {} of {} items flipped, flip rate {}.", noise.rung,
                        noise.flips, noise.n, format_optional(noise.flip_rate));
  }
  return text.substr(1);
}

// Compares delta with each noise-floor flip rate, for the death definition.
std::string delta_against_noise(const AnalysisInput& input, const AnalysisResult& result) {
  std::string text;
  for (const NoiseFloor& noise : result.noise_floors) {
    if (!noise.flip_rate) {
      continue;
    }
    const bool above = input.settings.delta > *noise.flip_rate;
    text += fmt::format(" delta = {} is {} the {} flip rate{}.", format_double(input.settings.delta),
                        above ? "above" : "not above", noise.rung,
                        above ? ", so a death needs a net loss larger than settings alone cause"
                              : ", so a death may be within the noise that settings alone cause");
  }
  return text;
}

std::string death_definition(const AnalysisInput& input, const AnalysisResult& result) {
  return fmt::format(
      "death rung: the highest-precision ladder rung at which the family is degraded, that is "
      "Holm-adjusted exact McNemar p < {} and b > c and net loss (b - c) / n >= {}. Persistent: "
      "degraded at every lower rung too. The noise floor sizes the flips that evaluation settings "
      "alone cause: {}{}",
      format_double(input.settings.alpha), format_double(input.settings.delta),
      noise_floor_text(result), delta_against_noise(input, result));
}

void add_excluded_comments(CsvWriter& writer, const AnalysisResult& result) {
  for (const auto& [family, reason] : result.excluded_families) {
    writer.add_comment(fmt::format("excluded (no usable baseline): {}: {}", family, reason));
  }
}

CsvWriter start_table(std::vector<std::string> header, const AnalysisInput& input) {
  CsvWriter writer(std::move(header));
  writer.add_comment(settings_comment(input));
  return writer;
}

std::string render_summary(const AnalysisInput& input, const AnalysisResult& result) {
  CsvWriter writer = start_table({"model", "rung", "bits_per_weight", "family", "n", "correct",
                                  "accuracy", "ci_low", "ci_high"},
                                 input);
  writer.add_comment("accuracy = correct / n over the rung's items; ci_low, ci_high: Wilson 95 % "
                     "score interval (z from the normal quantile)");
  for (const SummaryRow& row : result.summary) {
    writer.add_row({input.model, row.rung, format_double(row.bits_per_weight), row.family,
                    std::to_string(row.n), std::to_string(row.correct), format_optional(row.accuracy),
                    format_optional(row.ci_low), format_optional(row.ci_high)});
  }
  return writer.str();
}

std::string render_flip_table(const AnalysisInput& input, const AnalysisResult& result) {
  CsvWriter writer = start_table({"family", "rung", "n", "both_correct", "ref_correct_quant_wrong",
                                  "ref_wrong_quant_correct", "both_wrong", "net_loss", "retention"},
                                 input);
  writer.add_comment("items scored on both the reference and the rung; net_loss = (b - c) / n; "
                     "retention = a / (a + b) among reference-correct items");
  writer.add_comment(noise_floor_text(result));
  for (const RungTest& test : result.tests) {
    const FlipCounts& counts = test.counts;
    writer.add_row({test.family, test.rung, std::to_string(counts.n()),
                    std::to_string(counts.both_correct), std::to_string(counts.loss),
                    std::to_string(counts.gain), std::to_string(counts.both_wrong),
                    format_optional(counts.net_loss()), format_optional(counts.retention())});
  }
  return writer.str();
}

std::string render_significance(const AnalysisInput& input, const AnalysisResult& result) {
  CsvWriter writer = start_table({"family", "rung", "b", "c", "p_value", "p_holm", "acc_diff",
                                  "boot_ci_low", "boot_ci_high", "degraded"},
                                 input);
  writer.add_comment(
      "p_value: two-sided exact McNemar, min(1, 2 * P[X <= min(b, c)]) with X ~ Binomial(b + c, "
      "1/2), 1 when b + c = 0");
  writer.add_comment(fmt::format(
      "p_holm: Holm step-down over the {} (family, ladder rung) tests with n > 0, every family "
      "included; a rung identical_to another is one test; noise-floor rungs are outside the "
      "family and have p_holm and degraded empty",
      result.holm_family_size));
  writer.add_comment(fmt::format(
      "acc_diff = accuracy(rung) - accuracy(reference) on paired items; boot_ci: percentile "
      "bootstrap 95 % over items, {} resamples, linear interpolation between order statistics",
      input.settings.bootstrap_resamples));
  writer.add_comment(death_definition(input, result));
  for (const RungTest& test : result.tests) {
    writer.add_row({test.family, test.rung, std::to_string(test.counts.loss),
                    std::to_string(test.counts.gain), format_double(test.p_value),
                    format_optional(test.p_holm), format_optional(test.acc_diff),
                    format_optional(test.boot_ci_low), format_optional(test.boot_ci_high),
                    test.noise_floor ? "" : format_bool(test.degraded)});
  }
  return writer.str();
}

std::string render_death_order(const AnalysisInput& input, const AnalysisResult& result) {
  CsvWriter writer =
      start_table({"rank", "family", "death_rung", "death_bits_per_weight", "persistent"}, input);
  writer.add_comment(death_definition(input, result));
  writer.add_comment("rank 1 dies at the highest precision; ties share a rank; families that "
                     "never die rank last with death_rung 'survives'");
  writer.add_comment("ladder order: " + join(result.ladder_rungs, ", "));
  add_excluded_comments(writer, result);
  for (const FamilyDeath& death : result.deaths) {
    writer.add_row({std::to_string(death.rank), death.family, death.death_rung.value_or("survives"),
                    format_optional(death.death_bits_per_weight),
                    death.death_rung ? format_bool(death.persistent) : ""});
  }
  return writer.str();
}

std::string render_persistence(const AnalysisInput& input, const AnalysisResult& result) {
  CsvWriter writer = start_table(
      {"family", "death_rung", "persistent", "degraded_rungs", "recovered_rungs"}, input);
  writer.add_comment(death_definition(input, result));
  writer.add_comment("degraded_rungs and recovered_rungs are ';'-separated; recovered rungs are "
                     "lower than the death rung and not degraded (a transient death)");
  add_excluded_comments(writer, result);
  for (const FamilyDeath& death : result.deaths) {
    writer.add_row({death.family, death.death_rung.value_or("survives"),
                    death.death_rung ? format_bool(death.persistent) : "",
                    join(death.degraded_rungs, ";"), join(death.recovered_rungs, ";")});
  }
  return writer.str();
}

std::string render_fragility(const AnalysisInput& input, const AnalysisResult& result) {
  const std::string formula =
      "fragility = mean over the analysed ladder rungs of net_loss (a rung identical_to another "
      "counted once) + bits_per_weight of the death rung (0 when the family survives)";
  CsvWriter writer = start_table({"family", "fragility", "death_bits_per_weight", "formula"}, input);
  writer.add_comment(formula);
  add_excluded_comments(writer, result);
  for (const FamilyDeath& death : result.deaths) {
    writer.add_row({death.family, format_double(death.fragility),
                    format_optional(death.death_bits_per_weight), formula});
  }
  return writer.str();
}

std::string render_margin_bins(const AnalysisInput& input, const AnalysisResult& result) {
  CsvWriter writer =
      start_table({"family", "rung", "margin_bin", "n", "losses", "gains"}, input);
  writer.add_comment(
      "margin_bin: quartile of the reference's confidence in the item, Q1 least confident; the "
      "signal is the choice margin (correct minus best wrong log-prob) for choice items and the "
      "reference answer's log-prob for generate items; cut points are the 25th, 50th and 75th "
      "percentiles over the family's reference items (upper bounds inclusive); 'none' holds items "
      "without a finite signal");
  for (const auto& [family, cuts] : result.margin_cuts) {
    writer.add_comment(fmt::format("cut points {}: signal {}, {}, {}, {}", family, cuts.signal,
                                   format_optional(cuts.q1), format_optional(cuts.q2),
                                   format_optional(cuts.q3)));
  }
  for (const MarginBinRow& row : result.margin_bins) {
    writer.add_row({row.family, row.rung, row.margin_bin, std::to_string(row.n),
                    std::to_string(row.losses), std::to_string(row.gains)});
  }
  return writer.str();
}

std::string render_headline(const AnalysisInput& input, const AnalysisResult& result) {
  CsvWriter writer =
      start_table({"model", "q4_degraded", "q3_degraded", "q2_degraded", "conclusion"}, input);
  writer.add_comment("qN_degraded: number of usable families degraded at Q4_K_M, Q3_K_M and Q2_K "
                     "(empty when the ladder has no such rung)");
  writer.add_comment(kHeadlineRule);
  const auto count = [](const std::optional<int>& value) {
    return value ? std::to_string(*value) : std::string();
  };
  writer.add_row({input.model, count(result.headline.q4_degraded), count(result.headline.q3_degraded),
                  count(result.headline.q2_degraded), result.headline.conclusion});
  return writer.str();
}

std::string render_settings(const AnalysisInput& input, const AnalysisResult& result) {
  nlohmann::json noise_floors = nlohmann::json::array();
  for (const NoiseFloor& noise : result.noise_floors) {
    noise_floors.push_back({{"rung", noise.rung},
                            {"n", noise.n},
                            {"flips", noise.flips},
                            {"flip_rate", noise.flip_rate ? nlohmann::json(*noise.flip_rate)
                                                          : nlohmann::json()}});
  }

  const nlohmann::json settings = {
      {"model", input.model},
      {"alpha", input.settings.alpha},
      {"delta", input.settings.delta},
      {"bootstrap_resamples", input.settings.bootstrap_resamples},
      {"bootstrap_method", "paired percentile bootstrap over items, 95 %, numpy 'linear' percentiles, "
                           "std::mt19937_64 seeded per (family, rung)"},
      {"seed", input.settings.seed},
      {"battery_hash", input.battery_hash},
      {"holm_family_size", result.holm_family_size},
      {"ladder_rungs", result.ladder_rungs},
      {"noise_floor", noise_floors},
      {"excluded_families", result.excluded_families},
      {"death_definition", death_definition(input, result)},
      {"tool_version", kToolVersion},
  };
  return settings.dump(2) + "\n";
}

}  // namespace

std::map<std::string, std::string> render_analysis_files(const AnalysisInput& input,
                                                         const AnalysisResult& result) {
  return {
      {"summary.csv", render_summary(input, result)},
      {"paired_flip_table.csv", render_flip_table(input, result)},
      {"paired_significance.csv", render_significance(input, result)},
      {"death_order.csv", render_death_order(input, result)},
      {"death_persistence.csv", render_persistence(input, result)},
      {"fragility_index.csv", render_fragility(input, result)},
      {"flips_by_margin.csv", render_margin_bins(input, result)},
      {"headline.csv", render_headline(input, result)},
      {"settings.json", render_settings(input, result)},
  };
}

}  // namespace qa::analysis
