#include "engine/evaluator.h"

#include <fmt/core.h>
#include <llama.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <mutex>
#include <string_view>
#include <thread>

#include "common/error.h"
#include "engine/batch_scheduler.h"
#include "engine/item_plan.h"
#include "engine/llama_text.h"
#include "engine/token_math.h"
#include "engine/utf8.h"
#include "probes/scorers.h"

namespace qa {

namespace {

// Logits rows per llama_decode call when n_parallel is smaller.
constexpr int kMaxOutputsPerBatch = 128;

// llama.cpp logs every load step to stderr; only its errors reach the user.
void log_llama_errors(ggml_log_level level, const char* text, void* /*user_data*/) {
  if (level == GGML_LOG_LEVEL_ERROR) {
    fmt::print(stderr, "llama.cpp: {}", text);
  }
}

void initialize_llama_backend() {
  static std::once_flag once;
  std::call_once(once, [] {
    llama_log_set(log_llama_errors, nullptr);
    llama_backend_init();
  });
}

int resolve_threads(int threads) {
  if (threads > 0) {
    return threads;
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void validate_settings(const EvalSettings& settings) {
  if (settings.n_ctx < 1 || settings.n_batch < 1 || settings.n_ubatch < 1 ||
      settings.n_parallel < 1 || settings.threads < 0) {
    throw Error(
        fmt::format("invalid evaluation settings: n_ctx {}, n_batch {}, n_ubatch {}, "
                    "n_parallel {} must be at least 1 and threads {} at least 0",
                    settings.n_ctx, settings.n_batch, settings.n_ubatch, settings.n_parallel,
                    settings.threads));
  }
  // llama.cpp reserves one output row per sequence in every batch and
  // aborts the process when n_batch is smaller (llama_context::output_reserve).
  if (settings.n_batch < settings.n_parallel) {
    throw Error(fmt::format("n_batch {} must be at least n_parallel {}", settings.n_batch,
                            settings.n_parallel));
  }
  // llama.cpp keeps at most 256 sequences (LLAMA_MAX_SEQ in llama-cparams.h).
  if (settings.n_parallel > 256) {
    throw Error(fmt::format("n_parallel {} is above llama.cpp's limit of 256 sequences",
                            settings.n_parallel));
  }
}

// Reads the GGUF magic and version so that the two common load failures get
// a message of their own; llama.cpp's loader only returns null.
void check_gguf_header(const std::filesystem::path& model_path) {
  std::ifstream file(model_path, std::ios::binary);
  char magic[4] = {};
  uint32_t version = 0;
  file.read(magic, sizeof(magic));
  file.read(reinterpret_cast<char*>(&version), sizeof(version));
  if (!file || std::string_view(magic, sizeof(magic)) != "GGUF") {
    throw Error(fmt::format("model file {} is not a GGUF file (no GGUF magic at its start)",
                            model_path.string()));
  }
  if (version == 1) {
    throw Error(
        fmt::format("model file {} is GGUF v1, which llama.cpp no longer loads; convert "
                    "it to GGUF v3 with llama.cpp's conversion scripts",
                    model_path.string()));
  }
}

// Fills the row fields that follow from the item and the branch scores.
ResponseRow make_row(const ProbeItem& item, const engine::ItemOutcome& outcome) {
  ResponseRow row;
  row.item_id = item.id;
  row.family = item.family;
  row.level = item.level;
  row.n_tokens = outcome.n_tokens;
  row.ms = outcome.decode_seconds * 1000.0;

  if (item.kind == ItemKind::kGenerate) {
    row.kind = "generate";
    row.output = engine::replace_invalid_utf8(outcome.generated_text);
    row.correct = score_output(item.scorer, row.output, item.answer);
    // Generation has no length normalisation, so both verdicts are the same.
    row.correct_norm = row.correct;
    row.ref_logprob = outcome.branch_log_probs.at(1);
    row.margin = std::numeric_limits<double>::quiet_NaN();
    return row;
  }

  row.kind = "choice";
  const std::vector<double>& sums = outcome.branch_log_probs;
  int best = 0;
  int best_norm = 0;
  for (size_t c = 1; c < sums.size(); ++c) {
    const double norm = sums[c] / static_cast<double>(item.choices[c].size());
    const double best_norm_value =
        sums[best_norm] / static_cast<double>(item.choices[best_norm].size());
    // Strictly greater keeps the lowest index on ties; NaN never wins.
    if (sums[c] > sums[best]) {
      best = static_cast<int>(c);
    }
    if (norm > best_norm_value) {
      best_norm = static_cast<int>(c);
    }
  }

  double best_wrong = -std::numeric_limits<double>::infinity();
  for (size_t c = 0; c < sums.size(); ++c) {
    if (static_cast<int>(c) != item.answer_index) {
      best_wrong = std::max(best_wrong, sums[c]);
    }
  }

  row.predicted_index = best;
  row.predicted_index_norm = best_norm;
  row.correct = best == item.answer_index;
  row.correct_norm = best_norm == item.answer_index;
  row.output = item.choices[best];
  row.ref_logprob = sums[item.answer_index];
  // With a single choice there is no wrong one to compare with.
  row.margin =
      sums.size() > 1 ? row.ref_logprob - best_wrong : std::numeric_limits<double>::quiet_NaN();
  return row;
}

}  // namespace

struct Evaluator::Impl {
  std::string model_path;
  EvalSettings settings;
  llama_model* model = nullptr;
  llama_context* context = nullptr;
  const llama_vocab* vocab = nullptr;
  std::unique_ptr<engine::BatchScheduler> scheduler;
  engine::SchedulerTotals totals;

  ~Impl() {
    scheduler.reset();
    if (context != nullptr) {
      llama_free(context);
    }
    if (model != nullptr) {
      llama_model_free(model);
    }
  }
};

Evaluator::Evaluator(const std::filesystem::path& model_path, const EvalSettings& settings)
    : impl_(std::make_unique<Impl>()) {
  validate_settings(settings);
  impl_->model_path = model_path.string();
  impl_->settings = settings;

  std::error_code error;
  if (!std::filesystem::is_regular_file(model_path, error)) {
    throw Error(fmt::format("model file {} not found; check the path", model_path.string()));
  }

  check_gguf_header(model_path);
  initialize_llama_backend();

  llama_model_params model_params = llama_model_default_params();
  model_params.n_gpu_layers = 0;
  impl_->model = llama_model_load_from_file(impl_->model_path.c_str(), model_params);
  if (impl_->model == nullptr) {
    throw Error(
        fmt::format("llama.cpp (commit {}) cannot load model {}; it must be a GGUF v2 or "
                    "v3 file of an architecture that llama.cpp supports (convert older "
                    "files with llama.cpp's conversion scripts)",
                    QA_LLAMA_COMMIT, impl_->model_path));
  }
  impl_->vocab = llama_model_get_vocab(impl_->model);

  // Fails before any evaluation when --chat cannot work on this model.
  if (settings.chat) {
    engine::apply_chat_template(impl_->model, impl_->model_path, "");
  }

  const int threads = resolve_threads(settings.threads);
  llama_context_params context_params = llama_context_default_params();
  context_params.n_ctx = static_cast<uint32_t>(settings.n_ctx);
  context_params.n_batch = static_cast<uint32_t>(settings.n_batch);
  context_params.n_ubatch = static_cast<uint32_t>(std::min(settings.n_ubatch, settings.n_batch));
  context_params.n_seq_max = static_cast<uint32_t>(settings.n_parallel);
  // llama.cpp sizes the logits buffer and the output layer's compute buffer
  // for n_outputs_max rows of n_vocab floats (n_batch rows by default: 262 MB
  // at n_batch 2048 and a 32000-token vocabulary). The scheduler requests
  // at most this many logits rows per batch, and llama.cpp needs at least
  // n_seq_max of them.
  const int max_outputs =
      std::min(settings.n_batch, std::max(settings.n_parallel, kMaxOutputsPerBatch));
  context_params.n_outputs_max = static_cast<uint32_t>(max_outputs);
  context_params.n_threads = threads;
  context_params.n_threads_batch = threads;
  // One KV buffer for all sequences, so that llama_memory_seq_cp shares a
  // prompt's cells with its branches instead of copying them.
  context_params.kv_unified = true;
  context_params.no_perf = true;
  impl_->context = llama_init_from_model(impl_->model, context_params);
  if (impl_->context == nullptr) {
    throw Error(fmt::format("llama.cpp cannot create a context for model {} with n_ctx {}, "
                            "n_batch {}, n_ubatch {}, n_parallel {}; lower n_ctx or n_batch",
                            impl_->model_path, settings.n_ctx, settings.n_batch, settings.n_ubatch,
                            settings.n_parallel),
                kExitFailure);
  }

  impl_->scheduler = std::make_unique<engine::BatchScheduler>(
      impl_->context, impl_->vocab, settings.n_batch, settings.n_parallel, max_outputs);
}

Evaluator::~Evaluator() = default;

std::vector<ResponseRow> Evaluator::evaluate(std::span<const ProbeItem> items,
                                             const EvalProgress& progress) {
  std::vector<engine::ItemPlan> plans;
  plans.reserve(items.size());
  for (const ProbeItem& item : items) {
    const std::string prompt =
        impl_->settings.chat
            ? engine::apply_chat_template(impl_->model, impl_->model_path, item.prompt)
            : item.prompt;
    plans.push_back(engine::plan_item(impl_->vocab, item, prompt, impl_->settings.chat));
  }

  const std::vector<engine::ItemOutcome> outcomes =
      impl_->scheduler->run(plans, progress, impl_->totals);

  std::vector<ResponseRow> rows;
  rows.reserve(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    rows.push_back(make_row(items[i], outcomes[i]));
  }
  return rows;
}

std::string Evaluator::complete(const std::string& prompt, int max_tokens) {
  llama_memory_t memory = llama_get_memory(impl_->context);
  llama_memory_clear(memory, true);

  std::vector<llama_token> tokens = engine::tokenize(impl_->vocab, prompt, false);
  if (tokens.empty()) {
    throw Error("complete() needs a prompt that tokenizes to at least one token");
  }
  if (tokens.size() + static_cast<size_t>(std::max(max_tokens, 0)) > llama_n_ctx(impl_->context)) {
    throw Error(fmt::format("prompt of {} tokens plus {} new tokens exceeds n_ctx {}",
                            tokens.size(), max_tokens, llama_n_ctx(impl_->context)));
  }

  const int n_vocab = llama_vocab_n_tokens(impl_->vocab);
  llama_batch batch = llama_batch_init(impl_->settings.n_batch, 0, 1);
  std::string text;
  llama_pos position = 0;

  // Feeds tokens in batches of n_batch; the last token's logits predict the next one.
  auto feed = [&](const std::vector<llama_token>& pending) {
    for (size_t start = 0; start < pending.size();) {
      const size_t count = std::min<size_t>(pending.size() - start, impl_->settings.n_batch);
      batch.n_tokens = 0;
      for (size_t k = 0; k < count; ++k) {
        const int32_t i = batch.n_tokens++;
        batch.token[i] = pending[start + k];
        batch.pos[i] = position++;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = start + k + 1 == pending.size() ? 1 : 0;
      }
      const auto started = std::chrono::steady_clock::now();
      const int32_t status = llama_decode(impl_->context, batch);
      llama_synchronize(impl_->context);
      impl_->totals.decode_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (status != 0) {
        throw Error(fmt::format("llama_decode failed with status {} on model {}", status,
                                impl_->model_path),
                    kExitFailure);
      }
      impl_->totals.tokens += count;
      start += count;
    }
  };

  try {
    feed(tokens);
    for (int generated = 0; generated < max_tokens; ++generated) {
      const float* logits = llama_get_logits_ith(impl_->context, -1);
      if (logits == nullptr || !engine::logits_finite(logits, n_vocab)) {
        throw Error(fmt::format("model {} produced non-finite logits; the file is probably "
                                "broken or its quantization failed",
                                impl_->model_path),
                    kExitFailure);
      }
      const llama_token token = engine::greedy_token(logits, n_vocab);
      if (llama_vocab_is_eog(impl_->vocab, token)) {
        break;
      }
      text += engine::token_piece(impl_->vocab, token);
      if (generated + 1 < max_tokens) {
        feed({token});
      }
    }
  } catch (...) {
    llama_batch_free(batch);
    llama_memory_clear(memory, true);
    throw;
  }

  llama_batch_free(batch);
  llama_memory_clear(memory, true);
  return engine::replace_invalid_utf8(text);
}

uint64_t Evaluator::tokens_evaluated() const { return impl_->totals.tokens; }

double Evaluator::decode_seconds() const { return impl_->totals.decode_seconds; }

}  // namespace qa
