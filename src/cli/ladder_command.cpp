// quant-autopsy ladder MODEL.gguf --out STUDY: quantizes the model to each
// rung in process and writes STUDY/ladder/manifest.json.
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.h"
#include "common/error.h"
#include "common/log.h"
#include "ladder/ladder.h"
#include "ladder/ladder_table.h"
#include "pipeline/model_registry.h"

namespace qa::cli {

namespace {

struct LadderArguments {
  std::string model;
  std::string model_key;
  std::string registry;
  std::string out;
  std::string rungs = kDefaultRungs;
  std::string imatrix;
  bool allow_requantize = false;
  int threads = 0;
};

void run_ladder(const LadderArguments& arguments) {
  LadderOptions options;
  options.input = resolve_model_argument(arguments.model, arguments.model_key,
                                         find_local_registry(arguments.registry, arguments.out));
  options.study = arguments.out;
  options.rungs = parse_ftype_list(arguments.rungs);
  if (!arguments.imatrix.empty()) {
    options.imatrix = arguments.imatrix;
  }
  options.allow_requantize = arguments.allow_requantize;
  options.threads = arguments.threads;

  const LadderOutcome outcome = build_ladder(options);

  fmt::print("{}", format_ladder_table(outcome.manifest));
  for (const auto& sentence : describe_identical_rungs(outcome.manifest)) {
    fmt::print("{}\n", sentence);
  }
  log_info("ladder: {} rungs built, {} up to date and skipped", outcome.built.size(),
           outcome.skipped.size());

  if (!outcome.failed.empty()) {
    std::string names;
    for (const auto& name : outcome.failed) {
      names += names.empty() ? name : ", " + name;
    }
    throw Error(fmt::format("sanity check failed for rung(s) {}; see 'failure' in {}/ladder/"
                            "manifest.json",
                            names, arguments.out),
                kExitFailure);
  }
}

}  // namespace

void add_ladder_command(CLI::App& app) {
  auto arguments = std::make_shared<LadderArguments>();
  auto* command = app.add_subcommand(
      "ladder", "Quantize a full-precision GGUF to each rung and write STUDY/ladder/manifest.json");

  command->add_option("model", arguments->model, "Full-precision GGUF file (F32, F16 or BF16)");
  command->add_option("--model-key", arguments->model_key,
                      "Registry key of the model instead of a path (see `models list`)");
  command->add_option("--registry", arguments->registry,
                      "Local model registry file (default: models.local.json beside the study)");
  command->add_option("--out", arguments->out, "Study folder; rungs go to STUDY/ladder/")
      ->required();
  command->add_option("--rungs", arguments->rungs,
                      "Comma-separated llama.cpp quantization types, highest precision first")
      ->capture_default_str();
  command->add_option("--imatrix", arguments->imatrix,
                      "Importance matrix in llama-imatrix's legacy .dat format");
  command->add_flag("--allow-requantize", arguments->allow_requantize,
                    "Accept an input that is already quantized (the manifest records it)");
  command->add_option("--threads", arguments->threads,
                      "Threads for quantization and the sanity check; 0 uses every hardware thread")
      ->capture_default_str()
      ->check(non_negative_integer());

  command->callback([arguments] { run_ladder(*arguments); });
}

}  // namespace qa::cli
