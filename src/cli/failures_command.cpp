// `quant-autopsy failures STUDY --family F --rung R --mode MODE [--n 25]
// [--seed N] [--json]`.
#include <fmt/core.h>

#include "cli/commands.h"
#include "common/study.h"
#include "report/failure_sampler.h"

namespace qa::cli {

namespace {

struct FailuresArguments {
  std::string study;
  std::string family;
  std::string rung;
  std::string mode;
  size_t n = 25;
  uint64_t seed = 1;
  bool json = false;
};

}  // namespace

void add_failures_command(CLI::App& app) {
  auto arguments = std::make_shared<FailuresArguments>();
  auto* command = app.add_subcommand(
      "failures", "Sample items of one flip mode for one family and rung, with the prompt, the "
                  "expected answer and both outputs");
  command->add_option("STUDY", arguments->study, "study folder with results.sqlite and battery/")
      ->required();
  command->add_option("--family", arguments->family, "capability family")->required();
  command->add_option("--rung", arguments->rung, "rung compared with the reference, e.g. Q4_K_M")
      ->required();
  command->add_option("--mode", arguments->mode,
                      "ref_correct_quant_wrong, ref_wrong_quant_correct or both_wrong")
      ->required();
  command->add_option("--n", arguments->n, "maximum number of items to print")
      ->default_val(25)
      ->check(positive_integer());
  command->add_option("--seed", arguments->seed, "seed of the sample; the same seed gives the "
                                                 "same items")
      ->default_val(1);
  command->add_flag("--json", arguments->json, "print one JSON object instead of text");
  command->callback([arguments] {
    report::FailureQuery query;
    query.family = arguments->family;
    query.rung = arguments->rung;
    query.mode = report::flip_mode_from_name(arguments->mode);
    query.n = arguments->n;
    query.seed = arguments->seed;
    const auto sampling = report::sample_failures(StudyLayout{arguments->study}, query);
    if (arguments->json) {
      fmt::print("{}\n", report::failure_sampling_to_json(sampling).dump(2));
    } else {
      fmt::print("{}", report::failure_sampling_to_text(sampling));
    }
  });
}

}  // namespace qa::cli
