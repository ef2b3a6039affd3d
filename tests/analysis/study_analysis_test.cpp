// Death order, persistence, headline and the alpha / delta options on a
// ladder whose flips are known by construction (see analysis_fixture.h).
#include "analysis/study_analysis.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "analysis_fixture.h"
#include "common/error.h"
#include "common/study.h"

namespace qa::analysis {
namespace {

using test::FamilyPattern;
using test::append_rows;
using test::pattern_rows;

const std::vector<std::string> kLadder = {"Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K"};

// Losses per distinct rung (Q5_K_M is identical_to Q6_K and has no rows).
struct Losses {
  int q8 = 0;
  int q6 = 0;
  int q4 = 0;
  int q3 = 0;
  int q2 = 0;
};

void add_family(AnalysisInput& input, const FamilyPattern& pattern, const Losses& losses,
                int gains = 0) {
  append_rows(input.rows, pattern_rows(pattern, kReferenceRung, 0, 0));
  append_rows(input.rows, pattern_rows(pattern, "Q8_0", losses.q8, gains));
  append_rows(input.rows, pattern_rows(pattern, "Q6_K", losses.q6, gains));
  append_rows(input.rows, pattern_rows(pattern, "Q4_K_M", losses.q4, gains));
  append_rows(input.rows, pattern_rows(pattern, "Q3_K_M", losses.q3, gains));
  append_rows(input.rows, pattern_rows(pattern, "Q2_K", losses.q2, gains));
}

// Five families of 100 items, 80 right on the reference:
//   arith  dies at Q4_K_M and stays dead           (losses 0, 2, 30, 40, 60)
//   logic  dies at Q2_K                            (losses 0, 0, 0, 0, 50)
//   recall dies at Q6_K, recovers at Q4_K_M        (losses 0, 30, 0, 30, 30)
//   syntax survives                                (2 losses, 1 gain everywhere)
//   trivia is unusable although it loses 50 items at Q8_0
// The reference-rerun noise floor loses 40 arith items, which must not count.
AnalysisInput make_known_study() {
  AnalysisInput input;
  input.model = "known";
  input.battery_hash = "battery-test";
  input.reference_bits_per_weight = 32;
  input.rungs = {{kReferenceRerunRung, 32, kReferenceRerunRung, true},
                 {"Q8_0", 8.5, "Q8_0", false},
                 {"Q6_K", 6.5625, "Q6_K", false},
                 {"Q5_K_M", 5.5, "Q6_K", false},
                 {"Q4_K_M", 4.875, "Q4_K_M", false},
                 {"Q3_K_M", 3.875, "Q3_K_M", false},
                 {"Q2_K", 2.625, "Q2_K", false}};

  const FamilyPattern arith{"arith", "generate", 100, 80};
  const FamilyPattern logic{"logic", "choice", 100, 80};
  const FamilyPattern recall{"recall", "generate", 100, 80};
  const FamilyPattern syntax{"syntax", "choice", 100, 80};
  const FamilyPattern trivia{"trivia", "generate", 100, 80};
  add_family(input, arith, {0, 2, 30, 40, 60});
  add_family(input, logic, {0, 0, 0, 0, 50});
  add_family(input, recall, {0, 30, 0, 30, 30});
  add_family(input, syntax, {2, 2, 2, 2, 2}, 1);
  add_family(input, trivia, {50, 50, 50, 50, 50});

  append_rows(input.rows, pattern_rows(arith, kReferenceRerunRung, 40, 0));
  for (const auto* pattern : {&logic, &recall, &syntax, &trivia}) {
    append_rows(input.rows, pattern_rows(*pattern, kReferenceRerunRung, 0, 0));
  }

  for (const char* family : {"arith", "logic", "recall", "syntax"}) {
    input.baselines[family] = {true, "usable"};
  }
  input.baselines["trivia"] = {false, "accuracy 0.99 is above the ceiling 0.95"};
  input.settings.bootstrap_resamples = 200;
  return input;
}

const FamilyDeath& death_of(const AnalysisResult& result, const std::string& family) {
  const auto found = std::find_if(result.deaths.begin(), result.deaths.end(),
                                  [&](const FamilyDeath& death) { return death.family == family; });
  if (found == result.deaths.end()) {
    throw Error("family " + family + " is not in the death order");
  }
  return *found;
}

const RungTest& test_of(const AnalysisResult& result, const std::string& family,
                        const std::string& rung) {
  const auto found = std::find_if(result.tests.begin(), result.tests.end(), [&](const RungTest& test) {
    return test.family == family && test.rung == rung;
  });
  if (found == result.tests.end()) {
    throw Error("no test for " + family + " at " + rung);
  }
  return *found;
}

std::vector<std::string> death_families(const AnalysisResult& result) {
  std::vector<std::string> families;
  for (const FamilyDeath& death : result.deaths) {
    families.push_back(death.family);
  }
  return families;
}

TEST(StudyAnalysis, DeathOrderOnKnownStudy) {
  const AnalysisResult result = analyze_rows(make_known_study());

  EXPECT_EQ(death_families(result), (std::vector<std::string>{"recall", "arith", "logic", "syntax"}));
  EXPECT_EQ(death_of(result, "recall").rank, 1);
  EXPECT_EQ(death_of(result, "recall").death_rung, "Q6_K");
  EXPECT_EQ(death_of(result, "arith").rank, 2);
  EXPECT_EQ(death_of(result, "arith").death_rung, "Q4_K_M");
  EXPECT_EQ(death_of(result, "arith").death_bits_per_weight, 4.875);
  EXPECT_EQ(death_of(result, "logic").rank, 3);
  EXPECT_EQ(death_of(result, "logic").death_rung, "Q2_K");
  EXPECT_EQ(death_of(result, "syntax").rank, 4);
  EXPECT_FALSE(death_of(result, "syntax").death_rung.has_value());
}

TEST(StudyAnalysis, PersistenceOnKnownStudy) {
  const AnalysisResult result = analyze_rows(make_known_study());

  const FamilyDeath& arith = death_of(result, "arith");
  EXPECT_TRUE(arith.persistent);
  EXPECT_EQ(arith.degraded_rungs, (std::vector<std::string>{"Q4_K_M", "Q3_K_M", "Q2_K"}));
  EXPECT_TRUE(arith.recovered_rungs.empty());

  // Q5_K_M is identical_to Q6_K, so it shares Q6_K's verdict.
  const FamilyDeath& recall = death_of(result, "recall");
  EXPECT_FALSE(recall.persistent);
  EXPECT_EQ(recall.degraded_rungs,
            (std::vector<std::string>{"Q6_K", "Q5_K_M", "Q3_K_M", "Q2_K"}));
  EXPECT_EQ(recall.recovered_rungs, (std::vector<std::string>{"Q4_K_M"}));

  EXPECT_TRUE(death_of(result, "logic").persistent);
  EXPECT_TRUE(death_of(result, "syntax").degraded_rungs.empty());
}

TEST(StudyAnalysis, HeadlineOnKnownStudy) {
  const AnalysisResult result = analyze_rows(make_known_study());

  // trivia is degraded everywhere but unusable, so it is not counted.
  EXPECT_EQ(result.headline.q4_degraded, 1);
  EXPECT_EQ(result.headline.q3_degraded, 2);
  EXPECT_EQ(result.headline.q2_degraded, 3);
  EXPECT_EQ(result.headline.conclusion, "earlier Q4/Q3 degradation");
}

TEST(StudyAnalysis, UnusableFamilyIsExcluded) {
  const AnalysisResult result = analyze_rows(make_known_study());

  ASSERT_EQ(result.excluded_families.count("trivia"), 1u);
  EXPECT_EQ(result.excluded_families.at("trivia"), "accuracy 0.99 is above the ceiling 0.95");
  EXPECT_THROW(death_of(result, "trivia"), Error);
  // Its tests are still computed, reported and part of the Holm family.
  EXPECT_TRUE(test_of(result, "trivia", "Q8_0").degraded);
}

TEST(StudyAnalysis, NoiseFloorStaysOutOfHolm) {
  const AnalysisResult result = analyze_rows(make_known_study());

  // 5 families x 5 distinct ladder rungs (Q5_K_M reuses Q6_K's test).
  EXPECT_EQ(result.holm_family_size, 25);

  const RungTest& noise = test_of(result, "arith", kReferenceRerunRung);
  EXPECT_EQ(noise.counts.loss, 40);
  EXPECT_FALSE(noise.p_holm.has_value());
  EXPECT_FALSE(noise.degraded);

  ASSERT_EQ(result.noise_floors.size(), 1u);
  EXPECT_EQ(result.noise_floors[0].rung, kReferenceRerunRung);
  EXPECT_EQ(result.noise_floors[0].n, 500);
  EXPECT_EQ(result.noise_floors[0].flips, 40);
  EXPECT_DOUBLE_EQ(*result.noise_floors[0].flip_rate, 0.08);
  EXPECT_EQ(std::count(result.ladder_rungs.begin(), result.ladder_rungs.end(), kReferenceRerunRung), 0);
}

TEST(StudyAnalysis, IdenticalRungListedWithSameNumbers) {
  const AnalysisResult result = analyze_rows(make_known_study());

  const RungTest& q6 = test_of(result, "recall", "Q6_K");
  const RungTest& q5 = test_of(result, "recall", "Q5_K_M");
  EXPECT_EQ(q5.counts.loss, q6.counts.loss);
  EXPECT_EQ(q5.p_value, q6.p_value);
  EXPECT_EQ(q5.p_holm, q6.p_holm);
  EXPECT_EQ(q5.boot_ci_low, q6.boot_ci_low);
  EXPECT_EQ(q5.boot_ci_high, q6.boot_ci_high);
  EXPECT_TRUE(q5.degraded);
}

// python3 -c "from scipy.stats import binom; print(repr(2*binom.cdf(0, 30, 0.5)))"
// gives 1.862645149230957e-09, the raw p value of every b = 30, c = 0 test.
TEST(StudyAnalysis, ExactPValueOfKnownTest) {
  const AnalysisResult result = analyze_rows(make_known_study());
  const RungTest& arith_q4 = test_of(result, "arith", "Q4_K_M");
  EXPECT_NEAR(arith_q4.p_value, 1.862645149230957e-09, 1e-21);
  EXPECT_DOUBLE_EQ(*arith_q4.counts.net_loss(), 0.3);
  EXPECT_DOUBLE_EQ(*arith_q4.counts.retention(), 50.0 / 80.0);
  EXPECT_DOUBLE_EQ(*arith_q4.acc_diff, -0.3);
}

TEST(StudyAnalysis, LargerDeltaChangesDeathOrder) {
  AnalysisInput input = make_known_study();
  input.settings.delta = 0.35;
  const AnalysisResult result = analyze_rows(input);

  // Net loss 0.3 no longer counts: arith dies at Q3_K_M (0.4), recall never.
  EXPECT_FALSE(test_of(result, "arith", "Q4_K_M").degraded);
  EXPECT_EQ(death_of(result, "arith").death_rung, "Q3_K_M");
  EXPECT_FALSE(death_of(result, "recall").death_rung.has_value());
  EXPECT_EQ(death_families(result), (std::vector<std::string>{"arith", "logic", "recall", "syntax"}));
  EXPECT_EQ(death_of(result, "recall").rank, 3);
  EXPECT_EQ(death_of(result, "syntax").rank, 3);
  EXPECT_EQ(result.headline.q4_degraded, 0);
  EXPECT_EQ(result.headline.q3_degraded, 1);
  EXPECT_EQ(result.headline.q2_degraded, 2);
  // 2 * 1 at Q3_K_M is not below 2 at Q2_K, so not "mostly Q2_K-only".
  EXPECT_EQ(result.headline.conclusion, "earlier Q4/Q3 degradation");
}

TEST(StudyAnalysis, SmallerAlphaChangesDeathOrder) {
  AnalysisInput input = make_known_study();
  // b = 30 tests (raw p 1.9e-9) fail after Holm; b = 40 (raw p 1.8e-12) pass.
  input.settings.alpha = 1e-10;
  const AnalysisResult result = analyze_rows(input);

  EXPECT_FALSE(test_of(result, "arith", "Q4_K_M").degraded);
  EXPECT_TRUE(test_of(result, "arith", "Q3_K_M").degraded);
  EXPECT_EQ(death_of(result, "arith").death_rung, "Q3_K_M");
  EXPECT_FALSE(death_of(result, "recall").death_rung.has_value());
  EXPECT_EQ(death_of(result, "logic").death_rung, "Q2_K");
  EXPECT_EQ(death_families(result), (std::vector<std::string>{"arith", "logic", "recall", "syntax"}));
}

TEST(StudyAnalysis, FragilityFollowsFormula) {
  const AnalysisResult result = analyze_rows(make_known_study());

  // arith: net losses 0, 0.02, 0.3, 0.4, 0.6 over the five distinct rungs,
  // mean 0.264, plus the death rung's 4.875 bits per weight.
  EXPECT_NEAR(death_of(result, "arith").fragility, 0.264 + 4.875, 1e-12);
  // syntax survives: mean net loss (2 - 1) / 100 and no death term.
  EXPECT_NEAR(death_of(result, "syntax").fragility, 0.01, 1e-12);
}

TEST(StudyAnalysis, MissingFamilyOnRungHasNoTest) {
  AnalysisInput input;
  input.model = "partial";
  input.battery_hash = "battery-test";
  input.rungs = {{"Q4_K_M", 4.875, "Q4_K_M", false}};
  const FamilyPattern first{"first", "generate", 10, 5};
  const FamilyPattern second{"second", "generate", 10, 5};
  append_rows(input.rows, pattern_rows(first, kReferenceRung, 0, 0));
  append_rows(input.rows, pattern_rows(second, kReferenceRung, 0, 0));
  append_rows(input.rows, pattern_rows(first, "Q4_K_M", 1, 0));
  input.baselines["first"] = {true, "usable"};
  input.baselines["second"] = {true, "usable"};
  input.settings.bootstrap_resamples = 100;

  const AnalysisResult result = analyze_rows(input);
  const RungTest& missing = test_of(result, "second", "Q4_K_M");
  EXPECT_EQ(missing.counts.n(), 0);
  EXPECT_EQ(missing.p_value, 1.0);
  EXPECT_FALSE(missing.p_holm.has_value());
  EXPECT_FALSE(missing.acc_diff.has_value());
  EXPECT_FALSE(missing.counts.net_loss().has_value());
  EXPECT_EQ(result.holm_family_size, 1);
  // One test: Holm leaves the p value unchanged.
  EXPECT_EQ(*test_of(result, "first", "Q4_K_M").p_holm, test_of(result, "first", "Q4_K_M").p_value);
  EXPECT_EQ(result.headline.conclusion, "incomplete ladder (no Q3_K_M, Q2_K)");
}

TEST(StudyAnalysis, OtherBatteryRowsAreIgnored) {
  AnalysisInput input = make_known_study();
  const FamilyPattern stray{"stray", "generate", 10, 5};
  append_rows(input.rows, pattern_rows(stray, kReferenceRung, 0, 0, "other-battery"));
  const AnalysisResult result = analyze_rows(input);
  EXPECT_EQ(std::count(result.families.begin(), result.families.end(), "stray"), 0);
}

TEST(StudyAnalysis, MissingReferenceIsAnError) {
  AnalysisInput input = make_known_study();
  input.rows.erase(std::remove_if(input.rows.begin(), input.rows.end(),
                                  [](const ResponseRow& row) { return row.rung == kReferenceRung; }),
                   input.rows.end());
  EXPECT_THROW(analyze_rows(input), Error);
}

TEST(HeadlineConclusion, FollowsStatedRule) {
  EXPECT_EQ(headline_conclusion({0, 0, 0, ""}), "none down to Q2_K");
  EXPECT_EQ(headline_conclusion({0, 0, 4, ""}), "none before Q2_K");
  EXPECT_EQ(headline_conclusion({0, 1, 6, ""}), "mostly Q2_K-only");
  EXPECT_EQ(headline_conclusion({0, 3, 6, ""}), "earlier Q4/Q3 degradation");
  EXPECT_EQ(headline_conclusion({1, 2, 4, ""}), "earlier Q4/Q3 degradation");
  EXPECT_EQ(headline_conclusion({std::nullopt, 0, 1, ""}), "incomplete ladder (no Q4_K_M)");
}

}  // namespace
}  // namespace qa::analysis
