// story_next_word: the word that continues a simple sentence ("drank a glass
// of" -> "milk"), against the word that continues another sentence. Each
// sentence excludes the distractors that would also fit it ("a glass of
// water"). Level 1 is the bare sentence after an introduction, and level 2
// adds two neutral sentences. Levels 3 to 5 mention the distractor before
// the sentence, so that copying a recent word competes with the collocation.
// Level 3 mentions it once; levels 4 and 5 twice, level 4 after a neutral
// sentence and a shorter introduction.
#include <algorithm>

#include <fmt/core.h>

#include "probes/story_helpers.h"

namespace qa::probes {

namespace {

struct Collocation {
  std::string text;  // {name} and {possessive} are filled in
  std::string word;
  std::vector<std::string> excluded;  // words of other rows that would also fit this sentence
  std::vector<std::string> mentions;  // two sentences that use `word` elsewhere
};

const std::vector<Collocation>& collocations() {
  static const std::vector<Collocation> values = {
      {"{name} drank a glass of", "milk", {"water"}, {"Mom bought some milk.", "The milk was cold."}},
      {"The birds sang in the", "tree", {}, {"There was a big tree.", "The tree was tall."}},
      {"{name} went to sleep in {possessive}", "bed", {"coat"}, {"The bed was soft.", "The bed was big."}},
      {"{name} ate a big red", "apple", {}, {"There was an apple on the table.", "The apple was sweet."}},
      {"The fish swam in the", "water", {}, {"The water was cold.", "There was water in the cup."}},
      {"{name} read a", "book", {}, {"There was a book on the shelf.", "The book was old."}},
      {"The dog wagged its", "tail", {}, {"The cat had a long tail.", "The fox had a red tail."}},
      {"{name} went down the", "slide", {"tree"}, {"The park had a slide.", "The slide was red."}},
      {"{name} opened the", "door", {"book", "coat"}, {"The door was red.", "Dad painted the door."}},
      {"{name} wore a hat on {possessive}", "head", {}, {"Dad hurt his head.", "The bird had a small head."}},
      {"{name} put on {possessive} warm", "coat", {}, {"Dad had a brown coat.", "The coat was new."}},
      {"{name} dug in the", "sand", {"water"}, {"There was sand in the box.", "The sand was warm."}},
  };
  return values;
}

Example make_example(Rng& rng, int level, int target_index) {
  using namespace story;
  const Character hero = pick_character(rng);
  const auto& table = collocations();
  const Collocation& entry = table[rng.below(table.size())];
  std::vector<const Collocation*> candidates;
  for (const auto& other : table) {
    const bool excluded = std::find(entry.excluded.begin(), entry.excluded.end(), other.word) !=
                          entry.excluded.end();
    if (other.word != entry.word && !excluded) {
      candidates.push_back(&other);
    }
  }
  const Collocation& distractor = *candidates[rng.below(candidates.size())];

  std::string context;
  if (level == 2) {
    context = filler_text(rng, 2);
  } else if (level == 3) {
    context = " " + distractor.mentions[rng.below(2)];
  } else if (level == 4) {
    context = filler_text(rng, 1) + " " + distractor.mentions[0] + " " + distractor.mentions[1];
  } else if (level == 5) {
    context = " " + distractor.mentions[0] + " " + distractor.mentions[1];
  }
  const std::string sentence = fmt::format(fmt::runtime(entry.text), fmt::arg("name", hero.name),
                                           fmt::arg("possessive", possessive(hero)));
  const std::string question =
      level == 4 ? fmt::format("{} was a little {}.{} {}", hero.name, child_noun(hero), context,
                               sentence)
                 : fmt::format("{} was a little {} who liked to {}.{} {}", hero.name,
                               child_noun(hero), rng.pick(activities()), context, sentence);
  return word_choice_example(question, entry.word, {distractor.word}, target_index);
}

}  // namespace

FamilyGenerator make_story_next_word_family() {
  FamilyGenerator generator;
  generator.info = story::story_family_info(
      "story_next_word", "the word that continues a simple sentence");
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
