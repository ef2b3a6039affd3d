// TODO: placeholder until the owning stage lands; replace with the real command.
#include "cli/commands.h"
#include "common/error.h"

namespace qa::cli {

void add_run_command(CLI::App& app) {
  auto* command = app.add_subcommand("run", "not built yet");
  command->allow_extras();
  command->callback([] { throw qa::Error("'run' is not built yet", qa::kExitFailure); });
}

}  // namespace qa::cli
