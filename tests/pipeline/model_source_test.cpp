#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "common/error.h"
#include "common/files.h"
#include "pipeline/model_source.h"
#include "support/paths.h"

namespace qa {
namespace {

// Starts tests/pipeline/range_server.py on 127.0.0.1 and stops it on destruction.
class RangeServer {
 public:
  RangeServer(const fs::path& root, const fs::path& work, long cut_after) {
    const fs::path port_file = work / "port";
    const std::string script = std::string(QA_SOURCE_DIR) + "/tests/pipeline/range_server.py";
    const std::string cut = std::to_string(cut_after);
    pid_ = fork();
    if (pid_ == 0) {
      if (cut_after > 0) {
        execlp("python3", "python3", script.c_str(), "--root", root.c_str(), "--port-file",
               port_file.c_str(), "--cut-after", cut.c_str(), nullptr);
      } else {
        execlp("python3", "python3", script.c_str(), "--root", root.c_str(), "--port-file",
               port_file.c_str(), nullptr);
      }
      _exit(127);
    }

    for (int i = 0; i < 200 && !fs::exists(port_file); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    port_ = fs::exists(port_file) ? read_file(port_file) : "";
  }

  ~RangeServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
  }

  std::string endpoint() const { return "http://127.0.0.1:" + port_; }
  bool started() const { return !port_.empty(); }

 private:
  pid_t pid_ = -1;
  std::string port_;
};

// Writes a deterministic 200 KiB fixture file and returns its sha256.
std::string write_fixture(const fs::path& path) {
  std::string bytes(200 * 1024, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>((i * 2654435761u) >> 13);
  }
  write_file_atomically(path, bytes);
  return sha256_bytes(bytes);
}

TEST(ModelSource, ParsesHfSource) {
  const HfFileRef ref = parse_hf_source("hf:ggml-org/tiny-llamas/stories260K.gguf");
  EXPECT_EQ(ref.owner, "ggml-org");
  EXPECT_EQ(ref.repo, "tiny-llamas");
  EXPECT_EQ(ref.file, "stories260K.gguf");
  EXPECT_THROW(parse_hf_source("hf:only-owner/file.gguf"), Error);
  EXPECT_THROW(parse_hf_source("hf:a/b/../../etc/passwd"), Error);
}

TEST(ModelSource, MissingLocalFileNamesPath) {
  try {
    resolve_model_source("/nonexistent/model.gguf", {});
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent/model.gguf"), std::string::npos);
    EXPECT_EQ(error.exit_code(), kExitBadInput);
  }
}

TEST(ModelSource, InterruptedDownloadResumes) {
  test::ScopedTempDir dir;
  const std::string sha256 = write_fixture(dir.path() / "served" / "model.gguf");
  RangeServer server(dir.path() / "served", dir.path(), 50 * 1024);
  ASSERT_TRUE(server.started()) << "range_server.py did not start";

  DownloadOptions options;
  options.cache_dir = dir.path() / "cache";
  options.endpoint = server.endpoint();
  options.sha256 = sha256;
  options.show_progress = false;
  const fs::path expected = dir.path() / "cache" / "owner" / "repo" / "model.gguf";

  // The first transfer is cut after 50 KiB: an error, and a .part file kept.
  EXPECT_THROW(resolve_model_source("hf:owner/repo/model.gguf", options), Error);
  fs::path part = expected;
  part += ".part";
  ASSERT_TRUE(fs::exists(part));
  EXPECT_EQ(fs::file_size(part), 50u * 1024u);
  EXPECT_FALSE(fs::exists(expected));

  // The rerun resumes from byte 51200 and the result passes the sha256 check.
  const fs::path path = resolve_model_source("hf:owner/repo/model.gguf", options);
  EXPECT_EQ(path, expected);
  EXPECT_EQ(sha256_file(path), sha256);
  EXPECT_FALSE(fs::exists(part));
}

TEST(ModelSource, Sha256MismatchIsRejected) {
  test::ScopedTempDir dir;
  write_fixture(dir.path() / "served" / "model.gguf");
  RangeServer server(dir.path() / "served", dir.path(), 0);
  ASSERT_TRUE(server.started()) << "range_server.py did not start";

  DownloadOptions options;
  options.cache_dir = dir.path() / "cache";
  options.endpoint = server.endpoint();
  options.sha256 = std::string(64, '0');
  options.show_progress = false;

  try {
    resolve_model_source("hf:owner/repo/model.gguf", options);
    FAIL() << "expected a sha256 mismatch";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("sha256"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir.path() / "cache" / "owner" / "repo" / "model.gguf"));
  EXPECT_FALSE(fs::exists(dir.path() / "cache" / "owner" / "repo" / "model.gguf.part"));
}

TEST(ModelSource, CachedFileWithMatchingShaIsNotDownloaded) {
  test::ScopedTempDir dir;
  const fs::path cached = dir.path() / "cache" / "owner" / "repo" / "model.gguf";
  const std::string sha256 = write_fixture(cached);

  DownloadOptions options;
  options.cache_dir = dir.path() / "cache";
  // Port 9 on loopback has no server: any download attempt would fail.
  options.endpoint = "http://127.0.0.1:9";
  options.sha256 = sha256;
  options.show_progress = false;

  EXPECT_EQ(resolve_model_source("hf:owner/repo/model.gguf", options), cached);
}

TEST(ModelSource, UnreachableServerSaysPassLocalFile) {
  test::ScopedTempDir dir;
  DownloadOptions options;
  options.cache_dir = dir.path() / "cache";
  options.endpoint = "http://127.0.0.1:9";
  options.show_progress = false;

  try {
    resolve_model_source("hf:owner/repo/model.gguf", options);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("local path"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace qa
