// The ladder on the tiny fixture model, whose row widths are multiples of
// 256: every type applies without a fallback.
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/files.h"
#include "ladder/ladder.h"
#include "ladder/manifest_file.h"
#include "ladder_test_support.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

LadderOptions options_for(const fs::path& study, const std::string& rungs) {
  LadderOptions options;
  options.input = test::tiny_ladder_model();
  options.study = study;
  options.rungs = parse_ftype_list(rungs);
  options.threads = 1;
  return options;
}

std::vector<std::string> leftover_temporary_files(const fs::path& folder) {
  std::vector<std::string> leftovers;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) {
      leftovers.push_back(entry.path().filename().string());
    }
  }
  return leftovers;
}

// One test with every check of the default ladder, because building it takes
// seconds and ctest runs each test in a process of its own.
TEST(FixtureLadder, DefaultRungsWithoutFallbacks) {
  test::ScopedTempDir study;
  const LadderOutcome outcome = build_ladder(options_for(study.path(), kDefaultRungs));
  const auto& rungs = outcome.manifest.rungs;

  // Six rungs in the requested order, all built by this run.
  ASSERT_EQ(rungs.size(), 6u);
  const std::vector<std::string> expected = {"Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K"};
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(rungs[i].name, expected[i]);
    EXPECT_TRUE(fs::is_regular_file(study.path() / rungs[i].file)) << rungs[i].file;
  }
  EXPECT_EQ(outcome.built.size(), 6u);
  EXPECT_TRUE(outcome.skipped.empty());
  EXPECT_TRUE(outcome.failed.empty());

  // No fallbacks, no identical rungs, every sanity check passed.
  for (const auto& rung : rungs) {
    EXPECT_EQ(rung.n_fallback, 0) << rung.name;
    EXPECT_TRUE(rung.fallbacks.empty()) << rung.name;
    EXPECT_FALSE(rung.identical_to.has_value()) << rung.name << " = " << *rung.identical_to;
    EXPECT_EQ(rung.status, "ok") << rung.name << ": " << rung.failure;
    EXPECT_TRUE(rung.failure.empty()) << rung.name;
  }

  // Strictly decreasing sizes and bits per weight, all below the reference.
  EXPECT_LT(rungs.front().size_bytes, outcome.manifest.reference.size_bytes);
  for (size_t i = 1; i < rungs.size(); ++i) {
    EXPECT_LT(rungs[i].size_bytes, rungs[i - 1].size_bytes)
        << rungs[i].name << " is not smaller than " << rungs[i - 1].name;
    EXPECT_LT(rungs[i].bits_per_weight, rungs[i - 1].bits_per_weight) << rungs[i].name;
  }

  // The manifest on disk describes the files on disk.
  const LadderManifest manifest = read_ladder_manifest(study.path() / "ladder" / "manifest.json");
  EXPECT_EQ(manifest.llama_cpp_commit, QA_LLAMA_COMMIT);
  EXPECT_FALSE(manifest.requantized);
  EXPECT_EQ(manifest.reference.sha256, sha256_file(test::tiny_ladder_model()));
  EXPECT_TRUE(manifest.reference.full_precision);
  EXPECT_EQ(manifest.reference.file_type, "F32");
  ASSERT_EQ(manifest.rungs.size(), 6u);
  for (const auto& rung : manifest.rungs) {
    const fs::path file = study.path() / rung.file;
    EXPECT_EQ(rung.sha256, sha256_file(file)) << rung.name;
    EXPECT_EQ(rung.size_bytes, fs::file_size(file)) << rung.name;
    EXPECT_FALSE(rung.imatrix.has_value()) << rung.name;
    EXPECT_FALSE(rung.tensor_types.empty()) << rung.name;
  }
  EXPECT_EQ(test::find_rung(manifest, "Q8_0").tensor_types.count("q8_0"), 1u);
  EXPECT_EQ(test::find_rung(manifest, "Q2_K").tensor_types.count("q2_K"), 1u);

  EXPECT_TRUE(leftover_temporary_files(study.path() / "ladder").empty());
}

TEST(LadderImatrix, MissingForIq2LeavesNoFile) {
  test::ScopedTempDir study;
  try {
    build_ladder(options_for(study.path(), "IQ2_XXS"));
    FAIL() << "IQ2_XXS was built without an importance matrix";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("--imatrix"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(fs::exists(study.path() / "ladder" / "tiny-IQ2_XXS.gguf"));
  EXPECT_TRUE(leftover_temporary_files(study.path() / "ladder").empty());
}

}  // namespace
}  // namespace qa
