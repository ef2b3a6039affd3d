// story_set_phrase: the fixed word that ends a set phrase of children's
// stories ("fell" -> "asleep", "best" -> "friends"). Four choices, the
// distractors being the ends of other phrases; the level adds neutral
// sentences before the phrase.
#include <fmt/core.h>

#include "probes/story_helpers.h"

namespace qa::probes {

namespace {

struct SetPhrase {
  std::string text;  // {name}, {friend}, {pronoun}, {possessive} are filled in
  std::string end;
};

const std::vector<SetPhrase>& set_phrases() {
  static const std::vector<SetPhrase> phrases = {
      {"{name} and {friend} were best", "friends"},
      {"{name} said, \"Thank", "you"},
      {"They played together all", "day"},
      {"{name} gave {friend} a big", "hug"},
      {"From that day", "on"},
      {"{name} was tired, so {pronoun} went to", "bed"},
      {"{name} closed {possessive} eyes and fell", "asleep"},
      {"They lived happily ever", "after"},
      {"{name} looked up at the", "sky"},
      {"{name} brushed {possessive}", "teeth"},
      {"The dog wagged its", "tail"},
  };
  return phrases;
}

Example make_example(Rng& rng, int level, int target_index) {
  using namespace story;
  const Character hero = pick_character(rng);
  const Character friend_character = pick_other_character(rng, hero);
  const auto& phrases = set_phrases();
  const size_t phrase_index = rng.below(phrases.size());
  const SetPhrase& phrase = phrases[phrase_index];

  std::string pronoun = subject_pronoun(hero);
  pronoun[0] = static_cast<char>(pronoun[0] - 'A' + 'a');
  const std::string text = fmt::format(fmt::runtime(phrase.text), fmt::arg("name", hero.name),
                                       fmt::arg("friend", friend_character.name),
                                       fmt::arg("pronoun", pronoun),
                                       fmt::arg("possessive", possessive(hero)));
  const std::string question = fmt::format("There was a little {} named {}. {} liked to {}.{} {}",
                                           child_noun(hero), hero.name, hero.name,
                                           rng.pick(activities()), filler_text(rng, level - 1), text);

  std::vector<std::string> others;
  for (size_t i = 0; i < phrases.size(); ++i) {
    if (i != phrase_index) {
      others.push_back(phrases[i].end);
    }
  }
  Example example = word_choice_example(question, phrase.end, rng.sample(others, 3), target_index);
  example.meta = {{"phrase", phrase.text}};
  return example;
}

}  // namespace

FamilyGenerator make_story_set_phrase_family() {
  FamilyGenerator generator;
  generator.info = story::story_family_info(
      "story_set_phrase", "the fixed last word of a set phrase (\"fell\" -> \"asleep\")", 4);
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
