// An exclusive lock on a study folder, so that two commands that write the
// results store (calibrate, sweep) never evaluate the same rows at once.
// It is an flock(2) on STUDY/.quant-autopsy.lock: the kernel drops it when
// the process exits, kill -9 included, so a crashed sweep leaves no stale lock.
#pragma once

#include <filesystem>
#include <string>

namespace qa {

class StudyLock {
 public:
  enum class Mode { kFailIfBusy, kWait };

  // Takes the lock for `command` (a name for messages, e.g. "sweep"). With
  // kFailIfBusy, throws qa::Error when another process holds it, naming that
  // process's command and pid as recorded in the lock file.
  StudyLock(const std::filesystem::path& study_root, const std::string& command, Mode mode);
  ~StudyLock();
  StudyLock(const StudyLock&) = delete;
  StudyLock& operator=(const StudyLock&) = delete;

  static std::filesystem::path lock_path(const std::filesystem::path& study_root);

 private:
  int fd_ = -1;
};

}  // namespace qa
