#include "engine/token_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qa::engine {

double token_log_probability(const float* logits, int n_vocab, llama_token token) {
  double max_logit = -std::numeric_limits<double>::infinity();
  for (int i = 0; i < n_vocab; ++i) {
    if (std::isnan(logits[i])) {
      return std::numeric_limits<double>::quiet_NaN();
    }
    max_logit = std::max(max_logit, static_cast<double>(logits[i]));
  }

  // log softmax(x)[t] = x[t] - max - log(sum exp(x - max)); the sum is at
  // least 1, so it neither underflows nor overflows.
  double sum = 0;
  for (int i = 0; i < n_vocab; ++i) {
    sum += std::exp(static_cast<double>(logits[i]) - max_logit);
  }
  return static_cast<double>(logits[token]) - max_logit - std::log(sum);
}

llama_token greedy_token(const float* logits, int n_vocab) {
  llama_token best = -1;
  for (int i = 0; i < n_vocab; ++i) {
    if (std::isnan(logits[i])) {
      continue;
    }
    if (best < 0 || logits[i] > logits[best]) {
      best = i;
    }
  }
  return best;
}

bool logits_finite(const float* logits, int n_vocab) {
  for (int i = 0; i < n_vocab; ++i) {
    if (!std::isfinite(logits[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace qa::engine
