// story_object_recall: the toy a character was given is the one the
// character plays with later. Levels 1 and 2 introduce one toy (level 2 adds
// two neutral sentences); levels 3 to 5 give a second child another toy, so
// the distractor is in the story too: level 4 adds two neutral sentences
// and level 5 asks about the child introduced second.
#include <fmt/core.h>

#include "probes/story_helpers.h"

namespace qa::probes {

namespace {

const std::vector<std::string>& toys() {
  static const std::vector<std::string> values = {"ball", "doll", "kite", "car",  "book",
                                                  "hat",  "drum", "bike", "boat", "truck"};
  return values;
}

Example make_example(Rng& rng, int level, int target_index) {
  using namespace story;
  const Character hero = pick_character(rng);
  const Character other = pick_other_character(rng, hero);
  const auto pair = pick_pair(rng, toys());
  std::string question;
  if (level <= 2) {
    question = fmt::format("{} had a new {}.{} Then {} played with the", hero.name, pair[0],
                           filler_text(rng, level == 2 ? 2 : 0), hero.name);
  } else if (level <= 4) {
    question = fmt::format("{} had a new {}. {} had a new {}.{} Then {} played with the",
                           hero.name, pair[0], other.name, pair[1],
                           filler_text(rng, level == 4 ? 2 : 0), hero.name);
  } else {
    question = fmt::format("{} had a new {}. {} had a new {}. Then {} played with the", other.name,
                           pair[1], hero.name, pair[0], hero.name);
  }
  return word_choice_example(question, pair[0], {pair[1]}, target_index);
}

}  // namespace

FamilyGenerator make_story_object_recall_family() {
  FamilyGenerator generator;
  generator.info = story::story_family_info(
      "story_object_recall", "the toy the story gave this character rather than another toy");
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
