#include "ladder/manifest_file.h"

#include <fmt/format.h>

#include "common/error.h"
#include "common/files.h"

namespace qa {

LadderManifest read_ladder_manifest(const std::filesystem::path& path) {
  if (std::filesystem::exists(path) && !std::filesystem::is_regular_file(path)) {
    throw Error(fmt::format("ladder manifest {} is a folder or other non-file; move it aside and "
                            "build the ladder again with 'quant-autopsy ladder MODEL.gguf --out "
                            "STUDY'",
                            path.string()),
                kExitBadInput);
  }
  if (!std::filesystem::is_regular_file(path)) {
    throw Error(fmt::format("ladder manifest {} not found; build the ladder first with "
                            "'quant-autopsy ladder MODEL.gguf --out STUDY'",
                            path.string()),
                kExitBadInput);
  }

  try {
    return nlohmann::json::parse(read_file(path)).get<LadderManifest>();
  } catch (const nlohmann::json::exception& error) {
    throw Error(fmt::format("invalid ladder manifest {}: {}; delete it to rebuild the ladder",
                            path.string(), error.what()),
                kExitBadInput);
  }
}

void write_ladder_manifest(const std::filesystem::path& path, const LadderManifest& manifest) {
  const nlohmann::json json = manifest;
  write_file_atomically(path, json.dump(2) + "\n");
}

}  // namespace qa
