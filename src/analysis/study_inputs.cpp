#include "analysis/study_inputs.h"

#include <algorithm>
#include <set>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "store/results_store.h"

namespace qa::analysis {

namespace {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char character) { return static_cast<char>(std::tolower(character)); });
  return text;
}

LadderManifest read_ladder_manifest(const StudyLayout& layout) {
  const fs::path path = layout.ladder_manifest();
  if (!fs::exists(path)) {
    throw Error(fmt::format("ladder manifest {} not found; run 'quant-autopsy ladder MODEL.gguf' "
                            "for this study first",
                            path.string()));
  }
  try {
    return nlohmann::json::parse(read_file(path)).get<LadderManifest>();
  } catch (const nlohmann::json::exception& error) {
    throw Error(fmt::format("ladder manifest {} is invalid ({}); rebuild it with 'quant-autopsy "
                            "ladder'",
                            path.string(), error.what()));
  }
}

// The rung whose rows a rung uses: itself, or the end of its identical_to chain.
std::string resolve_rows_rung(const LadderManifest& manifest, const RungEntry& rung) {
  std::string name = rung.name;
  std::optional<std::string> next = rung.identical_to;
  std::set<std::string> seen = {name};
  while (next) {
    if (!seen.insert(*next).second) {
      throw Error(fmt::format("ladder manifest: identical_to of rung {} forms a cycle through {}",
                              rung.name, *next));
    }
    name = *next;
    const auto target = std::find_if(manifest.rungs.begin(), manifest.rungs.end(),
                                      [&](const RungEntry& entry) { return entry.name == name; });
    next = target == manifest.rungs.end() ? std::nullopt : target->identical_to;
  }
  return name;
}

// Throws when the study's frozen battery is not the battery the results store
// was written for, because rows of two batteries cannot be paired. A study
// without STUDY/battery/manifest.json is not checked.
void check_store_battery(const StudyLayout& layout, const std::string& store_hash) {
  const fs::path path = layout.battery_manifest();
  if (!fs::exists(path) || store_hash.empty()) {
    return;
  }
  std::string battery_hash;
  try {
    const nlohmann::json manifest = nlohmann::json::parse(read_file(path));
    battery_hash = manifest.at("battery_hash").get<std::string>();
  } catch (const nlohmann::json::exception& error) {
    throw Error(fmt::format("battery manifest {} is invalid ({}); check it with 'quant-autopsy "
                            "probes validate {}'",
                            path.string(), error.what(), layout.battery_dir().string()));
  }
  if (battery_hash != store_hash) {
    throw Error(fmt::format(
        "results store {} belongs to battery {}, but {} contains battery {}; results of "
        "different batteries cannot be paired. Restore the battery the store was written for, "
        "or move the store aside and run the sweep again",
        layout.results_db().string(), store_hash, path.string(), battery_hash));
  }
}

}  // namespace

std::vector<RungSpec> plan_rungs(const LadderManifest& manifest,
                                 const std::set<std::string>& rungs_with_rows) {
  std::vector<RungSpec> rungs;
  if (rungs_with_rows.count(kReferenceRerunRung) > 0) {
    rungs.push_back({kReferenceRerunRung, manifest.reference.bits_per_weight, kReferenceRerunRung,
                     true});
  }

  const auto f16_entry = std::find_if(manifest.rungs.begin(), manifest.rungs.end(),
                                      [](const RungEntry& entry) { return entry.name == kF16NoiseRung; });
  if (rungs_with_rows.count(kF16NoiseRung) > 0 || f16_entry != manifest.rungs.end()) {
    // An F16 copy has 16 bits per weight unless the manifest measured otherwise.
    const double bits = f16_entry != manifest.rungs.end() ? f16_entry->bits_per_weight : 16.0;
    rungs.push_back({kF16NoiseRung, bits, kF16NoiseRung, true});
  }

  for (const RungEntry& entry : manifest.rungs) {
    if (entry.name == kF16NoiseRung) {
      continue;
    }
    if (entry.status != "ok") {
      log_warn("analyze: rung {} has status '{}' in the ladder manifest; it is left out",
               entry.name, entry.status);
      continue;
    }
    rungs.push_back({entry.name, entry.bits_per_weight, resolve_rows_rung(manifest, entry), false});
  }

  // Death rungs and persistence read "lower rung" as "later in this list", but
  // `ladder --rungs` takes any order, so the quantized rungs are put in order
  // of measured bits per weight, highest first. Ties keep the manifest order.
  const auto quantized = std::find_if(rungs.begin(), rungs.end(),
                                      [](const RungSpec& rung) { return !rung.noise_floor; });
  std::stable_sort(quantized, rungs.end(), [](const RungSpec& left, const RungSpec& right) {
    return left.bits_per_weight > right.bits_per_weight;
  });
  return rungs;
}

