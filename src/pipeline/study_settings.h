// STUDY/study.json: the study's model and the evaluation settings fixed for
// the whole study. The first calibrate or sweep fixes the settings. Later
// runs that request other settings are rejected unless --force, because
// llama.cpp logits depend on threads, batch shape and prompt format, so mixed
// settings would show up as flips.
//
//   {"model": {"path": "...", "sha256": "..."},
//    "settings": {"threads": 2, "n_ctx": 4096, "n_batch": 2048,
//                 "n_ubatch": 512, "n_parallel": 16, "chat": false},
//    "llama_cpp_commit": "80fb11a..."}
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/study.h"
#include "engine/evaluator.h"
#include "store/results_store.h"

namespace qa {

struct StudyModel {
  std::string path;    // absolute path of the full-precision GGUF
  std::string sha256;  // of the file when it was recorded; may be empty
};

struct StudySettings {
  std::optional<StudyModel> model;
  std::optional<EvalSettings> eval;  // set once the first evaluation ran
  std::string llama_cpp_commit;
};

// Reads study.json; returns an empty StudySettings when the file is absent.
// Throws qa::Error naming the file when it is not valid JSON of this shape.
StudySettings read_study_settings(const StudyLayout& layout);

void write_study_settings(const StudyLayout& layout, const StudySettings& settings);

// Options a command may set; unset fields keep the study's fixed value.
struct EvalOverrides {
  std::optional<int> threads;
  bool chat = false;  // --chat given
};

// Returns the settings this run uses: the study's fixed settings, or for a
// study without any, the defaults (threads = hardware threads) with the
// overrides. Records new settings in study.json. Throws qa::Error
// (kExitBadInput) when an override differs from a fixed value, unless force.
EvalSettings fix_eval_settings(const StudyLayout& layout, const EvalOverrides& overrides,
                               bool force);

RunSettings make_run_settings(const EvalSettings& eval, const std::string& battery_hash);

// The settings that differ between the store's first run and this one, as
// "threads 4 -> 2" strings. Compares threads, n_ctx, n_batch, n_ubatch,
// n_parallel, prompt format and llama.cpp commit.
std::vector<std::string> run_settings_differences(const RunSettings& first,
                                                  const RunSettings& current);

// Throws qa::Error (kExitBadInput) unless force when the store's first run
// used other settings than `current`; logs a warning when forced.
void check_store_settings(const ResultsStore& store, const RunSettings& current, bool force);

}  // namespace qa
