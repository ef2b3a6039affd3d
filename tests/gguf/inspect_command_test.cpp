// End-to-end tests of `quant-autopsy inspect`; they need the quant-autopsy
// binary built first.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "gguf/tiny_fixture.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

using test::quoted;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

size_t count_lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// A failed inspect prints exactly one line on stderr, naming the file, and
// nothing on stdout.
void expect_one_line_error(const test::CommandResult& result, const fs::path& path) {
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(count_lines(result.err), 1u) << result.err;
  EXPECT_TRUE(contains(result.err, path.string())) << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
}

TEST(InspectCommand, TinyModelTable) {
  const auto result = test::run_cli("inspect " + quoted(test::default_tiny_model()));

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "Architecture      llama")) << result.out;
  EXPECT_TRUE(contains(result.out, "Embedding length  256")) << result.out;
  EXPECT_TRUE(contains(result.out, "Block count       2")) << result.out;
  EXPECT_TRUE(contains(result.out, "Vocabulary size   32,000")) << result.out;
  EXPECT_TRUE(contains(result.out, "Chat template     absent")) << result.out;
  EXPECT_TRUE(contains(result.out, "Full precision    yes")) << result.out;
  EXPECT_FALSE(contains(result.err, "already quantized")) << result.err;
}

TEST(InspectCommand, TinyModelJson) {
  const auto result = test::run_cli("inspect --json " + quoted(test::default_tiny_model()));

  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json.at("architecture"), "llama");
  EXPECT_EQ(json.at("gguf_version"), 3);
  EXPECT_EQ(json.at("context_length"), 512);
  EXPECT_EQ(json.at("head_count"), 4);
  EXPECT_EQ(json.at("vocab_size"), 32000);
  EXPECT_EQ(json.at("tokenizer_model"), "llama");
  EXPECT_EQ(json.at("file_type"), "F32");
  EXPECT_EQ(json.at("full_precision"), true);
  EXPECT_DOUBLE_EQ(json.at("bits_per_weight").get<double>(), 32.0);
}

TEST(InspectCommand, Stories260K) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  const fs::path model = test::shared_models_dir() / "stories260K.gguf";

  const auto table = test::run_cli("inspect " + quoted(model));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_TRUE(contains(table.out, "Architecture      llama")) << table.out;
  EXPECT_TRUE(contains(table.out, "Parameters        292,800")) << table.out;
  EXPECT_TRUE(contains(table.out, "Full precision    yes")) << table.out;
  EXPECT_TRUE(contains(table.out, "llama.cpp loads   yes")) << table.out;
  EXPECT_TRUE(table.err.empty()) << table.err;

  const auto result = test::run_cli("inspect " + quoted(model) + " --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json.at("architecture"), "llama");
  EXPECT_EQ(json.at("n_params"), 292800);
  EXPECT_EQ(json.at("full_precision"), true);
  ASSERT_EQ(json.at("tensor_types").size(), 1u);
  EXPECT_EQ(json.at("tensor_types").at("F32").at("count"), 48);
}

TEST(InspectCommand, QuantizedInputWarns) {
  QA_REQUIRE_SHARED_MODEL("tinyllamas-stories-260k-q8_0.gguf");
  const fs::path model = test::shared_models_dir() / "tinyllamas-stories-260k-q8_0.gguf";

  const auto result = test::run_cli("inspect " + quoted(model));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "Q8_0")) << result.out;
  EXPECT_TRUE(contains(result.out, "Full precision    no")) << result.out;
  EXPECT_TRUE(contains(result.err, "already quantized")) << result.err;
  EXPECT_TRUE(contains(result.err, "compounds quantization error")) << result.err;
  // gguf.h rejects the file's 172-wide Q8_0 rows; inspect still describes it.
  EXPECT_TRUE(contains(result.out, "llama.cpp loads   no")) << result.out;
  EXPECT_TRUE(contains(result.err, "will not load")) << result.err;

  const auto json_result = test::run_cli("inspect --json " + quoted(model));
  ASSERT_EQ(json_result.exit_code, 0) << json_result.err;
  const auto json = nlohmann::json::parse(json_result.out);
  EXPECT_EQ(json.at("full_precision"), false);
  EXPECT_EQ(json.at("tensor_types").at("Q8_0").at("count"), 37);
  EXPECT_EQ(json.at("llama_cpp_loads"), false);
  EXPECT_TRUE(contains(json_result.err, "already quantized")) << json_result.err;
}

TEST(InspectCommand, VocabularyOnlyFileWarns) {
  const auto result = test::run_cli(std::string("inspect '") + QA_VOCAB_SPM + "'");

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "Parameters        0")) << result.out;
  EXPECT_TRUE(contains(result.err, "contains no tensors")) << result.err;
}

TEST(InspectCommand, GgufV1) {
  QA_REQUIRE_SHARED_MODEL("tinyllamas-stories-260k-f32.gguf");
  const fs::path model = test::shared_models_dir() / "tinyllamas-stories-260k-f32.gguf";

  const auto result = test::run_cli("inspect " + quoted(model));
  expect_one_line_error(result, model);
  EXPECT_TRUE(contains(result.err, "GGUF v1")) << result.err;
}

TEST(InspectCommand, MissingFile) {
  test::ScopedTempDir folder;
  const fs::path missing = folder.path() / "no-such-model.gguf";

  const auto result = test::run_cli("inspect " + quoted(missing));
  expect_one_line_error(result, missing);
  EXPECT_TRUE(contains(result.err, "not found")) << result.err;
}

TEST(InspectCommand, NotGguf) {
  test::ScopedTempDir folder;
  const fs::path text = folder.path() / "notes.gguf";
  std::ofstream(text) << "plain text\n";

  const auto result = test::run_cli("inspect " + quoted(text));
  expect_one_line_error(result, text);
  EXPECT_TRUE(contains(result.err, "not a GGUF file")) << result.err;
}

TEST(InspectCommand, TruncatedHeader) {
  test::ScopedTempDir folder;
  const fs::path truncated = folder.path() / "truncated.gguf";
  {
    std::ifstream in(test::default_tiny_model(), std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    std::ofstream(truncated, std::ios::binary) << head;
  }

  const auto result = test::run_cli("inspect " + quoted(truncated));
  expect_one_line_error(result, truncated);
  EXPECT_TRUE(contains(result.err, "truncated")) << result.err;
}

TEST(InspectCommand, HelpDescribesOptions) {
  const auto result = test::run_cli("inspect --help");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(contains(result.out, "--json")) << result.out;
  EXPECT_TRUE(contains(result.out, "MODEL")) << result.out;
}

}  // namespace
}  // namespace qa
