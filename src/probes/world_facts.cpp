// world_facts: capitals and chemical symbols from the table in
// world_facts_table.cpp, four choices. The level sets how close the
// distractors are. Capitals: level 1 takes capitals of other regions, 2 any
// capitals, 3 capitals of the same region, 4 one other large city of the
// country plus same-region capitals, 5 two other large cities of the country
// plus a same-region capital. Symbols: levels 1 and 2 take symbols starting
// with another letter, 3 to 5 symbols sharing the correct symbol's or the
// element name's first letter where the table has them.
#include <algorithm>
#include <cctype>

#include "probes/core_helpers.h"
#include "probes/world_facts_table.h"

namespace qa::probes {

namespace {

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// Adds values from candidates (in random order) to distractors until it has
// three, skipping the answer and repeats.
void fill_distractors(Rng& rng, std::vector<std::string> candidates, const std::string& answer,
                      std::vector<std::string>& distractors) {
  rng.shuffle(candidates);
  for (const auto& candidate : candidates) {
    if (distractors.size() == 3) {
      return;
    }
    if (candidate != answer && !contains(distractors, candidate)) {
      distractors.push_back(candidate);
    }
  }
}

Example capital_example(Rng& rng, int level, const facts::Country& country) {
  std::vector<std::string> same_region;
  std::vector<std::string> other_region;
  std::vector<std::string> all_capitals;
  for (const auto& other : facts::countries()) {
    if (other.name == country.name) {
      continue;
    }
    all_capitals.push_back(other.capital);
    (other.region == country.region ? same_region : other_region).push_back(other.capital);
  }

  std::vector<std::string> distractors;
  if (level == 4) {
    distractors.push_back(rng.pick(country.other_cities));
  } else if (level == 5) {
    distractors = country.other_cities;
  }
  const std::vector<std::string>& pool =
      level == 1 ? other_region : (level == 2 ? all_capitals : same_region);
  fill_distractors(rng, pool, country.capital, distractors);
  fill_distractors(rng, all_capitals, country.capital, distractors);

  Example example;
  example.question = fmt::format("The capital of {} is", country.name);
  example.choices = distractors;
  example.answer_index = -1;
  example.meta = {{"relation", "capital"}, {"answer", country.capital}};
  return example;
}

Example symbol_example(Rng& rng, int level, const facts::Element& element) {
  const char name_initial = static_cast<char>(std::toupper(element.name[0]));
  std::vector<std::string> close;
  std::vector<std::string> far;
  std::vector<std::string> all_symbols;
  for (const auto& other : facts::elements()) {
    if (other.symbol == element.symbol) {
      continue;
    }
    all_symbols.push_back(other.symbol);
    const bool shares = other.symbol[0] == element.symbol[0] || other.symbol[0] == name_initial;
    (shares ? close : far).push_back(other.symbol);
  }
  std::vector<std::string> distractors;
  fill_distractors(rng, level <= 2 ? far : close, element.symbol, distractors);
  fill_distractors(rng, all_symbols, element.symbol, distractors);

  Example example;
  example.question = fmt::format("The chemical symbol of {} is", element.name);
  example.choices = distractors;
  example.answer_index = -1;
  example.meta = {{"relation", "symbol"}, {"answer", element.symbol}};
  return example;
}

Example make_example(Rng& rng, int level, int target_index) {
  const size_t country_count = facts::countries().size();
  const size_t index = rng.below(country_count + facts::elements().size());
  Example example = index < country_count
                        ? capital_example(rng, level, facts::countries()[index])
                        : symbol_example(rng, level, facts::elements()[index - country_count]);

  std::vector<std::string> spaced;
  for (const auto& value : example.choices) {
    spaced.push_back(" " + value);
  }
  const std::string answer = example.meta["answer"].get<std::string>();
  example.choices = place_choice(" " + answer, spaced, target_index);
  example.answer_index = target_index;
  return example;
}

}  // namespace

FamilyGenerator make_world_facts_family() {
  FamilyGenerator generator;
  generator.info = core::choice_family_info(
      "world_facts", 4, "capitals and chemical symbols, distractor closeness by level");
  generator.shots = 3;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
