// char_manipulation: spell a word with dashes, give its k-th letter, or
// reverse it. Words are made up, so the answer cannot be remembered. Level 1
// spells 3 to 4 letters; 2 gives the k-th of 4 to 6 letters; 3 reverses 3 to
// 4 letters; 4 reverses 5 to 6; 5 reverses 7 to 9.
#include "probes/core_helpers.h"

namespace qa::probes {

namespace {

Example make_example(Rng& rng, int level, int /*target_index*/) {
  Example example;
  if (level == 1) {
    const std::string word = core::pseudo_word(rng, rng.range(3, 4));
    std::string spelled;
    for (const char c : word) {
      spelled += spelled.empty() ? std::string(1, c) : std::string("-") + c;
    }
    example.question = fmt::format("Spell \"{}\" with dashes:", word);
    example.answer = spelled;
    example.meta = {{"operation", "spell"}};
  } else if (level == 2) {
    const std::string word = core::pseudo_word(rng, rng.range(4, 6));
    const int position = rng.range(1, static_cast<int>(word.size()));
    example.question = fmt::format("Letter {} of \"{}\":", position, word);
    example.answer = std::string(1, word[position - 1]);
    example.meta = {{"operation", "letter"}, {"position", position}};
  } else {
    const int low = level == 3 ? 3 : (level == 4 ? 5 : 7);
    const int high = level == 3 ? 4 : (level == 4 ? 6 : 9);
    const std::string word = core::pseudo_word(rng, rng.range(low, high));
    example.question = fmt::format("Reverse \"{}\":", word);
    example.answer = std::string(word.rbegin(), word.rend());
    example.meta = {{"operation", "reverse"}};
  }
  example.max_tokens = 24;
  return example;
}

}  // namespace

FamilyGenerator make_char_manipulation_family() {
  FamilyGenerator generator;
  generator.info = core::generate_family_info(
      "char_manipulation", "exact", "spell with dashes, k-th letter, reverse a made-up word");
  generator.shots = 3;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
