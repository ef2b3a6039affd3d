// The evaluation engine's contract: one llama.cpp model and context per rung,
// scoring many probe items per llama_decode call.
//
// Settings are fixed for a whole study and recorded in the store's runs
// table, because llama.cpp logits depend on batch shape: mixing settings
// between rungs would fake flips.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "probes/item.h"
#include "store/response.h"

namespace qa {

struct EvalSettings {
  int threads = 0;        // 0 = number of cores
  int n_ctx = 4096;       // total KV cache cells shared by all parallel sequences
  int n_batch = 2048;     // max tokens per llama_decode call
  int n_ubatch = 512;     // physical micro-batch
  int n_parallel = 16;    // parallel sequences (items or choices) per batch; at most n_batch
  bool chat = false;      // apply the model's chat template to each prompt
  std::string prompt_format() const { return chat ? "chat" : "completion"; }
};

// Progress report after each batch: items finished so far out of the total.
using EvalProgress = std::function<void(size_t done, size_t total)>;

// Loads a GGUF model once and evaluates items on it. Throws qa::Error
// (kExitBadInput) naming the file when llama.cpp cannot load it, or when
// settings.chat is set and the model has no chat template that llama.cpp's
// llama_chat_apply_template supports.
class Evaluator {
 public:
  Evaluator(const std::filesystem::path& model_path, const EvalSettings& settings);
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Evaluates items in the given order, packing several into each batch, and
  // returns one row per item in the same order with rung, battery_hash and
  // run_id left empty for the caller to fill. Calls progress after each batch.
  //
  // Each call starts from an empty KV cache. So the same items in the same
  // order give the same outputs and bit-identical log-probabilities (ms
  // aside) on every call and on every Evaluator with the same model and
  // settings. This holds on one machine and llama.cpp build. A different
  // grouping of items into calls changes batch composition and so the last
  // digits of log-probabilities. The reason is that llama.cpp's CPU flash
  // attention sums in F32 or F16 depending on the micro-batch size (up to
  // about 6e-4 of a sum on stories260K in the engine tests).
  // A choice is scored on the tokens of prompt + choice from the first token
  // that differs from the prompt's own tokens (see engine/item_plan.h).
  // Throws qa::Error naming the item when it is malformed or needs more KV
  // cells than n_ctx or more sequences than n_parallel. A choice item needs
  // one sequence per choice of two or more tokens (at least one), a generate
  // item two, or one when its reference answer is a single token.
  std::vector<ResponseRow> evaluate(std::span<const ProbeItem> items,
                                    const EvalProgress& progress = {});

  // Greedy continuation of a plain prompt (ladder sanity check). Throws
  // qa::Error when the logits are not finite. Like the outputs of
  // evaluate(), the text is valid UTF-8: invalid byte sequences (a character
  // cut at max_tokens, or a broken model's bytes) become U+FFFD.
  std::string complete(const std::string& prompt, int max_tokens);

  // Totals since construction, for throughput lines (tokens/s, items/s).
  uint64_t tokens_evaluated() const;
  double decode_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qa
