// Vocabulary shared by the small battery's story families: names, objects
// and filler sentences in the style of children's stories (TinyStories),
// using only everyday words such stories use.
#pragma once

#include <string>
#include <vector>

#include "probes/rng.h"

namespace qa::probes::story {

struct Character {
  std::string name;
  bool girl = false;
};

inline const std::vector<std::string>& girl_names() {
  static const std::vector<std::string> names = {"Lily", "Sue", "Mia", "Amy", "Lucy", "Anna", "Sara", "Emma"};
  return names;
}

inline const std::vector<std::string>& boy_names() {
  static const std::vector<std::string> names = {"Tom", "Ben", "Tim", "Max", "Sam", "Jack", "Bob", "Joe"};
  return names;
}

inline Character pick_character(Rng& rng) {
  const bool girl = rng.coin();
  return {rng.pick(girl ? girl_names() : boy_names()), girl};
}

// A second character of the same sex with another name.
inline Character pick_other_character(Rng& rng, const Character& first) {
  const auto& names = first.girl ? girl_names() : boy_names();
  std::string name = rng.pick(names);
  while (name == first.name) {
    name = rng.pick(names);
  }
  return {name, first.girl};
}

inline std::string subject_pronoun(const Character& c) { return c.girl ? "She" : "He"; }
inline std::string possessive(const Character& c) { return c.girl ? "her" : "his"; }
inline std::string child_noun(const Character& c) { return c.girl ? "girl" : "boy"; }

// Sentences that name no character, pronoun, object, colour, place or
// feeling, so they only add distance between a fact and its question.
inline const std::vector<std::string>& neutral_fillers() {
  static const std::vector<std::string> fillers = {
      "The sun was warm.",   "It was a nice day.",          "The birds sang.",
      "The wind was soft.",  "There were many flowers.",    "The day was long.",
      "Everything was quiet.", "The trees were tall.",      "It was time to play.",
      "The clouds moved slowly."};
  return fillers;
}

// count distinct neutral fillers joined with spaces, each preceded by a space.
inline std::string filler_text(Rng& rng, int count) {
  std::string text;
  for (const auto& sentence : rng.sample(neutral_fillers(), count)) {
    text += " " + sentence;
  }
  return text;
}

// Two distinct values of a list in random order: [0] the correct one.
inline std::vector<std::string> pick_pair(Rng& rng, const std::vector<std::string>& values) {
  return rng.sample(values, 2);
}

}  // namespace qa::probes::story
