// Continuous batching of item plans on one llama.cpp context.
//
// Items are admitted in order while enough sequence ids and KV cache cells
// are free. Each llama_decode call takes up to n_batch tokens that are ready,
// item by item in admission order. Ready tokens are the rest of a shared
// prefix, the fed tokens of scoring branches and the next greedy token of a
// generation branch. When an item's shared prefix is complete, its KV cache is
// copied to the item's other sequences (llama_memory_seq_cp). When all its
// branches are done, its sequences are removed and their ids reused.
//
// The schedule depends only on the plans, n_batch, n_parallel and the
// number of cells, and run() starts from an empty KV cache, so the same
// plans give bit-identical logits on every call on the same machine build.
#pragma once

#include <llama.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/item_plan.h"

namespace qa::engine {

struct ItemOutcome {
  // Log-probability sum of each branch's scored tokens, in branch order
  // (0 for a generation branch). NaN when a logit was NaN.
  std::vector<double> branch_log_probs;
  // Text of the greedy continuation (generation branch), cut before the
  // first stop string.
  std::string generated_text;
  // Tokens this item put into llama_decode batches.
  int n_tokens = 0;
  // Decode time shared out by the item's fraction of each batch's tokens.
  double decode_seconds = 0;
};

struct SchedulerTotals {
  uint64_t tokens = 0;
  double decode_seconds = 0;
};

class BatchScheduler {
 public:
  // max_outputs caps the tokens per llama_decode call that request logits;
  // the context must have been created with n_outputs_max >= max_outputs.
  BatchScheduler(llama_context* context, const llama_vocab* vocab, int n_batch, int n_parallel,
                 int max_outputs);
  ~BatchScheduler();
  BatchScheduler(const BatchScheduler&) = delete;
  BatchScheduler& operator=(const BatchScheduler&) = delete;

  // Clears the whole KV cache, evaluates every plan and returns one outcome
  // per plan, in order. Calls progress(done, total) after each llama_decode.
  // Throws qa::Error when a plan needs more cells than the context has or
  // more sequences than n_parallel, or when llama_decode fails.
  std::vector<ItemOutcome> run(const std::vector<ItemPlan>& plans,
                               const std::function<void(size_t, size_t)>& progress,
                               SchedulerTotals& totals);

  // Number of KV cache cells of the context.
  size_t cell_count() const { return cell_count_; }

 private:
  struct Impl;
  llama_context* context_;
  const llama_vocab* vocab_;
  int n_batch_;
  int n_parallel_;
  int max_outputs_;
  size_t cell_count_;
  llama_batch batch_;
};

}  // namespace qa::engine
