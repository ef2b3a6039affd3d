// One evaluated (rung, item) pair: the row type of the results store's
// `responses` table and of the engine's output.
//
// Store schema (STUDY/results.sqlite, WAL mode; the store stage owns it):
//   models(id, name, path, sha256 UNIQUE, file_type, n_params)
//   rungs(id, model_id, name, ftype, file, sha256, bits_per_weight,
//         identical_to, UNIQUE(model_id, name))
//   runs(id, started_at, threads, n_ctx, n_batch, n_ubatch, n_parallel,
//        prompt_format, chat, llama_cpp_commit, battery_hash, tool_version)
//   responses(rung, item_id, battery_hash, family, level, kind, run_id,
//             output, correct, correct_norm, predicted_index,
//             predicted_index_norm, ref_logprob, margin, n_tokens, ms,
//             PRIMARY KEY(rung, item_id, battery_hash))
//   meta(key PRIMARY KEY, value)   -- battery_hash of the study, schema version
//
// `rung` is the rung name: "reference", "reference-rerun", "F16", or an
// ftype name from the ladder manifest such as "Q4_K_M".
#pragma once

#include <string>

namespace qa {

struct ResponseRow {
  std::string rung;
  std::string item_id;
  std::string battery_hash;
  std::string family;
  int level = 0;
  std::string kind;  // "generate" or "choice"
  long long run_id = 0;

  // generate: the decoded text; choice: the text of the predicted choice.
  std::string output;
  // generate: scorer verdict; choice: predicted index (raw log-prob sum) == answer_index.
  bool correct = false;
  // choice: prediction under the sum normalised by the choice's length in bytes.
  bool correct_norm = false;
  int predicted_index = -1;       // choice only, else -1
  int predicted_index_norm = -1;  // choice only, else -1
  // Log-probability (natural log) of the reference answer's tokens given the
  // prompt, under teacher forcing.
  double ref_logprob = 0;
  // choice: log-prob sum of the correct choice minus the best wrong one
  // (positive = right with room to spare); generate: NaN (stored as NULL).
  double margin = 0;
  int n_tokens = 0;  // tokens evaluated for this item (prompt, choices, generated)
  double ms = 0;     // wall time attributed to this item, milliseconds
};

}  // namespace qa
