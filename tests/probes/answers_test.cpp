// Checks every family's answers with code that shares nothing with the
// generators: each check parses the question text of the prompt and works
// the answer out again from its own tables and rules.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "probes/battery.h"

namespace qa {
namespace {

// The question: the part of the prompt after the last line break.
std::string question_of(const ProbeItem& item) {
  const size_t newline = item.prompt.rfind('\n');
  return newline == std::string::npos ? item.prompt : item.prompt.substr(newline + 1);
}

// The pattern's groups as strings (index 0 is the whole text); empty
// strings and a test failure when the text does not match.
std::vector<std::string> match_or_fail(const std::string& text, const std::regex& pattern) {
  std::smatch match;
  std::vector<std::string> groups(pattern.mark_count() + 1);
  if (!std::regex_match(text, match, pattern)) {
    ADD_FAILURE() << "unexpected question: " << text;
    return groups;
  }
  for (size_t i = 0; i < match.size(); ++i) {
    groups[i] = match[i].str();
  }
  return groups;
}

std::string correct_choice(const ProbeItem& item) {
  std::string choice = item.choices.at(item.answer_index);
  return choice.substr(1);  // leading space
}

std::vector<std::string> split(const std::string& text, const std::string& separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t found = text.find(separator, start);
    parts.push_back(text.substr(start, found - start));
    if (found == std::string::npos) {
      return parts;
    }
    start = found + separator.size();
  }
}

void check_arithmetic(const ProbeItem& item) {
  const auto m = match_or_fail(question_of(item), std::regex(R"((\d+) ([-+x]) (\d+) =)"));
  const long long a = std::stoll(m[1]);
  const long long b = std::stoll(m[3]);
  const std::string op = m[2];
  long long expected = a * b;
  if (op == "+") {
    expected = a + b;
  } else if (op == "-") {
    expected = a - b;
  }
  EXPECT_EQ(item.answer, std::to_string(expected)) << item.prompt;
}

void check_char_manipulation(const ProbeItem& item) {
  const std::string question = question_of(item);
  std::smatch m;
  if (std::regex_match(question, m, std::regex(R"rx(Spell "([a-z]+)" with dashes:)rx"))) {
    std::string expected;
    for (const char c : std::string(m[1])) {
      if (!expected.empty()) {
        expected += '-';
      }
      expected += c;
    }
    EXPECT_EQ(item.answer, expected);
  } else if (std::regex_match(question, m, std::regex(R"rx(Letter (\d+) of "([a-z]+)":)rx"))) {
    EXPECT_EQ(item.answer, std::string(1, std::string(m[2]).at(std::stoi(m[1]) - 1)));
  } else if (std::regex_match(question, m, std::regex(R"rx(Reverse "([a-z]+)":)rx"))) {
    std::string reversed = m[1];
    std::reverse(reversed.begin(), reversed.end());
    EXPECT_EQ(item.answer, reversed);
  } else {
    ADD_FAILURE() << "unexpected question: " << question;
  }
}

void check_counting(const ProbeItem& item) {
  const auto m = match_or_fail(question_of(item), std::regex(R"rx(Count "([a-z])" in: ([a-z ]+) ->)rx"));
  const std::vector<std::string> tokens = split(m[2], " ");
  EXPECT_EQ(item.answer, std::to_string(std::count(tokens.begin(), tokens.end(), std::string(m[1]))));
}

void check_sorting(const ProbeItem& item) {
  const auto m = match_or_fail(question_of(item), std::regex(R"(Sort: (.+) ->)"));
  std::vector<std::string> values = split(m[1], ", ");
  const bool numeric = std::isdigit(static_cast<unsigned char>(values[0][0]));
  std::sort(values.begin(), values.end(), [&](const std::string& a, const std::string& b) {
    return numeric ? std::stoll(a) < std::stoll(b) : a < b;
  });
  EXPECT_EQ(std::adjacent_find(values.begin(), values.end()), values.end()) << "tie in " << m[1];
  std::string expected;
  for (const auto& value : values) {
    expected += (expected.empty() ? "" : ", ") + value;
  }
  EXPECT_EQ(item.answer, expected);
}

void check_key_value(const ProbeItem& item) {
  const auto m = match_or_fail(question_of(item), std::regex(R"(Pairs: (.+)\. Value of ([a-z]+):)"));
  std::map<std::string, std::string> pairs;
  for (const auto& pair : split(m[1], ", ")) {
    const auto parts = split(pair, "=");
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_TRUE(pairs.emplace(parts[0], parts[1]).second) << "duplicate key " << parts[0];
  }
  ASSERT_TRUE(pairs.contains(m[2]));
  EXPECT_EQ(item.answer, pairs[m[2]]);
}

void check_copying(const ProbeItem& item) {
  const auto m = match_or_fail(question_of(item), std::regex(R"(Copy: ([a-z0-9 ]+) ->)"));
  EXPECT_EQ(item.answer, std::string(m[1]));
}

void check_format_json(const ProbeItem& item) {
  const auto m = match_or_fail(question_of(item), std::regex(R"(JSON for (.+):)"));
  nlohmann::json expected = nlohmann::json::object();
  for (const auto& assignment : split(m[1], ", ")) {
    const auto parts = split(assignment, "=");
    ASSERT_EQ(parts.size(), 2u);
    const nlohmann::json value = std::isdigit(static_cast<unsigned char>(parts[1][0]))
                                     ? nlohmann::json(std::stoi(parts[1]))
                                     : nlohmann::json(parts[1]);
    const auto path = split(parts[0], ".");
    if (path.size() == 1) {
      expected[path[0]] = value;
    } else {
      expected[path[0]][path[1]] = value;
    }
  }
  EXPECT_EQ(nlohmann::json::parse(item.answer), expected) << item.answer;
}

std::string singular(const std::string& plural) {
  return plural.size() > 3 && plural.ends_with("xes") ? plural.substr(0, plural.size() - 2)
                                                       : plural.substr(0, plural.size() - 1);
}

void check_syllogism(const ProbeItem& item) {
  const std::string question = question_of(item);
  const auto m = match_or_fail(
      question, std::regex(R"((.*) ([A-Z][a-z]+) is a ([a-z]+)\. Is ([A-Z][a-z]+) a ([a-z]+)\? Answer:)"));
  std::multimap<std::string, std::string> all_edges;
  std::set<std::pair<std::string, std::string>> no_pairs;
  for (const auto& premise : split(m[1], ". ")) {
    std::smatch p;
    std::string text = premise.back() == '.' ? premise.substr(0, premise.size() - 1) : premise;
    ASSERT_TRUE(std::regex_match(text, p, std::regex(R"((All|No) ([a-z]+) are ([a-z]+))"))) << text;
    const std::string from = singular(p[2]);
    const std::string to = singular(p[3]);
    if (p[1] == "All") {
      all_edges.emplace(from, to);
    } else {
      no_pairs.insert({from, to});
      no_pairs.insert({to, from});
    }
  }
  ASSERT_EQ(m[2], m[4]);
  // Categories the individual belongs to, by following "All" premises.
  std::set<std::string> member_of = {m[3]};
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& [from, to] : all_edges) {
      if (member_of.contains(from) && member_of.insert(to).second) {
        grew = true;
      }
    }
  }
  const std::string asked = m[5];
  bool excluded = false;
  for (const auto& category : member_of) {
    excluded = excluded || no_pairs.contains({category, asked});
  }
  ASSERT_NE(member_of.contains(asked), excluded) << "undetermined: " << question;
  EXPECT_EQ(correct_choice(item), member_of.contains(asked) ? "yes" : "no") << question;
}