std::map<std::string, FamilyBaseline> read_calibration(const fs::path& path) {
  if (!fs::exists(path)) {
    throw Error(fmt::format("calibration file {} not found; run 'quant-autopsy calibrate' for "
                            "this study first",
                            path.string()));
  }
  const CsvTable table = read_csv(path);
  const size_t family_column = table.column("family", path.string());
  const size_t usable_column = table.column("usable", path.string());
  const size_t reason_column = table.column("reason", path.string());

  std::map<std::string, FamilyBaseline> baselines;
  for (size_t row = 0; row < table.rows.size(); ++row) {
    const auto& fields = table.rows[row];
    const std::string flag = lowercase(fields[usable_column]);
    FamilyBaseline baseline;
    if (flag == "true" || flag == "1" || flag == "yes") {
      baseline.usable = true;
    } else if (flag == "false" || flag == "0" || flag == "no") {
      baseline.usable = false;
    } else {
      throw Error(fmt::format("{}:{}: usable must be true or false, got '{}'; rerun "
                              "'quant-autopsy calibrate'",
                              path.string(), table.row_lines[row], fields[usable_column]));
    }
    baseline.reason = fields[reason_column];
    if (!baselines.emplace(fields[family_column], baseline).second) {
      throw Error(fmt::format("{}:{}: family {} appears twice; calibration.csv has one row per "
                              "family",
                              path.string(), table.row_lines[row], fields[family_column]));
    }
  }
  return baselines;
}

std::string model_name(const LadderManifest& manifest) {
  fs::path file = fs::path(manifest.reference.path).filename();
  if (file.extension() == ".gguf") {
    file.replace_extension();
  }
  return file.string();
}

AnalysisInput load_analysis_input(const StudyLayout& layout, const AnalysisSettings& settings) {
  const LadderManifest manifest = read_ladder_manifest(layout);

  AnalysisInput input;
  input.settings = settings;
  input.model = model_name(manifest);
  input.reference_bits_per_weight = manifest.reference.bits_per_weight;
  input.baselines = read_calibration(layout.calibration_csv());

  const ResultsStore store = ResultsStore::open_readonly(layout.results_db());
  input.battery_hash = store.battery_hash();
  check_store_battery(layout, input.battery_hash);
  input.rows = store.responses();

  std::set<std::string> rungs_with_rows;
  for (const ResponseRow& row : input.rows) {
    rungs_with_rows.insert(row.rung);
  }
  input.rungs = plan_rungs(manifest, rungs_with_rows);

  std::set<std::string> planned = {kReferenceRung};
  for (const RungSpec& rung : input.rungs) {
    planned.insert(rung.name);
    planned.insert(rung.rows_rung);
  }
  for (const std::string& rung : rungs_with_rows) {
    if (planned.count(rung) == 0) {
      log_warn("analyze: the results store has rows for rung {} which the ladder manifest {} "
               "does not list; they are ignored",
               rung, layout.ladder_manifest().string());
    }
  }
  return input;
}

}  // namespace qa::analysis
