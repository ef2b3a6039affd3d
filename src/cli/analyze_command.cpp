// TODO: placeholder until the owning stage lands; replace with the real command.
#include "cli/commands.h"
#include "common/error.h"

namespace qa::cli {

void add_analyze_command(CLI::App& app) {
  auto* command = app.add_subcommand("analyze", "not built yet");
  command->allow_extras();
  command->callback([] { throw qa::Error("'analyze' is not built yet", qa::kExitFailure); });
}

}  // namespace qa::cli
