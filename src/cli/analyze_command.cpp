#include <fmt/core.h>

#include "analysis/analyze_study.h"
#include "cli/commands.h"
#include "common/log.h"

namespace qa::cli {

void add_analyze_command(CLI::App& app) {
  struct Arguments {
    std::string study;
    analysis::AnalyzeOptions options;
  };
  auto arguments = std::make_shared<Arguments>();

  auto* command = app.add_subcommand(
      "analyze", "Paired statistics, death order, persistence and fragility; writes STUDY/analysis/");
  command->add_option("STUDY", arguments->study, "Study folder with results.sqlite, ladder/ and "
                                                 "analysis/calibration.csv")
      ->required();
  command->add_option("--alpha", arguments->options.settings.alpha,
                      "Significance level for the Holm-adjusted exact McNemar p value")
      ->capture_default_str();
  command->add_option("--delta", arguments->options.settings.delta,
                      "Minimum net loss (b - c) / n, a share of items, for a degraded rung")
      ->capture_default_str();
  command->add_option("--bootstrap", arguments->options.settings.bootstrap_resamples,
                      "Paired bootstrap resamples for the accuracy-difference interval")
      ->capture_default_str();
  command->add_option("--seed", arguments->options.settings.seed, "Seed of the bootstrap resamples")
      ->capture_default_str();
  command->add_flag("--force", arguments->options.force,
                    "Replace a finished analysis whose files would change");

  command->callback([arguments] {
    const StudyLayout layout{arguments->study};
    const auto outcome = analysis::analyze_study(layout, arguments->options);

    const auto& result = outcome.result;
    int died = 0;
    for (const auto& death : result.deaths) {
      died += death.death_rung ? 1 : 0;
    }
    log_info("analyze: {} families ({} usable, {} excluded), {} ladder rungs, {} Holm tests; "
             "{} usable families degrade; headline: {}",
             result.families.size(), result.deaths.size(), result.excluded_families.size(),
             result.ladder_rungs.size(), result.holm_family_size, died,
             result.headline.conclusion);
    log_info("analyze: wrote {} files to {} ({} unchanged)", outcome.written.size(),
             layout.analysis_dir().string(), outcome.unchanged.size());
  });
}

}  // namespace qa::cli
