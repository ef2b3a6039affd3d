#include "ladder/fallbacks.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace qa {
namespace {

GgufSummary summary_with(const std::string& name, const std::string& type, int64_t row_width) {
  GgufSummary summary;
  summary.path = "model.gguf";
  GgufTensor tensor;
  tensor.name = name;
  tensor.type = type;
  tensor.shape = {row_width, 64};
  summary.tensors.push_back(tensor);
  return summary;
}

TEST(FallbackLog, ParsesJoinedWarnings) {
  // Lines as llama.cpp 80fb11a prints them (tensor_type_fallback).
  const std::vector<std::string> lines = {
      "[   3/  48]                   blk.0.attn_q.weight - [   64,    64,     1,     1], "
      "type =    f32, converting to q8_0 .. size =     0.02 MiB ->     0.00 MiB",
      "warning: blk.0.attn_k.weight                  - ncols     64 not divisible by 256 "
      "(required for type    q6_K) -> falling back to    q8_0",
      "warning: blk.0.ffn_down.weight                - ncols    172 not divisible by  32 "
      "(required for type    q8_0) (WARNING: must use F16 due to unusual shape) -> falling "
      "back to     f16",
      "warning: blk.0.attn_k.weight                  - ncols     64 not divisible by 256 "
      "(required for type    q6_K) -> falling back to    q8_0",
      "llama_model_quantize_impl: WARNING: 2 of 48 tensor(s) required fallback quantization",
  };

  const auto fallbacks = parse_fallback_log(lines);
  ASSERT_EQ(fallbacks.size(), 2u);
  EXPECT_EQ(fallbacks[0].tensor, "blk.0.attn_k.weight");
  EXPECT_EQ(fallbacks[0].row_width, 64);
  EXPECT_EQ(fallbacks[0].block_size, 256);
  EXPECT_EQ(fallbacks[0].requested_type, "q6_K");
  EXPECT_EQ(fallbacks[0].fallback_type, "q8_0");
  EXPECT_EQ(fallbacks[1].tensor, "blk.0.ffn_down.weight");
  EXPECT_EQ(fallbacks[1].row_width, 172);
  EXPECT_EQ(fallbacks[1].requested_type, "q8_0");
  EXPECT_EQ(fallbacks[1].fallback_type, "f16");
}

TEST(FallbackLog, RejectsCountMismatch) {
  const std::vector<std::string> lines = {
      "warning: blk.0.attn_k.weight                  - ncols     64 not divisible by 256 "
      "(required for type    q6_K) -> falling back to    q8_0",
      "llama_model_quantize_impl: WARNING: 3 of 48 tensor(s) required fallback quantization",
  };
  EXPECT_THROW(parse_fallback_log(lines), Error);
  EXPECT_THROW(parse_fallback_log({lines[1]}), Error);
}

TEST(FallbackLog, IgnoresOtherLines) {
  EXPECT_TRUE(parse_fallback_log({"llama_model_quantize_impl: model size = 1.13 MiB",
                                  "warning: something else entirely"})
                  .empty());
}

TEST(FallbackCheck, AcceptsMatchingFile) {
  const LoggedFallback logged{"blk.0.attn_k.weight", 64, 256, "q6_K", "q8_0"};
  const auto verified = verify_fallbacks({logged}, summary_with("blk.0.attn_k.weight", "q8_0", 64));
  ASSERT_EQ(verified.size(), 1u);
  EXPECT_EQ(verified[0].tensor, "blk.0.attn_k.weight");
  EXPECT_EQ(verified[0].requested_type, "q6_K");
  EXPECT_EQ(verified[0].actual_type, "q8_0");
}

TEST(FallbackCheck, RejectsWrongActualType) {
  const LoggedFallback logged{"blk.0.attn_k.weight", 64, 256, "q6_K", "q8_0"};
  EXPECT_THROW(verify_fallbacks({logged}, summary_with("blk.0.attn_k.weight", "q5_0", 64)), Error);
}

TEST(FallbackCheck, RejectsRowWidthThatFitsTheBlock) {
  const LoggedFallback logged{"blk.0.attn_k.weight", 512, 256, "q6_K", "q8_0"};
  EXPECT_THROW(verify_fallbacks({logged}, summary_with("blk.0.attn_k.weight", "q8_0", 512)), Error);
}

TEST(FallbackCheck, RejectsMissingTensor) {
  const LoggedFallback logged{"blk.9.attn_k.weight", 64, 256, "q6_K", "q8_0"};
  EXPECT_THROW(verify_fallbacks({logged}, summary_with("blk.0.attn_k.weight", "q8_0", 64)), Error);
}

TEST(BlockSize, KnowsCommonTypes) {
  EXPECT_EQ(ggml_block_size_of("q6_K"), 256);
  EXPECT_EQ(ggml_block_size_of("q8_0"), 32);
  EXPECT_EQ(ggml_block_size_of("f16"), 1);
  EXPECT_THROW(ggml_block_size_of("q7_K"), Error);
}

}  // namespace
}  // namespace qa
