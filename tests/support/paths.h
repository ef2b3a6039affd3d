// Paths and helpers shared by the test executables.
#pragma once

#include <filesystem>
#include <string>

namespace qa::test {

namespace fs = std::filesystem;

// ../shared/models beside the project; may be absent on other machines.
fs::path shared_models_dir();

// Path of a file in shared_models_dir(); calls GTEST_SKIP in the caller when
// missing, so use it through the QA_REQUIRE_SHARED_MODEL macro.
bool shared_model_exists(const std::string& file);

// A fresh, empty folder under the system temp folder, removed by the caller's
// ScopedTempDir when the test ends.
class ScopedTempDir {
 public:
  ScopedTempDir();
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A path in single quotes, for the shell command lines run_cli builds.
std::string quoted(const fs::path& path);

// Result of running the quant-autopsy binary.
struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs build/quant-autopsy with the given argument string (shell-quoted by
// the caller) and captures stdout and stderr.
CommandResult run_cli(const std::string& arguments);

}  // namespace qa::test

// Skips the current test with a clear message when a shared model is absent.
#define QA_REQUIRE_SHARED_MODEL(file)                                              \
  do {                                                                              \
    if (!::qa::test::shared_model_exists(file)) {                                   \
      GTEST_SKIP() << "skipped: " << ::qa::test::shared_models_dir() / (file)       \
                   << " not found (the shared test models sit beside the project)"; \
    }                                                                               \
  } while (0)
