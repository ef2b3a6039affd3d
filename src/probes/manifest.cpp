// manifest.json of a battery folder.
#include <fmt/core.h>

#include "common/error.h"
#include "common/files.h"
#include "probes/battery.h"

namespace qa {

namespace {

[[noreturn]] void fail(const std::string& source, const std::string& message) {
  throw Error(fmt::format("{}: {}", source, message), kExitBadInput);
}

template <typename T>
T get_field(const nlohmann::json& object, const char* key, const std::string& source) {
  if (!object.is_object() || !object.contains(key)) {
    fail(source, fmt::format("missing field '{}'", key));
  }
  try {
    return object.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    fail(source, fmt::format("field '{}' has the wrong type", key));
  }
}

}  // namespace

nlohmann::json BatteryManifest::to_json() const {
  nlohmann::json family_list = nlohmann::json::array();
  for (const auto& family : families) {
    family_list.push_back({{"family", family.family},
                           {"file", family.file},
                           {"kind", family.kind == ItemKind::kChoice ? "choice" : "generate"},
                           {"items", family.item_count},
                           {"levels", family.levels},
                           {"sha256", family.sha256},
                           {"user_added", family.user_added}});
  }
  return {{"generator_version", generator_version},
          {"battery", battery},
          {"seed", seed},
          {"families", family_list},
          {"battery_hash", battery_hash}};
}

BatteryManifest BatteryManifest::from_json(const nlohmann::json& object, const std::string& source) {
  if (!object.is_object()) {
    fail(source, "the manifest must be a JSON object");
  }
  BatteryManifest manifest;
  manifest.generator_version = get_field<std::string>(object, "generator_version", source);
  manifest.battery = get_field<std::string>(object, "battery", source);
  if (!object.contains("seed") || !object["seed"].is_number_unsigned()) {
    fail(source, "field 'seed' must be a non-negative integer");
  }
  manifest.seed = object["seed"].get<uint64_t>();
  manifest.battery_hash = get_field<std::string>(object, "battery_hash", source);
  if (!object.contains("families") || !object["families"].is_array()) {
    fail(source, "field 'families' must be an array");
  }
  for (size_t i = 0; i < object["families"].size(); ++i) {
    const nlohmann::json& entry = object["families"][i];
    const std::string where = fmt::format("{} families[{}]", source, i);
    ManifestFamily family;
    family.family = get_field<std::string>(entry, "family", where);
    family.file = get_field<std::string>(entry, "file", where);
    const std::string kind = get_field<std::string>(entry, "kind", where);
    if (kind != "choice" && kind != "generate") {
      fail(where, fmt::format("kind '{}' must be \"generate\" or \"choice\"", kind));
    }
    family.kind = kind == "choice" ? ItemKind::kChoice : ItemKind::kGenerate;
    family.item_count = get_field<int>(entry, "items", where);
    family.levels = get_field<std::vector<int>>(entry, "levels", where);
    family.sha256 = get_field<std::string>(entry, "sha256", where);
    family.user_added = get_field<bool>(entry, "user_added", where);
    manifest.families.push_back(std::move(family));
  }
  return manifest;
}

std::string compute_battery_hash(const BatteryManifest& manifest) {
  std::string text = fmt::format("quant-autopsy battery\ngenerator_version {}\nbattery {}\nseed {}\n",
                                 manifest.generator_version, manifest.battery, manifest.seed);
  for (const auto& family : manifest.families) {
    std::string levels;
    for (const int level : family.levels) {
      levels += fmt::format("{}{}", levels.empty() ? "" : ",", level);
    }
    text += fmt::format("family {} file {} kind {} items {} levels {} sha256 {} user_added {}\n",
                        family.family, family.file,
                        family.kind == ItemKind::kChoice ? "choice" : "generate",
                        family.item_count, levels, family.sha256, family.user_added ? 1 : 0);
  }
  return sha256_bytes(text);
}

}  // namespace qa
