// Inputs shared by the ladder tests: the tiny fixture model, written once per
// test process, and a writer of legacy importance matrix files.
#pragma once

#include <filesystem>
#include <string>

#include "ladder/manifest.h"

namespace qa::test {

// The default tiny model (F32, n_embd 256, 2 blocks, n_ff 768): every row
// width is a multiple of 256, so no quantization type needs a fallback.
const std::filesystem::path& tiny_ladder_model();

// Writes an importance matrix in llama-imatrix's legacy .dat layout with one
// entry per two-dimensional weight of `model` except the token embedding.
// Each value is 1 + ((column * step) mod 7) / 10, stored times ncall 2.
// Matrices with different steps differ only in their values.
void write_legacy_imatrix(const std::filesystem::path& model, const std::filesystem::path& output,
                          int step = 1);

// The entry of `name` in the manifest; fails the calling test when absent.
const RungEntry& find_rung(const LadderManifest& manifest, const std::string& name);

}  // namespace qa::test
