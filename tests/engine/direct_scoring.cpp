#include "direct_scoring.h"

#include <llama.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace qa::test {

namespace {

std::vector<llama_token> tokenize_with_bos(const llama_vocab* vocab, const std::string& text) {
  std::vector<llama_token> tokens(text.size() + 8);
  const int32_t count = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()),
                                       tokens.data(), static_cast<int32_t>(tokens.size()),
                                       /*add_special=*/true, /*parse_special=*/false);
  if (count < 0) {
    throw std::runtime_error("tokenize buffer too small");
  }
  tokens.resize(static_cast<size_t>(count));
  return tokens;
}

double log_softmax_at(const float* logits, int n_vocab, llama_token token) {
  double max_logit = logits[0];
  for (int i = 1; i < n_vocab; ++i) {
    max_logit = std::max(max_logit, static_cast<double>(logits[i]));
  }
  double sum = 0;
  for (int i = 0; i < n_vocab; ++i) {
    sum += std::exp(logits[i] - max_logit);
  }
  return logits[token] - max_logit - std::log(sum);
}

}  // namespace

struct DirectScorer::Impl {
  llama_model* model = nullptr;
  llama_context* context = nullptr;
};

DirectScorer::DirectScorer(const std::filesystem::path& model_path) : impl_(new Impl) {
  llama_backend_init();
  impl_->model = llama_model_load_from_file(model_path.c_str(), llama_model_default_params());
  if (impl_->model == nullptr) {
    delete impl_;
    throw std::runtime_error("DirectScorer cannot load " + model_path.string());
  }
  llama_context_params params = llama_context_default_params();
  params.n_ctx = 512;
  params.n_batch = 512;
  params.n_ubatch = 512;
  params.n_seq_max = 1;
  params.n_threads = 1;
  params.n_threads_batch = 1;
  impl_->context = llama_init_from_model(impl_->model, params);
}

DirectScorer::~DirectScorer() {
  llama_free(impl_->context);
  llama_model_free(impl_->model);
  delete impl_;
}

double DirectScorer::continuation_log_prob(const std::string& prompt,
                                           const std::string& continuation) {
  const llama_vocab* vocab = llama_model_get_vocab(impl_->model);
  const std::vector<llama_token> prompt_tokens = tokenize_with_bos(vocab, prompt);
  std::vector<llama_token> full = tokenize_with_bos(vocab, prompt + continuation);

  size_t divergence = 0;
  while (divergence < prompt_tokens.size() && divergence < full.size() &&
         prompt_tokens[divergence] == full[divergence]) {
    ++divergence;
  }

  llama_memory_clear(llama_get_memory(impl_->context), true);
  llama_batch batch = llama_batch_init(static_cast<int32_t>(full.size()), 0, 1);
  for (size_t i = 0; i < full.size(); ++i) {
    batch.token[i] = full[i];
    batch.pos[i] = static_cast<llama_pos>(i);
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = 0;
    batch.logits[i] = 1;
  }
  batch.n_tokens = static_cast<int32_t>(full.size());
  if (llama_decode(impl_->context, batch) != 0) {
    llama_batch_free(batch);
    throw std::runtime_error("llama_decode failed in DirectScorer");
  }

  const int n_vocab = llama_vocab_n_tokens(vocab);
  double sum = 0;
  for (size_t j = divergence; j < full.size(); ++j) {
    const float* logits = llama_get_logits_ith(impl_->context, static_cast<int32_t>(j - 1));
    sum += log_softmax_at(logits, n_vocab, full[j]);
  }
  llama_batch_free(batch);
  return sum;
}

}  // namespace qa::test
