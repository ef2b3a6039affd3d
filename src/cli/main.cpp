// quant-autopsy: which capabilities of a GGUF model die first under
// quantization. This file wires the subcommands and maps errors to exit
// statuses; the work happens in the stage libraries under src/.
#include <cstdio>
#include <exception>
#include <string_view>

#include <fmt/core.h>

#include "cli/commands.h"
#include "common/error.h"
#include "common/files.h"
#include "common/study.h"

namespace {

// Rejects an empty argument such as --out '' or --out=, because the
// filesystem treats an empty path as the current folder and an empty name
// as "not given". Returns false after printing the error.
bool check_no_empty_arguments(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view argument = argv[i];
    const bool empty_value =
        argument.empty() || (argument.size() > 2 && argument.substr(0, 2) == "--" &&
                             argument.back() == '=');
    if (!empty_value) {
      continue;
    }
    const std::string place =
        argument.empty()
            ? fmt::format("an empty argument after '{}'", i > 1 ? argv[i - 1] : "quant-autopsy")
            : fmt::format("an empty value for {}", argument.substr(0, argument.size() - 1));
    fmt::print(stderr,
               "quant-autopsy: error: {} was given; pass a non-empty path or value, or leave an "
               "option out to use its default\n",
               place);
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  qa::install_cleanup_signal_handlers();
  if (!check_no_empty_arguments(argc, argv)) {
    return qa::kExitBadInput;
  }

  CLI::App app{"Quant Autopsy: per-capability, per-item paired evidence of what a GGUF model "
               "loses under quantization",
               "quant-autopsy"};
  app.set_version_flag("--version", fmt::format("quant-autopsy {} (llama.cpp {})",
                                                qa::kToolVersion, qa::kLlamaCommit));
  app.require_subcommand(1);

  qa::cli::add_inspect_command(app);
  qa::cli::add_probes_command(app);
  qa::cli::add_ladder_command(app);
  qa::cli::add_calibrate_command(app);
  qa::cli::add_sweep_command(app);
  qa::cli::add_export_command(app);
  qa::cli::add_analyze_command(app);
  qa::cli::add_report_command(app);
  qa::cli::add_failures_command(app);
  qa::cli::add_transfer_command(app);
  qa::cli::add_models_command(app);
  qa::cli::add_run_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version arrive as ParseErrors with exit code 0.
    if (error.get_exit_code() == 0) {
      return app.exit(error);
    }
    fmt::print(stderr, "quant-autopsy: error: {}; see 'quant-autopsy --help' or "
               "'quant-autopsy SUBCOMMAND --help'\n", error.what());
    return qa::kExitBadInput;
  } catch (const qa::Error& error) {
    fmt::print(stderr, "quant-autopsy: error: {}\n", error.what());
    return error.exit_code();
  } catch (const std::exception& error) {
    fmt::print(stderr, "quant-autopsy: internal error: {}\n", error.what());
    return qa::kExitFailure;
  }
  return qa::kExitOk;
}
