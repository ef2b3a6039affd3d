// Writing, loading and validating battery folders.
#include <algorithm>
#include <set>
#include <type_traits>

#include <fmt/core.h>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "probes/battery.h"

namespace qa {

namespace {

constexpr const char* kManifestFile = "manifest.json";

std::string manifest_text(const BatteryManifest& manifest) {
  return manifest.to_json().dump(2) + "\n";
}

std::string items_text(const std::vector<ProbeItem>& items) {
  std::string text;
  for (const auto& item : items) {
    text += item_to_json_line(item);
    text += '\n';
  }
  return text;
}

// A family name usable as a file name: lowercase letters, digits, '_' and '-'.
bool is_safe_family_name(const std::string& name) {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

template <typename Items>
std::vector<int> sorted_levels(const Items& items) {
  std::set<int> levels;
  for (const auto& item : items) {
    if constexpr (std::is_same_v<typename Items::value_type, ProbeItem>) {
      levels.insert(item.level);
    } else {
      levels.insert(item.item.level);
    }
  }
  return {levels.begin(), levels.end()};
}

// Splits file content into lines. A final newline ends the last line rather
// than starting an empty one.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

struct ParsedItem {
  ProbeItem item;
  int line = 0;  // 1-based line in its file
};

// Parses one JSONL file, appending each problem with its line number. Items
// that parse are returned; broken lines are skipped.
std::vector<ParsedItem> parse_items(const std::string& text, const std::string& file_label,
                                    std::vector<ValidationProblem>& problems) {
  std::vector<ParsedItem> items;
  const std::vector<std::string> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    const int line_number = static_cast<int>(i) + 1;
    const std::string where = fmt::format("{} line {}", file_label, line_number);
    const nlohmann::json object = nlohmann::json::parse(lines[i], nullptr, false);
    if (object.is_discarded()) {
      problems.push_back({file_label, line_number, "invalid JSON"});
      continue;
    }
    try {
      items.push_back({item_from_json(object, where), line_number});
    } catch (const Error& error) {
      // item_from_json prefixes `where`; keep only the message part.
      std::string message = error.what();
      if (message.rfind(where + ": ", 0) == 0) {
        message = message.substr(where.size() + 2);
      }
      problems.push_back({file_label, line_number, message});
    }
  }
  return items;
}

// Checks the items of one family: family field, duplicate ids (across the
// battery) and prompts (within the family).
void check_family_items(const std::vector<ParsedItem>& parsed, const std::string& family,
                        const std::string& file_label, std::set<std::string>& battery_ids,
                        std::vector<ValidationProblem>& problems) {
  std::set<std::string> prompts;
  for (const auto& [item, line] : parsed) {
    if (item.family != family) {
      problems.push_back({file_label, line,
                          fmt::format("family '{}' differs from the file's family '{}'",
                                      item.family, family)});
    }
    if (!battery_ids.insert(item.id).second) {
      problems.push_back({file_label, line, fmt::format("duplicate id '{}'", item.id)});
    }
    if (!prompts.insert(item.prompt).second) {
      problems.push_back({file_label, line, fmt::format("duplicate prompt (item '{}')", item.id)});
    }
  }
}

// Reads and checks a whole battery folder. Every problem goes to `problems`;
// `battery` receives what could be read.
void inspect_battery(const fs::path& dir, Battery& battery,
                     std::vector<ValidationProblem>& problems) {
  battery.dir = dir;
  const fs::path manifest_path = dir / kManifestFile;
  const std::string manifest_label = manifest_path.string();
  if (!fs::exists(manifest_path)) {
    problems.push_back({manifest_label, 0,
                        "not found; build a battery with 'quant-autopsy probes build --out DIR'"});
    return;
  }
  const nlohmann::json manifest_json = nlohmann::json::parse(read_file(manifest_path), nullptr, false);
  if (manifest_json.is_discarded()) {
    problems.push_back({manifest_label, 0, "invalid JSON"});
    return;
  }
  try {
    battery.manifest = BatteryManifest::from_json(manifest_json, manifest_label);
  } catch (const Error& error) {
    problems.push_back({manifest_label, 0, error.what()});
    return;
  }
  const BatteryManifest& manifest = battery.manifest;
  const std::string expected_hash = compute_battery_hash(manifest);
  if (expected_hash != manifest.battery_hash) {
    problems.push_back({manifest_label, 0,
                        fmt::format("battery_hash {} does not match its entries (computed {})",
                                    manifest.battery_hash, expected_hash)});
  }

  std::set<std::string> battery_ids;
  std::set<std::string> family_names;
  for (const auto& entry : manifest.families) {
    const fs::path file_path = dir / entry.file;
    const std::string file_label = file_path.string();
    if (!family_names.insert(entry.family).second) {
      problems.push_back({manifest_label, 0, fmt::format("family '{}' listed twice", entry.family)});
      continue;
    }
    if (entry.file != entry.family + ".jsonl" || !is_safe_family_name(entry.family)) {
      problems.push_back({manifest_label, 0,
                          fmt::format("family '{}' must use the file name '{}.jsonl' and only "
                                      "lowercase letters, digits, '_' and '-'",
                                      entry.family, entry.family)});
      continue;
    }
    if (!fs::exists(file_path)) {
      problems.push_back({file_label, 0, "listed in the manifest but not found"});
      continue;
    }
    const std::string text = read_file(file_path);
    // Line problems first, so that the first problem reported names a line.
    std::vector<ParsedItem> items = parse_items(text, file_label, problems);
    check_family_items(items, entry.family, file_label, battery_ids, problems);
    const std::string sha256 = sha256_bytes(text);
    if (sha256 != entry.sha256) {
      problems.push_back({file_label, 0,
                          fmt::format("sha256 {} differs from the manifest's {}; the file was "
                                      "changed after the battery was built",
                                      sha256, entry.sha256)});
    }
    const int line_count = static_cast<int>(split_lines(text).size());
    if (line_count != entry.item_count) {
      problems.push_back({file_label, 0,
                          fmt::format("{} lines, but the manifest lists {} items", line_count,
                                      entry.item_count)});
    }
    for (const auto& [item, line] : items) {
      if (item.kind != entry.kind) {
        problems.push_back({file_label, line,
                            fmt::format("item '{}' has another kind than the manifest lists",
                                        item.id)});
      }
    }
    if (sorted_levels(items) != entry.levels) {
      problems.push_back({file_label, 0, "the items' levels differ from the manifest's levels"});
    }
    for (auto& parsed : items) {
      battery.items.push_back(std::move(parsed.item));
    }
  }
}

std::vector<std::string> generated_family_names(const BatteryManifest& manifest) {
  std::vector<std::string> names;
  for (const auto& family : manifest.families) {
    names.push_back(family.family);
  }
  return names;
}

}  // namespace

std::string ValidationProblem::to_string() const {
  return line > 0 ? fmt::format("{} line {}: {}", file, line, message)
                  : fmt::format("{}: {}", file, message);
}

std::vector<ProbeItem> Battery::family_items(const std::string& family) const {
  std::vector<ProbeItem> selected;
  for (const auto& item : items) {
    if (item.family == family) {
      selected.push_back(item);
    }
  }
  return selected;
}

std::vector<ValidationProblem> validate_battery(const fs::path& dir) {
  Battery battery;
  std::vector<ValidationProblem> problems;
  inspect_battery(dir, battery, problems);
  return problems;
}

Battery load_battery(const fs::path& dir) {
  Battery battery;
  std::vector<ValidationProblem> problems;
  inspect_battery(dir, battery, problems);
  if (!problems.empty()) {
    throw Error(fmt::format("invalid battery: {}{}", problems.front().to_string(),
                            problems.size() > 1
                                ? fmt::format(" ({} problems in all; run 'quant-autopsy probes "
                                              "validate {}' to list them)",
                                              problems.size(), dir.string())
                                : std::string()),
                kExitBadInput);
  }
  return battery;
}

BatteryManifest write_battery(const fs::path& dir, const BatteryBuildOptions& options) {
  const std::vector<FamilyInfo> families =
      battery_families(options.battery, options.include_controls);
  if (options.items_per_family < 1) {
    throw Error(fmt::format("items per family must be at least 1, got {}",
                            options.items_per_family));
  }
  for (const auto& [family, level] : options.family_levels) {
    const bool listed = std::any_of(families.begin(), families.end(),
                                    [&](const FamilyInfo& info) { return info.name == family; });
    if (!listed) {
      throw Error(fmt::format("a level was given for family '{}', which battery '{}' does not "
                              "build{}",
                              family, options.battery,
                              options.include_controls ? "" : " (controls need include_controls)"));
    }
  }

  // Generate everything in memory first, so that nothing is written when a
  // family fails.
  BatteryManifest manifest;
  manifest.generator_version = kGeneratorVersion;
  manifest.battery = options.battery;
  manifest.seed = options.seed;
  std::vector<std::string> contents;
  for (const auto& family : families) {
    std::vector<int> levels;
    if (options.all_levels) {
      for (int level = family.min_level; level <= family.max_level; ++level) {
        levels.push_back(level);
      }
    } else {
      const auto found = options.family_levels.find(family.name);
      levels.push_back(found != options.family_levels.end() ? found->second
                                                            : options.default_level);
    }
    std::vector<ProbeItem> items;
    for (const int level : levels) {
      for (auto& item :
           generate_family_items(family.name, level, options.seed, options.items_per_family)) {
        items.push_back(std::move(item));
      }
    }
    std::sort(levels.begin(), levels.end());
    contents.push_back(items_text(items));
    manifest.families.push_back({family.name, family.name + ".jsonl", family.kind,
                                 static_cast<int>(items.size()), levels,
                                 sha256_bytes(contents.back()), false});
  }
  manifest.battery_hash = compute_battery_hash(manifest);

  // A frozen battery is only replaced with force.
  const fs::path manifest_path = dir / kManifestFile;
  std::vector<std::string> old_files;
  if (fs::exists(manifest_path)) {
    const nlohmann::json old_json = nlohmann::json::parse(read_file(manifest_path), nullptr, false);
    std::string old_hash = "(unreadable manifest)";
    if (!old_json.is_discarded() && old_json.is_object() && old_json.contains("battery_hash") &&
        old_json["battery_hash"].is_string()) {
      old_hash = old_json["battery_hash"].get<std::string>();
    }
    if (old_hash != manifest.battery_hash && !options.force) {
      throw Error(fmt::format("{} already holds a battery with battery_hash {}, and this build "
                              "gives {}; pass --force to replace it or choose another folder",
                              dir.string(), old_hash, manifest.battery_hash));
    }
    if (!old_json.is_discarded() && old_json.contains("families") && old_json["families"].is_array()) {
      for (const auto& entry : old_json["families"]) {
        if (entry.is_object() && entry.contains("family") && entry["family"].is_string() &&
            is_safe_family_name(entry["family"].get<std::string>())) {
          old_files.push_back(entry["family"].get<std::string>() + ".jsonl");
        }
      }
    }
  }

  fs::create_directories(dir);
  for (size_t i = 0; i < manifest.families.size(); ++i) {
    write_file_atomically(dir / manifest.families[i].file, contents[i]);
  }
  write_file_atomically(manifest_path, manifest_text(manifest));
  for (const auto& old_file : old_files) {
    const bool kept = std::any_of(manifest.families.begin(), manifest.families.end(),
                                  [&](const ManifestFamily& entry) { return entry.file == old_file; });
    if (!kept) {
      fs::remove(dir / old_file);
    }
  }
  return manifest;
}

BatteryManifest write_battery(const fs::path& dir, const std::string& battery, uint64_t seed,
                              int items_per_family, const std::map<std::string, int>& family_levels,
                              bool include_controls, bool force) {
  BatteryBuildOptions options;
  options.battery = battery;
  options.seed = seed;
  options.items_per_family = items_per_family;
  options.family_levels = family_levels;
  options.include_controls = include_controls;
  options.force = force;
  return write_battery(dir, options);
}

BatteryManifest add_user_family(const fs::path& dir, const fs::path& jsonl_path) {
  Battery battery = load_battery(dir);

  std::vector<ValidationProblem> problems;
  std::vector<ParsedItem> parsed = parse_items(read_file(jsonl_path), jsonl_path.string(), problems);
  if (parsed.empty() && problems.empty()) {
    problems.push_back({jsonl_path.string(), 0, "contains no items"});
  }
  const std::string family = parsed.empty() ? std::string() : parsed.front().item.family;
  std::set<std::string> ids;
  for (const auto& item : battery.items) {
    ids.insert(item.id);
  }
  check_family_items(parsed, family, jsonl_path.string(), ids, problems);
  if (!problems.empty()) {
    throw Error(fmt::format("cannot add {}: {}{}", jsonl_path.string(), problems.front().to_string(),
                            problems.size() > 1 ? fmt::format(" ({} problems in all)", problems.size())
                                                : std::string()),
                kExitBadInput);
  }
  if (!is_safe_family_name(family)) {
    throw Error(fmt::format("family name '{}' in {} must use only lowercase letters, digits, '_' "
                            "and '-', because it becomes the file name",
                            family, jsonl_path.string()));
  }
  const std::vector<std::string> existing = generated_family_names(battery.manifest);
  if (std::find(existing.begin(), existing.end(), family) != existing.end()) {
    throw Error(fmt::format("the battery in {} already has a family '{}'; rename the family in {}",
                            dir.string(), family, jsonl_path.string()));
  }
  std::vector<ProbeItem> items;
  for (auto& entry : parsed) {
    items.push_back(std::move(entry.item));
  }
  const ItemKind kind = items.front().kind;
  for (const auto& item : items) {
    if (item.kind != kind) {
      throw Error(fmt::format("{} mixes generate and choice items; a family has one kind",
                              jsonl_path.string()));
    }
  }

  // The copy in the battery is normalised (sorted keys, one object a line).
  const std::string content = items_text(items);
  BatteryManifest manifest = battery.manifest;
  manifest.families.push_back({family, family + ".jsonl", kind, static_cast<int>(items.size()),
                               sorted_levels(items), sha256_bytes(content), true});
  manifest.battery_hash = compute_battery_hash(manifest);
  write_file_atomically(dir / (family + ".jsonl"), content);
  write_file_atomically(dir / kManifestFile, manifest_text(manifest));
  log_info("added family {} ({} items) to {}; battery_hash is now {}", family, items.size(),
           dir.string(), manifest.battery_hash);
  return manifest;
}

}  // namespace qa
