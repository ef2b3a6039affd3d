#include "engine/item_plan.h"

#include <fmt/core.h>

#include <algorithm>

#include "common/error.h"
#include "engine/llama_text.h"

namespace qa::engine {

namespace {

size_t common_prefix_length(const std::vector<llama_token>& a, const std::vector<llama_token>& b) {
  const auto [a_end, b_end] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  return static_cast<size_t>(a_end - a.begin());
}

// A continuation tokenized as part of prompt + continuation, with the index
// where its tokens start to differ from the prompt's.
struct Continuation {
  std::vector<llama_token> full;
  size_t divergence = 0;
};

Continuation tokenize_continuation(const llama_vocab* vocab, const std::string& prompt,
                                   const std::vector<llama_token>& prompt_tokens,
                                   const std::string& continuation, bool parse_special) {
  Continuation result;
  result.full = tokenize(vocab, prompt + continuation, parse_special);
  result.divergence = common_prefix_length(prompt_tokens, result.full);
  return result;
}

void validate_item(const ProbeItem& item) {
  if (item.kind == ItemKind::kChoice) {
    if (item.choices.empty()) {
      throw Error(fmt::format("item {} is a choice item without choices", item.id));
    }
    if (item.answer_index < 0 || item.answer_index >= static_cast<int>(item.choices.size())) {
      throw Error(fmt::format("item {} has answer_index {} but {} choices", item.id,
                              item.answer_index, item.choices.size()));
    }
    for (const std::string& choice : item.choices) {
      if (choice.empty()) {
        throw Error(fmt::format("item {} has an empty choice", item.id));
      }
    }
    return;
  }

  if (item.answer.empty()) {
    throw Error(fmt::format("item {} is a generate item with an empty answer", item.id));
  }
  if (item.max_tokens < 1) {
    throw Error(
        fmt::format("item {} has max_tokens {}; it must be at least 1", item.id, item.max_tokens));
  }
}

}  // namespace

ItemPlan plan_item(const llama_vocab* vocab, const ProbeItem& item,
                   const std::string& formatted_prompt, bool parse_special) {
  validate_item(item);

  const std::vector<llama_token> prompt_tokens = tokenize(vocab, formatted_prompt, parse_special);

  std::vector<Continuation> continuations;
  if (item.kind == ItemKind::kChoice) {
    for (const std::string& choice : item.choices) {
      continuations.push_back(
          tokenize_continuation(vocab, formatted_prompt, prompt_tokens, choice, parse_special));
    }
  } else {
    continuations.push_back(
        tokenize_continuation(vocab, formatted_prompt, prompt_tokens, item.answer, parse_special));
  }

  // The shared prefix ends where the first branch leaves the prompt. A
  // generation branch needs the whole prompt, so it never shortens it.
  size_t shared_length = prompt_tokens.size();
  for (const Continuation& continuation : continuations) {
    shared_length = std::min(shared_length, continuation.divergence);
  }
  if (shared_length == 0) {
    throw Error(fmt::format(
        "item {}: the prompt tokenizes to no token that its continuations share, so the first "
        "continuation token has no logits to be scored with; give the item a non-empty prompt",
        item.id));
  }

  ItemPlan plan;
  plan.item_id = item.id;
  plan.shared.assign(prompt_tokens.begin(), prompt_tokens.begin() + shared_length);

  if (item.kind == ItemKind::kGenerate) {
    BranchPlan generation;
    generation.generate = true;
    generation.tokens.assign(prompt_tokens.begin() + shared_length, prompt_tokens.end());
    plan.branches.push_back(std::move(generation));
    plan.max_new_tokens = item.max_tokens;
    plan.stop = item.stop;
  }

  for (const Continuation& continuation : continuations) {
    BranchPlan scoring;
    scoring.tokens.assign(continuation.full.begin() + shared_length, continuation.full.end());
    scoring.score_from = continuation.divergence - shared_length;
    if (scoring.tokens.size() <= scoring.score_from) {
      throw Error(fmt::format("item {}: a continuation adds no token to the prompt", item.id));
    }
    plan.branches.push_back(std::move(scoring));
  }

  // Cells held at once: the shared prefix, every fed branch token, and the
  // generated tokens (the last generated token is never fed).
  plan.kv_cells = plan.shared.size();
  for (const BranchPlan& branch : plan.branches) {
    plan.kv_cells += branch.generate ? branch.tokens.size() : branch.tokens.size() - 1;
  }
  plan.kv_cells += static_cast<size_t>(std::max(plan.max_new_tokens - 1, 0));

  size_t branches_with_sequence = 0;
  for (size_t b = 0; b < plan.branches.size(); ++b) {
    const BranchPlan& branch = plan.branches[b];
    if (!branch.needs_sequence()) {
      continue;
    }
    if (plan.inline_branch < 0 && !branch.generate) {
      plan.inline_branch = static_cast<int>(b);
      continue;
    }
    branches_with_sequence += 1;
  }
  plan.sequence_count = std::max<size_t>(1, branches_with_sequence);
  return plan;
}

}  // namespace qa::engine
