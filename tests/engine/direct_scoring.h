// A reference computation for the engine's tests: log-probabilities from
// one llama.cpp context evaluating one sequence in one llama_decode call,
// with none of the engine's batching, prefix sharing or tokenization code.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace qa::test {

class DirectScorer {
 public:
  explicit DirectScorer(const std::filesystem::path& model_path);
  ~DirectScorer();
  DirectScorer(const DirectScorer&) = delete;
  DirectScorer& operator=(const DirectScorer&) = delete;

  // Sums the natural-log probabilities of the tokens of prompt +
  // continuation, from the first one that differs from the prompt's own
  // tokens. Tokenizes with llama_tokenize's add_special, which adds BOS when
  // the model requires it.
  double continuation_log_prob(const std::string& prompt, const std::string& continuation);

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace qa::test
