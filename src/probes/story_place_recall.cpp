// story_place_recall: the place a character went to is where the character
// has fun. Levels 1 and 2 send one child (level 2 adds two neutral
// sentences); levels 3 to 5 send a second child elsewhere, so the
// distractor is in the story too: level 4 adds two neutral sentences and
// level 5 asks about the child mentioned second.
#include <fmt/core.h>

#include "probes/story_helpers.h"

namespace qa::probes {

namespace {

const std::vector<std::string>& places() {
  static const std::vector<std::string> values = {"park", "beach", "zoo",  "farm",
                                                  "store", "lake", "garden", "forest"};
  return values;
}

Example make_example(Rng& rng, int level, int target_index) {
  using namespace story;
  const Character hero = pick_character(rng);
  const Character other = pick_other_character(rng, hero);
  const auto pair = pick_pair(rng, places());
  std::string question;
  if (level <= 2) {
    question = fmt::format("{} went to the {} with {} mom.{} {} had fun at the", hero.name,
                           pair[0], possessive(hero), filler_text(rng, level == 2 ? 2 : 0),
                           hero.name);
  } else if (level <= 4) {
    question = fmt::format("{} went to the {}. {} went to the {}.{} {} had fun at the", hero.name,
                           pair[0], other.name, pair[1], filler_text(rng, level == 4 ? 2 : 0),
                           hero.name);
  } else {
    question = fmt::format("{} went to the {}. {} went to the {}. {} had fun at the", other.name,
                           pair[1], hero.name, pair[0], hero.name);
  }
  return word_choice_example(question, pair[0], {pair[1]}, target_index);
}

}  // namespace

FamilyGenerator make_story_place_recall_family() {
  FamilyGenerator generator;
  generator.info = story::story_family_info(
      "story_place_recall", "the place this character went to rather than another place");
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
