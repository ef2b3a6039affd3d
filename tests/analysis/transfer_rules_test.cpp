// Jaccard agreement, the headline rule and the transfer verdict on
// hand-made analyses (no files).
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/transfer.h"
#include "common/error.h"

namespace qa {
namespace {

TEST(Jaccard, PartialOverlap) {
  EXPECT_DOUBLE_EQ(jaccard_index({"a", "b"}, {"b", "c"}), 1.0 / 3.0);
}

TEST(Jaccard, EqualSetsAreOne) { EXPECT_DOUBLE_EQ(jaccard_index({"a", "b"}, {"b", "a"}), 1.0); }

TEST(Jaccard, DisjointSetsAreZero) { EXPECT_DOUBLE_EQ(jaccard_index({"a"}, {}), 0.0); }

TEST(Jaccard, BothEmptyIsOne) { EXPECT_DOUBLE_EQ(jaccard_index({}, {}), 1.0); }

TEST(HeadlineRule, PicksEachConclusion) {
  EXPECT_EQ(headline_conclusion({0, 0, 0}), "none down to Q2_K");
  EXPECT_EQ(headline_conclusion({0, 0, 4}), "none before Q2_K");
  EXPECT_EQ(headline_conclusion({0, 1, 4}), "mostly Q2_K-only");
  EXPECT_EQ(headline_conclusion({0, 2, 4}), "earlier Q4/Q3 degradation");
  EXPECT_EQ(headline_conclusion({2, 3, 4}), "earlier Q4/Q3 degradation");
  EXPECT_EQ(headline_conclusion({std::nullopt, 1, 4}), "incomplete ladder (no Q4_K_M)");
  EXPECT_EQ(headline_conclusion({0, 0, std::nullopt}), "incomplete ladder (no Q2_K)");
}

// A study with the default ladder in which family i dies at deaths[i]
// (empty: survives) and stays degraded at every lower rung.
StudyAnalysis make_study(const std::string& model,
                         const std::vector<std::pair<std::string, std::string>>& deaths,
                         const std::string& battery_hash = "hash-1") {
  StudyAnalysis study;
  study.root = "/studies/" + model;
  study.model = model;
  study.battery_hash = battery_hash;
  study.ladder_rungs = {"Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K"};
  study.analysed_rungs = study.ladder_rungs;
  for (const auto& rung : study.ladder_rungs) {
    study.degraded[rung];
  }
  for (const auto& [family, rung] : deaths) {
    study.baselines[family] = {100, 0.6, true, "usable"};
    FamilyDeath death;
    if (!rung.empty()) {
      death.death_rung = rung;
      death.persistent = true;
      for (int i = study.rung_position(rung); i < 6; ++i) {
        study.degraded[study.ladder_rungs[i]].insert(family);
      }
    }
    study.deaths[family] = death;
  }
  return study;
}

const std::vector<std::pair<std::string, std::string>> kLateDeaths = {
    {"arith", "Q2_K"}, {"copy", "Q3_K_M"}, {"negation", "Q2_K"},
    {"plural", ""},    {"pronoun", ""},    {"tense", "Q3_K_M"}};

TEST(TransferVerdict, SameOrderHolds) {
  // Same death rungs plus one family that dies earlier on both: tau-b = 1.
  auto deaths = kLateDeaths;
  deaths.push_back({"emotion", "Q6_K"});
  deaths.push_back({"phrase", "Q5_K_M"});
  const TransferResult result =
      compute_transfer({make_study("a", deaths), make_study("b", deaths)}, TransferOptions{});

  ASSERT_EQ(result.pairs.size(), 1u);
  const PairTransfer& pair = result.pairs[0];
  EXPECT_EQ(pair.common_families.size(), 8u);
  EXPECT_DOUBLE_EQ(pair.kendall.tau_b, 1.0);
  EXPECT_LT(pair.kendall.p_value, 0.05);
  EXPECT_EQ(pair.verdict, Verdict::kHolds);
  EXPECT_EQ(result.verdict, Verdict::kHolds);
  for (const auto& rung : pair.rungs) {
    EXPECT_DOUBLE_EQ(rung.jaccard, 1.0) << rung.rung;
  }
}

TEST(TransferVerdict, FailedSafeClaimDoesNotHold) {
  auto early = kLateDeaths;
  early[0].second = "Q4_K_M";  // arith dies at Q4_K_M on b only
  const TransferResult result =
      compute_transfer({make_study("a", kLateDeaths), make_study("b", early)}, TransferOptions{});

  const PairTransfer& pair = result.pairs[0];
  ASSERT_EQ(pair.safe_claims.size(), 2u);
  EXPECT_EQ(pair.safe_claims[0].rung, "Q4_K_M");
  EXPECT_EQ(pair.safe_claims[0].safe_a, true);
  EXPECT_EQ(pair.safe_claims[0].safe_b, false);
  EXPECT_EQ(pair.safe_claims[1].safe_a, false);
  EXPECT_EQ(pair.verdict, Verdict::kDoesNotHold);
  EXPECT_NE(pair.verdict_reason.find("safe at Q4_K_M on a but not on b"), std::string::npos);
  EXPECT_EQ(result.headline[0].conclusion, "earlier Q4/Q3 degradation");
  EXPECT_EQ(result.headline[1].conclusion, "earlier Q4/Q3 degradation");
}

TEST(TransferVerdict, FewCommonFamiliesUndecided) {
  const std::vector<std::pair<std::string, std::string>> four = {
      {"arith", "Q2_K"}, {"copy", "Q3_K_M"}, {"negation", ""}, {"plural", ""}};
  const TransferResult result =
      compute_transfer({make_study("a", four), make_study("b", four)}, TransferOptions{});
  EXPECT_EQ(result.pairs[0].verdict, Verdict::kUndecided);
  EXPECT_NE(result.pairs[0].verdict_reason.find("only 4 families"), std::string::npos);
}

TEST(TransferVerdict, NoDeathsUndecided) {
  const std::vector<std::pair<std::string, std::string>> survivors = {
      {"a1", ""}, {"a2", ""}, {"a3", ""}, {"a4", ""}, {"a5", ""}};
  const TransferResult result = compute_transfer(
      {make_study("a", survivors), make_study("b", survivors)}, TransferOptions{});
  EXPECT_TRUE(std::isnan(result.pairs[0].kendall.tau_b));
  EXPECT_EQ(result.pairs[0].verdict, Verdict::kUndecided);
  EXPECT_EQ(result.headline[0].conclusion, "none down to Q2_K");
}

TEST(TransferVerdict, AnyFailingPairDecidesOverall) {
  auto early = kLateDeaths;
  early[0].second = "Q4_K_M";
  const TransferResult result = compute_transfer(
      {make_study("a", kLateDeaths), make_study("b", kLateDeaths), make_study("c", early)},
      TransferOptions{});
  ASSERT_EQ(result.pairs.size(), 3u);
  EXPECT_EQ(result.pairs[1].a, 0u);
  EXPECT_EQ(result.pairs[1].b, 2u);
  EXPECT_EQ(result.verdict, Verdict::kDoesNotHold);
}

TEST(TransferInputs, RejectsDifferentBatteries) {
  try {
    compute_transfer({make_study("a", kLateDeaths), make_study("b", kLateDeaths, "hash-2")},
                     TransferOptions{});
    FAIL() << "expected a battery mismatch error";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("hash-2"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("--battery-from"), std::string::npos);
  }
}

TEST(TransferInputs, RejectsSingleStudy) {
  EXPECT_THROW(compute_transfer({make_study("a", kLateDeaths)}, TransferOptions{}), Error);
}

TEST(TransferLabels, DuplicateModelsGetSuffix) {
  const TransferResult result = compute_transfer(
      {make_study("same", kLateDeaths), make_study("same", kLateDeaths)}, TransferOptions{});
  EXPECT_EQ(result.labels[0], "same");
  EXPECT_EQ(result.labels[1], "same#2");
}

}  // namespace
}  // namespace qa
