#include <memory>

#include "cli/commands.h"
#include "pipeline/run_pipeline.h"

namespace qa::cli {

void add_run_command(CLI::App& app) {
  auto options = std::make_shared<RunOptions>();
  auto* command = app.add_subcommand(
      "run", "Run a whole study: inspect, ladder, calibrate, sweep, analyze, report and report "
             "check; a rerun continues where an interrupted one stopped");

  command->add_option("model", options->model,
                      "Full-precision GGUF: a local path or hf:OWNER/REPO/FILE (default: the "
                      "registry's stories260k model)");
  command->add_option("--out", options->out, "Study folder")->required();
  command->add_option("--model-key", options->model_key,
                      "Registry key of the model instead of a path (see `models list`)");
  command->add_option("--battery", options->battery,
                      "Probe battery (default: small below 100M parameters, else core)")
      ->check(CLI::IsMember({"core", "small"}));
  command->add_option("--rungs", options->rungs,
                      "Comma-separated rungs (default Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q3_K_M,Q2_K)");
  command->add_option("--threads", options->threads, "CPU threads (default: all cores)")
      ->check(positive_integer());
  command->add_option("--items-per-level", options->items_per_level,
                      "Items per difficulty level in the calibration scan (default 40)")
      ->check(positive_integer());
  command->add_option("--items", options->items,
                      "Items per family in the frozen battery (default 100)")
      ->check(positive_integer());
  command->add_flag("--chat", options->chat, "Apply the model's chat template to every prompt");
  command->add_flag("--allow-requantize", options->allow_requantize,
                    "Accept an already-quantized input (compounds quantization error)");
  command->add_flag("--force", options->force,
                    "Replace an existing analysis and report that would change");
  command->add_option("--cache-dir", options->cache_dir,
                      "Model download cache (default: $QA_CACHE_DIR/models, else ~/.cache/quant-autopsy/models)");
  command->add_option("--registry", options->registry,
                      "Local model registry file (default: models.local.json beside the study)");

  command->callback([options] { run_study(*options); });
}

}  // namespace qa::cli
