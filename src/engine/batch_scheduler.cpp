#include "engine/batch_scheduler.h"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <memory>

#include "common/error.h"
#include "engine/llama_text.h"
#include "engine/token_math.h"

namespace qa::engine {

namespace {

struct BranchState {
  const BranchPlan* plan = nullptr;
  // -1 for a single-token scoring branch, which feeds nothing.
  llama_seq_id seq = -1;
  // Tokens of plan->tokens already in the KV cache.
  size_t fed = 0;
  double log_prob = 0;
  bool done = false;

  // Generation branch: tokens sampled so far, the last sampled token while
  // it waits to be fed (-1 when none), and the decoded text.
  int generated = 0;
  llama_token next_token = -1;
  std::string text;
};

struct ActiveItem {
  size_t index = 0;
  const ItemPlan* plan = nullptr;
  // sequences[0] contains the shared prefix.
  std::vector<llama_seq_id> sequences;
  // Tokens fed of the prefix stream: the shared prefix followed by the
  // inline branch's fed tokens, all in sequences[0].
  size_t stream_fed = 0;
  size_t stream_length = 0;
  // True once the whole prefix stream is in the KV cache and the inline
  // branch's cells are removed again, so the other branches may feed.
  bool stream_done = false;
  std::vector<BranchState> branches;
  ItemOutcome outcome;

  bool done() const {
    return stream_done && std::all_of(branches.begin(), branches.end(),
                                      [](const BranchState& branch) { return branch.done; });
  }
};

// Consecutive batch positions that hold one item's shared prefix
// (branch == -1) or one of its branches.
struct BatchSpan {
  ActiveItem* item = nullptr;
  int branch = -1;
  size_t first_token = 0;  // index into the prefix or the branch's tokens
  size_t count = 0;
  int32_t first_position = 0;  // index of the first token in the batch
  bool generated_token = false;
};

}  // namespace

struct BatchScheduler::Impl {
  BatchScheduler& owner;
  llama_memory_t memory;
  int n_vocab;

  std::vector<std::unique_ptr<ActiveItem>> active;
  std::vector<llama_seq_id> free_sequences;
  size_t reserved_cells = 0;
  std::vector<BatchSpan> spans;

  explicit Impl(BatchScheduler& scheduler)
      : owner(scheduler),
        memory(llama_get_memory(scheduler.context_)),
        n_vocab(llama_vocab_n_tokens(scheduler.vocab_)) {
    // Lowest ids are taken first (from the back).
    for (llama_seq_id seq = scheduler.n_parallel_ - 1; seq >= 0; --seq) {
      free_sequences.push_back(seq);
    }
  }

  // Tokens in the current batch that request logits.
  int32_t outputs = 0;

  int32_t space() const { return owner.n_batch_ - owner.batch_.n_tokens; }

  bool can_add(bool logits) const {
    return space() > 0 && (!logits || outputs < owner.max_outputs_);
  }

  void add_token(llama_token token, llama_pos position, llama_seq_id seq, bool logits) {
    llama_batch& batch = owner.batch_;
    const int32_t i = batch.n_tokens;
    batch.token[i] = token;
    batch.pos[i] = position;
    batch.n_seq_id[i] = 1;
    batch.seq_id[i][0] = seq;
    batch.logits[i] = logits ? 1 : 0;
    batch.n_tokens = i + 1;
    outputs += logits ? 1 : 0;
  }

  const float* logits_at(int32_t batch_position) const {
    const float* row = llama_get_logits_ith(owner.context_, batch_position);
    if (row == nullptr) {
      throw Error(fmt::format("llama.cpp returned no logits for batch position {}", batch_position),
                  kExitFailure);
    }
    return row;
  }

