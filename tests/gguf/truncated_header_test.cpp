// Truncated copies of real GGUF files at many lengths: each must give one
// clean qa::Error naming the file, never a crash, an abort or a summary.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/error.h"
#include "gguf/gguf_file.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

// Lengths to cut the file at. Every length in the first 512 bytes covers
// the fixed header and first keys, and every 5th length follows up to just
// past the metadata, which ends before byte 15,000 in both shared files.
// Then come a spread of lengths in the tensor data and the whole file
// minus one byte.
std::vector<uint64_t> truncation_lengths(uint64_t file_size) {
  std::vector<uint64_t> lengths;
  const uint64_t metadata_limit = std::min<uint64_t>(15000, file_size);
  for (uint64_t length = 0; length < metadata_limit; length += length < 512 ? 1 : 5) {
    lengths.push_back(length);
  }
  for (uint64_t length = metadata_limit; length < file_size; length += 4099) {
    lengths.push_back(length);
  }
  lengths.push_back(file_size - 1);
  return lengths;
}

// Cuts a copy of the file shorter and shorter (resize_file only shrinks it,
// so there is one copy for all lengths) and checks every read fails cleanly.
void expect_every_truncation_rejected(const fs::path& source) {
  test::ScopedTempDir folder;
  const fs::path copy = folder.path() / "truncated.gguf";
  fs::copy_file(source, copy);

  const uint64_t file_size = fs::file_size(source);
  std::vector<uint64_t> lengths = truncation_lengths(file_size);
  std::sort(lengths.rbegin(), lengths.rend());

  int failures = 0;
  for (const uint64_t length : lengths) {
    fs::resize_file(copy, length);
    try {
      read_gguf_summary(copy);
      ADD_FAILURE() << "a copy cut at " << length << " of " << file_size << " bytes was accepted";
      ++failures;
    } catch (const Error& error) {
      const std::string message = error.what();
      const bool clean = error.exit_code() == kExitBadInput &&
                         message.find('\n') == std::string::npos &&
                         message.find(copy.string()) != std::string::npos;
      if (!clean) {
        ADD_FAILURE() << "cut at " << length << ": " << message;
        ++failures;
      }
    }
    // Stop after a few failures so that the log stays readable.
    ASSERT_LT(failures, 5);
  }
}

TEST(TruncatedHeader, Stories260KEveryLength) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  expect_every_truncation_rejected(test::shared_models_dir() / "stories260K.gguf");
}

// The Q8_0 file is read by the project's own reader (gguf.h rejects its
// 172-wide Q8_0 rows), so this checks that reader's bounds.
TEST(TruncatedHeader, Q8_0EveryLength) {
  QA_REQUIRE_SHARED_MODEL("tinyllamas-stories-260k-q8_0.gguf");
  expect_every_truncation_rejected(test::shared_models_dir() / "tinyllamas-stories-260k-q8_0.gguf");
}

TEST(TruncatedHeader, CommandExitsWithStatus2) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir folder;
  const fs::path copy = folder.path() / "truncated.gguf";
  fs::copy_file(test::shared_models_dir() / "stories260K.gguf", copy);

  // Cuts inside the fixed header, a key, a string array, the tensor infos and
  // the tensor data.
  for (const uint64_t length : {600000u, 14000u, 5000u, 100u, 30u, 6u}) {
    fs::resize_file(copy, length);
    const auto result = test::run_cli("inspect '" + copy.string() + "'");
    EXPECT_EQ(result.exit_code, 2) << "cut at " << length << ": " << result.err;
    EXPECT_NE(result.err.find("truncated"), std::string::npos)
        << "cut at " << length << ": " << result.err;
  }
}

}  // namespace
}  // namespace qa
