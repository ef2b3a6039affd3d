#include "pipeline/run_pipeline.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <fmt/core.h>
#include <fmt/format.h>

#include "analysis/analyze_study.h"
#include "common/csv.h"
#include "common/error.h"
#include "common/log.h"
#include "common/study.h"
#include "gguf/gguf_file.h"
#include "ladder/ftype_table.h"
#include "ladder/ladder.h"
#include "pipeline/calibrate_stage.h"
#include "pipeline/model_registry.h"
#include "pipeline/model_source.h"
#include "pipeline/sweep_stage.h"
#include "report/report_writer.h"
#include "store/results_store.h"

namespace qa {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Resolves the model argument to a local GGUF path, downloading an hf:
// source into the cache once.
fs::path resolve_study_model(const RunOptions& options) {
  DownloadOptions download;
  download.cache_dir = options.cache_dir;

  if (!options.model.empty() && !options.model_key.empty()) {
    throw Error("give either MODEL or --model-key, not both");
  }
  if (!options.model.empty() && !is_hf_source(options.model)) {
    return resolve_model_source(options.model, download);
  }

  const ModelRegistry registry =
      load_model_registry(find_local_registry(options.registry, options.out));

  // An hf: source gets the sha256 of the registry entry with the same file.
  if (!options.model.empty()) {
    for (const ModelEntry& entry : registry.entries()) {
      if (hf_source_of(entry) == options.model) {
        download.sha256 = entry.sha256;
      }
    }
    return resolve_model_source(options.model, download);
  }

  const std::string key = options.model_key.empty() ? kDefaultModelKey : options.model_key;
  const ModelEntry& entry = registry.find(key);
  if (entry.path) {
    return resolve_model_source(entry.path->string(), download);
  }
  const std::string source = hf_source_of(entry);
  if (source.empty()) {
    throw Error(fmt::format("registry entry '{}' has neither a local path nor a Hugging Face "
                            "source; set its path in models.local.json",
                            key));
  }
  log_info("run: model {} ({}) from {}", entry.display_name, key, source);
  download.sha256 = entry.sha256;
  return resolve_model_source(source, download);
}

std::string choose_battery(const RunOptions& options, const GgufSummary& summary) {
  if (options.battery) {
    return *options.battery;
  }
  if (summary.n_params < kSmallBatteryMaxParams) {
    log_info("run: {} has {} parameters (< 100M), so the `small` battery is used; pass "
             "--battery core to override",
             summary.path.filename().string(), summary.n_params);
    return "small";
  }
  return "core";
}

// Counts usable families in an existing calibration.csv, so that a rerun of
// a study that failed the calibration gate fails it again instead of
// sweeping.
int count_usable_families(const StudyLayout& layout, std::vector<std::string>& unusable) {
  const CsvTable table = read_csv(layout.calibration_csv());
  const size_t usable = table.column("usable", layout.calibration_csv().string());
  const size_t family = table.column("family", layout.calibration_csv().string());
  int count = 0;
  for (const auto& row : table.rows) {
    if (row[usable] == "true") {
      ++count;
    } else {
      unusable.push_back(row[family]);
    }
  }
  return count;
}

void run_calibration_stage(const RunOptions& options, const StudyLayout& layout,
                           const fs::path& model, const std::string& battery) {
  if (fs::exists(layout.battery_manifest()) && fs::exists(layout.calibration_csv())) {
    std::vector<std::string> unusable;
    const int usable = count_usable_families(layout, unusable);
    log_info("run: calibrate skipped: battery frozen in {} ({} families usable)",
             layout.battery_dir().string(), usable);
    if (usable < kMinUsableFamilies) {
      throw Error(fmt::format("only {} families have a usable baseline (see {}); a death order "
                              "needs at least {}. Try another battery (--battery), or another "
                              "model",
                              usable, layout.calibration_csv().string(), kMinUsableFamilies),
                  kExitUnusableBaseline);
    }
    return;
  }

  CalibrateOptions calibrate;
  calibrate.study = options.out;
  calibrate.battery = battery;
  calibrate.model = model;
  calibrate.threads = options.threads;
  calibrate.chat = options.chat;
  if (options.items_per_level) {
    calibrate.items_per_level = *options.items_per_level;
  }
  if (options.items) {
    calibrate.frozen_items = *options.items;
  }
  run_calibration(calibrate);
}

// Prints items/s and tokens/s per rung: the reference and noise-floor rungs
// first, then the ladder rungs in ladder order.
void print_throughput(const StudyLayout& layout, const std::vector<std::string>& ladder_rungs) {
  const ResultsStore store = ResultsStore::open_readonly(layout.results_db());
  struct Totals {
    long long items = 0;
    long long tokens = 0;
    double ms = 0;
  };
  std::map<std::string, Totals> totals;
  for (const ResponseRow& row : store.responses()) {
    Totals& total = totals[row.rung];
    ++total.items;
    total.tokens += row.n_tokens;
    total.ms += row.ms;
  }

  std::vector<std::string> order = {kReferenceRung, kReferenceRerunRung, kF16NoiseRung};
  order.insert(order.end(), ladder_rungs.begin(), ladder_rungs.end());
  for (const auto& [rung, total] : totals) {
    if (std::find(order.begin(), order.end(), rung) == order.end()) {
      order.push_back(rung);
    }
  }

  fmt::print("\nThroughput per rung (item time as recorded by the sweep):\n");
  for (const std::string& rung : order) {
    const auto found = totals.find(rung);
    if (found == totals.end()) {
      continue;
    }
    const Totals& total = found->second;
    const double seconds = total.ms / 1000.0;
    fmt::print("  {:<16} {:6} items  {:9.1f} items/s  {:10.0f} tokens/s\n", rung, total.items,
               seconds > 0 ? total.items / seconds : 0.0,
               seconds > 0 ? total.tokens / seconds : 0.0);
  }
}

void print_summary(const analysis::AnalysisResult& result, const StudyLayout& layout) {
  fmt::print("\nDeath order (usable families; a family dies at the highest-precision rung where "
             "it is degraded):\n");
  for (const analysis::FamilyDeath& death : result.deaths) {
    if (!death.death_rung) {
      fmt::print("  {:>2}. {:<28} survives every rung\n", death.rank, death.family);
      continue;
    }
    fmt::print("  {:>2}. {:<28} dies at {:<8} ({:.2f} bits/weight), {}\n", death.rank,
               death.family, *death.death_rung, death.death_bits_per_weight.value_or(0),
               death.persistent ? "persistent" : "transient");
  }
  for (const auto& [family, reason] : result.excluded_families) {
    fmt::print("      {:<28} excluded: {}\n", family, reason);
  }

  const auto count = [](const std::optional<int>& value) {
    return value ? std::to_string(*value) : std::string("n/a");
  };
  fmt::print("\nHeadline: degraded families at Q4_K_M {}, Q3_K_M {}, Q2_K {}: {}\n",
             count(result.headline.q4_degraded), count(result.headline.q3_degraded),
             count(result.headline.q2_degraded), result.headline.conclusion);

  // The safe rung is the lowest ladder rung above every death rung.
  std::string safe_rung;
  for (const std::string& rung : result.ladder_rungs) {
    bool any_dead = false;
    for (const analysis::FamilyDeath& death : result.deaths) {
      for (const std::string& degraded : death.degraded_rungs) {
        any_dead = any_dead || degraded == rung;
      }
    }
    if (any_dead) {
      break;
    }
    safe_rung = rung;
  }
  if (safe_rung.empty()) {
    fmt::print("Recommendation: no rung of this ladder is safe for every usable family; see the "
               "death order above.\n");
  } else if (safe_rung == result.ladder_rungs.back()) {
    fmt::print("Recommendation: no usable family is degraded at any rung; safe down to {} for "
               "these families.\n",
               safe_rung);
  } else {
    fmt::print("Recommendation: safe down to {} for every usable family; below it, families "
               "die as listed above.\n",
               safe_rung);
  }

  for (const analysis::NoiseFloor& floor : result.noise_floors) {
    fmt::print("Noise floor {}: {} of {} paired items flipped (flip rate {})\n", floor.rung,
               floor.flips, floor.n,
               floor.flip_rate ? fmt::format("{:.1f}%", 100.0 * *floor.flip_rate) : "n/a");
  }

  print_throughput(layout, result.ladder_rungs);
  fmt::print("\nReport: {}\n", (layout.report_dir() / "index.html").string());
}

}  // namespace

