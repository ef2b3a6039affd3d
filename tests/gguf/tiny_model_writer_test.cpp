#include "gguf/tiny_model_writer.h"

#include <gtest/gtest.h>
#include <llama.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/files.h"
#include "gguf/gguf_file.h"
#include "gguf/tiny_fixture.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

// Vocabulary size of ggml-vocab-llama-spm.gguf (the LLaMA SentencePiece vocabulary).
constexpr uint64_t kSpmVocabSize = 32000;

void silence_llama_log(ggml_log_level, const char*, void*) {}

struct LogitStats {
  bool all_finite = true;
  float min = 0;
  float max = 0;
  int argmax = 0;
};

LogitStats describe_logits(const float* logits, int n_vocab) {
  LogitStats stats;
  stats.min = logits[0];
  stats.max = logits[0];
  for (int i = 0; i < n_vocab; ++i) {
    if (!std::isfinite(logits[i])) {
      stats.all_finite = false;
    }
    stats.min = std::min(stats.min, logits[i]);
    if (logits[i] > stats.max) {
      stats.max = logits[i];
      stats.argmax = i;
    }
  }
  return stats;
}

// Loads the model with llama.cpp, decodes a prompt and then greedily decodes
// further tokens one at a time, checking the logits after every step.
void expect_llama_decodes(const fs::path& model_path, uint64_t expected_params) {
  llama_log_set(silence_llama_log, nullptr);
  llama_backend_init();

  llama_model_params model_params = llama_model_default_params();
  llama_model* model = llama_model_load_from_file(model_path.c_str(), model_params);
  ASSERT_NE(model, nullptr) << "llama.cpp failed to load " << model_path;
  EXPECT_EQ(llama_model_n_params(model), expected_params);

  llama_context_params context_params = llama_context_default_params();
  context_params.n_ctx = 64;
  context_params.n_batch = 64;
  context_params.n_threads = 2;
  context_params.n_threads_batch = 2;
  llama_context* context = llama_init_from_model(model, context_params);
  ASSERT_NE(context, nullptr);

  const llama_vocab* vocab = llama_model_get_vocab(model);
  const int n_vocab = llama_vocab_n_tokens(vocab);
  EXPECT_EQ(static_cast<uint64_t>(n_vocab), kSpmVocabSize);

  const std::string prompt = "Once upon a time";
  std::vector<llama_token> tokens(64);
  const int n_tokens = llama_tokenize(vocab, prompt.c_str(), static_cast<int32_t>(prompt.size()),
                                      tokens.data(), static_cast<int32_t>(tokens.size()),
                                      /*add_special=*/true, /*parse_special=*/false);
  ASSERT_GT(n_tokens, 2) << "the SentencePiece tokenizer did not tokenize the prompt";
  tokens.resize(static_cast<size_t>(n_tokens));

  ASSERT_EQ(llama_decode(context, llama_batch_get_one(tokens.data(), n_tokens)), 0);

  for (int step = 0; step < 4; ++step) {
    const LogitStats stats = describe_logits(llama_get_logits_ith(context, -1), n_vocab);
    EXPECT_TRUE(stats.all_finite) << "non-finite logit at step " << step;
    EXPECT_GT(stats.max - stats.min, 0.1f) << "logits are nearly constant at step " << step;
    EXPECT_LT(stats.max - stats.min, 100.0f) << "logits are implausibly spread at step " << step;

    llama_token next = stats.argmax;
    ASSERT_EQ(llama_decode(context, llama_batch_get_one(&next, 1)), 0) << "step " << step;
  }

  llama_free(context);
  llama_model_free(model);
}

TEST(TinyModelWriter, DefaultModelDecodesInLlamaCpp) {
  const TinyModelSpec spec;
  const uint64_t expected = tiny_model_parameter_count(spec, kSpmVocabSize);
  expect_llama_decodes(test::default_tiny_model(), expected);
}

TEST(TinyModelWriter, DefaultModelHeader) {
  const GgufSummary summary = read_gguf_summary(test::default_tiny_model());

  EXPECT_EQ(summary.version, 3u);
  EXPECT_EQ(summary.architecture, "llama");
  EXPECT_EQ(summary.context_length, 512u);
  EXPECT_EQ(summary.embedding_length, 256u);
  EXPECT_EQ(summary.block_count, 2u);
  EXPECT_EQ(summary.head_count, 4u);
  EXPECT_EQ(summary.head_count_kv, 4u);
  EXPECT_EQ(summary.vocab_size, kSpmVocabSize);
  EXPECT_EQ(summary.tokenizer_model, "llama");
  EXPECT_EQ(summary.file_type, "F32");
  EXPECT_TRUE(summary.full_precision);
  EXPECT_EQ(summary.n_params, tiny_model_parameter_count(TinyModelSpec{}, kSpmVocabSize));

  // Every matrix row is a multiple of 256 wide, so K-quants need no fallback.
  for (const auto& tensor : summary.tensors) {
    if (tensor.shape.size() >= 2) {
      EXPECT_EQ(tensor.shape[0] % 256, 0) << tensor.name;
    }
  }
}

