// story_number_agreement: "was" after a singular subject and "were" after a
// plural one. Level 1 is "The dog" or "The dogs"; levels 2 to 4 add one to
// three adjectives; level 5 puts an attractor of the other number between
// subject and verb ("The dog near the trees"). stories260K follows the
// attractor at level 5: 1 of 100 items correct at seed 1.
#include <fmt/core.h>

#include "probes/story_helpers.h"

namespace qa::probes {

namespace {

// Nouns whose plural adds "s".
const std::vector<std::string>& nouns() {
  static const std::vector<std::string> values = {"dog", "cat", "bird", "duck", "frog",
                                                  "tree", "flower", "car", "ball", "cow"};
  return values;
}

const std::vector<std::string>& adjectives() {
  static const std::vector<std::string> values = {"big", "little", "happy", "brown",
                                                  "old", "pretty", "funny", "small"};
  return values;
}

const std::vector<std::string>& places() {
  static const std::vector<std::string> values = {"park", "farm", "lake",   "garden",
                                                  "beach", "zoo", "forest", "yard"};
  return values;
}

Example make_example(Rng& rng, int level, int target_index) {
  using namespace story;
  // Choices are {" was", " were"}: target_index 1 selects a plural subject.
  const bool plural = target_index == 1;
  const Character hero = pick_character(rng);
  const auto pair = pick_pair(rng, nouns());
  const int adjective_count = level == 5 ? 0 : level - 1;
  std::string adjective_text;
  for (const auto& adjective : rng.sample(adjectives(), adjective_count)) {
    adjective_text += adjective + " ";
  }
  std::string subject = "The " + adjective_text + pair[0] + (plural ? "s" : "");
  if (level == 5) {
    subject += " near the " + pair[1] + (plural ? "" : "s");
  }
  Example example;
  example.question =
      fmt::format("{} went to the {}. {}", hero.name, rng.pick(places()), subject);
  example.choices = {" was", " were"};
  example.answer_index = target_index;
  return example;
}

}  // namespace

FamilyGenerator make_story_number_agreement_family() {
  FamilyGenerator generator;
  generator.info = story::story_family_info(
      "story_number_agreement", "the verb (was or were) that agrees with the subject's number");
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
