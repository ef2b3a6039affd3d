// Measures the evaluation engine on a sweep-like workload. As in the sweep,
// each family's items are cut into chunks of n_parallel items and each chunk
// is one Evaluator::evaluate call. A few items are evaluated first, untimed,
// as a warm-up. Prints one JSON object with tokens/s and items/s.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "common/error.h"
#include "common/files.h"
#include "engine/evaluator.h"
#include "workload.h"

namespace {

nlohmann::json row_to_json(const qa::ResponseRow& row) {
  nlohmann::json object = {{"id", row.item_id},
                           {"kind", row.kind},
                           {"output", row.output},
                           {"predicted_index", row.predicted_index},
                           {"correct", row.correct}};
  object["ref_logprob"] =
      std::isfinite(row.ref_logprob) ? nlohmann::json(row.ref_logprob) : nlohmann::json(nullptr);
  return object;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Engine throughput on a sweep-like workload"};
  std::string model;
  std::string rows_out;
  int chunk = 0;
  int warmup_items = 8;
  qa::EvalSettings settings;
  qa::bench::WorkloadOptions workload;

  app.add_option("--model", model, "GGUF model to evaluate")->required();
  app.add_option("--threads", settings.threads, "CPU threads, 0 = all cores");
  app.add_option("--n-ctx", settings.n_ctx, "KV cache cells shared by all sequences");
  app.add_option("--n-batch", settings.n_batch, "max tokens per llama_decode call");
  app.add_option("--n-ubatch", settings.n_ubatch, "physical micro-batch in tokens");
  app.add_option("--n-parallel", settings.n_parallel, "parallel sequences");
  app.add_option("--chunk", chunk, "items per evaluate() call within a family, 0 = n_parallel");
  app.add_option("--warmup-items", warmup_items, "items evaluated once, untimed, first");
  app.add_option("--rows-out", rows_out, "JSONL file for the rows (id, output, log-probs)");
  qa::bench::add_workload_options(app, workload);
  CLI11_PARSE(app, argc, argv);

  try {
    const std::vector<qa::ProbeItem> items = qa::bench::build_workload(workload);
    qa::Evaluator evaluator(model, settings);

    const size_t warmup =
        std::min<size_t>(static_cast<size_t>(std::max(warmup_items, 0)), items.size());
    if (warmup > 0) {
      evaluator.evaluate(std::span(items.data(), warmup));
    }

    const uint64_t tokens_before = evaluator.tokens_evaluated();
    const double decode_before = evaluator.decode_seconds();
    const auto start = std::chrono::steady_clock::now();

    std::vector<qa::ResponseRow> rows;
    const size_t chunk_size = static_cast<size_t>(chunk > 0 ? chunk : settings.n_parallel);
    size_t first = 0;
    while (first < items.size()) {
      // A chunk ends at chunk_size items or at the end of the family.
      size_t end = first + 1;
      while (end < items.size() && end - first < chunk_size &&
             items[end].family == items[first].family) {
        ++end;
      }
      const std::vector<qa::ResponseRow> chunk_rows =
          evaluator.evaluate(std::span(items.data() + first, end - first));
      rows.insert(rows.end(), chunk_rows.begin(), chunk_rows.end());
      first = end;
    }

    const double wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const uint64_t tokens = evaluator.tokens_evaluated() - tokens_before;
    const double decode_seconds = evaluator.decode_seconds() - decode_before;

    size_t correct = 0;
    std::string lines;
    for (const qa::ResponseRow& row : rows) {
      correct += row.correct ? 1 : 0;
      lines +=
          row_to_json(row).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    }
    if (!rows_out.empty()) {
      qa::write_file_atomically(rows_out, lines);
    }

    const nlohmann::json summary = {
        {"items", rows.size()},
        {"correct", correct},
        {"tokens", tokens},
        {"wall_seconds", wall_seconds},
        {"decode_seconds", decode_seconds},
        {"tokens_per_second", static_cast<double>(tokens) / wall_seconds},
        {"items_per_second", static_cast<double>(rows.size()) / wall_seconds},
        {"threads", settings.threads},
        {"n_ctx", settings.n_ctx},
        {"n_batch", settings.n_batch},
        {"n_ubatch", settings.n_ubatch},
        {"n_parallel", settings.n_parallel},
        {"chunk", chunk_size}};
    fmt::print("{}\n", summary.dump());
  } catch (const qa::Error& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return error.exit_code();
  }
  return 0;
}
