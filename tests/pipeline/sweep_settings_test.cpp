// The study's fixed evaluation settings: recorded by the first run, checked
// against every later run's options and against the store's first run.
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "common/files.h"
#include "pipeline/study_settings.h"
#include "support/paths.h"

namespace qa {
namespace {

TEST(StudySettings, FirstRunRecordsSettings) {
  test::ScopedTempDir dir;
  const StudyLayout layout{dir.path()};

  const EvalSettings eval = fix_eval_settings(layout, EvalOverrides{3, false}, false);

  EXPECT_EQ(eval.threads, 3);
  const StudySettings stored = read_study_settings(layout);
  ASSERT_TRUE(stored.eval.has_value());
  EXPECT_EQ(stored.eval->threads, 3);
  EXPECT_EQ(stored.eval->n_parallel, eval.n_parallel);
  EXPECT_FALSE(stored.eval->chat);
  EXPECT_EQ(stored.llama_cpp_commit, kLlamaCommit);
}

TEST(StudySettings, OtherThreadsRejectedUnlessForced) {
  test::ScopedTempDir dir;
  const StudyLayout layout{dir.path()};
  fix_eval_settings(layout, EvalOverrides{3, false}, false);

  EXPECT_EQ(fix_eval_settings(layout, EvalOverrides{}, false).threads, 3);
  EXPECT_EQ(fix_eval_settings(layout, EvalOverrides{3, false}, false).threads, 3);
  try {
    fix_eval_settings(layout, EvalOverrides{1, true}, false);
    FAIL() << "expected other settings to be rejected";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(message.find("threads 3 -> 1"), std::string::npos) << message;
    EXPECT_NE(message.find("completion -> chat"), std::string::npos) << message;
  }

  const EvalSettings forced = fix_eval_settings(layout, EvalOverrides{1, false}, true);
  EXPECT_EQ(forced.threads, 1);
  EXPECT_EQ(read_study_settings(layout).eval->threads, 3);
}

TEST(StudySettings, ModelSurvivesSettingsWrite) {
  test::ScopedTempDir dir;
  const StudyLayout layout{dir.path()};
  StudySettings settings;
  settings.model = StudyModel{"/models/m.gguf", "abc"};
  write_study_settings(layout, settings);

  fix_eval_settings(layout, EvalOverrides{2, false}, false);

  const StudySettings stored = read_study_settings(layout);
  ASSERT_TRUE(stored.model.has_value());
  EXPECT_EQ(stored.model->path, "/models/m.gguf");
  EXPECT_EQ(stored.model->sha256, "abc");
}

TEST(StudySettings, MalformedFileIsReported) {
  test::ScopedTempDir dir;
  const StudyLayout layout{dir.path()};
  write_file_atomically(layout.study_json(), "{\"settings\": {\"threads\": \"many\"}}");
  EXPECT_THROW(read_study_settings(layout), Error);
}

TEST(StudySettings, StoreRunDifferencesListed) {
  EvalSettings eval;
  eval.threads = 2;
  const RunSettings first = make_run_settings(eval, "hash");
  EXPECT_TRUE(run_settings_differences(first, first).empty());

  RunSettings other = first;
  other.n_batch = 512;
  other.llama_cpp_commit = "0000000";
  const auto differences = run_settings_differences(first, other);
  ASSERT_EQ(differences.size(), 2u);
  EXPECT_EQ(differences[0], "n_batch 2048 -> 512");
}

}  // namespace
}  // namespace qa
