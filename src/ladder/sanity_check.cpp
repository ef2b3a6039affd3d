#include "ladder/sanity_check.h"

#include <llama.h>

#include <cmath>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "ladder/llama_log_capture.h"

namespace qa {

namespace {

struct ModelDeleter {
  void operator()(llama_model* model) const { llama_model_free(model); }
};
struct ContextDeleter {
  void operator()(llama_context* context) const { llama_free(context); }
};

std::string token_text(const llama_vocab* vocab, llama_token token) {
  char buffer[256];
  const int32_t length = llama_token_to_piece(vocab, token, buffer, sizeof(buffer), 0, false);
  return length > 0 ? std::string(buffer, static_cast<size_t>(length)) : std::string();
}

// Returns the index of the first non-finite logit, or -1.
int32_t first_non_finite(const float* logits, int32_t n_vocab) {
  for (int32_t i = 0; i < n_vocab; ++i) {
    if (!std::isfinite(logits[i])) {
      return i;
    }
  }
  return -1;
}

llama_token argmax(const float* logits, int32_t n_vocab) {
  llama_token best = 0;
  for (int32_t i = 1; i < n_vocab; ++i) {
    if (logits[i] > logits[best]) {
      best = i;
    }
  }
  return best;
}

}  // namespace

SanityResult run_sanity_check(const std::filesystem::path& model_path, int threads) {
  static std::once_flag backend_once;
  std::call_once(backend_once, [] { llama_backend_init(); });

  LlamaLogCapture capture;
  SanityResult result;
  const int n_threads =
      threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());

  llama_model_params model_params = llama_model_default_params();
  model_params.n_gpu_layers = 0;
  // Weight repacking is off: the check needs only finite logits, and the
  // repacked AMX kernels of llama.cpp 80fb11a built with GGML_NATIVE crashed
  // (SIGSEGV, SIGILL) on a virtual machine whose CPU reports AMX.
  model_params.use_extra_bufts = false;
  std::unique_ptr<llama_model, ModelDeleter> model(
      llama_model_load_from_file(model_path.c_str(), model_params));
  if (!model) {
    const std::string reason = capture.errors();
    result.problem = fmt::format("llama.cpp cannot load {}: {}", model_path.string(),
                                 reason.empty() ? "no reason given" : reason);
    return result;
  }
  const llama_vocab* vocab = llama_model_get_vocab(model.get());
  const int32_t n_vocab = llama_vocab_n_tokens(vocab);

  const std::string prompt = kSanityPrompt;
  std::vector<llama_token> tokens(prompt.size() + 8);
  const int32_t n_prompt =
      llama_tokenize(vocab, prompt.c_str(), static_cast<int32_t>(prompt.size()), tokens.data(),
                     static_cast<int32_t>(tokens.size()), llama_vocab_get_add_bos(vocab), false);
  if (n_prompt <= 0) {
    result.problem = fmt::format("cannot tokenize the sanity prompt with the vocabulary of {}",
                                 model_path.string());
    return result;
  }
  tokens.resize(static_cast<size_t>(n_prompt));

  llama_context_params context_params = llama_context_default_params();
  context_params.n_ctx = static_cast<uint32_t>(n_prompt + kSanityTokens + 16);
  context_params.n_batch = context_params.n_ctx;
  context_params.n_threads = n_threads;
  context_params.n_threads_batch = n_threads;
  std::unique_ptr<llama_context, ContextDeleter> context(
      llama_init_from_model(model.get(), context_params));
  if (!context) {
    result.problem = fmt::format("llama.cpp cannot create a context for {}: {}",
                                 model_path.string(), capture.errors());
    return result;
  }

  // Plain greedy loop: decode the prompt once, then one token per step,
  // always taking the highest logit.
  llama_batch batch = llama_batch_get_one(tokens.data(), n_prompt);
  for (int step = 0; step < kSanityTokens; ++step) {
    if (llama_decode(context.get(), batch) != 0) {
      result.problem = fmt::format("llama_decode failed on {} at step {}: {}",
                                   model_path.string(), step, capture.errors());
      return result;
    }

    const float* logits = llama_get_logits_ith(context.get(), -1);
    const int32_t bad = first_non_finite(logits, n_vocab);
    if (bad >= 0) {
      result.problem = fmt::format("non-finite logit {} for token {} at step {} of {}",
                                   logits[bad], bad, step, model_path.string());
      return result;
    }

    llama_token next = argmax(logits, n_vocab);
    if (llama_vocab_is_eog(vocab, next)) {
      break;
    }
    result.text += token_text(vocab, next);
    tokens.push_back(next);
    batch = llama_batch_get_one(&tokens.back(), 1);
  }

  result.ok = true;
  return result;
}

}  // namespace qa
