// The ladder on the shared stories260K models: a real trained model whose
// row widths (64 and 172) are not multiples of 256, so llama.cpp falls back
// to other types, and bad inputs of several kinds.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "common/error.h"
#include "common/files.h"
#include "gguf/gguf_file.h"
#include "ladder/ladder.h"
#include "ladder/manifest_file.h"
#include "ladder/quantize.h"
#include "ladder_test_support.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStories = "stories260K.gguf";
constexpr const char* kStoriesQ8 = "tinyllamas-stories-260k-q8_0.gguf";
constexpr const char* kStoriesV1 = "tinyllamas-stories-260k-f32.gguf";

LadderOptions stories_options(const std::string& model, const fs::path& study,
                              const std::string& rungs) {
  LadderOptions options;
  options.input = test::shared_models_dir() / model;
  options.study = study;
  options.rungs = parse_ftype_list(rungs);
  options.threads = 1;
  return options;
}

// Every entry of `folder` (recursively), for checks that nothing was left.
std::vector<std::string> files_under(const fs::path& folder) {
  std::vector<std::string> files;
  if (!fs::exists(folder)) {
    return files;
  }
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (entry.is_regular_file()) {
      files.push_back(fs::relative(entry.path(), folder).string());
    }
  }
  return files;
}

int expect_bad_input(const LadderOptions& options, const std::string& expected_text) {
  try {
    build_ladder(options);
    ADD_FAILURE() << "the ladder was built from " << options.input;
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(expected_text), std::string::npos) << error.what();
    return error.exit_code();
  }
  return -1;
}

class StoriesLadder : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::shared_model_exists(kStories)) {
      return;
    }
    study_ = new test::ScopedTempDir();
    outcome_ = new LadderOutcome(build_ladder(stories_options(kStories, study_->path(), kDefaultRungs)));
  }
  static void TearDownTestSuite() {
    delete outcome_;
    delete study_;
    outcome_ = nullptr;
    study_ = nullptr;
  }
  void SetUp() override { QA_REQUIRE_SHARED_MODEL(kStories); }

  static test::ScopedTempDir* study_;
  static LadderOutcome* outcome_;
};

test::ScopedTempDir* StoriesLadder::study_ = nullptr;
LadderOutcome* StoriesLadder::outcome_ = nullptr;

TEST_F(StoriesLadder, EveryRungRecordsFallbacks) {
  ASSERT_EQ(outcome_->manifest.rungs.size(), 6u);
  for (const auto& rung : outcome_->manifest.rungs) {
    EXPECT_GT(rung.n_fallback, 0) << rung.name;
    EXPECT_EQ(rung.n_fallback, static_cast<int>(rung.fallbacks.size())) << rung.name;
    for (const auto& fallback : rung.fallbacks) {
      EXPECT_NE(fallback.requested_type, fallback.actual_type) << rung.name << " " << fallback.tensor;
    }
  }
}

TEST_F(StoriesLadder, NarrowFeedForwardRowsFallBackToF16) {
  // ffn_down rows are 172 wide: not a multiple of 256 or of 32.
  const RungEntry& q4 = test::find_rung(outcome_->manifest, "Q4_K_M");
  bool found = false;
  for (const auto& fallback : q4.fallbacks) {
    if (fallback.tensor == "blk.0.ffn_down.weight") {
      found = true;
      EXPECT_EQ(fallback.actual_type, "f16");
    }
  }
  EXPECT_TRUE(found) << "no fallback recorded for blk.0.ffn_down.weight";
}

TEST_F(StoriesLadder, Q6KIsIdenticalToQ8) {
  const RungEntry& q6 = test::find_rung(outcome_->manifest, "Q6_K");
  ASSERT_TRUE(q6.identical_to.has_value());
  EXPECT_EQ(*q6.identical_to, "Q8_0");
  EXPECT_FALSE(test::find_rung(outcome_->manifest, "Q8_0").identical_to.has_value());
  // Q6_K falls back to Q8_0 on 64-wide rows and to F16 on 172-wide rows,
  // which Q8_0's 32-value blocks do not divide either.
  for (const auto& fallback : q6.fallbacks) {
    if (fallback.requested_type == "q6_K") {
      EXPECT_TRUE(fallback.actual_type == "q8_0" || fallback.actual_type == "f16")
          << fallback.tensor << " is " << fallback.actual_type;
    }
  }
}