  bool admit(const ItemPlan& plan, size_t index) {
    if (free_sequences.size() < plan.sequence_count ||
        reserved_cells + plan.kv_cells > owner.cell_count_) {
      return false;
    }

    auto item = std::make_unique<ActiveItem>();
    item->index = index;
    item->plan = &plan;
    for (size_t s = 0; s < plan.sequence_count; ++s) {
      item->sequences.push_back(free_sequences.back());
      free_sequences.pop_back();
    }

    size_t next_sequence = 0;
    for (size_t b = 0; b < plan.branches.size(); ++b) {
      BranchState branch;
      branch.plan = &plan.branches[b];
      if (static_cast<int>(b) == plan.inline_branch) {
        branch.seq = item->sequences[0];
      } else if (branch.plan->needs_sequence()) {
        branch.seq = item->sequences[next_sequence++];
      }
      item->branches.push_back(branch);
    }

    item->stream_length = plan.shared.size();
    if (plan.inline_branch >= 0) {
      item->stream_length += plan.branches[plan.inline_branch].tokens.size() - 1;
    }
    item->outcome.branch_log_probs.assign(plan.branches.size(), 0.0);
    reserved_cells += plan.kv_cells;
    active.push_back(std::move(item));
    return true;
  }

  void release(ActiveItem& item) {
    for (const llama_seq_id seq : item.sequences) {
      llama_memory_seq_rm(memory, seq, -1, -1);
      free_sequences.push_back(seq);
    }
    // Keep the lowest-first order of reuse.
    std::sort(free_sequences.begin(), free_sequences.end(), std::greater<>());
    reserved_cells -= item.plan->kv_cells;
  }

  // Fills the batch with every ready token of the active items, in order.
  void fill_batch() {
    owner.batch_.n_tokens = 0;
    outputs = 0;
    spans.clear();

    for (const auto& item_pointer : active) {
      ActiveItem& item = *item_pointer;
      if (space() == 0) {
        break;
      }

      if (!item.stream_done) {
        fill_stream(item);
        continue;
      }

      for (size_t b = 0; b < item.branches.size() && space() > 0; ++b) {
        fill_branch(item, static_cast<int>(b));
      }
    }
  }

  // Feeds the next tokens of the prefix stream. Logits are needed after the
  // shared prefix's last token and after inline tokens whose successor is
  // scored.
  void fill_stream(ActiveItem& item) {
    const std::vector<llama_token>& shared = item.plan->shared;
    const int32_t first_position = owner.batch_.n_tokens;

    size_t count = 0;
    for (size_t position = item.stream_fed; position < item.stream_length; ++position) {
      llama_token token = 0;
      bool logits = false;
      if (position < shared.size()) {
        token = shared[position];
        logits = position + 1 == shared.size();
      } else {
        const BranchPlan& inline_plan = item.plan->branches[item.plan->inline_branch];
        const size_t j = position - shared.size();
        token = inline_plan.tokens[j];
        logits = j + 1 >= inline_plan.score_from;
      }
      if (!can_add(logits)) {
        break;
      }
      add_token(token, static_cast<llama_pos>(position), item.sequences[0], logits);
      count += 1;
    }

    if (count > 0) {
      spans.push_back({&item, -1, item.stream_fed, count, first_position, false});
    }
  }

  void fill_branch(ActiveItem& item, int branch_index) {
    BranchState& branch = item.branches[branch_index];
    if (branch.done) {
      return;
    }

    const std::vector<llama_token>& tokens = branch.plan->tokens;
    const size_t base = item.plan->shared.size();

    if (branch.plan->generate && branch.fed == tokens.size()) {
      if (branch.next_token < 0 || !can_add(true)) {
        return;
      }
      const auto position = static_cast<llama_pos>(base + tokens.size() + branch.generated - 1);
      spans.push_back({&item, branch_index, 0, 1, owner.batch_.n_tokens, true});
      add_token(branch.next_token, position, branch.seq, true);
      return;
    }

    // A scoring branch feeds all tokens but its last. A generation branch
    // feeds the rest of its prompt and needs the logits after its last token.
    const size_t end = branch.plan->generate ? tokens.size() : tokens.size() - 1;
    const int32_t first_position = owner.batch_.n_tokens;
    size_t count = 0;
    for (size_t j = branch.fed; j < end; ++j) {
      const bool logits =
          branch.plan->generate ? j + 1 == tokens.size() : j + 1 >= branch.plan->score_from;
      if (!can_add(logits)) {
        break;
      }
      add_token(tokens[j], static_cast<llama_pos>(base + j), branch.seq, logits);
      count += 1;
    }

    if (count > 0) {
      spans.push_back({&item, branch_index, branch.fed, count, first_position, false});
    }
  }

