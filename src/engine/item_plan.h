// The plan of one probe item for the batch scheduler: a shared prefix
// evaluated once, then branches that each continue it in their own llama.cpp
// sequence (a copy of the prefix's KV cache).
//
// Tokenization at the prompt/continuation boundary: the prompt and
// prompt + continuation (a choice, or the reference answer) are each
// tokenized whole. The continuation's tokens are those of the second list
// from the first index where it differs from the prompt's list. Usually that
// index is the prompt's length. A tokenizer may merge the prompt's last
// characters with the continuation's first ones, and then the merged token is
// scored as part of the continuation, because that is how the full text
// tokenizes.
// The shared prefix is the longest prefix common to all of an item's branches.
#pragma once

#include <llama.h>

#include <cstddef>
#include <string>
#include <vector>

#include "probes/item.h"

namespace qa::engine {

struct BranchPlan {
  // Tokens after the shared prefix.
  std::vector<llama_token> tokens;
  // tokens[j] with j >= score_from add their log-probability to the branch's
  // score (the tokens before it repeat the prompt).
  size_t score_from = 0;
  // A generation branch feeds all its tokens (the rest of the prompt) and
  // then decodes greedily. A scoring branch only needs the logits that
  // predict its tokens, so its last token is never fed.
  bool generate = false;

  // True when the branch feeds tokens and so needs a sequence of its own. A
  // single-token choice is scored from the shared prefix's last logits alone.
  bool needs_sequence() const { return generate || tokens.size() > 1; }
};

struct ItemPlan {
  std::string item_id;  // for error messages
  std::vector<llama_token> shared;
  // choice items: one scoring branch per choice, in choice order.
  // generate items: branch 0 generates, branch 1 scores the reference answer.
  std::vector<BranchPlan> branches;
  // Maximum tokens generated, and the strings that end generation
  // (generation branch only).
  int max_new_tokens = 0;
  std::vector<std::string> stop;
  // Upper bound of KV cache cells the item occupies at once.
  size_t kv_cells = 0;
  // The first scoring branch that needs a sequence rides inline: its tokens
  // are fed into the shared prefix's sequence right after the prefix, scored,
  // and removed again before any other branch uses that sequence. -1 when no
  // scoring branch has two or more tokens.
  int inline_branch = -1;
  // Sequences the item occupies: the shared prefix's, reused by the first
  // branch other than the inline one that needs a sequence, plus one for
  // every further such branch.
  size_t sequence_count = 1;
};

// Builds the plan of item with its prompt already formatted (chat template
// applied or not). Throws qa::Error naming the item id when the item is
// malformed (no choices, answer_index out of range, an empty choice or
// answer, max_tokens < 1) or when its prompt tokenizes to nothing, which
// leaves no logits to score the first continuation token.
ItemPlan plan_item(const llama_vocab* vocab, const ProbeItem& item,
                   const std::string& formatted_prompt, bool parse_special);

}  // namespace qa::engine
