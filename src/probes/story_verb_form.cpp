// story_verb_form: the base form after "wanted to" and the past tense after a
// subject in past narration. Level 1 puts the verb right after its trigger;
// level 2 uses two characters as the subject; level 3 adds an introduction;
// levels 4 and 5 put the verb after "and", so that the first verb's form
// decides ("wanted to go outside and play", "went outside and played").
#include <fmt/core.h>

#include "probes/story_helpers.h"

namespace qa::probes {

namespace {

struct Verb {
  std::string base;
  std::string past;
};

const std::vector<Verb>& verbs() {
  static const std::vector<Verb> values = {
      {"play", "played"}, {"jump", "jumped"}, {"walk", "walked"}, {"look", "looked"},
      {"help", "helped"}, {"smile", "smiled"}, {"run", "ran"},    {"eat", "ate"},
      {"sing", "sang"},   {"find", "found"},  {"see", "saw"},     {"laugh", "laughed"}};
  return values;
}

Example make_example(Rng& rng, int level, int target_index) {
  using namespace story;
  // Choices are {" BASE", " PAST"}: target_index 1 selects the past tense.
  const bool past = target_index == 1;
  const Character hero = pick_character(rng);
  const Character other = pick_other_character(rng, hero);
  const Verb& verb = rng.pick(verbs());
  const std::string subject = level == 2 || level == 5
                                  ? fmt::format("{} and {}", hero.name, other.name)
                                  : hero.name;

  std::string question;
  if (level <= 3) {
    const std::vector<std::string> base_triggers = {"wanted to", "liked to", "did not", "can"};
    const std::vector<std::string> past_openers = {"One day,", "Then", "After that,", "Later,"};
    question = past ? fmt::format("{} {}", rng.pick(past_openers), subject)
                    : fmt::format("{} {}", subject, rng.pick(base_triggers));
    if (level == 3) {
      question = fmt::format("There was a little {} named {}. {}", child_noun(hero), hero.name,
                             question);
    }
  } else {
    const std::vector<std::string> places = {"outside", "to the park", "home", "to the garden"};
    const std::string& place = rng.pick(places);
    question = past ? fmt::format("{} went {} and", subject, place)
                    : fmt::format("{} wanted to go {} and", subject, place);
    if (level == 5) {
      question = filler_text(rng, 1).substr(1) + " " + question;
    }
  }

  Example example;
  example.question = question;
  example.choices = {" " + verb.base, " " + verb.past};
  example.answer_index = target_index;
  return example;
}

}  // namespace

FamilyGenerator make_story_verb_form_family() {
  FamilyGenerator generator;
  generator.info = story::story_family_info(
      "story_verb_form", "the verb form (base or past) that the sentence requires");
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