TEST(TinyModelWriter, F16MatricesDecodeInLlamaCpp) {
  test::ScopedTempDir folder;
  TinyModelSpec spec;
  spec.n_layer = 1;
  spec.n_head_kv = 2;
  spec.matrix_type = TinyMatrixType::kF16;
  const fs::path model = folder.path() / "tiny-f16.gguf";

  const uint64_t n_params = write_tiny_model(model, QA_VOCAB_SPM, spec);
  const GgufSummary summary = read_gguf_summary(model);

  EXPECT_EQ(summary.n_params, n_params);
  EXPECT_EQ(summary.file_type, "F16");
  EXPECT_EQ(summary.head_count_kv, 2u);
  EXPECT_TRUE(summary.full_precision);
  ASSERT_EQ(summary.type_histogram.count("f16"), 1u);
  ASSERT_EQ(summary.type_histogram.count("f32"), 1u);
  EXPECT_EQ(summary.type_histogram.at("f16").count, 9);  // 7 per block + embeddings + output
  EXPECT_EQ(summary.type_histogram.at("f32").count, 3);  // 2 per block + output norm
  EXPECT_NEAR(summary.bits_per_weight, 16.0, 0.1);

  expect_llama_decodes(model, n_params);
}

TEST(TinyModelWriter, SameSeedSameBytes) {
  test::ScopedTempDir folder;
  TinyModelSpec spec;
  spec.n_layer = 1;

  write_tiny_model(folder.path() / "a.gguf", QA_VOCAB_SPM, spec);
  write_tiny_model(folder.path() / "b.gguf", QA_VOCAB_SPM, spec);
  spec.seed += 1;
  write_tiny_model(folder.path() / "c.gguf", QA_VOCAB_SPM, spec);

  const std::string a = sha256_file(folder.path() / "a.gguf");
  EXPECT_EQ(a, sha256_file(folder.path() / "b.gguf"));
  EXPECT_NE(a, sha256_file(folder.path() / "c.gguf"));
}

TEST(TinyModelWriter, RejectsInvalidSpec) {
  test::ScopedTempDir folder;
  const fs::path model = folder.path() / "bad.gguf";

  const auto expect_rejected = [&](const TinyModelSpec& spec, const std::string& field) {
    try {
      write_tiny_model(model, QA_VOCAB_SPM, spec);
      ADD_FAILURE() << "spec with invalid " << field << " was accepted";
    } catch (const Error& error) {
      EXPECT_EQ(error.exit_code(), kExitBadInput);
      EXPECT_NE(std::string(error.what()).find(field), std::string::npos) << error.what();
    }
    EXPECT_FALSE(fs::exists(model));
  };

  TinyModelSpec spec;
  spec.n_embd = 200;
  expect_rejected(spec, "n_embd");

  spec = {};
  spec.n_ff = 700;
  expect_rejected(spec, "n_ff");

  spec = {};
  spec.n_head = 3;
  expect_rejected(spec, "n_head");

  spec = {};
  spec.n_head_kv = 3;
  expect_rejected(spec, "n_head_kv");

  spec = {};
  spec.weight_scale = 0;
  expect_rejected(spec, "weight_scale");
}

TEST(TinyModelWriter, BadVocabularyLeavesNoFile) {
  test::ScopedTempDir folder;
  const fs::path model = folder.path() / "out.gguf";
  const fs::path not_gguf = folder.path() / "vocab.txt";
  std::ofstream(not_gguf) << "not a vocabulary\n";

  for (const fs::path& vocab : {folder.path() / "missing.gguf", not_gguf}) {
    try {
      write_tiny_model(model, vocab);
      ADD_FAILURE() << "vocabulary " << vocab << " was accepted";
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find(vocab.string()), std::string::npos) << error.what();
    }
  }

  // Only the vocabulary stand-in remains: no output and no temporary file.
  std::vector<fs::path> left;
  for (const auto& entry : fs::directory_iterator(folder.path())) {
    left.push_back(entry.path());
  }
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0], not_gguf);
}

TEST(TinyModelWriter, RejectsVocabularyWithoutTokens) {
  test::ScopedTempDir folder;
  TinyModelSpec spec;
  spec.n_layer = 1;

  const fs::path model = folder.path() / "no-tokens.gguf";
  {
    std::ofstream out(model, std::ios::binary);
    // The smallest valid GGUF v3 file: no tensors and no key-value pairs.
    const char header[] = {'G', 'G', 'U', 'F', 3, 0, 0, 0, 0, 0, 0, 0,
                           0,   0,   0,   0,   0, 0, 0, 0, 0, 0, 0, 0};
    out.write(header, sizeof header);
  }

  try {
    write_tiny_model(folder.path() / "out.gguf", model, spec);
    ADD_FAILURE() << "vocabulary without tokenizer.ggml.tokens was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("tokenizer.ggml.tokens"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(fs::exists(folder.path() / "out.gguf"));
}

}  // namespace
}  // namespace qa
