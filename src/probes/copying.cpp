// copying: repeat a random sequence of letter-digit tokens exactly. The
// sequence has 3, 5, 8, 12 or 16 tokens at levels 1 to 5.
#include "probes/core_helpers.h"

namespace qa::probes {

namespace {

Example make_example(Rng& rng, int level, int /*target_index*/) {
  static const int lengths[] = {3, 5, 8, 12, 16};
  const std::string letters = "abcdefghkmnpqrstuvwxyz";
  std::vector<std::string> tokens;
  for (int i = 0; i < lengths[level - 1]; ++i) {
    tokens.push_back(fmt::format("{}{}", letters[rng.below(letters.size())], rng.range(0, 9)));
  }
  const std::string sequence = core::join_comma(tokens, " ");

  Example example;
  example.question = fmt::format("Copy: {} ->", sequence);
  example.answer = sequence;
  example.max_tokens = 4 * lengths[level - 1] + 8;
  return example;
}

}  // namespace

FamilyGenerator make_copying_family() {
  FamilyGenerator generator;
  generator.info = core::generate_family_info("copying", "exact",
                                              "repeat a random token sequence exactly");
  generator.shots = 2;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
