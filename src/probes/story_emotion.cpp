// story_emotion: "happy" after a good event and "sad" after a bad one. The
// two choices are the same in every item, so only the event decides. Level
// L puts L - 1 neutral sentences between the event and the feeling.
#include <fmt/core.h>

#include "probes/story_helpers.h"

namespace qa::probes {

namespace {

// Events in the past tense; {possessive} is "his" or "her".
const std::vector<std::string>& good_events() {
  static const std::vector<std::string> values = {
      "got a new toy",         "found a pretty flower",    "ate a big cake",
      "got a gift from mom",   "won the race",             "made a new friend",
      "found {possessive} lost dog", "saw a rainbow"};
  return values;
}

const std::vector<std::string>& bad_events() {
  static const std::vector<std::string> values = {
      "lost {possessive} toy",           "broke {possessive} toy",
      "fell and hurt {possessive} knee", "dropped {possessive} ice cream",
      "could not find {possessive} dog", "lost the race",
      "saw that {possessive} kite was broken", "had no friends to play with"};
  return values;
}

Example make_example(Rng& rng, int level, int target_index) {
  using namespace story;
  // Choices are {" happy", " sad"}: target_index 0 selects a good event.
  const bool good = target_index == 0;
  const Character hero = pick_character(rng);
  const std::string event = fmt::format(fmt::runtime(rng.pick(good ? good_events() : bad_events())),
                                        fmt::arg("possessive", possessive(hero)));
  const std::string question = fmt::format("{} {}.{} {} was very", hero.name, event,
                                           filler_text(rng, level - 1), subject_pronoun(hero));
  Example example;
  example.question = question;
  example.choices = {" happy", " sad"};
  example.answer_index = target_index;
  example.meta = {{"event", event}};
  return example;
}

}  // namespace

FamilyGenerator make_story_emotion_family() {
  FamilyGenerator generator;
  generator.info = story::story_family_info(
      "story_emotion", "the feeling (happy or sad) that fits the event");
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
