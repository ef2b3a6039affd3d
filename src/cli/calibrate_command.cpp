// quant-autopsy calibrate STUDY: picks each family's difficulty level on the
// reference model, freezes the battery, and applies the usable-baseline gate
// (exit status 3 when fewer than five families are usable).
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "pipeline/calibrate_stage.h"

namespace qa::cli {

namespace {

struct CalibrateArguments {
  CalibrateOptions options;
  std::string battery_from;
  std::string model;
  int threads = 0;
};

}  // namespace

void add_calibrate_command(CLI::App& app) {
  auto arguments = std::make_shared<CalibrateArguments>();
  auto& options = arguments->options;
  auto* command = app.add_subcommand(
      "calibrate",
      "Evaluate the reference model on every difficulty level, freeze the battery at the levels "
      "that give usable baselines, and check that enough families are usable");

  command->add_option("study", options.study, "Study folder")->required();
  command->add_option("--battery", options.battery, "Battery to calibrate: core or small")
      ->capture_default_str()
      ->check(CLI::IsMember({"core", "small"}));
  command->add_option("--items-per-level", options.items_per_level,
                      "Items evaluated at each difficulty level of the level scan")
      ->capture_default_str()
      ->check(positive_integer());
  command->add_option("--items", options.frozen_items, "Items per family in the frozen battery")
      ->capture_default_str()
      ->check(positive_integer());
  command->add_option("--seed", options.seed, "Seed of the probe generators")
      ->capture_default_str()
      ->check(non_negative_integer());
  command->add_option("--battery-from", arguments->battery_from,
                      "Copy the frozen battery of this other study (same items, same battery "
                      "hash) instead of scanning levels, to compare death orders across models");
  command->add_option("--model", arguments->model,
                      "Reference GGUF to record in STUDY/study.json when the study has no ladder");
  command->add_option("--threads", arguments->threads,
                      "Evaluation threads, fixed for the study; 0 keeps the study's value or uses "
                      "every hardware thread")
      ->check(non_negative_integer());
  command->add_flag("--chat", options.chat, "Apply the model's chat template to every prompt");
  command->add_flag("--include-controls", options.include_controls,
                    "Also freeze and evaluate the control families (long-context retrieval)");
  command->add_flag("--force", options.force,
                    "Replace a frozen battery with another one, or accept evaluation settings "
                    "that differ from study.json");
  command->add_flag("--wait", options.wait_for_lock,
                    "Wait for another calibrate or sweep on this study instead of failing");
  command->add_option("--min-correct", options.rule.min_correct,
                      "Reference-correct items a family needs in the frozen battery")
      ->capture_default_str()
      ->check(non_negative_integer());
  command->add_option("--target-accuracy", options.rule.target_accuracy,
                      "Reference accuracy the level scan aims for inside the usable band")
      ->capture_default_str()
      ->check(CLI::Validator(
          [](std::string& value) -> std::string {
            double accuracy = 0;
            if (!CLI::detail::lexical_cast(value, accuracy) || !(accuracy >= 0 && accuracy <= 1)) {
              return "must be an accuracy between 0 and 1, got '" + value + "'";
            }
            return {};
          },
          "ACCURACY"));

  command->callback([arguments] {
    CalibrateOptions resolved = arguments->options;
    if (!arguments->battery_from.empty()) {
      resolved.battery_from = arguments->battery_from;
    }
    if (!arguments->model.empty()) {
      resolved.model = arguments->model;
    }
    if (arguments->threads > 0) {
      resolved.threads = arguments->threads;
    }
    run_calibration(resolved);
  });
}

}  // namespace qa::cli
