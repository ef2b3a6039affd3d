#include "analysis/transfer.h"

#include <algorithm>
#include <cmath>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "analysis/study_analysis.h"
#include "common/error.h"

namespace qa {

double jaccard_index(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> united = a;
  united.insert(b.begin(), b.end());
  if (united.empty()) {
    return 1.0;
  }
  size_t shared = 0;
  for (const auto& item : a) {
    shared += b.count(item);
  }
  return static_cast<double>(shared) / static_cast<double>(united.size());
}

std::string verdict_text(Verdict verdict) {
  switch (verdict) {
    case Verdict::kHolds:
      return "the transfer claim holds";
    case Verdict::kDoesNotHold:
      return "the transfer claim does not hold";
    case Verdict::kUndecided:
      break;
  }
  return "the transfer claim cannot be decided with these baselines";
}

std::string headline_conclusion(const std::vector<std::optional<int>>& degraded) {
  // One rule for a model's own headline.csv and for the transfer table, so
  // that a model never gets two different conclusions.
  analysis::Headline counts;
  counts.q4_degraded = degraded.at(0);
  counts.q3_degraded = degraded.at(1);
  counts.q2_degraded = degraded.at(2);
  return analysis::headline_conclusion(counts);
}

namespace {

// A family's death rank in its own model's ladder; survivors rank last.
double death_rank(const StudyAnalysis& study, const std::string& family) {
  const FamilyDeath& death = study.deaths.at(family);
  if (!death.death_rung) {
    return static_cast<double>(study.ladder_rungs.size());
  }
  return study.rung_position(*death.death_rung);
}

std::optional<bool> safe_at(const StudyAnalysis& study, const std::string& rung,
                            const std::vector<std::string>& families) {
  const auto found = std::find(study.analysed_rungs.begin(), study.analysed_rungs.end(), rung);
  if (found == study.analysed_rungs.end()) {
    return std::nullopt;
  }
  const double limit = study.rung_position(rung);
  for (const auto& family : families) {
    if (death_rank(study, family) <= limit) {
      return false;
    }
  }
  return true;
}

void decide_pair(PairTransfer& pair, const std::vector<std::string>& labels,
                 const TransferOptions& options) {
  const std::string& a = labels[pair.a];
  const std::string& b = labels[pair.b];

  if (static_cast<int>(pair.common_families.size()) < options.min_common_families) {
    pair.verdict = Verdict::kUndecided;
    pair.verdict_reason = fmt::format(
        "only {} families have a usable baseline on both {} and {}; at least {} are needed",
        pair.common_families.size(), a, b, options.min_common_families);
    return;
  }

  // A "safe at rung" finding that fails on the other model is what a deployer
  // borrowing it would get wrong, so it decides the verdict first.
  std::vector<std::string> failures;
  for (const auto& claim : pair.safe_claims) {
    if (claim.safe_a && claim.safe_b && *claim.safe_a && !*claim.safe_b) {
      failures.push_back(fmt::format("safe at {} on {} but not on {}", claim.rung, a, b));
    }
    if (claim.safe_a && claim.safe_b && *claim.safe_b && !*claim.safe_a) {
      failures.push_back(fmt::format("safe at {} on {} but not on {}", claim.rung, b, a));
    }
  }
  if (!failures.empty()) {
    pair.verdict = Verdict::kDoesNotHold;
    pair.verdict_reason = fmt::format("{}", fmt::join(failures, "; "));
    return;
  }

  const double tau = pair.kendall.tau_b;
  const double p = pair.kendall.p_value;
  if (std::isnan(tau)) {
    pair.verdict = Verdict::kUndecided;
    pair.verdict_reason =
        "tau-b is undefined because every family has the same death rung on one model "
        "(for example none dies), so the death orders cannot be compared";
    return;
  }
  if (p < options.alpha && tau > 0) {
    pair.verdict = Verdict::kHolds;
    pair.verdict_reason = fmt::format(
        "no safe-rung finding failed and the death orders agree (tau-b {:.3f}, permutation "
        "p {:.4f} < {})",
        tau, p, options.alpha);
    return;
  }
  if (p < options.alpha && tau < 0) {
    pair.verdict = Verdict::kDoesNotHold;
    pair.verdict_reason = fmt::format(
        "the death orders are reversed (tau-b {:.3f}, permutation p {:.4f} < {})", tau, p,
        options.alpha);
    return;
  }
  pair.verdict = Verdict::kUndecided;
  pair.verdict_reason = fmt::format(
      "no safe-rung finding failed, but the death orders are not significantly related "
      "(tau-b {:.3f}, permutation p {:.4f} >= {})",
      tau, p, options.alpha);
}

PairTransfer compare_pair(const TransferResult& result, size_t a, size_t b) {
  const StudyAnalysis& study_a = result.studies[a];
  const StudyAnalysis& study_b = result.studies[b];
  PairTransfer pair;
  pair.a = a;
  pair.b = b;

  const std::set<std::string> usable_a = study_a.usable_families();
  const std::set<std::string> usable_b = study_b.usable_families();
  std::set_intersection(usable_a.begin(), usable_a.end(), usable_b.begin(), usable_b.end(),
                        std::back_inserter(pair.common_families));

  for (const auto& family : pair.common_families) {
    pair.ranks_a.push_back(death_rank(study_a, family));
    pair.ranks_b.push_back(death_rank(study_b, family));
  }
  pair.kendall = kendall_permutation_test(pair.ranks_a, pair.ranks_b,
                                          result.options.permutations, result.options.seed);

  const std::set<std::string> common(pair.common_families.begin(), pair.common_families.end());
  for (const auto& rung : study_a.analysed_rungs) {
    if (!study_b.degraded.contains(rung)) {
      continue;
    }
    RungAgreement agreement;
    agreement.rung = rung;
    for (const auto& family : study_a.degraded.at(rung)) {
      if (common.contains(family)) {
        agreement.degraded_a.insert(family);
      }
    }
    for (const auto& family : study_b.degraded.at(rung)) {
      if (common.contains(family)) {
        agreement.degraded_b.insert(family);
      }
    }
    agreement.jaccard = jaccard_index(agreement.degraded_a, agreement.degraded_b);
    pair.rungs.push_back(agreement);
  }

  for (const auto& rung : kSafeClaimRungs) {
    pair.safe_claims.push_back({rung, safe_at(study_a, rung, pair.common_families),
                                safe_at(study_b, rung, pair.common_families)});
  }

  decide_pair(pair, result.labels, result.options);
  return pair;
}

std::vector<std::string> unique_labels(const std::vector<StudyAnalysis>& studies) {
  std::vector<std::string> labels;
  for (const auto& study : studies) {
    std::string label = study.model;
    int suffix = 2;
    while (std::find(labels.begin(), labels.end(), label) != labels.end()) {
      label = fmt::format("{}#{}", study.model, suffix++);
    }
    labels.push_back(label);
  }
  return labels;
}

HeadlineRow headline_row(const StudyAnalysis& study, const std::string& label) {
  HeadlineRow row;
  row.model = label;
  row.usable_families = static_cast<int>(study.usable_families().size());
  for (const auto& rung : kHeadlineRungs) {
    const auto found = study.degraded.find(rung);
    row.degraded.push_back(found == study.degraded.end()
                               ? std::nullopt
                               : std::optional<int>(static_cast<int>(found->second.size())));
  }
  row.conclusion = headline_conclusion(row.degraded);
  return row;
}

std::vector<FamilyTransfer> family_rows(const TransferResult& result) {
  std::set<std::string> all_families;
  for (const auto& study : result.studies) {
    for (const auto& [family, baseline] : study.baselines) {
      all_families.insert(family);
    }
  }

  std::vector<FamilyTransfer> rows;
  for (const auto& family : all_families) {
    FamilyTransfer row;
    row.family = family;
    std::vector<std::string> not_usable_on;
    for (size_t i = 0; i < result.studies.size(); ++i) {
      const StudyAnalysis& study = result.studies[i];
      const auto baseline = study.baselines.find(family);
      if (baseline == study.baselines.end()) {
        row.usable.push_back(std::nullopt);
      } else {
        row.usable.push_back(baseline->second.usable);
      }
      if (baseline == study.baselines.end() || !baseline->second.usable) {
        row.death_rung.push_back("");
        not_usable_on.push_back(result.labels[i]);
        continue;
      }
      const FamilyDeath& death = study.deaths.at(family);
      row.death_rung.push_back(death.death_rung ? *death.death_rung : "survives");
    }

    if (!not_usable_on.empty()) {
      row.agreement = fmt::format("n/a (no usable baseline on {})", fmt::join(not_usable_on, ", "));
    } else if (std::all_of(row.death_rung.begin(), row.death_rung.end(),
                           [&](const std::string& rung) { return rung == row.death_rung[0]; })) {
      row.agreement = "yes";
    } else {
      row.agreement = "no";
    }
    rows.push_back(row);
  }
  return rows;
}

void decide_overall(TransferResult& result) {
  std::vector<std::string> reasons;
  bool any_fails = false;
  bool all_hold = true;
  for (const auto& pair : result.pairs) {
    any_fails = any_fails || pair.verdict == Verdict::kDoesNotHold;
    all_hold = all_hold && pair.verdict == Verdict::kHolds;
    reasons.push_back(fmt::format("{} vs {}: {}", result.labels[pair.a], result.labels[pair.b],
                                  pair.verdict_reason));
  }
  result.verdict = any_fails  ? Verdict::kDoesNotHold
                   : all_hold ? Verdict::kHolds
                              : Verdict::kUndecided;
  result.verdict_reason = fmt::format("{}", fmt::join(reasons, "; "));
}

}  // namespace

TransferResult compute_transfer(std::vector<StudyAnalysis> studies,
                                const TransferOptions& options) {
  if (studies.size() < 2) {
    throw Error("transfer needs at least two analysed studies");
  }
  for (const auto& study : studies) {
    if (study.battery_hash != studies.front().battery_hash) {
      throw Error(fmt::format(
          "{} uses battery {} but {} uses battery {}: transfer compares studies on the same "
          "battery only; run `quant-autopsy calibrate {} --battery-from {}`",
          study.root.string(), study.battery_hash, studies.front().root.string(),
          studies.front().battery_hash, study.root.string(), studies.front().root.string()));
    }
  }

  TransferResult result;
  result.options = options;
  result.labels = unique_labels(studies);
  result.battery_hash = studies.front().battery_hash;
  result.studies = std::move(studies);

  for (size_t a = 0; a < result.studies.size(); ++a) {
    for (size_t b = a + 1; b < result.studies.size(); ++b) {
      result.pairs.push_back(compare_pair(result, a, b));
    }
  }
  for (size_t i = 0; i < result.studies.size(); ++i) {
    result.headline.push_back(headline_row(result.studies[i], result.labels[i]));
  }
  result.families = family_rows(result);
  decide_overall(result);
  return result;
}

}  // namespace qa
