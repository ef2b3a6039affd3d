#include "analysis/transfer_inputs.h"

#include <algorithm>
#include <cctype>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "common/error.h"
#include "common/files.h"
#include "common/study.h"
#include "ladder/manifest.h"

namespace qa {

namespace {

// Reads a file that an earlier step writes. The error for a missing file
// names the command that writes it.
std::string read_step_output(const fs::path& path, const std::string& step_command) {
  if (!fs::exists(path)) {
    throw Error(fmt::format("{} not found: run `{}` first", path.string(), step_command));
  }
  return read_file(path);
}

CsvTable read_step_csv(const fs::path& path, const std::string& step_command) {
  return parse_csv(read_step_output(path, step_command), path.string());
}

nlohmann::json parse_json_file(const fs::path& path, const std::string& step_command) {
  const std::string text = read_step_output(path, step_command);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& error) {
    throw Error(fmt::format("{}: invalid JSON ({}); rerun `{}`", path.string(), error.what(),
                            step_command));
  }
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return text;
}

bool parse_flag(const std::string& value, const CsvTable& table, size_t row,
                const fs::path& path) {
  const std::string lowered = lowercase(value);
  if (lowered == "true" || lowered == "1" || lowered == "yes") {
    return true;
  }
  if (lowered == "false" || lowered == "0" || lowered == "no" || lowered.empty()) {
    return false;
  }
  throw Error(fmt::format("{}:{}: expected true or false, got '{}'", path.string(),
                          table.row_lines[row], value));
}

// death_order.csv marks a family that never dies with an empty death rung or
// the word "survives" (either column may carry it).
bool is_survivor_marker(const std::string& value) {
  const std::string lowered = lowercase(value);
  return lowered.empty() || lowered == "survives" || lowered == "none" || lowered == "-";
}

std::string read_battery_hash(const StudyLayout& layout, const std::string& study) {
  const nlohmann::json manifest =
      parse_json_file(layout.battery_manifest(), "quant-autopsy calibrate " + study);
  if (!manifest.contains("battery_hash") || !manifest["battery_hash"].is_string()) {
    throw Error(fmt::format("{}: no battery_hash string; rerun `quant-autopsy calibrate {}`",
                            layout.battery_manifest().string(), study));
  }
  return manifest["battery_hash"].get<std::string>();
}

void check_analysis_battery(const StudyLayout& layout, const std::string& study,
                            const std::string& battery_hash) {
  const fs::path settings_path = layout.analysis_dir() / "settings.json";
  const std::string analyze = "quant-autopsy analyze " + study;
  const nlohmann::json settings = parse_json_file(settings_path, analyze);
  if (!settings.contains("battery_hash") || !settings["battery_hash"].is_string()) {
    throw Error(fmt::format("{}: no battery_hash string; rerun `{}`", settings_path.string(),
                            analyze));
  }
  const std::string analysed_hash = settings["battery_hash"].get<std::string>();
  if (analysed_hash != battery_hash) {
    throw Error(fmt::format(
        "{}: the analysis used battery {} but {} contains battery {}; rerun `{} --force`",
        settings_path.string(), analysed_hash, layout.battery_manifest().string(), battery_hash,
        analyze));
  }
}

std::vector<std::string> read_ladder_rungs(const StudyLayout& layout, const std::string& study) {
  const nlohmann::json json =
      parse_json_file(layout.ladder_manifest(), "quant-autopsy ladder MODEL.gguf --out " + study);
  LadderManifest manifest;
  try {
    manifest = json.get<LadderManifest>();
  } catch (const nlohmann::json::exception& error) {
    throw Error(fmt::format("{}: not a ladder manifest ({})", layout.ladder_manifest().string(),
                            error.what()));
  }

  std::vector<std::string> rungs;
  for (const auto& rung : manifest.rungs) {
    rungs.push_back(rung.name);
  }
  return rungs;
}

std::map<std::string, FamilyBaseline> read_baselines(const StudyLayout& layout,
                                                     const std::string& study) {
  const fs::path path = layout.calibration_csv();
  const CsvTable table = read_step_csv(path, "quant-autopsy calibrate " + study);
  const size_t family = table.column("family", path.string());
  const size_t usable = table.column("usable", path.string());
  const size_t reason = table.column("reason", path.string());
  // n and accuracy only feed the sample-size caveat, so older files without
  // them are still read.
  const auto has_column = [&](const char* name) {
    return std::find(table.header.begin(), table.header.end(), name) != table.header.end();
  };
  const bool has_counts = has_column("n") && has_column("accuracy");

  std::map<std::string, FamilyBaseline> baselines;
  for (size_t row = 0; row < table.rows.size(); ++row) {
    const auto& fields = table.rows[row];
    FamilyBaseline baseline;
    if (has_counts) {
      try {
        baseline.n = std::stoi(fields[table.column("n")]);
        baseline.accuracy = std::stod(fields[table.column("accuracy")]);
      } catch (const std::exception&) {
        throw Error(fmt::format("{}:{}: n or accuracy is not a number", path.string(),
                                table.row_lines[row]));
      }
    }
    baseline.usable = parse_flag(fields[usable], table, row, path);
    baseline.reason = fields[reason];
    baselines[fields[family]] = baseline;
  }
  return baselines;
}

// Names the step a study needs before it can be analysed, judged from the
// files that earlier steps write.
std::string missing_analysis_advice(const StudyLayout& layout) {
  const std::string study = layout.root.string();
  if (!fs::exists(layout.calibration_csv()) || !fs::exists(layout.battery_manifest())) {
    return fmt::format("run `quant-autopsy calibrate {}` (with --battery-from STUDY_A for a "
                       "transfer study), then sweep and analyze",
                       study);
  }

  const std::map<std::string, FamilyBaseline> baselines = read_baselines(layout, study);
  const auto usable = std::count_if(baselines.begin(), baselines.end(),
                                    [](const auto& entry) { return entry.second.usable; });
  if (usable < kMinUsableFamiliesForTransfer) {
    return fmt::format(
        "its calibration found {} families with a usable baseline, fewer than {}, so calibrate "
        "stopped it before the sweep; calibrate it again with another model, battery or item "
        "count before comparing it",
        usable, kMinUsableFamiliesForTransfer);
  }
  if (!fs::exists(layout.results_db())) {
    return fmt::format("run `quant-autopsy sweep {}` and then `quant-autopsy analyze {}`", study,
                       study);
  }
  return fmt::format("run `quant-autopsy analyze {}` first", study);
}

}  // namespace

