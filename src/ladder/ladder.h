// Building a study's quantization ladder: one GGUF per rung in STUDY/ladder/,
// each checked for type fallbacks and sanity, and a manifest that records the
// tensor types every rung really contains.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ladder/ftype_table.h"
#include "ladder/manifest.h"

namespace qa {

// The default rungs, highest precision first.
inline constexpr const char* kDefaultRungs = "Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q3_K_M,Q2_K";

struct LadderOptions {
  std::filesystem::path input;  // full-precision GGUF
  std::filesystem::path study;  // study folder; rungs go to study/ladder/
  // Rungs in ladder order, highest precision first: identical_to always
  // names an earlier rung of this list.
  std::vector<FtypeName> rungs;
  std::optional<std::filesystem::path> imatrix;
  bool allow_requantize = false;
  int threads = 0;  // 0 uses every hardware thread
};

struct LadderOutcome {
  LadderManifest manifest;
  std::vector<std::string> built;    // rungs quantized by this run
  std::vector<std::string> skipped;  // rungs whose file already matched the manifest
  std::vector<std::string> failed;   // rungs whose sanity check failed
};

// Builds or resumes the ladder and writes study/ladder/manifest.json after
// every rung, so an interrupted run loses at most the rung in progress.
//
// A rung is skipped when the existing manifest lists it with status ok, the
// same ftype, importance matrix and llama.cpp commit, and its file still has
// the recorded sha256. A manifest built from another input (different
// sha256) is rejected rather than overwritten.
//
// Throws qa::Error (kExitBadInput) for a missing, non-GGUF or unloadable
// input, an already-quantized input without allow_requantize, an unreadable
// importance matrix, or an output folder that cannot be written. A rung whose
// sanity check fails does not throw: it is marked failed and listed in
// LadderOutcome::failed.
LadderOutcome build_ladder(const LadderOptions& options);

// Sets identical_to on every rung whose per-tensor types (tensor name ->
// type) equal those of an earlier ok rung, naming the first such rung.
// `tensor_types_by_rung` is indexed like manifest.rungs.
void mark_identical_rungs(LadderManifest& manifest,
                          const std::vector<std::map<std::string, std::string>>& tensor_types_by_rung);

}  // namespace qa
