// The interface between the battery framework and the family generators. A
// generator makes one example at a time; the framework turns examples into
// items: it keeps the few-shot split apart from the test split, rejects
// duplicates, balances the correct choice's position and assembles prompts.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/battery.h"
#include "probes/rng.h"

namespace qa::probes {

struct Example {
  // The text the answer follows: a k-shot prompt ends with the test
  // example's question. Also the identity used to reject duplicates.
  std::string question;

  // Generate families: the reference answer, shown after answer_separator in shots.
  std::string answer;
  int max_tokens = 16;

  // Choice families: the continuations, correct one at answer_index.
  std::vector<std::string> choices;
  int answer_index = -1;

  nlohmann::json meta = nlohmann::json::object();
};

struct FamilyGenerator {
  FamilyInfo info;
  std::string instruction;          // text before the shots, may be empty
  int shots = 0;                    // k-shot examples per prompt
  std::string answer_separator = " ";  // between a shot's question and its answer (generate)
  std::string shot_separator = "\n";   // after each shot

  // Makes one example at `level`. Choice families must put the correct
  // choice at target_index (the framework balances positions); generate
  // families get -1.
  std::function<Example(Rng& rng, int level, int target_index)> make_example;
};

// Every family generator, core and small, controls included.
const std::vector<FamilyGenerator>& all_family_generators();

// Places `correct` at target_index among the distractors (order of the
// distractors kept) and returns the choices.
std::vector<std::string> place_choice(const std::string& correct,
                                      const std::vector<std::string>& distractors,
                                      int target_index);

// Factories, one per family file.
FamilyGenerator make_arithmetic_family();
FamilyGenerator make_char_manipulation_family();
FamilyGenerator make_counting_family();
FamilyGenerator make_sorting_family();
FamilyGenerator make_kv_retrieval_family();
FamilyGenerator make_copying_family();
FamilyGenerator make_format_json_family();
FamilyGenerator make_syllogism_family();
FamilyGenerator make_comparison_family();
FamilyGenerator make_sequence_completion_family();
FamilyGenerator make_world_facts_family();
FamilyGenerator make_coreference_family();
FamilyGenerator make_long_context_retrieval_family();

std::vector<FamilyGenerator> make_small_families();

}  // namespace qa::probes
