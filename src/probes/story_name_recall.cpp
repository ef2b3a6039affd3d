// story_name_recall: the story names a character it introduced rather than a
// child it never mentioned. Levels 1 and 2 ask for the only character (level
// 2 adds two neutral sentences); levels 3 to 5 ask for a friend introduced
// after the main character ("One day, Lily and" -> "Sue"), with zero, one and
// three neutral sentences in between.
#include <fmt/core.h>

#include "probes/story_helpers.h"

namespace qa::probes {

namespace {

const std::vector<std::string>& openers() {
  static const std::vector<std::string> values = {"One day,", "Then", "After that,", "The next day,"};
  return values;
}

Example make_example(Rng& rng, int level, int target_index) {
  using namespace story;
  const Character hero = pick_character(rng);
  if (level <= 2) {
    const Character stranger = pick_other_character(rng, hero);
    const std::string question =
        fmt::format("There was a little {} named {}. {} liked to {}.{} {}", child_noun(hero),
                    hero.name, subject_pronoun(hero), rng.pick(activities()),
                    filler_text(rng, level == 2 ? 2 : 0), rng.pick(openers()));
    return word_choice_example(question, hero.name, {stranger.name}, target_index);
  }

  const Character friend_character = pick_other_character(rng, hero);
  Character stranger = pick_other_character(rng, hero);
  while (stranger.name == friend_character.name) {
    stranger = pick_other_character(rng, hero);
  }
  const int fillers = level == 3 ? 0 : (level == 4 ? 1 : 3);
  const std::string question = fmt::format(
      "There was a little {} named {}. {} had a friend named {}.{} {} {} and", child_noun(hero),
      hero.name, subject_pronoun(hero), friend_character.name, filler_text(rng, fillers),
      rng.pick(openers()), hero.name);
  return word_choice_example(question, friend_character.name, {stranger.name}, target_index);
}

}  // namespace

FamilyGenerator make_story_name_recall_family() {
  FamilyGenerator generator;
  generator.info = story::story_family_info(
      "story_name_recall", "a character's name that the story introduced rather than a new one");
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
