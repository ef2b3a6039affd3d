// Builders shared by the small battery's story families.
#pragma once

#include <string>
#include <vector>

#include "probes/family.h"
#include "probes/story_words.h"

namespace qa::probes::story {

// A two-choice FamilyInfo for a story family, levels 1 to 5.
inline FamilyInfo story_family_info(const std::string& name, const std::string& description,
                                    int num_choices = 2) {
  FamilyInfo info;
  info.name = name;
  info.kind = ItemKind::kChoice;
  info.num_choices = num_choices;
  info.description = description;
  return info;
}

// An example whose continuations are the correct word and distractors, each
// with a leading space; the correct one at target_index.
inline Example word_choice_example(std::string question, const std::string& correct,
                                   const std::vector<std::string>& distractors, int target_index) {
  Example example;
  example.question = std::move(question);
  std::vector<std::string> spaced;
  for (const auto& word : distractors) {
    spaced.push_back(" " + word);
  }
  example.choices = place_choice(" " + correct, spaced, target_index);
  example.answer_index = target_index;
  return example;
}

inline const std::vector<std::string>& activities() {
  static const std::vector<std::string> values = {
      "play outside", "sing songs", "draw pictures", "run fast",
      "jump high",    "read books", "help mom",      "play games"};
  return values;
}

}  // namespace qa::probes::story
