// Everything a report is rendered from, loaded from a study folder: the
// analysis CSVs and settings, the ladder and battery manifests, and the
// order in which rungs and families are shown.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/study.h"
#include "ladder/manifest.h"
#include "report/source_tables.h"

namespace qa::report {

// Source names of the analysis outputs, relative to the study folder.
inline constexpr const char* kSummaryCsv = "analysis/summary.csv";
inline constexpr const char* kFlipTableCsv = "analysis/paired_flip_table.csv";
inline constexpr const char* kSignificanceCsv = "analysis/paired_significance.csv";
inline constexpr const char* kDeathOrderCsv = "analysis/death_order.csv";
inline constexpr const char* kPersistenceCsv = "analysis/death_persistence.csv";
inline constexpr const char* kFragilityCsv = "analysis/fragility_index.csv";
inline constexpr const char* kMarginCsv = "analysis/flips_by_margin.csv";
inline constexpr const char* kHeadlineCsv = "analysis/headline.csv";
inline constexpr const char* kCalibrationCsv = "analysis/calibration.csv";
inline constexpr const char* kSettingsJson = "analysis/settings.json";
inline constexpr const char* kLadderManifestJson = "ladder/manifest.json";
inline constexpr const char* kBatteryManifestJson = "battery/manifest.json";
// The evaluation settings of the store's first run, as a one-row table.
inline constexpr const char* kStoreRunSource = "results.sqlite#runs";

// The CSVs `quant-autopsy analyze` writes; all must exist before a report.
const std::vector<std::string>& analysis_csv_sources();

struct ReportInputs {
  StudyLayout layout;
  SourceTables tables;
  nlohmann::json settings;                 // analysis/settings.json as written
  std::optional<LadderManifest> ladder;    // absent when ladder/manifest.json is missing
  std::optional<nlohmann::json> battery_manifest;
  std::string model;                       // model name from summary.csv
  // Display order: the reference, noise-floor rungs, then the ladder rungs
  // highest precision first (the order of settings.json's ladder_rungs, then
  // of the ladder manifest, then of summary.csv).
  std::vector<std::string> rungs;
  std::vector<std::string> ladder_rungs;   // the quantized rungs only, same order
  std::vector<std::string> families;       // order of first appearance in summary.csv
};

// Loads the inputs. Throws qa::Error (kExitBadInput) naming the missing file
// and the command that writes it (`quant-autopsy analyze STUDY`, or
// `quant-autopsy calibrate STUDY` for calibration.csv).
ReportInputs load_report_inputs(const fs::path& study);

// sha256 over the names and bytes of every analysis input, which identifies
// the analysis a report was rendered from.
std::string analysis_fingerprint(const StudyLayout& layout);

// The rungs that measure noise rather than quantization.
bool is_noise_floor_rung(const std::string& rung);

// Column values of a table in row order, or empty when the column is absent.
std::vector<std::string> column_values(const CsvTable& table, const std::string& column);

}  // namespace qa::report
