#include "common/files.h"

#include <fcntl.h>
#include <signal.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <regex>
#include <set>

#include <fmt/core.h>

#include "common/error.h"

namespace qa {

namespace {

std::string hex_digest(const unsigned char* digest, unsigned int length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0x0f]);
  }
  return out;
}

struct DigestContext {
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(context); }
};

// Paths of live TempFileGuards. The signal handler reads a snapshot array of
// C strings, because std::set is not async-signal-safe.
std::mutex g_temp_mutex;
std::set<std::string> g_temp_paths;
constexpr size_t kMaxTrackedTemps = 64;
std::array<std::array<char, 4096>, kMaxTrackedTemps> g_temp_snapshot;
std::atomic<size_t> g_temp_snapshot_size{0};

void refresh_snapshot_locked() {
  size_t count = 0;
  for (const auto& path : g_temp_paths) {
    if (count == kMaxTrackedTemps || path.size() >= g_temp_snapshot[count].size()) {
      continue;
    }
    std::memcpy(g_temp_snapshot[count].data(), path.c_str(), path.size() + 1);
    ++count;
  }
  g_temp_snapshot_size.store(count);
}

void on_terminating_signal(int signal_number) {
  const size_t count = g_temp_snapshot_size.load();
  for (size_t i = 0; i < count; ++i) {
    unlink(g_temp_snapshot[i].data());
  }
  _exit(128 + signal_number);
}

std::string random_suffix() {
  std::random_device device;
  return fmt::format("{:08x}", device());
}

}  // namespace

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return content;
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  std::error_code error;
  if (path.has_parent_path()) {
    fs::create_directories(path.parent_path(), error);
    if (error) {
      throw Error(fmt::format("cannot create folder {}: {}", path.parent_path().string(),
                              error.message()));
    }
  }

  TempFileGuard guard(path);
  const int fd = ::open(guard.temp_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    throw Error(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }

  size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      const int saved = errno;
      ::close(fd);
      throw Error(fmt::format("cannot write {}: {}", path.string(), std::strerror(saved)));
    }
    written += static_cast<size_t>(n);
  }

  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    throw Error(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  }
  guard.commit();
}

std::string sha256_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  }

  DigestContext digest;
  EVP_DigestInit_ex(digest.context, EVP_sha256(), nullptr);
  std::unique_ptr<char[]> buffer(new char[1 << 20]);
  while (in) {
    in.read(buffer.get(), 1 << 20);
    EVP_DigestUpdate(digest.context, buffer.get(), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) {
    throw Error(fmt::format("cannot read {}: I/O error", path.string()));
  }

  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(digest.context, out, &length);
  return hex_digest(out, length);
}

std::string sha256_bytes(std::string_view bytes) {
  DigestContext digest;
  EVP_DigestInit_ex(digest.context, EVP_sha256(), nullptr);
  EVP_DigestUpdate(digest.context, bytes.data(), bytes.size());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(digest.context, out, &length);
  return hex_digest(out, length);
}

TempFileGuard::TempFileGuard(fs::path final_path) : final_path_(std::move(final_path)) {
  temp_path_ = final_path_;
  temp_path_ += fmt::format(".tmp-{}-{}", ::getpid(), random_suffix());
  std::lock_guard lock(g_temp_mutex);
  g_temp_paths.insert(temp_path_.string());
  refresh_snapshot_locked();
}

TempFileGuard::~TempFileGuard() {
  if (!committed_) {
    std::error_code ignored;
    fs::remove(temp_path_, ignored);
  }
  std::lock_guard lock(g_temp_mutex);
  g_temp_paths.erase(temp_path_.string());
  refresh_snapshot_locked();
}

void TempFileGuard::commit() {
  std::error_code error;
  fs::rename(temp_path_, final_path_, error);
  if (error) {
    throw Error(fmt::format("cannot move {} into place as {}: {}", temp_path_.string(),
                            final_path_.string(), error.message()));
  }
  committed_ = true;
}

size_t remove_stale_temp_files(const fs::path& folder) {
  static const std::regex kTempName(R"(.+\.tmp-([0-9]+)-[0-9a-f]+)");
  std::error_code error;
  fs::directory_iterator entries(folder, error);
  if (error) {
    return 0;
  }

  size_t removed = 0;
  for (const fs::directory_entry& entry : entries) {
    const std::string name = entry.path().filename().string();
    std::smatch match;
    if (!std::regex_match(name, match, kTempName) || !entry.is_regular_file(error)) {
      continue;
    }
    const long long pid = std::stoll(match[1].str());
    if (pid <= 0 || pid > 0x7fffffff) {
      continue;
    }
    // kill(pid, 0) fails with ESRCH only when no process has that id. A reused
    // id keeps the file, which the next run after that process ends removes.
    const bool running = pid == ::getpid() || ::kill(static_cast<pid_t>(pid), 0) == 0 ||
                         errno != ESRCH;
    if (!running && fs::remove(entry.path(), error)) {
      ++removed;
    }
  }
  return removed;
}

size_t remove_stale_study_temp_files(const fs::path& study) {
  size_t removed = 0;
  for (const fs::path& folder : {study, study / "battery", study / "ladder", study / "analysis",
                                 study / "report", study / "report" / "plots"}) {
    removed += remove_stale_temp_files(folder);
  }
  return removed;
}

void install_cleanup_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_terminating_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace qa
