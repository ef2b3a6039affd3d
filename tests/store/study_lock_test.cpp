#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "common/error.h"
#include "store/study_lock.h"
#include "support/paths.h"

namespace qa {
namespace {

// flock locks belong to the open file description, so a second lock in the
// same process on a fresh descriptor conflicts just as another process would.
TEST(StudyLock, SecondHolderIsRejected) {
  test::ScopedTempDir dir;
  StudyLock first(dir.path(), "sweep", StudyLock::Mode::kFailIfBusy);

  try {
    StudyLock second(dir.path(), "sweep", StudyLock::Mode::kFailIfBusy);
    FAIL() << "expected the second lock to fail";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("locked by sweep pid " + std::to_string(::getpid())), std::string::npos)
        << message;
  }
}

TEST(StudyLock, ReleasedOnDestruction) {
  test::ScopedTempDir dir;
  { StudyLock first(dir.path(), "calibrate", StudyLock::Mode::kFailIfBusy); }
  EXPECT_NO_THROW(StudyLock(dir.path(), "sweep", StudyLock::Mode::kFailIfBusy));
}

TEST(StudyLock, ReleasedWhenHolderIsKilled) {
  test::ScopedTempDir dir;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);

  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    StudyLock held(dir.path(), "sweep", StudyLock::Mode::kFailIfBusy);
    const char byte = 1;
    (void)::write(ready[1], &byte, 1);
    ::pause();
    ::_exit(0);
  }

  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  EXPECT_THROW(StudyLock(dir.path(), "sweep", StudyLock::Mode::kFailIfBusy), Error);

  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_NO_THROW(StudyLock(dir.path(), "sweep", StudyLock::Mode::kFailIfBusy));
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace qa
