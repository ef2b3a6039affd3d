// End-to-end tests of `quant-autopsy ladder`; they need the quant-autopsy
// binary built first.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

#include "common/files.h"
#include "ladder/manifest_file.h"
#include "ladder_test_support.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

using test::quoted;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// One thread, because on a busy two-core machine ggml's thread pool makes
// these tiny models decode far slower with two; no check depends on it.
std::string ladder_arguments(const fs::path& model, const fs::path& study) {
  return "ladder " + quoted(model) + " --out " + quoted(study) + " --threads 1";
}

TEST(LadderCommand, StoriesTableAndResume) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir study;
  const fs::path model = test::shared_models_dir() / "stories260K.gguf";

  const auto first = test::run_cli(ladder_arguments(model, study.path()));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(contains(first.out, "reference")) << first.out;
  EXPECT_TRUE(contains(first.out, "Q2_K")) << first.out;
  EXPECT_TRUE(contains(first.out, "Q6_K is identical to Q8_0 for this model")) << first.out;
  EXPECT_TRUE(contains(first.out, "it will be evaluated once")) << first.out;
  EXPECT_TRUE(contains(first.err, "[1/6] Q8_0: quantizing stories260K.gguf")) << first.err;
  EXPECT_TRUE(contains(first.err, "bits per weight")) << first.err;
  EXPECT_TRUE(contains(first.err, "6 rungs built, 0 up to date")) << first.err;

  const LadderManifest manifest = read_ladder_manifest(study.path() / "ladder" / "manifest.json");
  ASSERT_EQ(manifest.rungs.size(), 6u);
  for (const auto& rung : manifest.rungs) {
    EXPECT_GT(rung.n_fallback, 0) << rung.name;
  }

  const auto second = test::run_cli(ladder_arguments(model, study.path()));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(contains(second.err, "0 rungs built, 6 up to date")) << second.err;
  EXPECT_EQ(read_ladder_manifest(study.path() / "ladder" / "manifest.json").rungs.size(), 6u);
}

TEST(LadderCommand, QuantizedInputExitsTwo) {
  QA_REQUIRE_SHARED_MODEL("tinyllamas-stories-260k-q8_0.gguf");
  test::ScopedTempDir study;
  const auto result = test::run_cli(ladder_arguments(
      test::shared_models_dir() / "tinyllamas-stories-260k-q8_0.gguf", study.path()));

  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_TRUE(contains(result.err, "already quantized")) << result.err;
  EXPECT_TRUE(contains(result.err, "--allow-requantize")) << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
  EXPECT_FALSE(fs::exists(study.path() / "ladder"));
}

TEST(LadderCommand, UnknownRungExitsTwo) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir study;
  const auto result = test::run_cli(
      ladder_arguments(test::shared_models_dir() / "stories260K.gguf", study.path()) +
      " --rungs Q8_0,Q7_K");

  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_TRUE(contains(result.err, "Q7_K")) << result.err;
  EXPECT_TRUE(contains(result.err, "IQ4_XS")) << result.err;
  EXPECT_FALSE(fs::exists(study.path() / "ladder"));
}

TEST(LadderCommand, GgufImatrixExitsTwo) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir study;
  const fs::path model = test::shared_models_dir() / "stories260K.gguf";
  const auto result =
      test::run_cli(ladder_arguments(model, study.path()) + " --imatrix " + quoted(model));

  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_TRUE(contains(result.err, "--output-format dat")) << result.err;
  EXPECT_FALSE(fs::exists(study.path() / "ladder" / "manifest.json"));
}

// SIGINT part way through a ladder of the tiny fixture (seconds per rung):
// the rung in progress leaves no temporary file, and every rung the manifest
// lists is complete.
TEST(LadderCommand, InterruptLeavesNoPartialRung) {
  test::ScopedTempDir study;
  const std::string command = "timeout --preserve-status -s INT 1.5 " + quoted(QA_BINARY) + " " +
                              ladder_arguments(test::tiny_ladder_model(), study.path()) +
                              " --rungs Q6_K,Q5_K_M,Q4_K_M,Q3_K_M,Q2_K,IQ4_XS 2>/dev/null >/dev/null";
  const int status = std::system(command.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 0) {
    GTEST_SKIP() << "skipped: the ladder finished before the interrupt";
  }
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);

  const fs::path ladder = study.path() / "ladder";
  ASSERT_TRUE(fs::exists(ladder));
  for (const auto& entry : fs::directory_iterator(ladder)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos)
        << "left behind: " << entry.path();
  }

  if (fs::exists(ladder / "manifest.json")) {
    for (const auto& rung : read_ladder_manifest(ladder / "manifest.json").rungs) {
      EXPECT_EQ(rung.sha256, sha256_file(study.path() / rung.file)) << rung.name;
    }
  }
}

// kill -9 leaves the rung being written as NAME.tmp-PID-HEX; the next ladder
// run removes it, because process PID no longer runs.
TEST(LadderCommand, RerunRemovesTempFilesOfKilledRun) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir study;
  const pid_t child = ::fork();
  if (child == 0) {
    ::_exit(0);
  }
  ::waitpid(child, nullptr, 0);
  const fs::path stale =
      study.path() / "ladder" / ("stories260K-Q8_0.gguf.tmp-" + std::to_string(child) + "-0a1b2c3d");
  write_file_atomically(stale, "partial rung");

  const auto result = test::run_cli(
      ladder_arguments(test::shared_models_dir() / "stories260K.gguf", study.path()) + " --rungs Q8_0");

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(contains(result.err, "removed 1 temporary files")) << result.err;
}

TEST(LadderCommand, ManifestFolderExitsTwo) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir study;
  fs::create_directories(study.path() / "ladder" / "manifest.json");

  const auto result = test::run_cli(
      ladder_arguments(test::shared_models_dir() / "stories260K.gguf", study.path()) + " --rungs Q8_0");

  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_TRUE(contains(result.err, "is a folder")) << result.err;
  EXPECT_FALSE(contains(result.err, "not found")) << result.err;
}

}  // namespace
}  // namespace qa
