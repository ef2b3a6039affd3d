// Resumable evaluation of one rung. Items are cut into fixed chunks. Each
// chunk is evaluated in one Evaluator::evaluate call and stored in one
// transaction, and a chunk whose rows all exist is skipped.
//
// Chunk boundaries depend only on the item lists and the chunk size (a study
// setting), never on what is already stored. llama.cpp logits depend on batch
// composition, so this is what makes a resumed run store exactly the rows an
// uninterrupted run stores.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "engine/evaluator.h"
#include "probes/item.h"
#include "store/results_store.h"

namespace qa {

using ItemChunk = std::vector<ProbeItem>;

// Cuts every group (one family's items, in evaluation order) into consecutive
// chunks of chunk_size items; the last chunk of a group may be shorter.
std::vector<ItemChunk> split_into_chunks(const std::vector<std::vector<ProbeItem>>& groups,
                                         size_t chunk_size);

// The chunks that have at least one item missing from `stored_ids`.
std::vector<ItemChunk> pending_chunks(const std::vector<ItemChunk>& chunks,
                                      const std::set<std::string>& stored_ids);

size_t count_items(const std::vector<ItemChunk>& chunks);

struct RungEvaluation {
  std::string rung;                  // name stored in the responses table
  std::filesystem::path model_path;  // GGUF to load
  std::string battery_hash;
  long long run_id = 0;
  std::string label;                 // for progress lines, e.g. "[2/7] Q8_0"
};

struct RungThroughput {
  size_t items = 0;
  uint64_t tokens = 0;
  double seconds = 0;  // wall time including model load
};

// Loads the model once and evaluates the pending chunks in order, storing
// each chunk's rows in one transaction before the next chunk starts. Does
// not load the model when `pending` is empty.
RungThroughput evaluate_pending_chunks(ResultsStore& store, const RungEvaluation& rung,
                                       const EvalSettings& eval,
                                       const std::vector<ItemChunk>& pending);

}  // namespace qa
