// sorting: a list of distinct numbers or made-up words in ascending order.
// Level 1: three numbers below 10; 2: four two-digit numbers; 3: five
// two-digit numbers; 4: five words; 5: seven three-digit numbers.
#include <algorithm>

#include "probes/core_helpers.h"

namespace qa::probes {

namespace {

Example make_example(Rng& rng, int level, int /*target_index*/) {
  Example example;
  if (level == 4) {
    std::vector<std::string> words;
    while (words.size() < 5) {
      std::string word = core::pseudo_word(rng, 4);
      if (std::find(words.begin(), words.end(), word) == words.end()) {
        words.push_back(std::move(word));
      }
    }
    std::vector<std::string> sorted = words;
    std::sort(sorted.begin(), sorted.end());
    example.question = fmt::format("Sort: {} ->", core::join_comma(words));
    example.answer = core::join_comma(sorted);
  } else {
    static const int counts[] = {3, 4, 5, 0, 7};
    const int low = level == 1 ? 1 : (level == 5 ? 100 : 10);
    const int high = level == 1 ? 9 : (level == 5 ? 999 : 99);
    std::vector<int> numbers = core::distinct_ints(rng, counts[level - 1], low, high);
    std::vector<int> sorted = numbers;
    std::sort(sorted.begin(), sorted.end());
    example.question = fmt::format("Sort: {} ->", core::join_comma(numbers));
    example.answer = core::join_comma(sorted);
  }
  example.max_tokens = 48;
  return example;
}

}  // namespace

FamilyGenerator make_sorting_family() {
  FamilyGenerator generator;
  generator.info = core::generate_family_info("sorting", "exact",
                                              "ascending order of distinct numbers or words");
  generator.shots = 3;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