long long comparable(const std::string& value) {
  static const std::vector<std::string> months = {"January", "February", "March", "April",
                                                  "May", "June", "July", "August", "September",
                                                  "October", "November", "December"};
  std::smatch m;
  if (std::regex_match(value, m, std::regex(R"(([A-Z][a-z]+) (\d+), (\d{4}))"))) {
    const auto month = std::find(months.begin(), months.end(), std::string(m[1])) - months.begin();
    return std::stoll(m[3]) * 10000 + (month + 1) * 100 + std::stoll(m[2]);
  }
  return std::stoll(value);
}

void check_comparison(const ProbeItem& item) {
  const auto m = match_or_fail(question_of(item),
                               std::regex(R"(Which is (larger|smaller|earlier|later): (.+) or (.+)\? Answer:)"));
  const long long first = comparable(m[2]);
  const long long second = comparable(m[3]);
  ASSERT_NE(first, second);
  const bool want_larger = m[1] == "larger" || m[1] == "later";
  const std::string expected = (first > second) == want_larger ? m[2] : m[3];
  EXPECT_EQ(correct_choice(item), expected);
  EXPECT_EQ(item.choices[0], " " + std::string(m[2]));
  EXPECT_EQ(item.choices[1], " " + std::string(m[3]));
}

void check_sequence_completion(const ProbeItem& item) {
  std::string question = question_of(item);
  ASSERT_EQ(question.back(), ',');
  std::vector<long long> terms;
  for (const auto& term : split(question.substr(0, question.size() - 1), ", ")) {
    terms.push_back(std::stoll(term));
  }
  const size_t n = terms.size();
  std::set<long long> predictions;
  std::vector<long long> diffs;
  for (size_t i = 1; i < n; ++i) {
    diffs.push_back(terms[i] - terms[i - 1]);
  }
  if (std::all_of(diffs.begin(), diffs.end(), [&](long long d) { return d == diffs[0]; })) {
    predictions.insert(terms.back() + diffs[0]);
  }
  if (terms[0] != 0 && terms[1] % terms[0] == 0) {
    const long long ratio = terms[1] / terms[0];
    bool geometric = true;
    for (size_t i = 1; i < n; ++i) {
      geometric = geometric && terms[i] == terms[i - 1] * ratio;
    }
    if (geometric) {
      predictions.insert(terms.back() * ratio);
    }
  }
  bool alternating = n >= 5;
  for (size_t i = 2; i < diffs.size(); ++i) {
    alternating = alternating && diffs[i] == diffs[i - 2];
  }
  if (alternating) {
    predictions.insert(terms.back() + diffs[diffs.size() - 2]);
  }
  bool second_order = n >= 4;
  for (size_t i = 2; i < diffs.size(); ++i) {
    second_order = second_order && diffs[i] - diffs[i - 1] == diffs[1] - diffs[0];
  }
  if (second_order) {
    predictions.insert(terms.back() + diffs.back() + (diffs[1] - diffs[0]));
  }
  ASSERT_EQ(predictions.size(), 1u) << "ambiguous or unknown pattern: " << question;
  EXPECT_EQ(item.answer, std::to_string(*predictions.begin())) << question;
}

