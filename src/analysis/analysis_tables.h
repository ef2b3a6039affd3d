// Renders an AnalysisResult as the CSV files and settings.json of
// STUDY/analysis/. Rendering is deterministic (no timestamps), so rerunning
// the analysis on unchanged inputs produces byte-identical files.
#pragma once

#include <map>
#include <string>

#include "analysis/study_analysis.h"

namespace qa::analysis {

// File name -> content for summary.csv, paired_flip_table.csv,
// paired_significance.csv, death_order.csv, death_persistence.csv,
// fragility_index.csv, flips_by_margin.csv, headline.csv and settings.json.
std::map<std::string, std::string> render_analysis_files(const AnalysisInput& input,
                                                         const AnalysisResult& result);

}  // namespace qa::analysis
