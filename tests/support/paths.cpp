#include "support/paths.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace qa::test {

namespace {

std::string read_all(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

fs::path shared_models_dir() { return fs::path(QA_SHARED_MODELS); }

bool shared_model_exists(const std::string& file) {
  return fs::exists(shared_models_dir() / file);
}

ScopedTempDir::ScopedTempDir() {
  static std::atomic<int> counter{0};
  path_ = fs::temp_directory_path() /
          ("qa-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(path_);
  fs::create_directories(path_);
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

CommandResult run_cli(const std::string& arguments) {
  ScopedTempDir capture;
  const fs::path out = capture.path() / "stdout";
  const fs::path err = capture.path() / "stderr";
  const std::string command = std::string("'") + QA_BINARY + "' " + arguments + " >'" +
                              out.string() + "' 2>'" + err.string() + "'";

  const int status = std::system(command.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_all(out);
  result.err = read_all(err);
  return result;
}

}  // namespace qa::test
