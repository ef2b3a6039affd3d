// Tests of calibration: the level choice and the usable-baseline rule on
// hand-made numbers, and 'quant-autopsy calibrate' end to end on
// stories260K.gguf and on a random-weight model that must fail the gate.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "analysis/baseline.h"
#include "common/csv.h"
#include "common/files.h"
#include "common/study.h"
#include "gguf/tiny_model_writer.h"
#include "pipeline/calibrate_stage.h"
#include "probes/battery.h"
#include "store/results_store.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModel = "stories260K.gguf";

using test::quoted;

LevelScan scan(int level, int n, int n_correct, ItemKind kind = ItemKind::kGenerate,
               double chance = 0) {
  LevelScan result;
  result.family = "f";
  result.kind = kind;
  result.level = level;
  result.n = n;
  result.n_correct = n_correct;
  result.chance = chance;
  return result;
}

TEST(BaselineRule, GenerateBandAndMinimumCorrect) {
  const BaselineRule rule;
  EXPECT_TRUE(judge_baseline(ItemKind::kGenerate, 100, 65, 0, rule).usable);
  EXPECT_TRUE(judge_baseline(ItemKind::kGenerate, 100, 95, 0, rule).usable);
  EXPECT_FALSE(judge_baseline(ItemKind::kGenerate, 100, 96, 0, rule).usable);
  // 0.25 is inside the band, but 25 correct items are fewer than 30.
  const auto few = judge_baseline(ItemKind::kGenerate, 100, 25, 0, rule);
  EXPECT_FALSE(few.usable);
  EXPECT_NE(few.reason.find("25 reference-correct items"), std::string::npos) << few.reason;
  const auto low = judge_baseline(ItemKind::kGenerate, 200, 38, 0, rule);
  EXPECT_FALSE(low.usable);
  EXPECT_NE(low.reason.find("0.19 is below 0.20"), std::string::npos) << low.reason;
  EXPECT_FALSE(judge_baseline(ItemKind::kGenerate, 0, 0, 0, rule).usable);
}

TEST(BaselineRule, ChoiceNeedsMarginOverChance) {
  const BaselineRule rule;
  // Four choices: chance 0.25, so the lower end of the band is 0.35.
  EXPECT_FALSE(judge_baseline(ItemKind::kChoice, 100, 34, 0.25, rule).usable);
  EXPECT_TRUE(judge_baseline(ItemKind::kChoice, 100, 35, 0.25, rule).usable);
  // Two choices: 0.55 is below 0.5 + 0.1.
  const auto binary = judge_baseline(ItemKind::kChoice, 100, 55, 0.5, rule);
  EXPECT_FALSE(binary.usable);
  EXPECT_NE(binary.reason.find("chance 0.50"), std::string::npos) << binary.reason;
}

TEST(BaselineRule, ParametersChangeTheBand) {
  BaselineRule rule;
  rule.generate_min_accuracy = 0.5;
  rule.max_accuracy = 0.99;
  rule.min_correct = 10;
  EXPECT_FALSE(judge_baseline(ItemKind::kGenerate, 100, 45, 0, rule).usable);
  EXPECT_TRUE(judge_baseline(ItemKind::kGenerate, 100, 98, 0, rule).usable);
  EXPECT_TRUE(judge_baseline(ItemKind::kGenerate, 20, 12, 0, rule).usable);
}

TEST(BaselineRule, ChanceAccuracyAveragesChoiceCounts) {
  ProbeItem two;
  two.kind = ItemKind::kChoice;
  two.choices = {"a", "b"};
  ProbeItem four = two;
  four.choices = {"a", "b", "c", "d"};
  EXPECT_DOUBLE_EQ(chance_accuracy({two, four}), 0.375);
  EXPECT_DOUBLE_EQ(chance_accuracy({ProbeItem{}}), 0.0);
}

TEST(CalibrateLevel, PicksInBandLevelClosestToTarget) {
  const BaselineRule rule;
  // Accuracies 0.9, 0.7, 0.6, 0.3: 0.7 and 0.6 are both 0.05 from 0.65, and
  // the easier level wins the tie.
  const std::vector<LevelScan> scans = {scan(1, 40, 36), scan(2, 40, 28), scan(3, 40, 24),
                                        scan(4, 40, 12)};
  EXPECT_EQ(choose_level(scans, rule), 1);
}

TEST(CalibrateLevel, FallsBackToLevelClosestToBand) {
  const BaselineRule rule;
  // All levels outside [0.2, 0.95]: 1.0, 0.975 and 0.1; 0.975 is closest.
  const std::vector<LevelScan> scans = {scan(1, 40, 40), scan(2, 40, 39), scan(3, 40, 4)};
  EXPECT_EQ(choose_level(scans, rule), 1);
}

TEST(CalibrateLevel, SkipsLevelsWithoutItems) {
  const BaselineRule rule;
  EXPECT_EQ(choose_level({scan(1, 0, 0), scan(2, 40, 26)}, rule), 1);
  EXPECT_EQ(choose_level({scan(1, 0, 0)}, rule), -1);
}

TEST(CalibrateLevel, ChoiceBandStartsAboveChance) {
  const BaselineRule rule;
  // Chance 0.5: 0.55 is out of band, 0.8 is in band although further from 0.65.
  const std::vector<LevelScan> scans = {scan(1, 40, 22, ItemKind::kChoice, 0.5),
                                        scan(2, 40, 32, ItemKind::kChoice, 0.5)};
  EXPECT_EQ(choose_level(scans, rule), 1);
}

