// coreference: who or what a pronoun refers to, two choices in the order the
// sentence names the candidates. Levels 1 and 2 resolve by sex (a boy and a
// girl; level 2 puts the pronoun in a longer clause); levels 3 to 5 use
// Winograd-style pairs where two people of the same sex differ only in one
// word that decides the referent ("could not lift ... because she was too
// weak / heavy"): level 3 with physical templates, 4 with objects that fit
// or do not fit, 5 with social templates.
#include "probes/core_helpers.h"

namespace qa::probes {

namespace {

const std::vector<std::string>& girls() {
  static const std::vector<std::string> values = {"Anna", "Maria", "Sarah", "Julia", "Emma", "Laura", "Nina", "Kate"};
  return values;
}

const std::vector<std::string>& boys() {
  static const std::vector<std::string> values = {"John", "Peter", "David", "Mark", "Paul", "Tom", "Carl", "Alex"};
  return values;
}

// A sentence about subject {a} and object {b} with a pronoun {p}; `first`
// and `second` are the clause endings that make {a} and {b} the referent.
// The question asks about the ending that was used.
struct Template {
  std::string sentence;
  std::string first_ending;
  std::string first_question;
  std::string second_ending;
  std::string second_question;
};

const std::vector<Template>& physical_templates() {
  static const std::vector<Template> values = {
      {"{a} could not lift {b} because {p} was too", "weak", "Who was too weak?", "heavy",
       "Who was too heavy?"},
      {"{a} beat {b} in the race because {p} was", "faster", "Who was faster?", "slower",
       "Who was slower?"},
      {"{a} could not see over {b} because {p} was so", "short", "Who was short?", "tall",
       "Who was tall?"},
  };
  return values;
}

const std::vector<Template>& social_templates() {
  static const std::vector<Template> values = {
      {"{a} thanked {b} because {p} was", "grateful", "Who was grateful?", "helpful",
       "Who was helpful?"},
      {"{a} asked {b} for advice because {p} was", "confused", "Who was confused?", "wise",
       "Who was wise?"},
      {"{a} comforted {b} because {p} was", "kind", "Who was kind?", "sad", "Who was sad?"},
      {"{a} paid {b} because {p} had", "money to spare", "Who had money to spare?",
       "done the work", "Who had done the work?"},
  };
  return values;
}

struct ObjectPair {
  std::string inner;
  std::string outer;
};

const std::vector<ObjectPair>& object_pairs() {
  static const std::vector<ObjectPair> values = {
      {"trophy", "suitcase"}, {"ball", "box"},     {"book", "bag"},     {"cake", "tin"},
      {"toy", "basket"},      {"bottle", "drawer"}, {"coat", "locker"}, {"chair", "car"},
      {"lamp", "crate"},      {"shoe", "bag"}};
  return values;
}

std::string fill(const std::string& pattern, const std::string& a, const std::string& b,
                 const std::string& pronoun) {
  return fmt::format(fmt::runtime(pattern), fmt::arg("a", a), fmt::arg("b", b),
                     fmt::arg("p", pronoun));
}

Example person_example(Rng& rng, int level, int target_index) {
  const bool girls_first = rng.coin();
  std::string a;
  std::string b;
  std::string pronoun;
  std::string sentence;
  std::string question;
  if (level <= 2) {
    // One boy and one girl: the pronoun's sex decides. target_index 0 asks
    // for the subject.
    a = rng.pick(girls_first ? girls() : boys());
    b = rng.pick(girls_first ? boys() : girls());
    const bool subject = target_index == 0;
    pronoun = (subject == girls_first) ? "she" : "he";
    static const std::vector<std::string> reasons = {"was hungry", "was tired", "felt sick",
                                                     "was late", "was cold"};
    const std::string& reason = rng.pick(reasons);
    sentence = level == 1 ? fmt::format("{} called {} because {} {}.", a, b, pronoun, reason)
                          : fmt::format("After lunch {} called {}, and the reason was that {} {}.",
                                        a, b, pronoun, reason);
    question = fmt::format("Who {}?", reason);
  } else {
    const auto& names = girls_first ? girls() : boys();
    const auto pair = rng.sample(names, 2);
    a = pair[0];
    b = pair[1];
    pronoun = girls_first ? "she" : "he";
    const auto& templates = level == 3 ? physical_templates() : social_templates();
    const Template& chosen = rng.pick(templates);
    const bool subject = target_index == 0;
    sentence = fill(chosen.sentence, a, b, pronoun) + " " +
               (subject ? chosen.first_ending : chosen.second_ending) + ".";
    question = subject ? chosen.first_question : chosen.second_question;
  }
  Example example;
  example.question = fmt::format("{} {} Answer:", sentence, question);
  example.choices = {" " + a, " " + b};
  example.answer_index = target_index;
  return example;
}

Example object_example(Rng& rng, int target_index) {
  const ObjectPair& pair = rng.pick(object_pairs());
  // target_index 0 selects the inner object: "too big".
  const bool inner = target_index == 0;
  const std::vector<std::string> verbs = {"did not fit in", "would not go into"};
  Example example;
  example.question = fmt::format("The {} {} the {} because it was too {}. What was too {}? Answer: the",
                                 pair.inner, rng.pick(verbs), pair.outer, inner ? "big" : "small",
                                 inner ? "big" : "small");
  example.choices = {" " + pair.inner, " " + pair.outer};
  example.answer_index = target_index;
  return example;
}

Example make_example(Rng& rng, int level, int target_index) {
  // Level 4 mixes object pairs with physical templates, because the object
  // pairs alone give too few distinct questions.
  if (level == 4) {
    return rng.coin() ? object_example(rng, target_index) : person_example(rng, 3, target_index);
  }
  return person_example(rng, level, target_index);
}

}  // namespace

FamilyGenerator make_coreference_family() {
  FamilyGenerator generator;
  generator.info = core::choice_family_info("coreference", 2,
                                            "who or what a pronoun refers to, Winograd-style");
  generator.shots = 2;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