// Facts typed in separately from the generator's table.
const std::map<std::string, std::string>& known_facts() {
  static const std::map<std::string, std::string> facts = {
      {"France", "Paris"}, {"Germany", "Berlin"}, {"Italy", "Rome"}, {"Spain", "Madrid"},
      {"Portugal", "Lisbon"}, {"Greece", "Athens"}, {"Netherlands", "Amsterdam"},
      {"Belgium", "Brussels"}, {"Switzerland", "Bern"}, {"Austria", "Vienna"},
      {"Ireland", "Dublin"}, {"Poland", "Warsaw"}, {"Hungary", "Budapest"},
      {"Romania", "Bucharest"}, {"Ukraine", "Kyiv"}, {"Czechia", "Prague"},
      {"Bulgaria", "Sofia"}, {"Serbia", "Belgrade"}, {"Sweden", "Stockholm"},
      {"Norway", "Oslo"}, {"Denmark", "Copenhagen"}, {"Finland", "Helsinki"},
      {"Iceland", "Reykjavik"}, {"Estonia", "Tallinn"}, {"Turkey", "Ankara"},
      {"Saudi Arabia", "Riyadh"}, {"Iran", "Tehran"}, {"Iraq", "Baghdad"}, {"Jordan", "Amman"},
      {"Syria", "Damascus"}, {"India", "New Delhi"}, {"Pakistan", "Islamabad"},
      {"Bangladesh", "Dhaka"}, {"Sri Lanka", "Colombo"}, {"Nepal", "Kathmandu"},
      {"China", "Beijing"}, {"Japan", "Tokyo"}, {"South Korea", "Seoul"},
      {"Mongolia", "Ulaanbaatar"}, {"Vietnam", "Hanoi"}, {"Thailand", "Bangkok"},
      {"Indonesia", "Jakarta"}, {"Philippines", "Manila"}, {"Malaysia", "Kuala Lumpur"},
      {"Egypt", "Cairo"}, {"Morocco", "Rabat"}, {"Algeria", "Algiers"}, {"Tunisia", "Tunis"},
      {"Nigeria", "Abuja"}, {"Kenya", "Nairobi"}, {"Ethiopia", "Addis Ababa"},
      {"Ghana", "Accra"}, {"Senegal", "Dakar"}, {"United States", "Washington"},
      {"Canada", "Ottawa"}, {"Mexico", "Mexico City"}, {"Cuba", "Havana"},
      {"Brazil", "Brasilia"}, {"Argentina", "Buenos Aires"}, {"Chile", "Santiago"},
      {"Peru", "Lima"}, {"Colombia", "Bogota"}, {"Venezuela", "Caracas"}, {"Ecuador", "Quito"},
      {"Australia", "Canberra"}, {"New Zealand", "Wellington"}, {"Fiji", "Suva"},
      {"Papua New Guinea", "Port Moresby"},
      {"hydrogen", "H"}, {"helium", "He"}, {"lithium", "Li"}, {"beryllium", "Be"},
      {"boron", "B"}, {"carbon", "C"}, {"nitrogen", "N"}, {"oxygen", "O"}, {"fluorine", "F"},
      {"neon", "Ne"}, {"sodium", "Na"}, {"magnesium", "Mg"}, {"aluminium", "Al"},
      {"silicon", "Si"}, {"phosphorus", "P"}, {"sulfur", "S"}, {"chlorine", "Cl"},
      {"argon", "Ar"}, {"potassium", "K"}, {"calcium", "Ca"}, {"titanium", "Ti"},
      {"chromium", "Cr"}, {"manganese", "Mn"}, {"iron", "Fe"}, {"cobalt", "Co"},
      {"nickel", "Ni"}, {"copper", "Cu"}, {"zinc", "Zn"}, {"arsenic", "As"},
      {"selenium", "Se"}, {"bromine", "Br"}, {"krypton", "Kr"}, {"silver", "Ag"},
      {"tin", "Sn"}, {"iodine", "I"}, {"xenon", "Xe"}, {"platinum", "Pt"}, {"gold", "Au"},
      {"mercury", "Hg"}, {"lead", "Pb"}, {"uranium", "U"}, {"radon", "Rn"},
      {"tungsten", "W"}, {"barium", "Ba"}, {"strontium", "Sr"}, {"cadmium", "Cd"},
      {"bismuth", "Bi"}, {"plutonium", "Pu"}};
  return facts;
}

