// `quant-autopsy report STUDY [--force] [--check]`.
#include <fmt/core.h>

#include "cli/commands.h"
#include "common/error.h"
#include "common/log.h"
#include "report/report_writer.h"

namespace qa::cli {

namespace {

struct ReportArguments {
  std::string study;
  bool force = false;
  bool check = false;
};

void run_check(const std::string& study) {
  const auto result = report::check_report(study);
  for (const auto& mismatch : result.mismatches) {
    fmt::print("{}\n", mismatch.to_string());
  }
  if (!result.mismatches.empty()) {
    throw Error(fmt::format("report check failed: {} mismatches in {}/report (claims checked: {}, "
                            "lines compared: {}); rerun `quant-autopsy report {} --force` to "
                            "write the report again from the analysis",
                            result.mismatches.size(), study, result.claims_checked,
                            result.lines_checked, study),
                kExitFailure);
  }
  log_info("report check passed: {} claims and {} lines in {} files match the analysis",
           result.claims_checked, result.lines_checked, result.files_checked);
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto arguments = std::make_shared<ReportArguments>();
  auto* command = app.add_subcommand(
      "report", "Write STUDY/report/: REPORT.md, index.html, plots and the report package; "
                "--check verifies every quoted number against the analysis CSVs");
  command->add_option("STUDY", arguments->study, "study folder with analysis/ written by analyze")
      ->required();
  command->add_flag("--force", arguments->force,
                    "overwrite a report folder written from another analysis");
  command->add_flag("--check", arguments->check,
                    "verify the existing report instead of writing it (exit status 1 on any "
                    "mismatch)");
  command->callback([arguments] {
    if (arguments->check) {
      run_check(arguments->study);
      return;
    }
    const auto summary = report::write_report(arguments->study, {arguments->force});
    fmt::print("{}\n", (summary.report_dir / "REPORT.md").string());
  });
}

}  // namespace qa::cli