TEST_F(StoriesLadder, SanityTextsAreRecorded) {
  for (const auto& rung : outcome_->manifest.rungs) {
    EXPECT_EQ(rung.status, "ok") << rung.name << ": " << rung.failure;
    EXPECT_FALSE(rung.sanity_text.empty()) << rung.name;
  }
}

TEST_F(StoriesLadder, RerunSkipsEveryRung) {
  const LadderOutcome rerun = build_ladder(stories_options(kStories, study_->path(), kDefaultRungs));
  EXPECT_TRUE(rerun.built.empty());
  EXPECT_EQ(rerun.skipped.size(), 6u);
  const nlohmann::json before = outcome_->manifest;
  const nlohmann::json after = rerun.manifest;
  EXPECT_EQ(before, after);
}

TEST(StoriesInput, QuantizedInputIsRejected) {
  QA_REQUIRE_SHARED_MODEL(kStoriesQ8);
  test::ScopedTempDir study;
  const int status = expect_bad_input(stories_options(kStoriesQ8, study.path(), "Q4_K_M"),
                                      "--allow-requantize");
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_TRUE(files_under(study.path()).empty());
}

// The shared q8_0 file passes the requantization gate with the flag, but
// llama.cpp 80fb11a cannot load it: an older llama.cpp stored its 172-wide
// ffn_down rows as Q8_0, which needs rows in multiples of 32.
TEST(StoriesInput, SharedQ8FileUnloadable) {
  QA_REQUIRE_SHARED_MODEL(kStoriesQ8);
  test::ScopedTempDir study;
  LadderOptions options = stories_options(kStoriesQ8, study.path(), "Q4_K_M");
  options.allow_requantize = true;

  const int status = expect_bad_input(options, "not a multiple of block size");
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_TRUE(files_under(study.path()).empty())
      << "left behind: " << testing::PrintToString(files_under(study.path()));
}

TEST(StoriesInput, QuantizedInputIsAcceptedWhenAllowed) {
  QA_REQUIRE_SHARED_MODEL(kStories);
  test::ScopedTempDir folder;
  const fs::path q8_input = folder.path() / "stories-q8_0.gguf";
  QuantizeOptions q8;
  q8.ftype = parse_ftype_name("Q8_0").ftype;
  q8.threads = 1;
  quantize_gguf(test::shared_models_dir() / kStories, q8_input, q8);

  LadderOptions options = stories_options("", folder.path() / "study", "Q4_K_M,Q2_K");
  options.input = q8_input;
  EXPECT_EQ(expect_bad_input(options, "--allow-requantize"), kExitBadInput);

  options.allow_requantize = true;
  const LadderOutcome outcome = build_ladder(options);
  EXPECT_TRUE(outcome.manifest.requantized);
  EXPECT_FALSE(outcome.manifest.reference.full_precision);
  EXPECT_EQ(outcome.manifest.reference.file_type, "Q8_0");
  EXPECT_GT(outcome.manifest.reference.tensor_types.at("q8_0"), 0);
  ASSERT_EQ(outcome.manifest.rungs.size(), 2u);
  EXPECT_TRUE(outcome.failed.empty());
  EXPECT_TRUE(read_ladder_manifest(folder.path() / "study" / "ladder" / "manifest.json").requantized);
}

TEST(StoriesInput, GgufV1IsRejected) {
  QA_REQUIRE_SHARED_MODEL(kStoriesV1);
  test::ScopedTempDir study;
  const int status = expect_bad_input(stories_options(kStoriesV1, study.path(), "Q8_0"), "v1");
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_TRUE(files_under(study.path()).empty());
}

TEST(LadderInput, MissingFileIsRejected) {
  test::ScopedTempDir study;
  LadderOptions options = stories_options("absent.gguf", study.path(), "Q8_0");
  options.input = study.path() / "absent.gguf";
  EXPECT_EQ(expect_bad_input(options, "absent.gguf"), kExitBadInput);
  EXPECT_TRUE(files_under(study.path()).empty());
}

TEST(LadderInput, NonGgufFileIsRejected) {
  test::ScopedTempDir folder;
  const fs::path text = folder.path() / "notes.gguf";
  write_file_atomically(text, "this is a text file, not a model\n");
  LadderOptions options = stories_options("", folder.path() / "study", "Q8_0");
  options.input = text;
  EXPECT_EQ(expect_bad_input(options, "notes.gguf"), kExitBadInput);
  EXPECT_FALSE(fs::exists(folder.path() / "study"));
}