void check_world_facts(const ProbeItem& item) {
  const auto m = match_or_fail(question_of(item),
                               std::regex(R"(The (capital|chemical symbol) of (.+) is)"));
  const auto found = known_facts().find(m[2]);
  ASSERT_NE(found, known_facts().end()) << m[2];
  EXPECT_EQ(correct_choice(item), found->second);
  // No distractor is the answer to the same question.
  for (int i = 0; i < static_cast<int>(item.choices.size()); ++i) {
    if (i != item.answer_index) {
      EXPECT_NE(item.choices[i].substr(1), found->second);
    }
  }
}

bool is_girl(const std::string& name) {
  static const std::set<std::string> girls = {"Anna", "Maria", "Sarah", "Julia", "Emma", "Laura",
                                              "Nina", "Kate", "Lily", "Sue", "Mia", "Amy",
                                              "Lucy", "Sara"};
  return girls.contains(name);
}

void check_coreference(const ProbeItem& item) {
  const std::string question = question_of(item);
  std::smatch m;
  // Winograd endings: true when the ending makes the subject the referent.
  static const std::map<std::string, bool> subject_endings = {
      {"weak", true},      {"heavy", false},   {"faster", true},   {"slower", false},
      {"short", true},     {"tall", false},    {"grateful", true}, {"helpful", false},
      {"confused", true},  {"wise", false},    {"kind", true},     {"sad", false},
      {"money to spare", true}, {"done the work", false}};
  if (std::regex_match(question, m, std::regex(R"(The ([a-z]+) (?:did not fit in|would not go into) the ([a-z]+) because it was too (big|small)\. What was too \3\? Answer: the)"))) {
    EXPECT_EQ(correct_choice(item), m[3] == "big" ? std::string(m[1]) : std::string(m[2]));
    return;
  }
  if (std::regex_match(question, m, std::regex(R"((?:After lunch )?([A-Z][a-z]+) called ([A-Z][a-z]+),? (?:and the reason was that |because )(she|he) (.+)\. Who \4\? Answer:)"))) {
    ASSERT_NE(is_girl(m[1]), is_girl(m[2]));
    const bool pronoun_girl = m[3] == "she";
    EXPECT_EQ(correct_choice(item), is_girl(m[1]) == pronoun_girl ? std::string(m[1]) : std::string(m[2]));
    return;
  }
  ASSERT_TRUE(std::regex_match(question, m, std::regex(R"(([A-Z][a-z]+) .* ([A-Z][a-z]+) .*because (?:she|he) (?:was too |was so |was |had )(.+)\. Who .*\? Answer:)")))
      << question;
  ASSERT_EQ(is_girl(m[1]), is_girl(m[2]));
  const auto ending = subject_endings.find(m[3]);
  ASSERT_NE(ending, subject_endings.end()) << m[3];
  EXPECT_EQ(correct_choice(item), ending->second ? std::string(m[1]) : std::string(m[2])) << question;
}

