// story_color_recall: a character's toy keeps the colour the story gave it.
// Levels 1 and 2 name one coloured toy (level 2 adds two neutral sentences);
// levels 3 to 5 give a second child a toy of another colour: level 4 adds
// two neutral sentences and level 5 asks about the child mentioned second.
#include <fmt/core.h>

#include "probes/story_helpers.h"

namespace qa::probes {

namespace {

const std::vector<std::string>& colors() {
  static const std::vector<std::string> values = {"red", "blue", "green", "yellow", "pink", "white"};
  return values;
}

const std::vector<std::string>& things() {
  static const std::vector<std::string> values = {"ball", "hat", "kite", "car", "box", "cup", "bike", "bag"};
  return values;
}

Example make_example(Rng& rng, int level, int target_index) {
  using namespace story;
  const Character hero = pick_character(rng);
  const Character other = pick_other_character(rng, hero);
  const auto pair = pick_pair(rng, colors());
  const std::string& thing = rng.pick(things());
  std::string question;
  if (level <= 2) {
    question = fmt::format("{} had a {} {}.{} {} played with {}", hero.name, pair[0], thing,
                           filler_text(rng, level == 2 ? 2 : 0), hero.name, possessive(hero));
  } else if (level <= 4) {
    question = fmt::format("{} had a {} {}. {} had a {} {}.{} {} played with {}", hero.name,
                           pair[0], thing, other.name, pair[1], thing,
                           filler_text(rng, level == 4 ? 2 : 0), hero.name, possessive(hero));
  } else {
    question = fmt::format("{} had a {} {}. {} had a {} {}. {} played with {}", other.name,
                           pair[1], thing, hero.name, pair[0], thing, hero.name, possessive(hero));
  }
  return word_choice_example(question, pair[0], {pair[1]}, target_index);
}

}  // namespace

FamilyGenerator make_story_color_recall_family() {
  FamilyGenerator generator;
  generator.info = story::story_family_info(
      "story_color_recall", "the colour the story gave this character's toy");
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
