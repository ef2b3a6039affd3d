#include "store/study_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/core.h>

#include "common/error.h"
#include "common/log.h"

namespace qa {

namespace {

// The holder's description ("sweep pid 1234"), written into the lock file
// after the lock is taken so that a second command can name it.
std::string read_holder(int fd) {
  char buffer[256] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  if (n <= 0) {
    return "another command";
  }
  return std::string(buffer, static_cast<size_t>(n));
}

}  // namespace

std::filesystem::path StudyLock::lock_path(const std::filesystem::path& study_root) {
  return study_root / ".quant-autopsy.lock";
}

StudyLock::StudyLock(const std::filesystem::path& study_root, const std::string& command,
                     Mode mode) {
  const auto path = lock_path(study_root);
  std::error_code error;
  std::filesystem::create_directories(study_root, error);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    throw Error(fmt::format("cannot open lock file {}: {}", path.string(), std::strerror(errno)));
  }

  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int saved = errno;
    if (saved != EWOULDBLOCK) {
      ::close(fd_);
      throw Error(fmt::format("cannot lock {}: {}", path.string(), std::strerror(saved)));
    }
    const std::string holder = read_holder(fd_);
    if (mode == Mode::kFailIfBusy) {
      ::close(fd_);
      throw Error(fmt::format("study {} is locked by {} ({}); wait for it to finish, or rerun "
                              "with --wait to queue behind it",
                              study_root.string(), holder, path.string()),
                  kExitFailure);
    }
    log_info("waiting for the study lock held by {} ({})", holder, path.string());
    if (::flock(fd_, LOCK_EX) != 0) {
      const int failed = errno;
      ::close(fd_);
      throw Error(fmt::format("cannot lock {}: {}", path.string(), std::strerror(failed)));
    }
  }

  const std::string holder = fmt::format("{} pid {}", command, ::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, holder.data(), holder.size(), 0) < 0) {
    log_warn("cannot record the lock holder in {}: {}", path.string(), std::strerror(errno));
  }
}

StudyLock::~StudyLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

}  // namespace qa
