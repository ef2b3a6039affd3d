// The sweep: every rung x family x item of the frozen battery, resumable.
//
// Rungs are evaluated in this order:
// - "reference";
// - the noise floor rung "reference-rerun": the reference again, with each
//   family's items in a fixed shuffled order, so its chunks mix other items;
// - the ladder rungs that are not identical_to another (a twin's rows stand
//   for both);
// - the noise floor rung "F16": an F16 copy of an F32 or BF16 reference,
//   written to STUDY/ladder/.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/evaluator.h"
#include "probes/item.h"

namespace qa {

struct SweepOptions {
  std::filesystem::path study;
  // Rung names to evaluate (empty: all). The reference is always included,
  // because every other rung is paired against it.
  std::vector<std::string> rungs;
  std::optional<std::string> family;
  // Items per family, rounded up to a multiple of limit_block_size().
  std::optional<int> limit;
  std::optional<int> threads;
  bool chat = false;
  bool dry_run = false;
  bool noise_floor = true;
  bool include_controls = false;
  bool force = false;            // accept settings that differ from study.json
  bool wait_for_lock = false;    // queue behind another sweep instead of failing
};

struct PlannedRung {
  std::string name;
  std::filesystem::path file;     // GGUF to load (for F16: where the copy goes)
  std::string expected_sha256;    // from the ladder manifest or study.json; may be empty
  std::string ftype;
  double bits_per_weight = 0;
  bool shuffled_order = false;    // reference-rerun
  bool create_f16_copy = false;   // F16 noise floor rung, file made before evaluation
  std::vector<std::string> twins;  // ladder rungs identical_to this one
};

struct SweepPlan {
  std::string battery_hash;
  std::vector<PlannedRung> rungs;
  std::vector<std::string> families;
  // Per family, in battery order, limited: the items every rung evaluates.
  std::vector<std::vector<ProbeItem>> family_items;
  EvalSettings eval;
  size_t items_per_rung = 0;
  // Estimated tokens per rung at about 4 bytes per token: prompts, choices,
  // max_tokens of generate items and their reference answers.
  uint64_t estimated_tokens_per_rung = 0;
};

// Reads the study (battery, ladder manifest, study.json) and decides what the
// sweep evaluates, without loading a model or touching the store. Throws
// qa::Error (kExitBadInput) for a missing battery, an unknown rung or family.
SweepPlan plan_sweep(const SweepOptions& options);

// The plan as text for --dry-run: rungs x families x items and the estimate.
std::string format_sweep_plan(const SweepPlan& plan);

// Items per family that --limit rounds up to: two chunks of n_parallel
// items, the block size of rerun_order.
size_t limit_block_size(int n_parallel);

// Reorders a family's items for the reference-rerun rung: each block of
// 2 x n_parallel consecutive items is shuffled (Fisher-Yates driven by a
// fixed-seed mt19937_64), so its chunks mix items of two reference chunks.
// Block boundaries are fixed, so the order is the same on every run.
std::vector<ProbeItem> rerun_order(const std::vector<ProbeItem>& items, int n_parallel);

// Runs the sweep. Takes the study lock, checks the store's battery hash and
// every rung file's sha256 before loading any model (kExitBadInput on a
// mismatch), and skips chunks whose rows exist.
void run_sweep(const SweepOptions& options);

}  // namespace qa
