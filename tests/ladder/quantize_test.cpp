#include "ladder/quantize.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/files.h"
#include "ladder/ftype_table.h"
#include "ladder_test_support.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

// The sweep's noise-floor rung: an F16 copy of the F32 reference.
TEST(Quantize, MakesF16CopyOfF32Input) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir folder;
  const fs::path output = folder.path() / "stories-F16.gguf";

  QuantizeOptions options;
  options.ftype = parse_ftype_name("F16").ftype;
  options.threads = 1;
  const QuantizeResult result =
      quantize_gguf(test::shared_models_dir() / "stories260K.gguf", output, options);

  EXPECT_EQ(result.summary.path, output);
  EXPECT_EQ(result.summary.file_size, fs::file_size(output));
  EXPECT_TRUE(result.summary.full_precision);
  EXPECT_EQ(result.summary.file_type, "F16");
  // F16 has block size 1, so no row width can force a fallback.
  EXPECT_TRUE(result.fallbacks.empty());
  for (const auto& tensor : result.summary.tensors) {
    if (tensor.shape.size() >= 2) {
      EXPECT_EQ(tensor.type, "f16") << tensor.name;
    } else {
      EXPECT_EQ(tensor.type, "f32") << tensor.name;
    }
  }
}

TEST(Quantize, FailureKeepsExistingOutput) {
  test::ScopedTempDir folder;
  const fs::path output = folder.path() / "out.gguf";
  write_file_atomically(output, "previous content");

  // IQ2_XXS needs an importance matrix for the fixture's 256-wide matrices,
  // so llama.cpp stops after writing part of the file.
  QuantizeOptions options;
  options.ftype = parse_ftype_name("IQ2_XXS").ftype;
  options.threads = 1;
  EXPECT_THROW(quantize_gguf(test::tiny_ladder_model(), output, options), Error);

  EXPECT_TRUE(read_file(output) == "previous content") << "the existing output was replaced";
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder.path())) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"out.gguf"});
}

TEST(Quantize, MissingInputIsRejected) {
  test::ScopedTempDir folder;
  QuantizeOptions options;
  options.ftype = parse_ftype_name("Q8_0").ftype;
  try {
    quantize_gguf(folder.path() / "absent.gguf", folder.path() / "out.gguf", options);
    FAIL() << "a missing input was quantized";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("absent.gguf"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(fs::exists(folder.path() / "out.gguf"));
}

}  // namespace
}  // namespace qa
