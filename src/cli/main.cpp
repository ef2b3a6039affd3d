// quant-autopsy: which capabilities of a GGUF model die first under
// quantization. This file wires the subcommands and maps errors to exit
// statuses; the work happens in the stage libraries under src/.
#include <cstdio>
#include <exception>

#include <fmt/core.h>

#include "cli/commands.h"
#include "common/error.h"
#include "common/files.h"
#include "common/study.h"

int main(int argc, char** argv) {
  qa::install_cleanup_signal_handlers();

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
    return app.exit(error);
  } catch (const qa::Error& error) {
    fmt::print(stderr, "quant-autopsy: error: {}\n", error.what());
    return error.exit_code();
  } catch (const std::exception& error) {
    fmt::print(stderr, "quant-autopsy: internal error: {}\n", error.what());
    return qa::kExitFailure;
  }
  return qa::kExitOk;
}
