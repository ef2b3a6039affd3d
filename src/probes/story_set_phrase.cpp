// story_set_phrase: the fixed word that ends a set phrase of children's
// stories ("fell" -> "asleep", "best" -> "friends"). Four choices, the
// distractors being the ends of other phrases. The level makes the story
// mention distractors in other senses before the phrase, so that copying a
// recent word competes with the phrase: levels 1 to 4 mention 0 to 3
// distractors once, and level 5 mentions all three twice.
#include <fmt/core.h>

#include "probes/story_helpers.h"

namespace qa::probes {

namespace {

struct SetPhrase {
  std::string text;  // {name}, {friend}, {pronoun}, {possessive} are filled in
  std::string end;
  // Two sentences that use `end` outside the phrase; {Pronoun}, {object}
  // and {Possessive} are filled in.
  std::vector<std::string> mentions;
};

const std::vector<SetPhrase>& set_phrases() {
  static const std::vector<SetPhrase> phrases = {
      {"{name} and {friend} were best", "friends",
       {"{Pronoun} had many friends.", "The friends liked to run."}},
      {"{name} said, \"Thank", "you",
       {"\"I love you,\" said mom.", "\"Can you help?\" asked dad."}},
      {"They played together all", "day", {"It was a sunny day.", "The day was warm."}},
      {"{name} gave {friend} a big", "hug",
       {"Mom gave {object} a hug.", "A hug makes everyone happy."}},
      {"From that day", "on", {"The light was on.", "The lamp was on."}},
      {"{name} was tired, so {pronoun} went to", "bed",
       {"{Possessive} bed was soft.", "The bed was big."}},
      {"{name} closed {possessive} eyes and fell", "asleep",
       {"The cat was asleep.", "The baby was asleep."}},
      {"They lived happily ever", "after",
       {"{Pronoun} came home after school.", "Dad came home after work."}},
      {"{name} looked up at the", "sky", {"The sky was blue.", "Birds flew in the sky."}},
      {"{name} brushed {possessive}", "teeth",
       {"The dog had big teeth.", "Mom had white teeth."}},
      {"The dog wagged its", "tail", {"The cat had a long tail.", "The fox had a red tail."}},
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
  std::vector<size_t> other_indices;
  for (size_t i = 0; i < phrases.size(); ++i) {
    if (i != phrase_index) {
      other_indices.push_back(i);
    }
  }
  const std::vector<size_t> distractor_indices = rng.sample(other_indices, 3);

  // Mentions of the first min(level - 1, 3) distractors; level 5 uses both
  // sentences of every distractor.
  std::vector<std::string> mentions;
  const int mentioned = level - 1 < 3 ? level - 1 : 3;
  for (int i = 0; i < mentioned; ++i) {
    const SetPhrase& distractor = phrases[distractor_indices[i]];
    mentions.push_back(distractor.mentions[0]);
    if (level == 5) {
      mentions.push_back(distractor.mentions[1]);
    }
  }
  rng.shuffle(mentions);
  std::string mention_text;
  for (const auto& mention : mentions) {
    std::string possessive_capital = possessive(hero);
    possessive_capital[0] = static_cast<char>(possessive_capital[0] - 'a' + 'A');
    mention_text += " " + fmt::format(fmt::runtime(mention),
                                      fmt::arg("Pronoun", subject_pronoun(hero)),
                                      fmt::arg("object", hero.girl ? "her" : "him"),
                                      fmt::arg("Possessive", possessive_capital));
  }
  const std::string question =
      fmt::format("There was a little {} named {}. {} liked to {}.{} {}", child_noun(hero),
                  hero.name, hero.name, rng.pick(activities()), mention_text, text);

  std::vector<std::string> distractor_ends;
  for (const size_t index : distractor_indices) {
    distractor_ends.push_back(phrases[index].end);
  }
  Example example = word_choice_example(question, phrase.end, distractor_ends, target_index);
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