void run_study(const RunOptions& options) {
  const auto started = Clock::now();
  const StudyLayout layout{options.out};

  log_info("run: [1/7] inspect");
  const fs::path model = resolve_study_model(options);
  const GgufSummary summary = read_gguf_summary(model);
  log_info("run: {}: {} ({}), {} parameters, {:.2f} bits per weight, {}", model.string(),
           summary.architecture,
           summary.file_type.empty() ? "no general.file_type key" : summary.file_type,
           summary.n_params, summary.bits_per_weight,
           summary.full_precision ? "full precision" : "already quantized");
  const std::string battery = choose_battery(options, summary);

  log_info("run: [2/7] ladder");
  LadderOptions ladder;
  ladder.input = model;
  ladder.study = options.out;
  ladder.rungs = parse_ftype_list(options.rungs.empty() ? kDefaultRungs : options.rungs);
  ladder.allow_requantize = options.allow_requantize;
  ladder.threads = options.threads.value_or(0);
  const LadderOutcome outcome = build_ladder(ladder);
  if (!outcome.failed.empty()) {
    throw Error(fmt::format("ladder: sanity check failed for rung(s) {}; see {}",
                            fmt::join(outcome.failed, ", "), layout.ladder_manifest().string()),
                kExitFailure);
  }

  log_info("run: [3/7] calibrate ({} battery)", battery);
  run_calibration_stage(options, layout, model, battery);

  log_info("run: [4/7] sweep");
  SweepOptions sweep;
  sweep.study = options.out;
  sweep.threads = options.threads;
  sweep.chat = options.chat;
  run_sweep(sweep);

  log_info("run: [5/7] analyze");
  analysis::AnalyzeOptions analyze;
  analyze.force = options.force;
  const analysis::AnalyzeOutcome analyzed = analysis::analyze_study(layout, analyze);

  log_info("run: [6/7] report");
  report::ReportOptions report_options;
  report_options.force = options.force;
  report::write_report(options.out, report_options);

  log_info("run: [7/7] report check");
  const report::CheckResult check = report::check_report(options.out);
  if (!check.mismatches.empty()) {
    for (const report::CheckMismatch& mismatch : check.mismatches) {
      fmt::print(stderr, "{}\n", mismatch.to_string());
    }
    throw Error(fmt::format("report check found {} mismatch(es) between the report and the CSVs",
                            check.mismatches.size()),
                kExitFailure);
  }
  log_info("run: report check passed: {} claims in {} files", check.claims_checked,
           check.files_checked);

  print_summary(analyzed.result, layout);
  log_info("run: study finished in {:.1f} s", seconds_since(started));
}

}  // namespace qa
