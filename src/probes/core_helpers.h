// Builders shared by the core battery's families.
#pragma once

#include <string>
#include <vector>

#include <fmt/core.h>

#include "probes/family.h"

namespace qa::probes::core {

inline FamilyInfo generate_family_info(const std::string& name, const std::string& scorer,
                                       const std::string& description) {
  FamilyInfo info;
  info.name = name;
  info.kind = ItemKind::kGenerate;
  info.scorer = scorer;
  info.description = description;
  return info;
}

inline FamilyInfo choice_family_info(const std::string& name, int num_choices,
                                     const std::string& description) {
  FamilyInfo info;
  info.name = name;
  info.kind = ItemKind::kChoice;
  info.num_choices = num_choices;
  info.description = description;
  return info;
}

// A pronounceable made-up lowercase word of `length` letters, alternating
// consonants and vowels, so that no model has memorised it.
inline std::string pseudo_word(Rng& rng, int length) {
  static const std::string consonants = "bdfgklmnprstvz";
  static const std::string vowels = "aeiou";
  const bool vowel_first = rng.coin();
  std::string word;
  for (int i = 0; i < length; ++i) {
    const bool vowel = (i % 2 == 0) == vowel_first;
    const std::string& letters = vowel ? vowels : consonants;
    word.push_back(letters[rng.below(letters.size())]);
  }
  return word;
}

// Values joined with `separator`, ", " by default.
template <typename T>
std::string join_comma(const std::vector<T>& values, const std::string& separator = ", ") {
  std::string text;
  for (size_t i = 0; i < values.size(); ++i) {
    text += (i == 0 ? "" : separator) + fmt::format("{}", values[i]);
  }
  return text;
}

// count distinct integers in [low, high], in random order.
inline std::vector<int> distinct_ints(Rng& rng, int count, int low, int high) {
  std::vector<int> values;
  while (static_cast<int>(values.size()) < count) {
    const int value = rng.range(low, high);
    bool seen = false;
    for (const int existing : values) {
      seen = seen || existing == value;
    }
    if (!seen) {
      values.push_back(value);
    }
  }
  return values;
}

}  // namespace qa::probes::core
