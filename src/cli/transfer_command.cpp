// quant-autopsy transfer STUDY_A STUDY_B [STUDY_C ...] --out DIR
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "analysis/transfer.h"
#include "analysis/transfer_report.h"
#include "cli/commands.h"
#include "common/error.h"

namespace qa::cli {

namespace {

struct TransferCommandOptions {
  std::vector<std::string> studies;
  std::string out;
  TransferOptions transfer;
  bool force = false;
};

}  // namespace

void add_transfer_command(CLI::App& app) {
  auto options = std::make_shared<TransferCommandOptions>();
  auto* command = app.add_subcommand(
      "transfer",
      "Compare analysed studies of different models on the same battery: death-order agreement "
      "(Kendall tau-b, permutation p), Jaccard agreement of degraded sets, the headline table "
      "and whether \"safe at Q4_K_M / Q3_K_M\" carries over");
  command->add_option("studies", options->studies,
                      "Two or more study folders, each analysed by `quant-autopsy analyze`")
      ->required();
  command->add_option("--out", options->out,
                      "Output folder for transfer_pairs.csv, transfer_families.csv, "
                      "headline.csv, TRANSFER.md and TRANSFER.html")
      ->required();
  command->add_option("--permutations", options->transfer.permutations,
                      "Random permutations for the p value of tau-b")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  command->add_option("--seed", options->transfer.seed,
                      "Seed of the SplitMix64 generator that draws the permutations")
      ->capture_default_str();
  command->add_option("--alpha", options->transfer.alpha,
                      "Significance level of the permutation test in the verdict")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command->add_flag("--force", options->force, "Replace transfer outputs already in --out");

  command->callback([options] {
    if (options->studies.size() < 2) {
      throw Error(fmt::format("transfer needs at least two study folders, got {}",
                              options->studies.size()));
    }
    const std::vector<fs::path> studies(options->studies.begin(), options->studies.end());
    const TransferResult result =
        run_transfer(studies, options->out, options->transfer, options->force);
    fmt::print("{}\n{}\n", verdict_text(result.verdict), result.verdict_reason);
    fmt::print("wrote {}\n", (fs::path(options->out) / "TRANSFER.md").string());
  });
}

}  // namespace qa::cli
