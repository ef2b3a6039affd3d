// Loads what `analyze` reads from a study folder into an AnalysisInput:
// STUDY/results.sqlite (through ResultsStore), STUDY/ladder/manifest.json
// (ladder order, bits per weight, identical_to) and
// STUDY/analysis/calibration.csv (which families have a usable baseline).
#pragma once

#include <map>
#include <set>
#include <string>

#include "analysis/study_analysis.h"
#include "common/study.h"
#include "ladder/manifest.h"

namespace qa::analysis {

// Rungs to compare with the reference: noise-floor rungs that have rows
// ("reference-rerun", then "F16"), then the manifest's rungs from the most to
// the fewest bits per weight (ties in manifest order) with failed rungs left out. A rung with identical_to reads the rows
// of the rung it names (following chains). `rungs_with_rows` are the rung
// names present in the store.
std::vector<RungSpec> plan_rungs(const LadderManifest& manifest,
                                 const std::set<std::string>& rungs_with_rows);

// Parses calibration.csv, one row per family with columns family, level, n,
// accuracy, usable (true/false, 1/0 or yes/no) and reason.
// Throws qa::Error naming the file and line on a malformed row, and telling
// the user to run calibrate when the file is missing.
std::map<std::string, FamilyBaseline> read_calibration(const fs::path& path);

// The model's name for the tables: the reference file's name without .gguf.
std::string model_name(const LadderManifest& manifest);

// Reads the study's three inputs. Throws qa::Error (kExitBadInput) naming the
// missing or malformed file and the command that writes it.
AnalysisInput load_analysis_input(const StudyLayout& layout, const AnalysisSettings& settings);

}  // namespace qa::analysis
