// The paired analysis of one model's study. Per rung and family it computes
// accuracy, flip counts, the exact McNemar test with Holm correction and the
// degraded verdict. Per family it finds the death rung, persistence and
// fragility, and it counts the headline. It works on rows already loaded, so
// it is tested without a store or a model.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "analysis/paired_table.h"
#include "store/response.h"

namespace qa::analysis {

struct AnalysisSettings {
  double alpha = 0.05;  // significance level for the Holm-adjusted p value
  double delta = 0.05;  // minimum net loss (b - c) / n of a degraded rung
  int bootstrap_resamples = 10000;
  uint64_t seed = 1;
};

// A rung compared with the reference.
struct RungSpec {
  std::string name;
  double bits_per_weight = 0;
  // The rung whose rows are used: the rung itself, or the rung it is
  // identical_to in the ladder manifest (analysed once, listed twice).
  std::string rows_rung;
  // Noise-floor rungs ("reference-rerun", "F16") are tested and reported but
  // stay out of the Holm family, the death order and the headline.
  bool noise_floor = false;
};

struct FamilyBaseline {
  bool usable = false;
  std::string reason;
};

struct AnalysisInput {
  std::string model;
  std::string battery_hash;
  double reference_bits_per_weight = 0;
  // Noise-floor rungs first, then ladder rungs in ladder order (highest
  // precision first).
  std::vector<RungSpec> rungs;
  std::vector<ResponseRow> rows;  // every rung, the reference included
  // Calibration verdict per family; a family missing here is not usable.
  std::map<std::string, FamilyBaseline> baselines;
  AnalysisSettings settings;
};

struct SummaryRow {
  std::string rung;
  double bits_per_weight = 0;
  std::string family;
  int64_t n = 0;
  int64_t correct = 0;
  std::optional<double> accuracy;  // unset when n = 0
  std::optional<double> ci_low;    // Wilson 95 %
  std::optional<double> ci_high;
};

struct MarginBinRow {
  std::string family;
  std::string rung;
  std::string margin_bin;  // "Q1" (least confident reference) ... "Q4", or "none"
  int64_t n = 0;
  int64_t losses = 0;
  int64_t gains = 0;
};

struct RungTest {
  std::string family;
  std::string rung;
  bool noise_floor = false;
  FlipCounts counts;
  double p_value = 1;              // exact McNemar, two-sided
  std::optional<double> p_holm;    // unset for noise-floor rungs and n = 0
  std::optional<double> acc_diff;  // accuracy(rung) - accuracy(reference)
  std::optional<double> boot_ci_low;
  std::optional<double> boot_ci_high;
  bool degraded = false;
};

struct FamilyDeath {
  std::string family;
  int rank = 0;                      // 1 = dies at the highest precision
  std::optional<std::string> death_rung;  // unset when the family survives
  std::optional<double> death_bits_per_weight;
  bool persistent = false;
  std::vector<std::string> degraded_rungs;
  std::vector<std::string> recovered_rungs;  // lower than the death rung, not degraded
  double mean_net_loss = 0;
  double fragility = 0;
};

struct NoiseFloor {
  std::string rung;
  int64_t n = 0;
  int64_t flips = 0;  // b + c over all families
  std::optional<double> flip_rate;
};

struct Headline {
  std::optional<int> q4_degraded;  // unset when the ladder has no Q4_K_M
  std::optional<int> q3_degraded;
  std::optional<int> q2_degraded;
  std::string conclusion;
};

struct MarginCuts {
  std::string signal;  // "margin", "ref_logprob" or "margin|ref_logprob" (mixed kinds)
  std::optional<double> q1;  // 25th, 50th and 75th percentiles of the reference signal
  std::optional<double> q2;
  std::optional<double> q3;
};

struct AnalysisResult {
  std::vector<std::string> families;       // every family of the reference rows
  std::vector<std::string> ladder_rungs;   // ladder rungs with rows, ladder order
  std::vector<SummaryRow> summary;
  std::vector<RungTest> tests;
  std::vector<MarginBinRow> margin_bins;
  std::map<std::string, MarginCuts> margin_cuts;
  std::vector<FamilyDeath> deaths;  // usable families, in death order
  std::map<std::string, std::string> excluded_families;  // family -> reason
  std::vector<NoiseFloor> noise_floors;
  Headline headline;
  int holm_family_size = 0;
};

// Runs the whole analysis. Throws qa::Error when the reference has no rows.
// A rung without rows is left out of every table with a warning on stderr.
AnalysisResult analyze_rows(const AnalysisInput& input);

// Chooses the headline conclusion from degraded-family counts at Q4_K_M,
// Q3_K_M and Q2_K by the rule kHeadlineRule states.
std::string headline_conclusion(const Headline& counts);

extern const char* const kHeadlineRule;

}  // namespace qa::analysis
