#include "gguf/gguf_file.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "gguf/gguf_summary_json.h"
#include "gguf/tiny_fixture.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

// Copies the first `length` bytes of source to destination.
void write_prefix(const fs::path& source, const fs::path& destination, size_t length) {
  std::ifstream in(source, std::ios::binary);
  std::vector<char> bytes(length);
  in.read(bytes.data(), static_cast<std::streamsize>(length));
  ASSERT_EQ(static_cast<size_t>(in.gcount()), length);
  std::ofstream out(destination, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(length));
}

// Calls read_gguf_summary and returns the qa::Error message, or fails the test
// when no qa::Error is thrown. The message must be one line naming the file.
std::string read_error(const fs::path& path) {
  try {
    read_gguf_summary(path);
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_EQ(error.exit_code(), kExitBadInput) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    return message;
  }
  ADD_FAILURE() << "read_gguf_summary accepted " << path;
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(GgufSummary, Stories260K) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  const GgufSummary summary = read_gguf_summary(test::shared_models_dir() / "stories260K.gguf");

  EXPECT_EQ(summary.version, 3u);
  EXPECT_EQ(summary.architecture, "llama");
  EXPECT_EQ(summary.n_params, 292800u);
  EXPECT_EQ(summary.file_size, 1185376u);
  EXPECT_EQ(summary.embedding_length, 64u);
  EXPECT_EQ(summary.block_count, 5u);
  EXPECT_EQ(summary.head_count, 8u);
  EXPECT_EQ(summary.head_count_kv, 4u);
  EXPECT_EQ(summary.context_length, 2048u);
  EXPECT_EQ(summary.vocab_size, 512u);
  EXPECT_EQ(summary.tokenizer_model, "llama");
  EXPECT_EQ(summary.tensors.size(), 48u);
  ASSERT_EQ(summary.type_histogram.size(), 1u);
  ASSERT_EQ(summary.type_histogram.count("f32"), 1u);
  EXPECT_EQ(summary.type_histogram.at("f32").count, 48);
  EXPECT_EQ(summary.type_histogram.at("f32").bytes, 292800u * 4);
  EXPECT_DOUBLE_EQ(summary.bits_per_weight, 32.0);
  EXPECT_TRUE(summary.full_precision);
  EXPECT_TRUE(summary.llama_cpp_rejection.empty()) << summary.llama_cpp_rejection;
}

TEST(GgufSummary, AlreadyQuantizedQ8_0) {
  QA_REQUIRE_SHARED_MODEL("tinyllamas-stories-260k-q8_0.gguf");
  const GgufSummary summary =
      read_gguf_summary(test::shared_models_dir() / "tinyllamas-stories-260k-q8_0.gguf");

  EXPECT_EQ(summary.version, 2u);
  EXPECT_EQ(summary.architecture, "llama");
  EXPECT_EQ(summary.n_params, 292800u);
  ASSERT_EQ(summary.type_histogram.count("q8_0"), 1u);
  EXPECT_EQ(summary.type_histogram.at("q8_0").count, 37);
  EXPECT_EQ(summary.type_histogram.at("f32").count, 11);
  EXPECT_FALSE(summary.full_precision);
  EXPECT_EQ(summary.file_type, "Q8_0");
  // gguf.h rejects the file: its 172-wide ffn_down rows are not whole Q8_0 blocks.
  EXPECT_TRUE(contains(summary.llama_cpp_rejection, "blk.0.ffn_down.weight"))
      << summary.llama_cpp_rejection;
  // Q8_0 stores 34 bytes per 32 weights (8.5 bits); the F32 norms raise the mean.
  EXPECT_GT(summary.bits_per_weight, 8.5);
  EXPECT_LT(summary.bits_per_weight, 9.5);
}

TEST(GgufSummary, JsonHasEveryField) {
  const GgufSummary summary = read_gguf_summary(test::default_tiny_model());
  const nlohmann::ordered_json json = gguf_summary_to_json(summary);

  EXPECT_EQ(json.at("architecture"), "llama");
  EXPECT_EQ(json.at("n_params").get<uint64_t>(), summary.n_params);
  EXPECT_EQ(json.at("gguf_version"), 3);
  EXPECT_EQ(json.at("file_type"), "F32");
  EXPECT_EQ(json.at("full_precision"), true);
  EXPECT_EQ(json.at("has_chat_template"), false);
  EXPECT_EQ(json.at("tensor_types").at("F32").at("count").get<size_t>(), summary.tensors.size());
  EXPECT_DOUBLE_EQ(json.at("bits_per_weight").get<double>(), 32.0);
}

TEST(GgufSummary, FileTypeNames) {
  EXPECT_EQ(file_type_name(0), "F32");
  EXPECT_EQ(file_type_name(1), "F16");
  EXPECT_EQ(file_type_name(7), "Q8_0");
  EXPECT_EQ(file_type_name(15), "Q4_K_M");
  EXPECT_EQ(file_type_name(18), "Q6_K");
  EXPECT_EQ(file_type_name(32), "BF16");
  EXPECT_EQ(file_type_name(5), "unknown (5)");
}

