// Probe batteries: named sets of capability families, the seeded generators
// behind them, and the frozen on-disk form (FAMILY.jsonl files plus
// manifest.json with a sha256 per file and one battery_hash over all).
//
// Generation is deterministic: the same (family, level, seed, n_items) gives
// byte-identical items on any machine, because every random draw goes through
// the project's own splitmix64 generator and bounded mapping (no standard
// library distributions, no floating point in item text).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/item.h"

namespace qa {

namespace fs = std::filesystem;

// Bumped whenever any generator's output changes for a given seed.
inline constexpr const char* kGeneratorVersion = "1";
inline constexpr int kDefaultLevel = 3;
inline constexpr int kDefaultItemsPerFamily = 100;

struct FamilyInfo {
  std::string name;
  ItemKind kind = ItemKind::kChoice;
  std::string scorer;     // generate families only: the scorer of every item
  int min_level = 1;
  int max_level = 5;
  int num_choices = 0;    // choice families: choices per item; 0 for generate
  double chance_accuracy = 0.0;  // 1 / num_choices for choice families, 0 for generate
  bool control = false;   // built only when controls are requested
  std::string description;
};

struct BatteryInfo {
  std::string name;  // "core" or "small"
  std::string description;
  std::vector<FamilyInfo> families;  // controls included, marked control
};

// All batteries, in listing order.
const std::vector<BatteryInfo>& battery_infos();

// Throws qa::Error naming the battery and the known names when unknown.
const BatteryInfo& battery_info(const std::string& battery);

// The families a build of `battery` writes, in file order; control families
// only when include_controls is set.
std::vector<FamilyInfo> battery_families(const std::string& battery, bool include_controls);

// A generated family by name, from any battery. Throws qa::Error when unknown.
const FamilyInfo& family_info(const std::string& family);

// Generates the test split of one family at one level: n_items items with
// distinct prompts, ids "FAMILY-L<level>-<4-digit index>". Each prompt contains
// the family's k-shot examples, drawn from a few-shot split that shares no
// question with the test split. Choice families rotate the correct position
// evenly over the choices. Throws qa::Error when the family is unknown, the
// level is out of range, or the family cannot produce n_items distinct items
// at that level (the message gives the maximum).
std::vector<ProbeItem> generate_family_items(const std::string& family, int level, uint64_t seed,
                                             int n_items);

// One JSON line (no trailing newline) with keys in sorted order.
std::string item_to_json_line(const ProbeItem& item);

// Parses and checks one item object (schema, kinds, scorer name, answer
// index range). Throws qa::Error whose message names `where` (e.g.
// "battery/arithmetic.jsonl line 12").
ProbeItem item_from_json(const nlohmann::json& object, const std::string& where);

struct ManifestFamily {
  std::string family;
  std::string file;          // relative to the battery folder, e.g. "arithmetic.jsonl"
  ItemKind kind = ItemKind::kChoice;
  int item_count = 0;
  std::vector<int> levels;   // levels present in the file, ascending
  std::string sha256;        // of the file's bytes
  bool user_added = false;   // added by add_user_family, not generated
};

struct BatteryManifest {
  std::string generator_version;
  std::string battery;  // battery name the generated families came from
  uint64_t seed = 0;
  std::vector<ManifestFamily> families;
  std::string battery_hash;

  nlohmann::json to_json() const;
  // Throws qa::Error naming `source` when a field is missing or mistyped.
  static BatteryManifest from_json(const nlohmann::json& object, const std::string& source);
};

// sha256 over the generator version, battery name, seed and every family's
// (name, file, kind, count, levels, sha256, user_added), in manifest order.
std::string compute_battery_hash(const BatteryManifest& manifest);

struct BatteryBuildOptions {
  std::string battery = "core";
  uint64_t seed = 1;
  int items_per_family = kDefaultItemsPerFamily;
  int default_level = kDefaultLevel;
  std::map<std::string, int> family_levels;  // per-family level, overrides default_level
  bool all_levels = false;   // items_per_family items at every level of each family
  bool include_controls = false;
  bool force = false;        // replace a battery with another battery_hash
};

// Generates the battery in memory, then writes FAMILY.jsonl files and
// manifest.json (manifest last, each file through write_file_atomically).
// When dir already contains a manifest with another battery_hash, throws
// qa::Error unless options.force; with force, files of the old battery that
// the new one does not list are removed. Returns the manifest written.
BatteryManifest write_battery(const fs::path& dir, const BatteryBuildOptions& options);

// The same with positional arguments: family_levels gives each family's
// level; a family missing from the map gets kDefaultLevel.
BatteryManifest write_battery(const fs::path& dir, const std::string& battery, uint64_t seed,
                              int items_per_family, const std::map<std::string, int>& family_levels,
                              bool include_controls, bool force);

// Validates a user JSONL file of one family in the item schema and adds it
// to the battery in dir as FAMILY.jsonl, FAMILY being the items' `family`,
// which must not be in the battery yet. Rewrites manifest.json with the new
// battery_hash and returns the updated manifest.
BatteryManifest add_user_family(const fs::path& dir, const fs::path& jsonl_path);

struct Battery {
  fs::path dir;
  BatteryManifest manifest;
  std::vector<ProbeItem> items;  // families in manifest order, file order within

  std::vector<ProbeItem> family_items(const std::string& family) const;
};

// Reads and validates a battery folder. Throws qa::Error (kExitBadInput) at
// the first problem, naming the file and line number.
Battery load_battery(const fs::path& dir);

struct ValidationProblem {
  std::string file;  // the file's path (battery folder / file name), or the manifest's
  int line = 0;      // 1-based line number; 0 when the problem concerns a whole file
  std::string message;

  std::string to_string() const;  // "FILE line N: MESSAGE" or "FILE: MESSAGE"
};

// Checks everything load_battery checks (schema, duplicate ids and prompts,
// answer index range, levels, per-file sha256 and item count, battery_hash)
// and returns every problem found instead of stopping at the first.
std::vector<ValidationProblem> validate_battery(const fs::path& dir);

}  // namespace qa
