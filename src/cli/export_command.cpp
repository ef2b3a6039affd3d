// quant-autopsy export STUDY --format csv|jsonl: writes the responses table
// out, as CSV or as JSONL in lm-evaluation-harness's --log_samples layout.
#include <memory>
#include <string>

#include <fmt/core.h>

#include "cli/commands.h"
#include "common/files.h"
#include "common/log.h"
#include "common/study.h"
#include "pipeline/evaluation_inputs.h"
#include "store/export.h"
#include "store/results_store.h"

namespace qa::cli {

namespace {

struct ExportArguments {
  std::string study;
  std::string format = "csv";
  std::string out;
  std::string rung;
};

void run_export(const ExportArguments& arguments) {
  const StudyLayout layout{arguments.study};
  const ResultsStore store = ResultsStore::open_readonly(layout.results_db());
  const auto rows = store.responses(arguments.rung);

  std::string content;
  if (arguments.format == "csv") {
    content = responses_to_csv(rows);
  } else {
    content = responses_to_jsonl(rows, load_study_battery(layout).items);
  }

  const fs::path out = arguments.out.empty()
                           ? layout.root / "export" / ("responses." + arguments.format)
                           : fs::path(arguments.out);
  write_file_atomically(out, content);
  log_info("export: wrote {} responses to {}", rows.size(), out.string());
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto arguments = std::make_shared<ExportArguments>();
  auto* command = app.add_subcommand(
      "export", "Write the results store's responses as CSV or as lm-eval style JSONL");
  command->add_option("study", arguments->study, "Study folder")->required();
  command->add_option("--format", arguments->format,
                      "csv (one row per response) or jsonl (lm-evaluation-harness "
                      "--log_samples layout)")
      ->capture_default_str()
      ->check(CLI::IsMember({"csv", "jsonl"}));
  command->add_option("--out", arguments->out,
                      "Output file; default STUDY/export/responses.csv or .jsonl");
  command->add_option("--rung", arguments->rung, "Export only this rung's rows");
  command->callback([arguments] { run_export(*arguments); });
}

}  // namespace qa::cli
