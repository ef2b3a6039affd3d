// transfer on real studies of stories260K.gguf, run through the
// quant-autopsy binary: ladder, calibrate, sweep and analyze for study A;
// a study B that calibrates on A's frozen battery. Evaluation is
// deterministic with fixed threads, so a B of the same model on the same
// ladder reproduces A's analysis and every transfer statistic is known.
#include <gtest/gtest.h>

#include <string>

#include "common/csv.h"
#include "common/files.h"
#include "common/study.h"
#include "support/paths.h"

namespace qa {
namespace {

constexpr const char* kModel = "stories260K.gguf";
// Two rungs and 64 items per family keep the cost low: both tests took 10 s
// on this project's 2-core machine when idle, and 67 s at load average 7.
constexpr const char* kRungs = "Q3_K_M,Q2_K";

using test::quoted;

// Runs one step and fails the test with its stderr when it does not exit 0.
void run_step(const std::string& arguments) {
  const test::CommandResult result = test::run_cli(arguments);
  ASSERT_EQ(result.exit_code, 0) << "quant-autopsy " << arguments << "\n" << result.err;
}

// ladder -> calibrate -> sweep -> analyze, with settings small enough for a
// test; B calibrates on A's battery when battery_from is given.
void build_study(const fs::path& study, const fs::path& battery_from) {
  const fs::path model = test::shared_models_dir() / kModel;
  ASSERT_NO_FATAL_FAILURE(run_step("ladder " + quoted(model) + " --out " + quoted(study) +
                                   " --rungs " + kRungs + " --threads 1"));
  const std::string calibrate =
      battery_from.empty() ? " --battery small --items-per-level 16 --items 64"
                           : " --battery-from " + quoted(battery_from);
  ASSERT_NO_FATAL_FAILURE(
      run_step("calibrate " + quoted(study) + calibrate + " --threads 1"));
  ASSERT_NO_FATAL_FAILURE(run_step("sweep " + quoted(study) + " --rungs " + kRungs +
                                   " --no-noise-floor --threads 1"));
  ASSERT_NO_FATAL_FAILURE(run_step("analyze " + quoted(study) + " --bootstrap 200"));
}

// Study A is built once for both tests.
class TransferRealModels : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::shared_model_exists(kModel) || !fs::exists(QA_BINARY)) {
      return;
    }
    dir_ = new test::ScopedTempDir();
    build_study(dir_->path() / "a", {});
    // analyze writes settings.json last, so it marks a finished study.
    study_a_ready_ = fs::exists(StudyLayout{a()}.analysis_dir() / "settings.json");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    QA_REQUIRE_SHARED_MODEL(kModel);
    if (!fs::exists(QA_BINARY)) {
      GTEST_SKIP() << "skipped: " << QA_BINARY << " is not built (build quant-autopsy first)";
    }
    ASSERT_TRUE(study_a_ready_) << "building study A failed; see the first failure above";
  }

  static fs::path a() { return dir_->path() / "a"; }

  static test::ScopedTempDir* dir_;
  static bool study_a_ready_;
};

test::ScopedTempDir* TransferRealModels::dir_ = nullptr;
bool TransferRealModels::study_a_ready_ = false;

TEST_F(TransferRealModels, SameModelAgreesFully) {
  test::ScopedTempDir dir;
  const fs::path a = TransferRealModels::a();
  const fs::path b = dir.path() / "b";
  ASSERT_NO_FATAL_FAILURE(build_study(b, a));

  const fs::path out = dir.path() / "transfer";
  const test::CommandResult result =
      test::run_cli("transfer " + quoted(a) + " " + quoted(b) + " --out " + quoted(out));
  ASSERT_EQ(result.exit_code, 0) << result.err;

  const CsvTable pairs = read_csv(out / "transfer_pairs.csv");
  ASSERT_EQ(pairs.rows.size(), 2u) << "one row per rung of " << kRungs;
  for (const auto& row : pairs.rows) {
    EXPECT_EQ(row[pairs.column("jaccard")], "1") << row[pairs.column("rung")];
    const std::string tau = row[pairs.column("kendall_tau_b")];
    EXPECT_TRUE(tau == "1" || tau == "nan") << "tau-b of identical orders is 1, or undefined "
                                               "when every family has one death rung: "
                                            << tau;
  }

  const CsvTable families = read_csv(out / "transfer_families.csv");
  const size_t agreement = families.column("agreement");
  int compared = 0;
  for (const auto& row : families.rows) {
    if (row[agreement].rfind("n/a", 0) == 0) {
      continue;
    }
    EXPECT_EQ(row[agreement], "yes") << row[0];
    ++compared;
  }
  EXPECT_GE(compared, 5) << "stories260K has at least five usable families on the small battery";

  const std::string markdown = read_file(out / "TRANSFER.md");
  EXPECT_EQ(markdown.find("failed |"), std::string::npos)
      << "no safe-rung finding can fail between identical analyses";
  EXPECT_NE(read_file(out / "TRANSFER.html").find("<svg"), std::string::npos);
}

TEST_F(TransferRealModels, GatedStudyIsRejected) {
  test::ScopedTempDir dir;
  const fs::path a = TransferRealModels::a();

  // No family can reach 1000 reference-correct items, so the gate stops B.
  const fs::path b = dir.path() / "b";
  const test::CommandResult gated = test::run_cli(
      "calibrate " + quoted(b) + " --battery-from " + quoted(a) + " --model " +
      quoted(test::shared_models_dir() / kModel) + " --min-correct 1000 --threads 1");
  ASSERT_EQ(gated.exit_code, 3) << gated.err;

  const test::CommandResult transfer = test::run_cli(
      "transfer " + quoted(a) + " " + quoted(b) + " --out " + quoted(dir.path() / "out"));
  EXPECT_EQ(transfer.exit_code, 2);
  EXPECT_NE(transfer.err.find("has no analysis"), std::string::npos) << transfer.err;
  EXPECT_NE(transfer.err.find("found 0 families with a usable baseline"), std::string::npos)
      << transfer.err;
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

}  // namespace
}  // namespace qa