TEST(LadderInput, UnwritableOutputIsRejected) {
  QA_REQUIRE_SHARED_MODEL(kStories);
  test::ScopedTempDir folder;
  const fs::path blocker = folder.path() / "a-file";
  write_file_atomically(blocker, "x");
  // The study folder would have to be created inside a regular file.
  const int status =
      expect_bad_input(stories_options(kStories, blocker / "study", "Q8_0"), "cannot create");
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_EQ(files_under(folder.path()), std::vector<std::string>{"a-file"});
}

// A 300 KiB tmpfs has no room for a stories260K rung (its Q8_0 rung is 370 KiB), so
// quantization hits ENOSPC part way through the file.
TEST(LadderInput, FullDiskLeavesNoPartialFile) {
  QA_REQUIRE_SHARED_MODEL(kStories);
  test::ScopedTempDir folder;
  const fs::path mount_point = folder.path() / "small-disk";
  fs::create_directories(mount_point);
  const std::string mount =
      "mount -t tmpfs -o size=300k tmpfs '" + mount_point.string() + "' 2>/dev/null";
  if (std::system(mount.c_str()) != 0) {
    GTEST_SKIP() << "skipped: cannot mount a small tmpfs (needs root); the cleanup after a "
                    "failed quantization is also covered by the IQ2_XXS test without --imatrix";
  }

  const int status = expect_bad_input(stories_options(kStories, mount_point / "study", "Q8_0"),
                                      "failed");
  EXPECT_EQ(status, kExitBadInput);
  EXPECT_TRUE(files_under(mount_point).empty())
      << "left behind: " << testing::PrintToString(files_under(mount_point));

  const std::string unmount = "umount '" + mount_point.string() + "'";
  EXPECT_EQ(std::system(unmount.c_str()), 0);
}

TEST(LadderResume, RebuildsOnlyTheDeletedRung) {
  QA_REQUIRE_SHARED_MODEL(kStories);
  test::ScopedTempDir study;
  const LadderOptions options = stories_options(kStories, study.path(), "Q8_0,Q4_0,Q2_K");
  const LadderOutcome first = build_ladder(options);
  ASSERT_EQ(first.built.size(), 3u);
  ASSERT_TRUE(first.failed.empty());
  const std::string q4_sha = test::find_rung(first.manifest, "Q4_0").sha256;

  fs::remove(study.path() / test::find_rung(first.manifest, "Q4_0").file);
  const LadderOutcome second = build_ladder(options);
  EXPECT_EQ(second.built, std::vector<std::string>{"Q4_0"});
  EXPECT_EQ(second.skipped, (std::vector<std::string>{"Q8_0", "Q2_K"}));
  // Quantization is deterministic, so the rebuilt file is the same bytes.
  EXPECT_EQ(test::find_rung(second.manifest, "Q4_0").sha256, q4_sha);

  const LadderOutcome third = build_ladder(options);
  EXPECT_TRUE(third.built.empty());
  EXPECT_EQ(third.skipped.size(), 3u);
}

TEST(LadderResume, RebuildsAModifiedRungFile) {
  QA_REQUIRE_SHARED_MODEL(kStories);
  test::ScopedTempDir study;
  const LadderOptions options = stories_options(kStories, study.path(), "Q8_0");
  const LadderOutcome first = build_ladder(options);
  const fs::path q8_file = study.path() / test::find_rung(first.manifest, "Q8_0").file;

  std::string bytes = read_file(q8_file);
  bytes[bytes.size() - 1] ^= 0x01;
  write_file_atomically(q8_file, bytes);

  const LadderOutcome second = build_ladder(options);
  EXPECT_EQ(second.built, std::vector<std::string>{"Q8_0"});
  EXPECT_EQ(sha256_file(q8_file), test::find_rung(first.manifest, "Q8_0").sha256);
}

TEST(LadderResume, RejectsAManifestOfAnotherInput) {
  QA_REQUIRE_SHARED_MODEL(kStories);
  test::ScopedTempDir study;
  build_ladder(stories_options(kStories, study.path(), "Q8_0"));

  LadderManifest manifest = read_ladder_manifest(study.path() / "ladder" / "manifest.json");
  manifest.reference.sha256 = std::string(64, '0');
  write_ladder_manifest(study.path() / "ladder" / "manifest.json", manifest);

  try {
    build_ladder(stories_options(kStories, study.path(), "Q8_0"));
    FAIL() << "a ladder of another input was overwritten";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("another input"), std::string::npos) << error.what();
  }
}

