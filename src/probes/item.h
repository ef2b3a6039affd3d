// A probe item: one question put to the model, with the answer the generator
// computed. One JSON object per line in FAMILY.jsonl:
//
//   id          stable and family-prefixed, e.g. "arithmetic-L3-0042"
//   family      capability family name
//   level       difficulty, 1 (easy) to 5 (hard)
//   kind        "generate" or "choice"
//   prompt      the full completion text the model sees, k-shot examples
//               included, so a battery file alone fixes what is evaluated
//   generate:   answer, scorer ("exact", "number", "json_keys", ...),
//               max_tokens, stop (strings that end generation; default ["\n"])
//   choice:     choices (continuations appended verbatim to the prompt,
//               usually with a leading space), answer_index
//   meta        optional object (generator details, e.g. the operation)
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qa {

enum class ItemKind { kGenerate, kChoice };

struct ProbeItem {
  std::string id;
  std::string family;
  int level = 1;
  ItemKind kind = ItemKind::kGenerate;
  std::string prompt;

  // kind == kGenerate
  std::string answer;
  std::string scorer;
  int max_tokens = 16;
  std::vector<std::string> stop{"\n"};

  // kind == kChoice
  std::vector<std::string> choices;
  int answer_index = -1;

  nlohmann::json meta = nlohmann::json::object();
};

// The reference answer's text: `answer` for generate items, the correct
// choice for choice items.
inline const std::string& reference_text(const ProbeItem& item) {
  return item.kind == ItemKind::kChoice ? item.choices.at(item.answer_index) : item.answer;
}

}  // namespace qa
