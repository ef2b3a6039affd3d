#include "ladder/importance_matrix.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/error.h"
#include "common/files.h"
#include "ladder_test_support.h"
#include "support/paths.h"

namespace qa {
namespace {

TEST(ImportanceMatrix, ReadsLegacyFile) {
  test::ScopedTempDir folder;
  const auto path = folder.path() / "tiny.imatrix.dat";
  test::write_legacy_imatrix(test::tiny_ladder_model(), path);

  const ImportanceMatrix matrix = read_importance_matrix(path);
  EXPECT_EQ(matrix.file_name, "tiny.imatrix.dat");
  EXPECT_EQ(matrix.sha256, sha256_file(path));
  EXPECT_EQ(matrix.chunk_count, 10);
  EXPECT_EQ(matrix.dataset, "test-text.txt");

  // 2 blocks x 7 matrices, plus output.weight.
  EXPECT_EQ(matrix.entries.size(), 15u);
  ASSERT_EQ(matrix.entries.count("blk.0.ffn_down.weight"), 1u);
  const auto& values = matrix.entries.at("blk.0.ffn_down.weight");
  ASSERT_EQ(values.size(), 768u);
  // The file stores twice the mean (ncall 2); the reader divides it out.
  EXPECT_FLOAT_EQ(values[0], 1.0f);
  EXPECT_FLOAT_EQ(values[3], 1.3f);
}

TEST(ImportanceMatrix, RejectsTruncatedFile) {
  test::ScopedTempDir folder;
  const auto path = folder.path() / "whole.dat";
  test::write_legacy_imatrix(test::tiny_ladder_model(), path);
  const std::string bytes = read_file(path);
  const auto truncated = folder.path() / "truncated.dat";
  write_file_atomically(truncated, bytes.substr(0, bytes.size() / 2));

  try {
    read_importance_matrix(truncated);
    FAIL() << "a truncated importance matrix was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("truncated.dat"), std::string::npos) << error.what();
  }
}

TEST(ImportanceMatrix, RejectsGgufFormatWithAdvice) {
  try {
    read_importance_matrix(test::tiny_ladder_model());
    FAIL() << "a GGUF file was accepted as a legacy importance matrix";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("--output-format dat"), std::string::npos)
        << error.what();
  }
}

TEST(ImportanceMatrix, RejectsMissingFile) {
  test::ScopedTempDir folder;
  EXPECT_THROW(read_importance_matrix(folder.path() / "absent.dat"), Error);
}

TEST(ImportanceMatrix, RejectsZeroEntries) {
  test::ScopedTempDir folder;
  const auto path = folder.path() / "empty.dat";
  write_file_atomically(path, std::string(4, '\0'));
  EXPECT_THROW(read_importance_matrix(path), Error);
}

}  // namespace
}  // namespace qa
