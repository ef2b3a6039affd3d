#include "report/report_inputs.h"

#include <algorithm>

#include <fmt/core.h>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "store/results_store.h"

namespace qa::report {

const std::vector<std::string>& analysis_csv_sources() {
  static const std::vector<std::string> sources = {
      kSummaryCsv,     kFlipTableCsv, kSignificanceCsv, kDeathOrderCsv, kPersistenceCsv,
      kFragilityCsv,   kMarginCsv,    kHeadlineCsv,     kCalibrationCsv,
  };
  return sources;
}

bool is_noise_floor_rung(const std::string& rung) {
  return rung == kReferenceRerunRung || rung == kF16NoiseRung;
}

std::vector<std::string> column_values(const CsvTable& table, const std::string& column) {
  std::vector<std::string> values;
  for (size_t i = 0; i < table.header.size(); ++i) {
    if (table.header[i] != column) {
      continue;
    }
    for (const auto& row : table.rows) {
      values.push_back(row[i]);
    }
  }
  return values;
}

namespace {

void require_file(const StudyLayout& layout, const std::string& source) {
  const fs::path path = layout.root / source;
  if (fs::exists(path)) {
    return;
  }
  const bool calibration = source == kCalibrationCsv;
  throw Error(fmt::format("{} not found: the study has no {}; run `quant-autopsy {} {}` first",
                          path.string(), calibration ? "calibration" : "analysis",
                          calibration ? "calibrate" : "analyze", layout.root.string()),
              kExitBadInput);
}

nlohmann::json read_json(const fs::path& path) {
  try {
    return nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& error) {
    throw Error(fmt::format("{}: invalid JSON ({}); rerun the step that writes it",
                            path.string(), error.what()),
                kExitBadInput);
  }
}

// The ladder manifest as a table, one row per rung plus the reference, so
// sizes, hashes and bits per weight are quoted like any other cell.
CsvTable ladder_table(const LadderManifest& manifest) {
  CsvTable table;
  table.header = {"name", "file", "size_bytes", "sha256", "bits_per_weight",
                  "n_fallback", "identical_to", "status"};
  const auto& reference = manifest.reference;
  table.rows.push_back({kReferenceRung, reference.path, std::to_string(reference.size_bytes),
                        reference.sha256, format_double(reference.bits_per_weight), "0", "",
                        "ok"});
  for (const auto& rung : manifest.rungs) {
    table.rows.push_back({rung.name, rung.file, std::to_string(rung.size_bytes), rung.sha256,
                          format_double(rung.bits_per_weight), std::to_string(rung.n_fallback),
                          rung.identical_to.value_or(""), rung.status});
  }
  for (size_t i = 0; i < table.rows.size(); ++i) {
    table.row_lines.push_back(i + 1);
  }
  return table;
}

CsvTable store_run_table(const RunSettings& run) {
  CsvTable table;
  table.header = {"threads", "n_ctx", "n_batch", "n_ubatch", "n_parallel", "prompt_format",
                  "llama_cpp_commit", "battery_hash", "tool_version"};
  table.rows.push_back({std::to_string(run.threads), std::to_string(run.n_ctx),
                        std::to_string(run.n_batch), std::to_string(run.n_ubatch),
                        std::to_string(run.n_parallel), run.prompt_format, run.llama_cpp_commit,
                        run.battery_hash, run.tool_version});
  table.row_lines.push_back(1);
  return table;
}

void append_unique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) {
    list.push_back(value);
  }
}

}  // namespace

ReportInputs load_report_inputs(const fs::path& study) {
  ReportInputs inputs;
  inputs.layout.root = study;
  if (!fs::is_directory(study)) {
    throw Error(fmt::format("study folder {} not found", study.string()), kExitBadInput);
  }

  for (const auto& source : analysis_csv_sources()) {
    require_file(inputs.layout, source);
    inputs.tables.add(source, read_csv(study / source));
  }
  require_file(inputs.layout, kSettingsJson);
  inputs.settings = read_json(study / kSettingsJson);
  inputs.tables.add(kSettingsJson, flatten_json_object(inputs.settings));

  if (fs::exists(study / kLadderManifestJson)) {
    try {
      inputs.ladder = read_json(study / kLadderManifestJson).get<LadderManifest>();
    } catch (const nlohmann::json::exception& error) {
      throw Error(fmt::format("{}: invalid ladder manifest ({}); rerun `quant-autopsy ladder`",
                              (study / kLadderManifestJson).string(), error.what()),
                  kExitBadInput);
    }
    inputs.tables.add(kLadderManifestJson, ladder_table(*inputs.ladder));
  }
  if (fs::exists(study / kBatteryManifestJson)) {
    inputs.battery_manifest = read_json(study / kBatteryManifestJson);
    inputs.tables.add(kBatteryManifestJson, flatten_json_object(*inputs.battery_manifest));
  }

  if (fs::exists(inputs.layout.results_db())) {
    try {
      const auto store = ResultsStore::open_readonly(inputs.layout.results_db());
      if (const auto run = store.first_run_settings()) {
        inputs.tables.add(kStoreRunSource, store_run_table(*run));
      }
    } catch (const Error& error) {
      log_warn("report: evaluation settings left out, {} is unreadable: {}",
               inputs.layout.results_db().string(), error.what());
    }
  }

  const CsvTable& summary = inputs.tables.table(kSummaryCsv);
  const auto models = column_values(summary, "model");
  inputs.model = models.empty() ? "" : models.front();
  for (const auto& family : column_values(summary, "family")) {
    append_unique(inputs.families, family);
  }

  const auto summary_rungs = column_values(summary, "rung");
  auto in_summary = [&summary_rungs](const std::string& rung) {
    return std::find(summary_rungs.begin(), summary_rungs.end(), rung) != summary_rungs.end();
  };
  inputs.rungs.push_back(kReferenceRung);
  for (const auto& rung : summary_rungs) {
    if (is_noise_floor_rung(rung)) {
      append_unique(inputs.rungs, rung);
    }
  }
  if (inputs.settings.contains("ladder_rungs") && inputs.settings["ladder_rungs"].is_array()) {
    for (const auto& rung : inputs.settings["ladder_rungs"]) {
      if (rung.is_string() && in_summary(rung.get<std::string>())) {
        append_unique(inputs.rungs, rung.get<std::string>());
      }
    }
  }
  if (inputs.ladder) {
    for (const auto& rung : inputs.ladder->rungs) {
      if (in_summary(rung.name)) {
        append_unique(inputs.rungs, rung.name);
      }
    }
  }
  for (const auto& rung : summary_rungs) {
    append_unique(inputs.rungs, rung);
  }
  for (const auto& rung : inputs.rungs) {
    if (rung != kReferenceRung && !is_noise_floor_rung(rung)) {
      inputs.ladder_rungs.push_back(rung);
    }
  }
  return inputs;
}

std::string analysis_fingerprint(const StudyLayout& layout) {
  std::string digest_input;
  std::vector<std::string> sources = analysis_csv_sources();
  sources.push_back(kSettingsJson);
  for (const auto& source : sources) {
    const fs::path path = layout.root / source;
    digest_input += source + "\n" + (fs::exists(path) ? sha256_file(path) : "missing") + "\n";
  }
  return sha256_bytes(digest_input);
}

}  // namespace qa::report
