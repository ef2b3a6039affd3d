// `quant-autopsy analyze STUDY`: loads the study, runs the paired analysis
// and writes STUDY/analysis/{summary, paired_flip_table, paired_significance,
// death_order, death_persistence, fragility_index, flips_by_margin,
// headline}.csv and settings.json.
#pragma once

#include <string>
#include <vector>

#include "analysis/study_analysis.h"
#include "common/study.h"

namespace qa::analysis {

struct AnalyzeOptions {
  AnalysisSettings settings;
  // Replace a finished analysis whose files would change. Without it, a
  // rerun that would change any existing output throws qa::Error.
  bool force = false;
};

struct AnalyzeOutcome {
  AnalysisResult result;
  std::vector<std::string> written;    // files whose content changed or were new
  std::vector<std::string> unchanged;  // identical to the existing file, so not rewritten
};

// Runs the analysis. All files are rendered in memory first, so a failure
// leaves the previous analysis untouched; each file is then replaced
// atomically, settings.json last.
AnalyzeOutcome analyze_study(const StudyLayout& layout, const AnalyzeOptions& options);

}  // namespace qa::analysis