// The level scan and frozen battery on the real model, then a second
// calibrate that finds everything in place.
TEST(Calibrate, FreezesBatteryAndWritesCalibration) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path study = dir.path() / "study";
  const StudyLayout layout{study};

  const auto result = test::run_cli("calibrate " + quoted(study) + " --battery small --model " +
                                    quoted(test::shared_models_dir() / kModel) +
                                    " --items-per-level 8 --items 32 --threads 1");
  ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 3) << result.err;

  const Battery battery = load_battery(layout.battery_dir());
  const CsvTable calibration = read_csv(layout.calibration_csv());
  const CsvTable levels = read_csv(layout.analysis_dir() / "calibration_levels.csv");
  ASSERT_EQ(calibration.rows.size(), battery.manifest.families.size());

  // Every family's frozen level is the level the scan marked chosen.
  for (const auto& row : calibration.rows) {
    const std::string family = row[calibration.column("family")];
    const std::string level = row[calibration.column("level")];
    int chosen = 0;
    for (const auto& scanned : levels.rows) {
      if (scanned[levels.column("family")] == family &&
          scanned[levels.column("chosen")] == "true") {
        ++chosen;
        EXPECT_EQ(scanned[levels.column("level")], level) << family;
      }
    }
    EXPECT_EQ(chosen, 1) << family;
    EXPECT_EQ(row[calibration.column("n")], "32") << family;
  }

  // The reference rows of the frozen battery are stored for the sweep.
  const auto store = ResultsStore::open_readonly(layout.results_db());
  EXPECT_EQ(store.battery_hash(), battery.manifest.battery_hash);
  EXPECT_EQ(store.count_responses(kReferenceRung), battery.items.size());

  const auto again = test::run_cli("calibrate " + quoted(study) +
                                   " --battery small --items-per-level 8 --items 32");
  EXPECT_EQ(again.exit_code, result.exit_code) << again.err;
  EXPECT_NE(again.err.find("already stored"), std::string::npos) << again.err;
  EXPECT_EQ(ResultsStore::open_readonly(layout.results_db()).count_responses(),
            battery.items.size());
}

// A model with random weights scores near chance, so the gate must stop it.
TEST(Calibrate, RandomWeightModelFailsGate) {
  test::ScopedTempDir dir;
  const fs::path model = dir.path() / "random.gguf";
  write_tiny_model(model, QA_VOCAB_SPM);
  const fs::path study = dir.path() / "study";

  const auto result =
      test::run_cli("calibrate " + quoted(study) + " --battery small --model " + quoted(model) +
                    " --items-per-level 8 --items 32 --threads 1");

  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("usable baseline"), std::string::npos) << result.err;
  for (const auto& family : battery_families("small", false)) {
    EXPECT_NE(result.err.find(family.name), std::string::npos) << family.name;
  }
  EXPECT_NE(result.err.find("another model"), std::string::npos) << result.err;
  EXPECT_TRUE(fs::exists(StudyLayout{study}.calibration_csv()));
}

// Study B evaluates study A's frozen battery as it is; a random-weight B
// fails the gate with the transfer message.
TEST(Calibrate, BatteryFromCopiesBatteryAndGates) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path study_a = dir.path() / "a";
  const auto a = test::run_cli("calibrate " + quoted(study_a) + " --battery small --model " +
                               quoted(test::shared_models_dir() / kModel) +
                               " --items-per-level 8 --items 32 --threads 1");
  ASSERT_TRUE(a.exit_code == 0 || a.exit_code == 3) << a.err;

  const fs::path model_b = dir.path() / "random.gguf";
  write_tiny_model(model_b, QA_VOCAB_SPM);
  const fs::path study_b = dir.path() / "b";
  const auto b = test::run_cli("calibrate " + quoted(study_b) + " --battery-from " +
                               quoted(study_a) + " --model " + quoted(model_b) + " --threads 1");

  EXPECT_EQ(b.exit_code, 3) << b.err;
  EXPECT_NE(b.err.find("transfer sweep should not run yet"), std::string::npos) << b.err;
  EXPECT_FALSE(fs::exists(StudyLayout{study_b}.analysis_dir() / "calibration_levels.csv"));

  const Battery battery_a = load_battery(StudyLayout{study_a}.battery_dir());
  const Battery battery_b = load_battery(StudyLayout{study_b}.battery_dir());
  EXPECT_EQ(battery_a.manifest.battery_hash, battery_b.manifest.battery_hash);
  const auto store_b = ResultsStore::open_readonly(StudyLayout{study_b}.results_db());
  EXPECT_EQ(store_b.battery_hash(), battery_a.manifest.battery_hash);
  EXPECT_EQ(store_b.count_responses(kReferenceRung), battery_b.items.size());
  for (const auto& family : battery_b.manifest.families) {
    EXPECT_NE(b.err.find(family.family), std::string::npos) << family.family;
  }
}

TEST(Calibrate, StudyWithoutModelIsRejected) {
  test::ScopedTempDir dir;
  const auto result = test::run_cli("calibrate " + quoted(dir.path() / "empty") +
                                    " --battery small");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--model"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace qa
