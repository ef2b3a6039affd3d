// Inputs of the transfer comparison, read from one analysed study folder:
// the battery hash, the ladder order, the calibration verdicts and the
// analysis CSVs written by `quant-autopsy analyze`.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace qa {

namespace fs = std::filesystem;

// The calibration gate's minimum number of usable families; a study below
// it was stopped before its sweep.
inline constexpr int kMinUsableFamiliesForTransfer = 5;

// One family's row of STUDY/analysis/death_order.csv.
struct FamilyDeath {
  std::optional<std::string> death_rung;  // nullopt when the family survives every rung
  bool persistent = false;
};

// One family's row of STUDY/analysis/calibration.csv.
struct FamilyBaseline {
  int n = 0;  // items at calibration; 0 when calibration.csv has no n column
  double accuracy = 0;
  bool usable = false;
  std::string reason;
};

struct StudyAnalysis {
  fs::path root;
  std::string model;         // from analysis/headline.csv, else the folder name
  std::string battery_hash;  // from battery/manifest.json, equal to analysis/settings.json's
  // Quantized rungs in ladder order (highest precision first), from
  // ladder/manifest.json. A rung's position in this list is its rank.
  std::vector<std::string> ladder_rungs;
  std::map<std::string, FamilyBaseline> baselines;  // family -> calibration row
  std::map<std::string, FamilyDeath> deaths;        // usable family -> death_order row
  // Rungs present in paired_significance.csv, in ladder order.
  std::vector<std::string> analysed_rungs;
  // rung -> families marked degraded at that rung in paired_significance.csv.
  std::map<std::string, std::set<std::string>> degraded;

  std::set<std::string> usable_families() const;
  // Position of a rung in ladder_rungs; throws qa::Error naming the study when absent.
  int rung_position(const std::string& rung) const;
};

// Reads one study folder. Throws qa::Error (exit status 2) that names the
// missing or malformed file and the command to run, for example
// `quant-autopsy analyze STUDY` for a study without analysis/.
StudyAnalysis load_study_analysis(const fs::path& root);

}  // namespace qa
