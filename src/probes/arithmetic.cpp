// arithmetic: "23 + 45 =" -> "68". Level 1: sums of a number below 20 and
// a digit; 2: two-digit sums and differences; 3: adds two-digit times
// one-digit products; 4: three-digit sums and differences and two-digit
// products; 5: three-digit operands with products of a three-digit and a
// two-digit number mixed in.
#include "probes/core_helpers.h"

namespace qa::probes {

namespace {

Example make_example(Rng& rng, int level, int /*target_index*/) {
  char op = '+';
  long long a = 0;
  long long b = 0;
  switch (level) {
    case 1:
      a = rng.range(1, 19);
      b = rng.range(1, 9);
      break;
    case 2:
      op = rng.coin() ? '+' : '-';
      a = rng.range(10, 99);
      b = rng.range(10, 99);
      break;
    case 3: {
      const int pick = rng.range(0, 2);
      op = pick == 0 ? '+' : (pick == 1 ? '-' : '*');
      a = rng.range(10, 99);
      b = op == '*' ? rng.range(2, 9) : rng.range(10, 99);
      break;
    }
    case 4: {
      const int pick = rng.range(0, 2);
      op = pick == 0 ? '+' : (pick == 1 ? '-' : '*');
      a = op == '*' ? rng.range(10, 99) : rng.range(100, 999);
      b = op == '*' ? rng.range(10, 99) : rng.range(100, 999);
      break;
    }
    default: {
      const int pick = rng.range(0, 2);
      op = pick == 0 ? '+' : (pick == 1 ? '-' : '*');
      a = rng.range(100, 999);
      b = op == '*' ? rng.range(10, 99) : rng.range(100, 999);
      break;
    }
  }
  const long long result = op == '+' ? a + b : (op == '-' ? a - b : a * b);
  const char shown = op == '*' ? 'x' : op;

  Example example;
  example.question = fmt::format("{} {} {} =", a, shown, b);
  example.answer = fmt::format("{}", result);
  example.max_tokens = 10;
  example.meta = {{"operation", std::string(1, op)}};
  return example;
}

}  // namespace

FamilyGenerator make_arithmetic_family() {
  FamilyGenerator generator;
  generator.info = core::generate_family_info("arithmetic", "number",
                                              "integer +, - and x; digits and operations by level");
  generator.shots = 3;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
