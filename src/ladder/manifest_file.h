// Reading and writing STUDY/ladder/manifest.json (layout in ladder/manifest.h).
#pragma once

#include <filesystem>

#include "ladder/manifest.h"

namespace qa {

// Reads a ladder manifest. Throws qa::Error (kExitBadInput) naming the file
// when it is missing or not a valid manifest.
LadderManifest read_ladder_manifest(const std::filesystem::path& path);

// Writes a ladder manifest atomically, as indented JSON.
void write_ladder_manifest(const std::filesystem::path& path, const LadderManifest& manifest);

}  // namespace qa