TEST(GgufSummaryErrors, GgufV1) {
  QA_REQUIRE_SHARED_MODEL("tinyllamas-stories-260k-f32.gguf");
  const std::string message =
      read_error(test::shared_models_dir() / "tinyllamas-stories-260k-f32.gguf");
  EXPECT_TRUE(contains(message, "GGUF v1")) << message;
}

TEST(GgufSummaryErrors, MissingFile) {
  test::ScopedTempDir folder;
  const std::string message = read_error(folder.path() / "no-such-model.gguf");
  EXPECT_TRUE(contains(message, "not found")) << message;
}

TEST(GgufSummaryErrors, Folder) {
  test::ScopedTempDir folder;
  const std::string message = read_error(folder.path());
  EXPECT_TRUE(contains(message, "folder")) << message;
}

TEST(GgufSummaryErrors, NotGguf) {
  test::ScopedTempDir folder;
  const fs::path text = folder.path() / "model.gguf";
  std::ofstream(text) << "This is a text file, not a model.\n";
  const std::string message = read_error(text);
  EXPECT_TRUE(contains(message, "not a GGUF file")) << message;
}

TEST(GgufSummaryErrors, EmptyFile) {
  test::ScopedTempDir folder;
  const fs::path empty = folder.path() / "empty.gguf";
  std::ofstream{empty};
  const std::string message = read_error(empty);
  EXPECT_TRUE(contains(message, "not a GGUF file")) << message;
}

TEST(GgufSummaryErrors, UnknownVersion) {
  test::ScopedTempDir folder;
  const fs::path file = folder.path() / "v9.gguf";
  const char header[] = {'G', 'G', 'U', 'F', 9, 0, 0, 0, 0, 0, 0, 0,
                         0,   0,   0,   0,   0, 0, 0, 0, 0, 0, 0, 0};
  std::ofstream(file, std::ios::binary).write(header, sizeof header);
  const std::string message = read_error(file);
  EXPECT_TRUE(contains(message, "version 9")) << message;
}

TEST(GgufSummaryErrors, BigEndianVersion) {
  test::ScopedTempDir folder;
  const fs::path file = folder.path() / "big-endian.gguf";
  const char header[] = {'G', 'G', 'U', 'F', 0, 0, 0, 3, 0, 0, 0, 0,
                         0,   0,   0,   0,   0, 0, 0, 0, 0, 0, 0, 0};
  std::ofstream(file, std::ios::binary).write(header, sizeof header);
  const std::string message = read_error(file);
  EXPECT_TRUE(contains(message, "big-endian GGUF v3")) << message;
}

TEST(GgufSummaryErrors, LegacyGgjtFile) {
  test::ScopedTempDir folder;
  const fs::path file = folder.path() / "legacy.bin";
  // GGJT files start with the 32-bit magic 0x67676a74 in little-endian order.
  const char header[] = {'t', 'j', 'g', 'g', 3, 0, 0, 0};
  std::ofstream(file, std::ios::binary).write(header, sizeof header);
  const std::string message = read_error(file);
  EXPECT_TRUE(contains(message, "legacy GGML file")) << message;
}

TEST(GgufSummaryErrors, NoArchitecture) {
  test::ScopedTempDir folder;
  const fs::path file = folder.path() / "empty-v3.gguf";
  // The smallest valid GGUF v3 file: no tensors and no key-value pairs.
  const char header[] = {'G', 'G', 'U', 'F', 3, 0, 0, 0, 0, 0, 0, 0,
                         0,   0,   0,   0,   0, 0, 0, 0, 0, 0, 0, 0};
  std::ofstream(file, std::ios::binary).write(header, sizeof header);
  const std::string message = read_error(file);
  EXPECT_TRUE(contains(message, "general.architecture")) << message;
}

TEST(GgufSummaryErrors, TruncatedFixedHeader) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir folder;
  const fs::path truncated = folder.path() / "truncated.gguf";
  write_prefix(test::shared_models_dir() / "stories260K.gguf", truncated, 20);
  const std::string message = read_error(truncated);
  EXPECT_TRUE(contains(message, "truncated")) << message;
}

TEST(GgufSummaryErrors, TruncatedMetadata) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir folder;
  const fs::path truncated = folder.path() / "truncated.gguf";
  write_prefix(test::shared_models_dir() / "stories260K.gguf", truncated, 2000);
  const std::string message = read_error(truncated);
  EXPECT_TRUE(contains(message, "truncated")) << message;
}

TEST(GgufSummaryErrors, TruncatedTensorData) {
  test::ScopedTempDir folder;
  const fs::path truncated = folder.path() / "truncated.gguf";
  const fs::path source = test::default_tiny_model();
  write_prefix(source, truncated, static_cast<size_t>(fs::file_size(source) - 1000));
  const std::string message = read_error(truncated);
  EXPECT_TRUE(contains(message, "truncated")) << message;
}

}  // namespace
}  // namespace qa