// The story families.

void check_story_set_phrase(const ProbeItem& item) {
  static const std::vector<std::pair<std::string, std::string>> endings = {
      {" were best", "friends"}, {"said, \"Thank", "you"}, {"together all", "day"},
      {" a big", "hug"},        {"From that day", "on"},  {" went to", "bed"},
      {"eyes and fell", "asleep"}, {"happily ever", "after"}, {"up at the", "sky"},
      {"brushed his", "teeth"}, {"brushed her", "teeth"}, {"wagged its", "tail"}};
  for (const auto& [ending, word] : endings) {
    if (item.prompt.ends_with(ending)) {
      EXPECT_EQ(correct_choice(item), word) << item.prompt;
      return;
    }
  }
  ADD_FAILURE() << "unknown phrase: " << item.prompt;
}

void check_story_name_recall(const ProbeItem& item) {
  std::smatch m;
  if (std::regex_search(item.prompt, m, std::regex(R"(had a friend named ([A-Z][a-z]+)\.)"))) {
    EXPECT_EQ(correct_choice(item), std::string(m[1]));
  } else {
    ASSERT_TRUE(std::regex_search(item.prompt, m, std::regex(R"(named ([A-Z][a-z]+)\.)")));
    EXPECT_EQ(correct_choice(item), std::string(m[1]));
  }
  for (int i = 0; i < static_cast<int>(item.choices.size()); ++i) {
    if (i != item.answer_index) {
      EXPECT_EQ(item.prompt.find(item.choices[i].substr(1)), std::string::npos)
          << "the distractor name occurs in the story: " << item.prompt;
    }
  }
}

