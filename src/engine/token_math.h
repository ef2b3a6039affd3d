// Scores computed from one row of llama.cpp logits (n_vocab floats).
#pragma once

#include <llama.h>

namespace qa::engine {

// Natural-log probability of token under the softmax of logits, computed in
// double with the maximum subtracted first. NaN when any logit is NaN.
double token_log_probability(const float* logits, int n_vocab, llama_token token);

// The greedy choice: the token with the largest logit, the lowest id on ties.
// NaN logits are skipped; returns -1 when every logit is NaN.
llama_token greedy_token(const float* logits, int n_vocab);

// True when every logit is finite (no NaN, no infinity).
bool logits_finite(const float* logits, int n_vocab);

}  // namespace qa::engine
