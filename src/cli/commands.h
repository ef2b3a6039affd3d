// Subcommands of quant-autopsy. Each add_*_command registers one subcommand,
// its options and a callback on the application. The callback throws
// qa::Error on failure, and main() turns it into a message and exit status.
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

// Validators for integer options. CLI11 2.1's PositiveNumber reports a
// rejected 0 as "not in range 0.000000 to 1.797e308", so these state the
// rule itself.
inline CLI::Validator positive_integer() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        long long number = 0;
        if (!CLI::detail::lexical_cast(value, number) || number < 1) {
          return "must be a whole number of at least 1, got '" + value + "'";
        }
        return {};
      },
      "POSITIVE");
}

inline CLI::Validator non_negative_integer() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        long long number = 0;
        if (!CLI::detail::lexical_cast(value, number) || number < 0) {
          return "must be a whole number of at least 0, got '" + value + "'";
        }
        return {};
      },
      "NONNEGATIVE");
}

}  // namespace qa::cli
