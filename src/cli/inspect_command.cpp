// TODO: placeholder until the owning stage lands; replace with the real command.
#include "cli/commands.h"
#include "common/error.h"

namespace qa::cli {

void add_inspect_command(CLI::App& app) {
  auto* command = app.add_subcommand("inspect", "not built yet");
  command->allow_extras();
  command->callback([] { throw qa::Error("'inspect' is not built yet", qa::kExitFailure); });
}

}  // namespace qa::cli
