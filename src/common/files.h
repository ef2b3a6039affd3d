// File helpers that keep outputs whole: every write goes to a temporary file
// in the destination folder and is renamed into place, so an interrupted
// command leaves either the old file or the new one, never a partial one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace qa {

namespace fs = std::filesystem;

// Reads a whole file. Throws qa::Error naming the path when it cannot be read.
std::string read_file(const fs::path& path);

// Writes content to path through a temporary sibling file, fsync and rename.
// Creates the parent folder. Throws qa::Error naming the path on failure.
void write_file_atomically(const fs::path& path, std::string_view content);

// Lowercase hex sha256 of a file's bytes (OpenSSL EVP), streamed in 1 MiB reads.
std::string sha256_file(const fs::path& path);

// Lowercase hex sha256 of a byte string.
std::string sha256_bytes(std::string_view bytes);

// A temporary path next to `final_path` that is removed when the guard is
// destroyed, or when the process gets SIGINT or SIGTERM, unless commit()
// renamed it into place first. Used for outputs that are written by other
// code (SQLite, llama_model_quantize) rather than by write_file_atomically.
class TempFileGuard {
 public:
  explicit TempFileGuard(fs::path final_path);
  ~TempFileGuard();
  TempFileGuard(const TempFileGuard&) = delete;
  TempFileGuard& operator=(const TempFileGuard&) = delete;

  const fs::path& temp_path() const { return temp_path_; }

  // Renames the temporary file to the final path (atomic on one filesystem).
  void commit();

 private:
  fs::path final_path_;
  fs::path temp_path_;
  bool committed_ = false;
};

// Deletes the temporary files that TempFileGuard and write_file_atomically
// left directly in `folder` (names ending in ".tmp-PID-HEX") when the process
// PID no longer runs, as after kill -9 or a power loss. Files of live
// processes stay. Returns how many files were deleted; errors are ignored.
size_t remove_stale_temp_files(const fs::path& folder);

// Runs remove_stale_temp_files on a study folder and on the folders inside it
// that stages write to (battery, ladder, analysis, report, report/plots).
size_t remove_stale_study_temp_files(const fs::path& study);

// Installs SIGINT and SIGTERM handlers that delete every live TempFileGuard's
// file and then exit with status 128 + signal. Called once by main().
void install_cleanup_signal_handlers();

}  // namespace qa
