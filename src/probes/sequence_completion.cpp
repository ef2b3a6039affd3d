// sequence_completion: the next term of a number pattern. Level 1:
// arithmetic with a step of 1 to 5; 2: arithmetic, step -9 to -2 or 6 to 15;
// 3: geometric, ratio 2 to 5; 4: alternating steps +a, +b; 5: second order
// (the step grows by a constant each term).
#include "probes/core_helpers.h"

namespace qa::probes {

namespace {

Example make_example(Rng& rng, int level, int /*target_index*/) {
  std::vector<long long> terms;
  const int shown = level >= 4 ? 6 : 5;
  if (level <= 2) {
    const long long start = level == 1 ? rng.range(1, 50) : rng.range(50, 150);
    long long step = level == 1 ? rng.range(1, 5) : rng.range(6, 15);
    if (level == 2 && rng.coin()) {
      step = -rng.range(2, 9);
    }
    for (int i = 0; i <= shown; ++i) {
      terms.push_back(start + step * i);
    }
  } else if (level == 3) {
    long long term = rng.range(1, 40);
    const int ratio = rng.range(2, 5);
    for (int i = 0; i <= shown; ++i) {
      terms.push_back(term);
      term *= ratio;
    }
  } else if (level == 4) {
    long long term = rng.range(1, 30);
    const int step_a = rng.range(1, 9);
    int step_b = rng.range(1, 9);
    while (step_b == step_a) {
      step_b = rng.range(1, 9);
    }
    for (int i = 0; i <= shown; ++i) {
      terms.push_back(term);
      term += i % 2 == 0 ? step_a : step_b;
    }
  } else {
    long long term = rng.range(1, 20);
    long long step = rng.range(1, 5);
    const int growth = rng.range(1, 4);
    for (int i = 0; i <= shown; ++i) {
      terms.push_back(term);
      term += step;
      step += growth;
    }
  }
  const long long next = terms.back();
  terms.pop_back();

  Example example;
  example.question = core::join_comma(terms) + ",";
  example.answer = std::to_string(next);
  example.max_tokens = 6;
  return example;
}

}  // namespace

FamilyGenerator make_sequence_completion_family() {
  FamilyGenerator generator;
  generator.info = core::generate_family_info(
      "sequence_completion", "number", "next term of arithmetic, geometric, alternating patterns");
  generator.shots = 3;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
