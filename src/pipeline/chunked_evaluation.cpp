#include "pipeline/chunked_evaluation.h"

#include <algorithm>
#include <chrono>

#include <fmt/core.h>

#include "common/error.h"
#include "common/log.h"
#include "pipeline/rung_progress.h"

namespace qa {

std::vector<ItemChunk> split_into_chunks(const std::vector<std::vector<ProbeItem>>& groups,
                                         size_t chunk_size) {
  if (chunk_size == 0) {
    throw Error("chunk size must be at least 1 (n_parallel in study.json)");
  }
  std::vector<ItemChunk> chunks;
  for (const auto& group : groups) {
    for (size_t start = 0; start < group.size(); start += chunk_size) {
      const size_t end = std::min(group.size(), start + chunk_size);
      chunks.emplace_back(group.begin() + static_cast<std::ptrdiff_t>(start),
                          group.begin() + static_cast<std::ptrdiff_t>(end));
    }
  }
  return chunks;
}

std::vector<ItemChunk> pending_chunks(const std::vector<ItemChunk>& chunks,
                                      const std::set<std::string>& stored_ids) {
  std::vector<ItemChunk> pending;
  for (const auto& chunk : chunks) {
    for (const auto& item : chunk) {
      if (stored_ids.count(item.id) == 0) {
        pending.push_back(chunk);
        break;
      }
    }
  }
  return pending;
}

size_t count_items(const std::vector<ItemChunk>& chunks) {
  size_t total = 0;
  for (const auto& chunk : chunks) {
    total += chunk.size();
  }
  return total;
}

RungThroughput evaluate_pending_chunks(ResultsStore& store, const RungEvaluation& rung,
                                       const EvalSettings& eval,
                                       const std::vector<ItemChunk>& pending) {
  RungThroughput throughput;
  if (pending.empty()) {
    return throughput;
  }

  const auto start = std::chrono::steady_clock::now();
  const size_t total = count_items(pending);
  RungProgress progress(rung.label, total);
  Evaluator evaluator(rung.model_path, eval);

  size_t done_before_chunk = 0;
  for (const auto& chunk : pending) {
    std::vector<ResponseRow> rows = evaluator.evaluate(
        chunk, [&](size_t done, size_t) { progress.update(done_before_chunk + done); });
    if (rows.size() != chunk.size()) {
      throw Error(fmt::format("the evaluator returned {} rows for {} items on rung {}",
                              rows.size(), chunk.size(), rung.rung),
                  kExitFailure);
    }

    for (auto& row : rows) {
      row.rung = rung.rung;
      row.battery_hash = rung.battery_hash;
      row.run_id = rung.run_id;
    }
    store.insert_responses(rows);
    done_before_chunk += chunk.size();
    progress.update(done_before_chunk);
  }

  throughput.items = total;
  throughput.tokens = evaluator.tokens_evaluated();
  throughput.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.finish(throughput.items, throughput.tokens);
  return throughput;
}

}  // namespace qa