  // Greedy step of a generation branch from one row of logits.
  void sample(const ItemPlan& plan, BranchState& branch, const float* logits) {
    const llama_token token = greedy_token(logits, n_vocab);
    if (token < 0 || llama_vocab_is_eog(owner.vocab_, token)) {
      branch.done = true;
      return;
    }

    branch.generated += 1;
    branch.text += token_piece(owner.vocab_, token);

    size_t stop_at = std::string::npos;
    for (const std::string& stop : plan.stop) {
      if (!stop.empty()) {
        stop_at = std::min(stop_at, branch.text.find(stop));
      }
    }
    if (stop_at != std::string::npos) {
      branch.text.resize(stop_at);
      branch.done = true;
      return;
    }

    if (branch.generated >= plan.max_new_tokens) {
      branch.done = true;
      return;
    }
    branch.next_token = token;
  }

  // Called when an item's shared prefix is in the KV cache: copies it (and
  // nothing after it) to the item's other sequences and scores what the
  // prefix's last logits predict.
  void start_branches(ActiveItem& item, const float* logits) {
    const llama_seq_id source = item.sequences[0];
    const auto prefix_end = static_cast<llama_pos>(item.plan->shared.size());
    for (size_t s = 1; s < item.sequences.size(); ++s) {
      llama_memory_seq_cp(memory, source, item.sequences[s], 0, prefix_end);
    }

    for (BranchState& branch : item.branches) {
      const std::vector<llama_token>& tokens = branch.plan->tokens;
      if (branch.plan->generate) {
        if (tokens.empty()) {
          sample(*item.plan, branch, logits);
        }
        continue;
      }
      if (branch.plan->score_from == 0) {
        branch.log_prob += token_log_probability(logits, n_vocab, tokens[0]);
      }
      branch.done = tokens.size() == 1;
    }
  }

  void process_stream_span(ActiveItem& item, const BatchSpan& span) {
    const size_t prefix_length = item.plan->shared.size();

    for (size_t k = 0; k < span.count; ++k) {
      const size_t position = span.first_token + k;
      const int32_t row = span.first_position + static_cast<int32_t>(k);
      if (position + 1 == prefix_length) {
        start_branches(item, logits_at(row));
        continue;
      }
      if (position < prefix_length) {
        continue;
      }
      BranchState& inline_state = item.branches[item.plan->inline_branch];
      const std::vector<llama_token>& tokens = inline_state.plan->tokens;
      const size_t predicted = position - prefix_length + 1;
      if (predicted >= inline_state.plan->score_from) {
        inline_state.log_prob += token_log_probability(logits_at(row), n_vocab, tokens[predicted]);
      }
    }

    item.stream_fed += span.count;
    if (item.stream_fed < item.stream_length) {
      return;
    }

    // The inline branch is scored. Its cells leave the prefix's sequence, so
    // the branch continuing there attends to the prefix alone.
    if (item.plan->inline_branch >= 0) {
      if (!llama_memory_seq_rm(memory, item.sequences[0], static_cast<llama_pos>(prefix_length),
                               -1)) {
        throw Error(
            "llama.cpp cannot remove part of a sequence from this model's memory "
            "(recurrent models are not supported)",
            kExitFailure);
      }
      item.branches[item.plan->inline_branch].done = true;
    }
    item.stream_done = true;
  }

