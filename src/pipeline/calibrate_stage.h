// Calibration evaluates the reference model on every difficulty level of
// every family and picks, per family, the level whose accuracy is closest to
// the target inside the usable band. It freezes the battery at those levels
// and evaluates the reference on the frozen battery. Those rows are stored as
// rung "reference", so the sweep does not evaluate them again.
//
// With battery_from, the other study's frozen battery is copied as it is
// (same items, same battery hash) and only the reference is evaluated: the
// first step of comparing death orders across models.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "analysis/baseline.h"
#include "probes/battery.h"

namespace qa {

// Families with a usable baseline that a study needs before a sweep is worth
// running: fewer cannot give a death order.
inline constexpr int kMinUsableFamilies = 5;

struct CalibrateOptions {
  std::filesystem::path study;
  std::string battery = "core";
  int items_per_level = 40;
  int frozen_items = kDefaultItemsPerFamily;
  uint64_t seed = 1;
  std::optional<std::filesystem::path> battery_from;  // other study folder
  std::optional<std::filesystem::path> model;         // recorded in study.json
  std::optional<int> threads;
  bool chat = false;
  bool include_controls = false;  // freeze and evaluate the control families too
  bool force = false;             // re-freeze a battery, accept other settings
  bool wait_for_lock = false;
  BaselineRule rule;
  int min_usable_families = kMinUsableFamilies;
};

// One scanned (family, level) of the level scan.
struct LevelScan {
  std::string family;
  ItemKind kind = ItemKind::kChoice;
  int level = 0;
  int n = 0;
  int n_correct = 0;
  double chance = 0;
  bool in_band = false;
  bool chosen = false;
  std::string note;  // why the level has no items, when n == 0

  double accuracy() const { return n == 0 ? 0.0 : static_cast<double>(n_correct) / n; }
};

// The reference on one family of the frozen battery, with the verdict.
struct FamilyCalibration {
  std::string family;
  ItemKind kind = ItemKind::kChoice;
  int level = 0;
  int n = 0;
  int n_correct = 0;
  double chance = 0;
  bool control = false;
  BaselineVerdict verdict;

  double accuracy() const { return n == 0 ? 0.0 : static_cast<double>(n_correct) / n; }
};

struct CalibrationResult {
  std::vector<LevelScan> levels;  // empty with battery_from
  std::vector<FamilyCalibration> families;
  int usable_families = 0;  // control families not counted
};

// Picks the index into `scans` (one family's levels) of the level to freeze.
// That is the in-band level closest to rule.target_accuracy, or without one
// the level closest to the band. Ties go to the easier level. Returns -1 when
// no level has items.
int choose_level(const std::vector<LevelScan>& scans, const BaselineRule& rule);

// Runs calibration and writes STUDY/analysis/calibration.csv (and
// calibration_levels.csv after a level scan). Throws qa::Error with
// kExitUnusableBaseline, after writing the CSVs, when fewer than
// min_usable_families families are usable.
CalibrationResult run_calibration(const CalibrateOptions& options);

}  // namespace qa