void check_story_pronoun(const ProbeItem& item) {
  std::smatch m;
  ASSERT_TRUE(std::regex_search(item.prompt, m, std::regex(R"(([A-Z][a-z]+) liked to)")));
  EXPECT_EQ(correct_choice(item), is_girl(m[1]) ? "she" : "he") << item.prompt;
}

// The last sentence names the hero; `fact` finds what the story said about
// the hero ("HERO had a new (\w+)").
void check_story_recall(const ProbeItem& item, const std::string& query_pattern,
                        const std::string& fact_pattern) {
  std::smatch m;
  ASSERT_TRUE(std::regex_search(item.prompt, m, std::regex(query_pattern))) << item.prompt;
  const std::string hero = m[1];
  std::string pattern = fact_pattern;
  pattern.replace(pattern.find("HERO"), 4, hero);
  ASSERT_TRUE(std::regex_search(item.prompt, m, std::regex(pattern))) << item.prompt;
  EXPECT_EQ(correct_choice(item), std::string(m[1])) << item.prompt;
}

void check_story_emotion(const ProbeItem& item) {
  static const std::vector<std::string> good = {"got a new toy", "found a pretty flower",
                                                "ate a big cake", "got a gift from mom",
                                                "won the race", "made a new friend",
                                                "lost dog", "saw a rainbow"};
  static const std::vector<std::string> bad = {"lost his toy", "lost her toy", "broke",
                                               "hurt", "dropped", "could not find",
                                               "lost the race", "was broken", "no friends"};
  const auto mentions = [&](const std::vector<std::string>& events) {
    return std::any_of(events.begin(), events.end(), [&](const std::string& event) {
      return item.prompt.find(event) != std::string::npos;
    });
  };
  const bool is_good = mentions(good);
  const bool is_bad = mentions(bad);
  ASSERT_NE(is_good, is_bad) << item.prompt;
  EXPECT_EQ(correct_choice(item), is_good ? "happy" : "sad") << item.prompt;
}

void check_story_number_agreement(const ProbeItem& item) {
  // The subject is the first noun after the last "The": a known noun, plural
  // when it ends in "s".
  static const std::set<std::string> nouns = {"dog", "cat", "bird", "duck", "frog",
                                              "tree", "flower", "car", "ball", "cow"};
  const std::string subject = item.prompt.substr(item.prompt.rfind("The "));
  for (const auto& word : split(subject, " ")) {
    if (nouns.contains(word) || (word.ends_with("s") && nouns.contains(word.substr(0, word.size() - 1)))) {
      EXPECT_EQ(correct_choice(item), word.ends_with("s") ? "were" : "was") << item.prompt;
      return;
    }
  }
  ADD_FAILURE() << "no subject noun in " << item.prompt;
}

void check_story_verb_form(const ProbeItem& item) {
  static const std::map<std::string, std::string> past_of = {
      {"play", "played"}, {"jump", "jumped"}, {"walk", "walked"}, {"look", "looked"},
      {"help", "helped"}, {"smile", "smiled"}, {"run", "ran"}, {"eat", "ate"},
      {"sing", "sang"}, {"find", "found"}, {"see", "saw"}, {"laugh", "laughed"}};
  const std::string base = item.choices[0].substr(1);
  ASSERT_TRUE(past_of.contains(base));
  EXPECT_EQ(item.choices[1].substr(1), past_of.at(base));
  const bool wants_base = item.prompt.ends_with(" to") || item.prompt.ends_with(" can") ||
                          item.prompt.ends_with(" did not") ||
                          (item.prompt.ends_with(" and") &&
                           item.prompt.find("wanted to go") != std::string::npos);
  EXPECT_EQ(item.answer_index, wants_base ? 0 : 1) << item.prompt;
}

