// remove_stale_temp_files: temporary files of dead processes go, files of
// running processes and other files stay.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include <fmt/core.h>

#include "common/files.h"
#include "support/paths.h"

namespace qa {
namespace {

// The id of a child process that has exited and been reaped, so no process
// has it until the kernel hands it out again.
pid_t exited_process_id() {
  const pid_t child = ::fork();
  if (child == 0) {
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

TEST(StaleTempFiles, RemovesFilesOfExitedProcess) {
  test::ScopedTempDir dir;
  const fs::path stale = dir.path() / fmt::format("model-Q2_K.gguf.tmp-{}-0a1b2c3d", exited_process_id());
  write_file_atomically(stale, "partial");

  EXPECT_EQ(remove_stale_temp_files(dir.path()), 1u);
  EXPECT_FALSE(fs::exists(stale));
}

TEST(StaleTempFiles, KeepsFilesOfRunningProcess) {
  test::ScopedTempDir dir;
  const fs::path own = dir.path() / fmt::format("manifest.json.tmp-{}-0a1b2c3d", ::getpid());
  const fs::path parent = dir.path() / fmt::format("manifest.json.tmp-{}-0a1b2c3d", ::getppid());
  write_file_atomically(own, "in progress");
  write_file_atomically(parent, "in progress");

  EXPECT_EQ(remove_stale_temp_files(dir.path()), 0u);
  EXPECT_TRUE(fs::exists(own));
  EXPECT_TRUE(fs::exists(parent));
}

TEST(StaleTempFiles, KeepsOtherFiles) {
  test::ScopedTempDir dir;
  const pid_t dead = exited_process_id();
  const fs::path model = dir.path() / "model.gguf";
  const fs::path no_suffix = dir.path() / fmt::format("notes.tmp-{}", dead);
  const fs::path folder = dir.path() / fmt::format("folder.tmp-{}-0a1b2c3d", dead);
  write_file_atomically(model, "weights");
  write_file_atomically(no_suffix, "notes");
  fs::create_directory(folder);

  EXPECT_EQ(remove_stale_temp_files(dir.path()), 0u);
  EXPECT_TRUE(fs::exists(model));
  EXPECT_TRUE(fs::exists(no_suffix));
  EXPECT_TRUE(fs::exists(folder));
}

TEST(StaleTempFiles, StudyCleanupReachesSubfolders) {
  test::ScopedTempDir dir;
  const pid_t dead = exited_process_id();
  const fs::path ladder = dir.path() / "ladder" / fmt::format("m-Q8_0.gguf.tmp-{}-00ff", dead);
  const fs::path plots = dir.path() / "report" / "plots" / fmt::format("a.svg.tmp-{}-00ff", dead);
  write_file_atomically(ladder, "partial");
  write_file_atomically(plots, "partial");

  EXPECT_EQ(remove_stale_study_temp_files(dir.path()), 2u);
  EXPECT_FALSE(fs::exists(ladder));
  EXPECT_FALSE(fs::exists(plots));
}

TEST(StaleTempFiles, MissingFolderIsNoError) {
  test::ScopedTempDir dir;
  EXPECT_EQ(remove_stale_temp_files(dir.path() / "absent"), 0u);
}

}  // namespace
}  // namespace qa
