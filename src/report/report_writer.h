// `quant-autopsy report STUDY` and `report STUDY --check`: writing the
// report folder, and verifying that its numbers still equal the CSVs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace qa::report {

struct ReportOptions {
  bool force = false;  // rewrite a report folder written from another analysis
};

struct ReportSummary {
  std::filesystem::path report_dir;
  size_t claims = 0;
  size_t files = 0;
};

// Renders plots, REPORT.md, index.html and the report package into
// STUDY/report/. Throws qa::Error (kExitBadInput) when the analysis is
// missing, gnuplot is missing, or the folder contains a report of another
// analysis and options.force is false.
ReportSummary write_report(const std::filesystem::path& study, const ReportOptions& options);

struct CheckMismatch {
  std::string file;  // relative to the study folder
  size_t line = 0;   // 0 when the problem concerns a whole file
  std::string message;

  std::string to_string() const;  // "FILE:LINE: MESSAGE" or "FILE: MESSAGE"
};

struct CheckResult {
  size_t claims_checked = 0;
  size_t lines_checked = 0;
  size_t files_checked = 0;
  std::vector<CheckMismatch> mismatches;
};

// Checks an existing report against the current analysis. Each claim of
// CLAIM_CHECK.csv is re-derived from its cell and compared with the text at
// its line and column. The documents are rendered again, and the numbers and
// names of every line are compared. index.html must equal a fresh rendering,
// and every file RESULTS_INDEX.md lists must exist. Throws qa::Error (kExitBadInput) only when
// the analysis itself is missing.
CheckResult check_report(const std::filesystem::path& study);

}  // namespace qa::report
