// quant-autopsy sweep STUDY: evaluates every rung x family x item of the
// frozen battery, resumable, with the noise floor rungs.
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <fmt/core.h>

#include "cli/commands.h"
#include "common/error.h"
#include "pipeline/sweep_stage.h"

namespace qa::cli {

namespace {

struct SweepArguments {
  SweepOptions options;
  std::string rung;
  std::string rungs;
  std::string family;
  int limit = 0;
  int threads = 0;
  bool no_noise_floor = false;
};

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> names;
  std::stringstream stream(list);
  std::string name;
  while (std::getline(stream, name, ',')) {
    if (name.empty()) {
      throw Error(fmt::format("--rungs '{}' has an empty entry; separate rung names with single "
                              "commas",
                              list));
    }
    names.push_back(name);
  }
  return names;
}

}  // namespace

void add_sweep_command(CLI::App& app) {
  auto arguments = std::make_shared<SweepArguments>();
  auto& options = arguments->options;
  auto* command = app.add_subcommand(
      "sweep",
      "Evaluate every rung of the ladder on every item of the frozen battery (resumable)");

  command->add_option("study", options.study, "Study folder")->required();
  command->add_option("--rung", arguments->rung, "Evaluate only this rung (and the reference)");
  command->add_option("--rungs", arguments->rungs,
                      "Comma-separated rungs to evaluate, e.g. Q4_K_M,Q3_K_M,Q2_K (the reference "
                      "is always included)");
  command->add_option("--family", arguments->family, "Evaluate only this family");
  command->add_option("--limit", arguments->limit,
                      "Items per family, rounded up to a multiple of 2 x n_parallel (32 by default) so "
                      "that every run batches the same items together")
      ->check(positive_integer());
  command->add_option("--threads", arguments->threads,
                      "Evaluation threads; must match the study's fixed value unless --force")
      ->check(positive_integer());
  command->add_flag("--chat", options.chat, "Apply the model's chat template to every prompt");
  command->add_flag("--dry-run", options.dry_run,
                    "Print the plan (rungs x families x items, estimated tokens) and exit "
                    "without loading a model");
  command->add_flag("--no-noise-floor", arguments->no_noise_floor,
                    "Skip the reference-rerun and F16 noise floor rungs");
  command->add_flag("--include-controls", options.include_controls,
                    "Also evaluate the control families of the battery");
  command->add_flag("--force", options.force,
                    "Evaluate with settings that differ from the study's fixed settings");
  command->add_flag("--wait", options.wait_for_lock,
                    "Wait for another sweep on this study to finish instead of failing");

  command->callback([arguments] {
    SweepOptions resolved = arguments->options;
    if (!arguments->rung.empty()) {
      resolved.rungs.push_back(arguments->rung);
    }
    if (!arguments->rungs.empty()) {
      for (const auto& name : split_list(arguments->rungs)) {
        resolved.rungs.push_back(name);
      }
    }
    if (!arguments->family.empty()) {
      resolved.family = arguments->family;
    }
    if (arguments->limit > 0) {
      resolved.limit = arguments->limit;
    }
    if (arguments->threads > 0) {
      resolved.threads = arguments->threads;
    }
    resolved.noise_floor = !arguments->no_noise_floor;
    run_sweep(resolved);
  });
}

}  // namespace qa::cli
