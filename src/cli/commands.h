// Subcommands of quant-autopsy. Each add_*_command registers one subcommand,
// its options and a callback on the application; the callback throws
// qa::Error on failure and main() turns it into a message and exit status.
#pragma once

#include <CLI/CLI.hpp>

namespace qa::cli {

void add_inspect_command(CLI::App& app);
void add_probes_command(CLI::App& app);
void add_ladder_command(CLI::App& app);
void add_calibrate_command(CLI::App& app);
void add_sweep_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_analyze_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_failures_command(CLI::App& app);
void add_transfer_command(CLI::App& app);
void add_models_command(CLI::App& app);
void add_run_command(CLI::App& app);

}  // namespace qa::cli
