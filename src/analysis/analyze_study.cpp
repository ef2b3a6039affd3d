#include "analysis/analyze_study.h"

#include <fmt/core.h>

#include "analysis/analysis_tables.h"
#include "analysis/study_inputs.h"
#include "common/error.h"
#include "common/files.h"
#include "common/log.h"

namespace qa::analysis {

AnalyzeOutcome analyze_study(const StudyLayout& layout, const AnalyzeOptions& options) {
  const AnalysisSettings& settings = options.settings;
  if (!(settings.alpha > 0 && settings.alpha < 1)) {
    throw Error(fmt::format("--alpha {} is outside (0, 1)", settings.alpha));
  }
  if (!(settings.delta >= 0 && settings.delta <= 1)) {
    throw Error(fmt::format("--delta {} is outside [0, 1]; give the net loss as a share of items, e.g. 0.05",
                            settings.delta));
  }
  // The bootstrap runs per (family, rung) test; a million resamples already
  // puts Monte Carlo error of the interval bounds far below 1e-3.
  constexpr int kMaxBootstrapResamples = 1'000'000;
  if (settings.bootstrap_resamples < 1 || settings.bootstrap_resamples > kMaxBootstrapResamples) {
    throw Error(fmt::format("--bootstrap {} is outside [1, {}]; the default is 10000",
                            settings.bootstrap_resamples, kMaxBootstrapResamples));
  }
  if (const size_t removed = remove_stale_study_temp_files(layout.root); removed > 0) {
    log_info("analyze: removed {} temporary files left by an interrupted run", removed);
  }

  const AnalysisInput input = load_analysis_input(layout, settings);
  AnalyzeOutcome outcome;
  outcome.result = analyze_rows(input);
  for (const NoiseFloor& noise : outcome.result.noise_floors) {
    if (noise.flip_rate && *noise.flip_rate >= settings.delta) {
      log_warn("analyze: the noise floor {} flips {} of items, at least delta = {}; degraded "
               "verdicts may reflect settings noise rather than quantization",
               noise.rung, *noise.flip_rate, settings.delta);
    }
  }

  const auto files = render_analysis_files(input, outcome.result);

  // A finished analysis is frozen: reject any change to an existing file unless forced.
  // Without settings.json the folder contains tables of an analysis that was
  // interrupted while writing, which this run may complete without --force.
  const fs::path settings_path = layout.analysis_dir() / "settings.json";
  const bool finished = fs::exists(settings_path);
  std::vector<std::string> changed;
  for (const auto& [name, content] : files) {
    const fs::path path = layout.analysis_dir() / name;
    if (!fs::exists(path)) {
      outcome.written.push_back(name);
    } else if (read_file(path) != content) {
      changed.push_back(name);
      outcome.written.push_back(name);
    } else {
      outcome.unchanged.push_back(name);
    }
  }
  if (!changed.empty() && finished && !options.force) {
    std::string list;
    for (const std::string& name : changed) {
      list += (list.empty() ? "" : ", ") + name;
    }
    throw Error(fmt::format("{} contains a finished analysis that differs from this run because "
                            "inputs or settings changed ({} would change); rerun with --force to "
                            "replace it",
                            layout.analysis_dir().string(), list));
  }

  if (outcome.written.empty()) {
    return outcome;
  }

  // settings.json is removed first and written last, so it exists only beside a
  // complete set of tables. A kill between the table renames leaves no
  // settings.json, and `report` rejects such a folder instead of mixing tables
  // of two analyses.
  std::error_code remove_error;
  fs::remove(settings_path, remove_error);
  if (remove_error) {
    throw Error(fmt::format("cannot remove {} before rewriting the analysis: {}",
                            settings_path.string(), remove_error.message()));
  }
  for (const std::string& name : outcome.written) {
    if (name != "settings.json") {
      write_file_atomically(layout.analysis_dir() / name, files.at(name));
    }
  }
  write_file_atomically(settings_path, files.at("settings.json"));
  return outcome;
}

}  // namespace qa::analysis
