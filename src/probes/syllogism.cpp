// syllogism: "yes" or "no" after premises about made-up categories, so that
// world knowledge cannot answer. A chain "All A are B. All B are C. ... X is
// an A." either ends in the asked category (yes) or its last link is "No Y
// are Z" (no). Level 1: one universal premise; 2: two; 3: three; 4: three,
// premises in shuffled order; 5: four, shuffled, plus a premise about an
// unrelated category.
#include "probes/core_helpers.h"

namespace qa::probes {

namespace {

const std::vector<std::string>& categories() {
  static const std::vector<std::string> values = {"wug",  "dax",  "blick", "fep",  "zorp",
                                                  "lum",  "tove", "mip",   "snarf", "plonk",
                                                  "quib", "trud", "gorp",  "vek",  "nim"};
  return values;
}

const std::vector<std::string>& names() {
  static const std::vector<std::string> values = {"Tim", "Ann", "Rex", "Kim", "Lou", "Pat", "Sid", "Eve"};
  return values;
}

std::string plural(const std::string& noun) {
  const char last = noun.back();
  return noun + (last == 'x' || last == 's' ? "es" : "s");
}

Example make_example(Rng& rng, int level, int target_index) {
  // Choices are {" yes", " no"}: target_index 0 selects a valid "yes".
  const bool answer_yes = target_index == 0;
  static const int links_by_level[] = {1, 2, 3, 3, 4};
  const int links = links_by_level[level - 1];
  const std::vector<std::string> chain = rng.sample(categories(), links + 3);
  const std::string& name = rng.pick(names());

  std::vector<std::string> premises;
  for (int i = 0; i < links; ++i) {
    const bool last = i == links - 1;
    const char* quantifier = last && !answer_yes ? "No" : "All";
    premises.push_back(
        fmt::format("{} {} are {}.", quantifier, plural(chain[i]), plural(chain[i + 1])));
  }
  if (level == 5) {
    // chain[links + 1] and chain[links + 2] are outside the chain.
    premises.push_back(
        fmt::format("All {} are {}.", plural(chain[links + 1]), plural(chain[links + 2])));
  }
  if (level >= 4) {
    rng.shuffle(premises);
  }

  std::string text = core::join_comma(premises, " ");
  text += fmt::format(" {} is a {}. Is {} a {}? Answer:", name, chain[0], name, chain[links]);

  Example example;
  example.question = text;
  example.choices = {" yes", " no"};
  example.answer_index = target_index;
  return example;
}

}  // namespace

FamilyGenerator make_syllogism_family() {
  FamilyGenerator generator;
  generator.info = core::choice_family_info(
      "syllogism", 2, "yes or no after chained premises with negation, made-up categories");
  generator.shots = 2;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
