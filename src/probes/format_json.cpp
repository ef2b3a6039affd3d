// format_json: write a JSON object with given keys and values, dotted keys
// meaning nesting ("user.name=tom"). Levels 1 to 3 ask for 1, 2 and 3 flat
// keys; level 4 for one nested object of two keys beside a flat key; level 5
// for two nested objects of two keys beside a flat key. The reference answer
// is nlohmann::json's compact dump; the json_keys scorer ignores key order
// and spacing.
#include <nlohmann/json.hpp>

#include "probes/core_helpers.h"

namespace qa::probes {

namespace {

const std::vector<std::string>& key_names() {
  static const std::vector<std::string> values = {"name", "age",  "color", "city", "pet",
                                                  "size", "count", "id",   "food", "level"};
  return values;
}

const std::vector<std::string>& object_names() {
  static const std::vector<std::string> values = {"user", "item", "box", "shop", "game"};
  return values;
}

// A value that is an integer 1..99 or a lowercase word.
nlohmann::json random_value(Rng& rng) {
  static const std::vector<std::string> words = {"red", "tom", "paris", "cat", "apple",
                                                 "blue", "ana", "rome",  "dog", "bread"};
  if (rng.coin()) {
    return rng.range(1, 99);
  }
  return rng.pick(words);
}

std::string show_value(const nlohmann::json& value) {
  return value.is_number_integer() ? std::to_string(value.get<int>()) : value.get<std::string>();
}

Example make_example(Rng& rng, int level, int /*target_index*/) {
  nlohmann::json object = nlohmann::json::object();
  std::vector<std::string> assignments;
  const int flat_keys = level <= 3 ? level : 1;
  const int nested_objects = level == 4 ? 1 : (level == 5 ? 2 : 0);

  const std::vector<std::string> keys = rng.sample(key_names(), flat_keys + 2 * nested_objects);
  const std::vector<std::string> parents = rng.sample(object_names(), nested_objects);
  size_t next_key = 0;
  for (int i = 0; i < flat_keys; ++i) {
    const nlohmann::json value = random_value(rng);
    object[keys[next_key]] = value;
    assignments.push_back(fmt::format("{}={}", keys[next_key], show_value(value)));
    ++next_key;
  }
  for (int i = 0; i < nested_objects; ++i) {
    for (int j = 0; j < 2; ++j) {
      const nlohmann::json value = random_value(rng);
      object[parents[i]][keys[next_key]] = value;
      assignments.push_back(fmt::format("{}.{}={}", parents[i], keys[next_key], show_value(value)));
      ++next_key;
    }
  }
  rng.shuffle(assignments);

  Example example;
  example.question = fmt::format("JSON for {}:", core::join_comma(assignments));
  example.answer = object.dump();
  example.max_tokens = 96;
  return example;
}

}  // namespace

FamilyGenerator make_format_json_family() {
  FamilyGenerator generator;
  generator.info = core::generate_family_info("format_json", "json_keys",
                                              "a JSON object with given keys, values and nesting");
  generator.shots = 2;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
