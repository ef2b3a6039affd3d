// Cross-model transfer: does the death order and the "safe at Q4_K_M /
// Q3_K_M" finding of one model hold on another model evaluated on the same
// battery? Computed from the analysis of each study (see transfer_inputs.h);
// written out by transfer_report.h.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "analysis/kendall.h"
#include "analysis/transfer_inputs.h"

namespace qa {

// The three rungs of the headline table, as the original study reported them.
inline const std::vector<std::string> kHeadlineRungs = {"Q4_K_M", "Q3_K_M", "Q2_K"};
// The rungs whose "safe to ship" claim is checked across models.
inline const std::vector<std::string> kSafeClaimRungs = {"Q4_K_M", "Q3_K_M"};

inline constexpr uint64_t kDefaultTransferSeed = 20261204;

struct TransferOptions {
  int permutations = 10000;
  uint64_t seed = kDefaultTransferSeed;
  double alpha = 0.05;  // significance level of the permutation test in the verdict
  // Below this many families usable on both models the verdict is "cannot be
  // decided"; it equals the calibration gate's minimum of usable families.
  int min_common_families = kMinUsableFamiliesForTransfer;
};

// Jaccard index |A ∩ B| / |A ∪ B| of two degraded sets, defined as 1 when
// both are empty (the models agree that nothing is degraded).
double jaccard_index(const std::set<std::string>& a, const std::set<std::string>& b);

struct RungAgreement {
  std::string rung;
  std::set<std::string> degraded_a;  // restricted to the families usable on both
  std::set<std::string> degraded_b;
  double jaccard = 0;
};

// Whether "safe at rung" found on one model held on the other. A model is
// safe at a rung when no family usable on both models dies at that rung or
// at a higher-precision one. nullopt: the rung is not on that model's ladder.
struct SafeClaim {
  std::string rung;
  std::optional<bool> safe_a;
  std::optional<bool> safe_b;
};

enum class Verdict { kHolds, kDoesNotHold, kUndecided };

std::string verdict_text(Verdict verdict);

struct PairTransfer {
  size_t a = 0;  // index into TransferResult::studies
  size_t b = 0;
  std::vector<std::string> common_families;  // usable on both, sorted by name
  // Death ranks that enter tau-b, one per common family. A rank is the death
  // rung's position in the model's own ladder, and a family that never dies
  // ranks after every rung of that ladder.
  std::vector<double> ranks_a;
  std::vector<double> ranks_b;
  KendallPermutationTest kendall;
  std::vector<RungAgreement> rungs;  // rungs analysed on both, in A's ladder order
  std::vector<SafeClaim> safe_claims;
  Verdict verdict = Verdict::kUndecided;
  std::string verdict_reason;
};

// One model's row of the transfer headline table. A count is nullopt when the
// rung was not analysed in that study.
struct HeadlineRow {
  std::string model;
  int usable_families = 0;
  std::vector<std::optional<int>> degraded;  // one per kHeadlineRungs entry
  std::string conclusion;
};

// Conclusion for degraded-family counts at Q4_K_M, Q3_K_M and Q2_K, by the
// rule analysis::kHeadlineRule states (the one `analyze` uses).
std::string headline_conclusion(const std::vector<std::optional<int>>& degraded);

struct FamilyTransfer {
  std::string family;
  std::vector<std::optional<bool>> usable;  // per study; nullopt: not in its calibration
  std::vector<std::string> death_rung;      // per study: rung, "survives", or "" if not usable
  std::string agreement;                    // "yes", "no", or "n/a (...)"
};

struct TransferResult {
  TransferOptions options;
  std::vector<StudyAnalysis> studies;
  std::vector<std::string> labels;  // unique model labels, one per study
  std::string battery_hash;
  std::vector<PairTransfer> pairs;  // every unordered pair, in input order
  std::vector<HeadlineRow> headline;
  std::vector<FamilyTransfer> families;
  Verdict verdict = Verdict::kUndecided;  // combined over all pairs
  std::string verdict_reason;
};

// Compares two or more analysed studies. Throws qa::Error (exit status 2)
// when fewer than two are given or their battery hashes differ.
TransferResult compute_transfer(std::vector<StudyAnalysis> studies,
                                const TransferOptions& options);

}  // namespace qa
