// comparison: which of two numbers is larger or smaller, or which of two dates
// is earlier or later. The choices are the two values in the question's order.
// Level 1: two-digit numbers at least 20 apart, "larger"; 2: two-digit
// numbers 1 to 5 apart, larger or smaller; 3: four-digit numbers 1 to 30
// apart; 4: dates in different years; 5: dates in the same month.
#include "probes/core_helpers.h"

namespace qa::probes {

namespace {

const std::vector<std::string>& month_names() {
  static const std::vector<std::string> values = {
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  return values;
}

struct Value {
  std::string text;
  long long order = 0;  // larger means larger number or later date
};

Value make_date(int year, int month, int day) {
  return {fmt::format("{} {}, {}", month_names()[month - 1], day, year),
          static_cast<long long>(year) * 10000 + month * 100 + day};
}

Example make_example(Rng& rng, int level, int target_index) {
  Value first;
  Value second;
  bool ask_larger = true;
  if (level <= 3) {
    int a = 0;
    int b = 0;
    if (level == 1) {
      a = rng.range(10, 79);
      b = rng.range(a + 20, 99);
    } else if (level == 2) {
      a = rng.range(10, 94);
      b = a + rng.range(1, 5);
      ask_larger = rng.coin();
    } else {
      a = rng.range(1000, 9969);
      b = a + rng.range(1, 30);
      ask_larger = rng.coin();
    }
    first = {std::to_string(a), a};
    second = {std::to_string(b), b};
  } else {
    ask_larger = rng.coin();
    const int year = rng.range(1950, 2020);
    if (level == 4) {
      first = make_date(year, rng.range(1, 12), rng.range(1, 28));
      second = make_date(year + rng.range(1, 5), rng.range(1, 12), rng.range(1, 28));
    } else {
      const int month = rng.range(1, 12);
      const int day = rng.range(1, 25);
      first = make_date(year, month, day);
      second = make_date(year, month, day + rng.range(1, 3));
    }
  }
  // first < second here. The correct value goes to target_index.
  const Value& correct = ask_larger ? second : first;
  const Value& wrong = ask_larger ? first : second;
  const Value& shown_first = target_index == 0 ? correct : wrong;
  const Value& shown_second = target_index == 0 ? wrong : correct;

  const bool dates = level >= 4;
  const char* adjective = ask_larger ? "larger" : "smaller";
  if (dates) {
    adjective = ask_larger ? "later" : "earlier";
  }
  Example example;
  example.question = fmt::format("Which is {}: {} or {}? Answer:", adjective, shown_first.text,
                                 shown_second.text);
  example.choices = {" " + shown_first.text, " " + shown_second.text};
  example.answer_index = target_index;
  return example;
}

}  // namespace

FamilyGenerator make_comparison_family() {
  FamilyGenerator generator;
  generator.info = core::choice_family_info("comparison", 2,
                                            "the larger or smaller number, the earlier or later date");
  generator.shots = 2;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
