// `quant-autopsy run`: one whole study, inspect -> ladder -> calibrate ->
// sweep -> analyze -> report -> report check. Every stage skips the work
// whose outputs are complete and current, so an interrupted run continues
// where it stopped when started again with the same arguments.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace qa {

// The registry key studied when no model is given: tinyllamas stories260K.
inline constexpr const char* kDefaultModelKey = "stories260k";

// Models below this many parameters get the `small` battery by default,
// because they cannot do the `core` battery's tasks above chance.
inline constexpr unsigned long long kSmallBatteryMaxParams = 100'000'000ULL;

struct RunOptions {
  std::string model;      // local path or hf:OWNER/REPO/FILE; empty: registry
  std::string model_key;  // registry key; empty with no model: kDefaultModelKey
  std::filesystem::path out;
  std::optional<std::string> battery;  // "core" or "small"; default by size
  std::string rungs;                   // comma-separated; empty: the default ladder
  std::optional<int> threads;
  // Calibration sizes: items per level in the level scan, and items per
  // family in the frozen battery (defaults of `calibrate` when unset).
  std::optional<int> items_per_level;
  std::optional<int> items;
  bool chat = false;
  bool allow_requantize = false;
  bool force = false;  // passed to analyze and report
  std::filesystem::path cache_dir;
  std::filesystem::path registry;  // local registry file; empty: looked up
};

// Runs the study and prints the summary on stdout. Throws qa::Error: exit 2
// for bad input, 3 when calibration finds too few usable families, 1 when
// the report check finds a mismatch.
void run_study(const RunOptions& options);

}  // namespace qa