  void process_span(const BatchSpan& span) {
    ActiveItem& item = *span.item;

    if (span.branch < 0) {
      process_stream_span(item, span);
      return;
    }

    BranchState& branch = item.branches[span.branch];
    if (span.generated_token) {
      branch.next_token = -1;
      sample(*item.plan, branch, logits_at(span.first_position));
      return;
    }

    const std::vector<llama_token>& tokens = branch.plan->tokens;
    branch.fed += span.count;
    if (branch.plan->generate) {
      if (branch.fed == tokens.size()) {
        sample(*item.plan, branch,
               logits_at(span.first_position + static_cast<int32_t>(span.count) - 1));
      }
      return;
    }

    for (size_t k = 0; k < span.count; ++k) {
      const size_t predicted = span.first_token + k + 1;
      if (predicted >= branch.plan->score_from) {
        const float* logits = logits_at(span.first_position + static_cast<int32_t>(k));
        branch.log_prob += token_log_probability(logits, n_vocab, tokens[predicted]);
      }
    }
    branch.done = branch.fed == tokens.size() - 1;
  }

  void finish(ActiveItem& item, std::vector<ItemOutcome>& outcomes) {
    for (size_t b = 0; b < item.branches.size(); ++b) {
      const BranchState& branch = item.branches[b];
      item.outcome.branch_log_probs[b] = branch.log_prob;
      if (branch.plan->generate) {
        item.outcome.generated_text = branch.text;
      }
    }
    release(item);
    outcomes[item.index] = std::move(item.outcome);
  }
};

BatchScheduler::BatchScheduler(llama_context* context, const llama_vocab* vocab, int n_batch,
                               int n_parallel, int max_outputs)
    : context_(context),
      vocab_(vocab),
      n_batch_(n_batch),
      n_parallel_(n_parallel),
      max_outputs_(max_outputs),
      cell_count_(llama_n_ctx(context)),
      batch_(llama_batch_init(n_batch, 0, 1)) {}

BatchScheduler::~BatchScheduler() { llama_batch_free(batch_); }

std::vector<ItemOutcome> BatchScheduler::run(const std::vector<ItemPlan>& plans,
                                             const std::function<void(size_t, size_t)>& progress,
                                             SchedulerTotals& totals) {
  for (const ItemPlan& plan : plans) {
    if (plan.sequence_count > static_cast<size_t>(n_parallel_)) {
      throw Error(
          fmt::format("item {} needs {} parallel sequences but n_parallel is {}; "
                      "raise n_parallel",
                      plan.item_id, plan.sequence_count, n_parallel_));
    }
    if (plan.kv_cells > cell_count_) {
      throw Error(fmt::format("item {} needs {} KV cache cells but n_ctx is {}; raise n_ctx",
                              plan.item_id, plan.kv_cells, cell_count_));
    }
  }

  Impl state(*this);
  llama_memory_clear(state.memory, true);

  std::vector<ItemOutcome> outcomes(plans.size());
  size_t next_plan = 0;
  size_t finished = 0;

  while (finished < plans.size()) {
    while (next_plan < plans.size() && state.admit(plans[next_plan], next_plan)) {
      next_plan += 1;
    }

    state.fill_batch();
    const int32_t batch_tokens = batch_.n_tokens;
    if (batch_tokens == 0) {
      throw Error("batch scheduler found no token to evaluate (internal error)", kExitFailure);
    }

    const auto start = std::chrono::steady_clock::now();
    const int32_t status = llama_decode(context_, batch_);
    llama_synchronize(context_);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (status != 0) {
      throw Error(
          fmt::format("llama_decode failed with status {} on a batch of {} tokens{}", status,
                      batch_tokens, status == 1 ? "; no KV cache slot was free, raise n_ctx" : ""),
          kExitFailure);
    }
    totals.tokens += static_cast<uint64_t>(batch_tokens);
    totals.decode_seconds += seconds;

    for (const BatchSpan& span : state.spans) {
      state.process_span(span);
      span.item->outcome.n_tokens += static_cast<int>(span.count);
      span.item->outcome.decode_seconds += seconds * static_cast<double>(span.count) / batch_tokens;
    }

    // Finished items leave in order, so the rest keep their batch priority.
    auto& active = state.active;
    for (auto& item : active) {
      if (item->done()) {
        state.finish(*item, outcomes);
        item.reset();
        finished += 1;
      }
    }
    active.erase(std::remove(active.begin(), active.end(), nullptr), active.end());

    if (progress) {
      progress(finished, plans.size());
    }
  }

  llama_memory_clear(state.memory, true);
  return outcomes;
}

}  // namespace qa::engine