void check_story_next_word(const ProbeItem& item) {
  static const std::vector<std::pair<std::string, std::string>> endings = {
      {"a glass of", "milk"}, {"sang in the", "tree"}, {"to sleep in his", "bed"},
      {"to sleep in her", "bed"}, {"a big red", "apple"}, {"swam in the", "water"},
      {" read a", "book"}, {"wagged its", "tail"}, {"went down the", "slide"},
      {"opened the", "door"}, {"hat on his", "head"}, {"hat on her", "head"},
      {"his warm", "coat"}, {"her warm", "coat"}, {"dug in the", "sand"}};
  // Distractors that would also continue the sentence.
  static const std::set<std::pair<std::string, std::string>> also_fitting = {
      {"milk", "water"}, {"bed", "coat"}, {"slide", "tree"},
      {"door", "book"},  {"door", "coat"}, {"sand", "water"}};
  for (const auto& [ending, word] : endings) {
    if (item.prompt.ends_with(ending)) {
      EXPECT_EQ(correct_choice(item), word) << item.prompt;
      const std::string distractor = item.choices[1 - item.answer_index].substr(1);
      EXPECT_FALSE(also_fitting.contains({word, distractor})) << item.prompt << " |" << distractor;
      return;
    }
  }
  ADD_FAILURE() << "unknown sentence: " << item.prompt;
}

const std::map<std::string, std::function<void(const ProbeItem&)>>& checkers() {
  static const std::map<std::string, std::function<void(const ProbeItem&)>> table = {
      {"arithmetic", check_arithmetic},
      {"char_manipulation", check_char_manipulation},
      {"counting", check_counting},
      {"sorting", check_sorting},
      {"kv_retrieval", check_key_value},
      {"long_context_retrieval", check_key_value},
      {"copying", check_copying},
      {"format_json", check_format_json},
      {"syllogism", check_syllogism},
      {"comparison", check_comparison},
      {"sequence_completion", check_sequence_completion},
      {"world_facts", check_world_facts},
      {"coreference", check_coreference},
      {"story_set_phrase", check_story_set_phrase},
      {"story_name_recall", check_story_name_recall},
      {"story_pronoun", check_story_pronoun},
      {"story_object_recall",
       [](const ProbeItem& item) {
         check_story_recall(item, R"(Then ([A-Z][a-z]+) played with the$)", R"(HERO had a new ([a-z]+)\.)");
       }},
      {"story_color_recall",
       [](const ProbeItem& item) {
         check_story_recall(item, R"(([A-Z][a-z]+) played with (?:his|her)$)", R"(HERO had a ([a-z]+) [a-z]+\.)");
       }},
      {"story_place_recall",
       [](const ProbeItem& item) {
         check_story_recall(item, R"(([A-Z][a-z]+) had fun at the$)", R"(HERO went to the ([a-z]+)[ .])");
       }},
      {"story_emotion", check_story_emotion},
      {"story_number_agreement", check_story_number_agreement},
      {"story_verb_form", check_story_verb_form},
      {"story_next_word", check_story_next_word},
  };
  return table;
}

TEST(FamilyAnswers, EveryFamilyHasAChecker) {
  std::vector<FamilyInfo> families = battery_families("core", true);
  for (const auto& family : battery_families("small", false)) {
    families.push_back(family);
  }
  for (const auto& family : families) {
    EXPECT_TRUE(checkers().contains(family.name)) << family.name;
  }
}

TEST(FamilyAnswers, IndependentRecomputation) {
  for (const auto& [family, check] : checkers()) {
    for (int level = 1; level <= 5; ++level) {
      SCOPED_TRACE(family + " level " + std::to_string(level));
      for (const uint64_t seed : {1ULL, 77ULL}) {
        for (const auto& item : generate_family_items(family, level, seed, 60)) {
          check(item);
          if (::testing::Test::HasFailure()) {
            return;  // one failing family is enough to read
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace qa
