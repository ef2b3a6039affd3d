// End-to-end tests of `quant-autopsy run`: the default model from a model
// cache (no network), resume after a kill -9 during the sweep, and the
// calibration gate on a random-weight model.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "common/csv.h"
#include "common/files.h"
#include "common/study.h"
#include "gguf/tiny_model_writer.h"
#include "pipeline/study_test_support.h"
#include "support/paths.h"

namespace qa {
namespace {

constexpr const char* kModel = "stories260K.gguf";

// Places the shared stories260K.gguf where the registry's stories260k entry
// is cached, so `run` with no model finds it without a download.
fs::path make_model_cache(const fs::path& root) {
  const fs::path cache = root / "models";
  fs::create_directories(cache / "ggml-org" / "tiny-llamas");
  fs::copy_file(test::shared_models_dir() / kModel, cache / "ggml-org" / "tiny-llamas" / kModel);
  return cache;
}

size_t usable_families(const fs::path& study) {
  const CsvTable table = read_csv(StudyLayout{study}.calibration_csv());
  const size_t usable = table.column("usable");
  size_t count = 0;
  for (const auto& row : table.rows) {
    count += row[usable] == "true";
  }
  return count;
}

TEST(RunStudy, DefaultModelFromCacheFinishes) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path cache = make_model_cache(dir.path());
  const fs::path study = dir.path() / "study";

  const test::CommandResult result =
      test::run_cli("run --out " + quoted(study) + " --cache-dir " + quoted(cache) + " --threads 1");

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("`small` battery"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("report check passed"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("Death order"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Headline"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Noise floor reference-rerun"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("items/s"), std::string::npos) << result.out;
  EXPECT_TRUE(fs::exists(study / "report" / "index.html"));
  EXPECT_GE(usable_families(study), 5u);

  // A second run finds every stage complete and changes nothing.
  const std::string report_before = read_file(study / "report" / "REPORT.md");
  const test::CommandResult again =
      test::run_cli("run --out " + quoted(study) + " --cache-dir " + quoted(cache) + " --threads 1");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("calibrate skipped"), std::string::npos) << again.err;
  EXPECT_EQ(read_file(study / "report" / "REPORT.md"), report_before);
}

TEST(RunStudy, KilledDuringSweepResumesToSameResults) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path cache = make_model_cache(dir.path());
  // One thread: ctest runs two tests at once on two cores, and ggml's
  // spin-waiting worker threads slow down many times when cores are shared.
  const std::vector<std::string> common = {"--cache-dir", cache.string(), "--rungs",
                                           "Q8_0,Q4_K_M", "--threads", "1"};

  // An uninterrupted run for comparison.
  const fs::path twin = dir.path() / "twin";
  std::vector<std::string> arguments = {"run", "--out", twin.string()};
  arguments.insert(arguments.end(), common.begin(), common.end());
  ASSERT_EQ(wait_exit_code(spawn_cli(arguments, dir.path() / "twin.log")), 0)
      << read_file(dir.path() / "twin.log");
  const size_t total = count_rows(twin);

  // The same run, killed once the sweep has stored part of its rows.
  // Calibration stores the reference rows (a fifth of the total), so waiting
  // for half the total lands inside the sweep.
  const fs::path study = dir.path() / "study";
  arguments[2] = study.string();
  const pid_t child = spawn_cli(arguments, dir.path() / "killed.log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  while (std::chrono::steady_clock::now() < deadline && count_rows(study) < total / 2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(child, SIGKILL);
  EXPECT_EQ(wait_exit_code(child), 128 + SIGKILL);
  const size_t after_kill = count_rows(study);
  ASSERT_GT(after_kill, 0u);
  ASSERT_LT(after_kill, total) << "the run finished before the kill";
  EXPECT_FALSE(fs::exists(StudyLayout{study}.report_dir() / "REPORT.md"));

  ASSERT_EQ(wait_exit_code(spawn_cli(arguments, dir.path() / "resumed.log")), 0)
      << read_file(dir.path() / "resumed.log");
  EXPECT_EQ(count_rows(study), total);
  expect_same_responses(study, twin);
  EXPECT_EQ(read_file(StudyLayout{study}.analysis_dir() / "paired_significance.csv"),
            read_file(StudyLayout{twin}.analysis_dir() / "paired_significance.csv"));
}

TEST(RunStudy, RandomWeightModelStopsAtCalibration) {
  test::ScopedTempDir dir;
  const fs::path model = dir.path() / "random.gguf";
  write_tiny_model(model, QA_VOCAB_SPM);
  const fs::path study = dir.path() / "study";

  const test::CommandResult result =
      test::run_cli("run " + quoted(model) + " --out " + quoted(study) +
                    " --rungs Q8_0 --items-per-level 8 --items 32 --threads 1");

  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("usable"), std::string::npos) << result.err;
  EXPECT_TRUE(fs::exists(StudyLayout{study}.calibration_csv()));
  EXPECT_FALSE(fs::exists(StudyLayout{study}.results_db()) &&
               fs::exists(StudyLayout{study}.analysis_dir() / "summary.csv"));

  // A rerun stops at the same gate instead of sweeping.
  const test::CommandResult again =
      test::run_cli("run " + quoted(model) + " --out " + quoted(study) +
                    " --rungs Q8_0 --items-per-level 8 --items 32 --threads 1");
  EXPECT_EQ(again.exit_code, 3) << again.err;
  EXPECT_FALSE(fs::exists(StudyLayout{study}.analysis_dir() / "summary.csv"));
}

}  // namespace
}  // namespace qa
