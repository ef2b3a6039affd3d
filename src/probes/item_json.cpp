// JSON form of probe items, one object per JSONL line.
#include <set>

#include <fmt/core.h>

#include "common/error.h"
#include "probes/battery.h"
#include "probes/scorers.h"

namespace qa {

namespace {

const char* kind_name(ItemKind kind) { return kind == ItemKind::kChoice ? "choice" : "generate"; }

[[noreturn]] void fail(const std::string& where, const std::string& message) {
  throw Error(fmt::format("{}: {}", where, message), kExitBadInput);
}

const nlohmann::json& require(const nlohmann::json& object, const char* key,
                              nlohmann::json::value_t type, const char* type_name,
                              const std::string& where) {
  const auto found = object.find(key);
  if (found == object.end()) {
    fail(where, fmt::format("missing field '{}'", key));
  }
  const bool integer_wanted = type == nlohmann::json::value_t::number_integer;
  const bool matches = integer_wanted ? found->is_number_integer() : found->type() == type;
  if (!matches) {
    fail(where, fmt::format("field '{}' must be {}", key, type_name));
  }
  return *found;
}

}  // namespace

std::string item_to_json_line(const ProbeItem& item) {
  nlohmann::json object = {{"id", item.id},         {"family", item.family},
                           {"level", item.level},   {"kind", kind_name(item.kind)},
                           {"prompt", item.prompt}};
  if (item.kind == ItemKind::kChoice) {
    object["choices"] = item.choices;
    object["answer_index"] = item.answer_index;
  } else {
    object["answer"] = item.answer;
    object["scorer"] = item.scorer;
    object["max_tokens"] = item.max_tokens;
    object["stop"] = item.stop;
  }
  if (!item.meta.empty()) {
    object["meta"] = item.meta;
  }
  return object.dump();
}

ProbeItem item_from_json(const nlohmann::json& object, const std::string& where) {
  using value_t = nlohmann::json::value_t;
  if (!object.is_object()) {
    fail(where, "an item must be a JSON object");
  }
  static const std::set<std::string> known_keys = {
      "id",     "family", "level", "kind",  "prompt",  "answer",     "scorer",
      "max_tokens", "stop", "choices", "answer_index", "meta"};
  for (const auto& [key, value] : object.items()) {
    if (!known_keys.contains(key)) {
      fail(where, fmt::format("unknown field '{}'", key));
    }
  }

  ProbeItem item;
  item.id = require(object, "id", value_t::string, "a string", where).get<std::string>();
  item.family = require(object, "family", value_t::string, "a string", where).get<std::string>();
  item.level = require(object, "level", value_t::number_integer, "an integer", where).get<int>();
  item.prompt = require(object, "prompt", value_t::string, "a string", where).get<std::string>();
  const std::string kind =
      require(object, "kind", value_t::string, "a string", where).get<std::string>();

  if (item.family.empty()) {
    fail(where, "field 'family' is empty");
  }
  if (item.id.rfind(item.family + "-", 0) != 0) {
    fail(where, fmt::format("id '{}' must start with the family name and '-' ('{}-')", item.id,
                            item.family));
  }
  if (item.level < 1 || item.level > 5) {
    fail(where, fmt::format("level {} is out of range 1 to 5", item.level));
  }
  if (item.prompt.empty()) {
    fail(where, "field 'prompt' is empty");
  }

  if (kind == "choice") {
    item.kind = ItemKind::kChoice;
    const auto& choices = require(object, "choices", value_t::array, "an array", where);
    for (const auto& choice : choices) {
      if (!choice.is_string() || choice.get<std::string>().empty()) {
        fail(where, "every choice must be a non-empty string");
      }
      item.choices.push_back(choice.get<std::string>());
    }
    if (item.choices.size() < 2) {
      fail(where, fmt::format("a choice item needs at least 2 choices, found {}",
                              item.choices.size()));
    }
    if (std::set<std::string>(item.choices.begin(), item.choices.end()).size() !=
        item.choices.size()) {
      fail(where, "choices must be distinct");
    }
    item.answer_index =
        require(object, "answer_index", value_t::number_integer, "an integer", where).get<int>();
    if (item.answer_index < 0 || item.answer_index >= static_cast<int>(item.choices.size())) {
      fail(where, fmt::format("answer_index {} is out of range 0 to {}", item.answer_index,
                              item.choices.size() - 1));
    }
    for (const char* key : {"answer", "scorer", "max_tokens", "stop"}) {
      if (object.contains(key)) {
        fail(where, fmt::format("field '{}' belongs to generate items, not choice items", key));
      }
    }
  } else if (kind == "generate") {
    item.kind = ItemKind::kGenerate;
    item.answer = require(object, "answer", value_t::string, "a string", where).get<std::string>();
    item.scorer = require(object, "scorer", value_t::string, "a string", where).get<std::string>();
    item.max_tokens =
        require(object, "max_tokens", value_t::number_integer, "an integer", where).get<int>();
    if (!is_known_scorer(item.scorer)) {
      fail(where, fmt::format("unknown scorer '{}'; known scorers: exact, number, json_keys",
                              item.scorer));
    }
    if (item.max_tokens < 1) {
      fail(where, fmt::format("max_tokens {} must be at least 1", item.max_tokens));
    }
    if (object.contains("stop")) {
      const auto& stop = require(object, "stop", value_t::array, "an array", where);
      item.stop.clear();
      for (const auto& text : stop) {
        if (!text.is_string() || text.get<std::string>().empty()) {
          fail(where, "every stop string must be a non-empty string");
        }
        item.stop.push_back(text.get<std::string>());
      }
    }
    for (const char* key : {"choices", "answer_index"}) {
      if (object.contains(key)) {
        fail(where, fmt::format("field '{}' belongs to choice items, not generate items", key));
      }
    }
    // The reference answer must score as correct against itself; this also
    // rejects answers the scorer cannot parse.
    bool self_match = false;
    try {
      self_match = score_output(item.scorer, item.answer, item.answer);
    } catch (const Error& error) {
      fail(where, error.what());
    }
    if (!self_match || trim_whitespace(item.answer).empty()) {
      fail(where, fmt::format("answer '{}' is empty or does not match itself under scorer {}",
                              item.answer, item.scorer));
    }
  } else {
    fail(where, fmt::format("kind '{}' must be \"generate\" or \"choice\"", kind));
  }

  if (object.contains("meta")) {
    if (!object["meta"].is_object()) {
      fail(where, "field 'meta' must be an object");
    }
    item.meta = object["meta"];
  }
  return item;
}

}  // namespace qa
