// counting: how many times a letter occurs in a list of letters. The list
// has 5, 8, 12, 16 or 24 letters at levels 1 to 5, the target occurring 0 to
// 6 times.
#include "probes/core_helpers.h"

namespace qa::probes {

namespace {

Example make_example(Rng& rng, int level, int /*target_index*/) {
  static const std::vector<int> lengths = {5, 8, 12, 16, 24};
  const int length = lengths[level - 1];
  const std::string letters = "abcdefg";
  const char target = letters[rng.below(letters.size())];
  const int count = rng.range(0, length < 6 ? length : 6);

  std::vector<std::string> tokens;
  for (int i = 0; i < count; ++i) {
    tokens.emplace_back(1, target);
  }
  while (static_cast<int>(tokens.size()) < length) {
    const char other = letters[rng.below(letters.size())];
    if (other != target) {
      tokens.emplace_back(1, other);
    }
  }
  rng.shuffle(tokens);

  Example example;
  example.question = fmt::format("Count \"{}\" in: {} ->", target, core::join_comma(tokens, " "));
  example.answer = fmt::format("{}", count);
  example.max_tokens = 4;
  return example;
}

}  // namespace

FamilyGenerator make_counting_family() {
  FamilyGenerator generator;
  generator.info = core::generate_family_info("counting", "number",
                                              "occurrences of a letter in a list of letters");
  generator.shots = 3;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