TEST(LadderImatrix, IsPassedThroughAndRecorded) {
  QA_REQUIRE_SHARED_MODEL(kStories);
  test::ScopedTempDir study;
  const fs::path imatrix = study.path() / "a" / "stories.imatrix.dat";
  const fs::path other_imatrix = study.path() / "b" / "stories.imatrix.dat";
  fs::create_directories(imatrix.parent_path());
  fs::create_directories(other_imatrix.parent_path());
  test::write_legacy_imatrix(test::shared_models_dir() / kStories, imatrix, 1);
  test::write_legacy_imatrix(test::shared_models_dir() / kStories, other_imatrix, 3);

  LadderOptions options = stories_options(kStories, study.path() / "with", "Q4_K_M");
  options.imatrix = imatrix;
  const LadderOutcome with_imatrix = build_ladder(options);
  const RungEntry& rung = test::find_rung(with_imatrix.manifest, "Q4_K_M");
  ASSERT_TRUE(rung.imatrix.has_value());
  EXPECT_EQ(*rung.imatrix, sha256_file(imatrix));
  EXPECT_EQ(rung.status, "ok") << rung.failure;

  // Both matrices have the same file name, entry count, chunk count and
  // dataset, so the metadata llama.cpp writes is the same. Different bytes
  // can only come from the values reaching the quantizer.
  LadderOptions other = stories_options(kStories, study.path() / "other", "Q4_K_M");
  other.imatrix = other_imatrix;
  const LadderOutcome with_other = build_ladder(other);
  EXPECT_NE(test::find_rung(with_other.manifest, "Q4_K_M").sha256, rung.sha256);

  const LadderOutcome without =
      build_ladder(stories_options(kStories, study.path() / "without", "Q4_K_M"));
  EXPECT_FALSE(test::find_rung(without.manifest, "Q4_K_M").imatrix.has_value());

  // Dropping the importance matrix changes a setting, so a rerun rebuilds.
  const LadderOutcome rebuilt =
      build_ladder(stories_options(kStories, study.path() / "with", "Q4_K_M"));
  EXPECT_EQ(rebuilt.built, std::vector<std::string>{"Q4_K_M"});
}

// stories260K with the last tensor in its data section (blk.4.ffn_norm.weight,
// 64 F32 values) set to 1e38. The values are finite, so llama.cpp's check
// of the data during quantization passes them (it rejects NaN weights), and
// norm vectors stay F32 in every rung. The feed-forward sum then overflows.
TEST(LadderSanity, NonFiniteLogitsMarkRungFailed) {
  QA_REQUIRE_SHARED_MODEL(kStories);
  test::ScopedTempDir folder;
  const fs::path input = test::shared_models_dir() / kStories;
  const GgufSummary summary = read_gguf_summary(input);
  ASSERT_EQ(summary.tensors.back().name, "blk.4.ffn_norm.weight");
  const uint64_t norm_bytes = summary.tensors.back().n_bytes;

  std::string bytes = read_file(input);
  const float huge = 1e38f;
  for (uint64_t offset = bytes.size() - norm_bytes; offset < bytes.size(); offset += sizeof(float)) {
    std::memcpy(bytes.data() + offset, &huge, sizeof(float));
  }
  const fs::path broken = folder.path() / "stories-overflow.gguf";
  write_file_atomically(broken, bytes);

  LadderOptions options = stories_options("", folder.path() / "study", "Q8_0,Q4_0");
  options.input = broken;
  const LadderOutcome outcome = build_ladder(options);

  EXPECT_EQ(outcome.failed, (std::vector<std::string>{"Q8_0", "Q4_0"}));
  for (const auto& rung : outcome.manifest.rungs) {
    EXPECT_EQ(rung.status, "failed") << rung.name;
    EXPECT_NE(rung.failure.find("non-finite"), std::string::npos) << rung.failure;
    EXPECT_FALSE(rung.identical_to.has_value()) << rung.name;
  }

  // A failed rung is never skipped: the next run builds it again.
  const LadderOutcome rerun = build_ladder(options);
  EXPECT_EQ(rerun.built.size(), 2u);
}

}  // namespace
}  // namespace qa
