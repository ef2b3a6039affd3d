// story_next_word: the word that continues a simple sentence ("drank a glass
// of" -> "milk"), against the answer of another sentence. The level adds
// neutral sentences before the sentence.
#include <fmt/core.h>

#include "probes/story_helpers.h"

namespace qa::probes {

namespace {

struct Collocation {
  std::string text;  // {name} and {possessive} are filled in
  std::string word;
};

const std::vector<Collocation>& collocations() {
  static const std::vector<Collocation> values = {
      {"{name} drank a glass of", "milk"},
      {"The birds sang in the", "tree"},
      {"{name} went to sleep in {possessive}", "bed"},
      {"{name} ate a big red", "apple"},
      {"The fish swam in the", "water"},
      {"{name} read a", "book"},
      {"The dog wagged its", "tail"},
      {"{name} went down the", "slide"},
      {"{name} opened the", "door"},
      {"At night, {name} saw the", "moon"},
      {"{name} put on {possessive} warm", "coat"},
      {"{name} dug in the", "sand"},
  };
  return values;
}

Example make_example(Rng& rng, int level, int target_index) {
  using namespace story;
  const Character hero = pick_character(rng);
  const auto& table = collocations();
  const size_t index = rng.below(table.size());
  size_t other = rng.below(table.size() - 1);
  if (other >= index) {
    ++other;
  }
  const std::string sentence = fmt::format(fmt::runtime(table[index].text),
                                           fmt::arg("name", hero.name),
                                           fmt::arg("possessive", possessive(hero)));
  const std::string question = fmt::format("{} was a little {}.{} {}", hero.name,
                                           child_noun(hero), filler_text(rng, level - 1), sentence);
  return word_choice_example(question, table[index].word, {table[other].word}, target_index);
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