std::set<std::string> StudyAnalysis::usable_families() const {
  std::set<std::string> families;
  for (const auto& [family, baseline] : baselines) {
    if (baseline.usable) {
      families.insert(family);
    }
  }
  return families;
}

int StudyAnalysis::rung_position(const std::string& rung) const {
  const auto found = std::find(ladder_rungs.begin(), ladder_rungs.end(), rung);
  if (found == ladder_rungs.end()) {
    throw Error(fmt::format("{}: rung {} is not in the ladder manifest {}", root.string(), rung,
                            StudyLayout{root}.ladder_manifest().string()));
  }
  return static_cast<int>(found - ladder_rungs.begin());
}

StudyAnalysis load_study_analysis(const fs::path& root) {
  if (!fs::is_directory(root)) {
    throw Error(fmt::format("study folder {} not found", root.string()));
  }
  StudyAnalysis study;
  study.root = root;
  const StudyLayout layout{root};
  const std::string name = root.string();
  const std::string analyze = "quant-autopsy analyze " + name;

  if (!fs::exists(layout.analysis_dir() / "death_order.csv")) {
    throw Error(fmt::format("{} has no analysis ({} not found): {}", name,
                            (layout.analysis_dir() / "death_order.csv").string(),
                            missing_analysis_advice(layout)));
  }

  study.battery_hash = read_battery_hash(layout, name);
  check_analysis_battery(layout, name, study.battery_hash);
  study.ladder_rungs = read_ladder_rungs(layout, name);
  study.baselines = read_baselines(layout, name);

  // The model name as the analysis reported it.
  const fs::path headline_path = layout.analysis_dir() / "headline.csv";
  const CsvTable headline = read_step_csv(headline_path, analyze);
  const size_t model_column = headline.column("model", headline_path.string());
  study.model = headline.rows.empty() ? root.filename().string()
                                      : headline.rows.front()[model_column];
  if (study.model.empty()) {
    study.model = root.filename().string();
  }

  // Death order of the usable families.
  const fs::path death_path = layout.analysis_dir() / "death_order.csv";
  const CsvTable deaths = read_step_csv(death_path, analyze);
  const size_t family_column = deaths.column("family", death_path.string());
  const size_t rung_column = deaths.column("death_rung", death_path.string());
  const size_t persistent_column = deaths.column("persistent", death_path.string());
  const std::set<std::string> usable = study.usable_families();
  for (size_t row = 0; row < deaths.rows.size(); ++row) {
    const auto& fields = deaths.rows[row];
    if (!usable.contains(fields[family_column])) {
      continue;
    }
    FamilyDeath death;
    if (!is_survivor_marker(fields[rung_column])) {
      death.death_rung = fields[rung_column];
      study.rung_position(*death.death_rung);
    }
    const std::string persistent = lowercase(fields[persistent_column]);
    death.persistent = persistent == "true" || persistent == "yes" || persistent == "1";
    study.deaths[fields[family_column]] = death;
  }
  for (const auto& family : usable) {
    if (!study.deaths.contains(family)) {
      throw Error(fmt::format(
          "{}: family {} is usable in calibration.csv but has no row; rerun `{} --force`",
          death_path.string(), family, analyze));
    }
  }

  // Degraded sets per rung, for the Jaccard agreement.
  const fs::path significance_path = layout.analysis_dir() / "paired_significance.csv";
  const CsvTable significance = read_step_csv(significance_path, analyze);
  const size_t sig_family = significance.column("family", significance_path.string());
  const size_t sig_rung = significance.column("rung", significance_path.string());
  const size_t sig_degraded = significance.column("degraded", significance_path.string());
  std::set<std::string> analysed;
  for (size_t row = 0; row < significance.rows.size(); ++row) {
    const auto& fields = significance.rows[row];
    const std::string& rung = fields[sig_rung];
    // Noise-floor rungs (the reference rerun) are not on the ladder and
    // never count as quantization deaths.
    if (std::find(study.ladder_rungs.begin(), study.ladder_rungs.end(), rung) ==
        study.ladder_rungs.end()) {
      continue;
    }
    analysed.insert(rung);
    study.degraded[rung];
    if (usable.contains(fields[sig_family]) &&
        parse_flag(fields[sig_degraded], significance, row, significance_path)) {
      study.degraded[rung].insert(fields[sig_family]);
    }
  }
  for (const auto& rung : study.ladder_rungs) {
    if (analysed.contains(rung)) {
      study.analysed_rungs.push_back(rung);
    }
  }
  return study;
}

}  // namespace qa
