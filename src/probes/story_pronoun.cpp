// story_pronoun: "she" or "he" for the only character of a story. Level 1
// says "girl" or "boy"; from level 2 the name alone gives the sex, and
// levels 3 to 5 add one to three neutral sentences before the pronoun.
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
  // Correct choice at target_index of {" she", " he"} decides the sex.
  const bool girl = target_index == 0;
  const Character hero{rng.pick(girl ? girl_names() : boy_names()), girl};
  std::string intro = level == 1 ? fmt::format("There was a little {} named {}. {} liked to {}.",
                                               child_noun(hero), hero.name, hero.name,
                                               rng.pick(activities()))
                                 : fmt::format("{} liked to {}.", hero.name, rng.pick(activities()));
  const std::string question =
      intro + filler_text(rng, level >= 3 ? level - 2 : 0) + " " + rng.pick(openers());

  Example example;
  example.question = question;
  example.choices = {" she", " he"};
  example.answer_index = target_index;
  return example;
}

}  // namespace

FamilyGenerator make_story_pronoun_family() {
  FamilyGenerator generator;
  generator.info = story::story_family_info(
      "story_pronoun", "the pronoun (she or he) that agrees with the named character");
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
