#include "pipeline/sweep_stage.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "common/study.h"
#include "gguf/gguf_file.h"
#include "ladder/ftype_table.h"
#include "ladder/manifest_file.h"
#include "ladder/quantize.h"
#include "pipeline/chunked_evaluation.h"
#include "pipeline/evaluation_inputs.h"
#include "pipeline/study_settings.h"
#include "probes/battery.h"
#include "store/results_store.h"
#include "store/study_lock.h"

namespace qa {

namespace {

// Seed of the reference-rerun shuffle. Any value works, as long as it stays
// fixed, because resumed runs must reproduce the same order.
constexpr uint64_t kRerunSeed = 0x5eed'4e4e'0001ULL;

// Bytes per token assumed by the --dry-run estimate, a rough figure for
// English text; the real count depends on the model's vocabulary.
constexpr uint64_t kBytesPerToken = 4;

uint64_t estimate_item_tokens(const ProbeItem& item) {
  uint64_t bytes = item.prompt.size();
  if (item.kind == ItemKind::kChoice) {
    for (const auto& choice : item.choices) {
      bytes += choice.size();
    }
    return bytes / kBytesPerToken + item.choices.size();
  }
  bytes += item.answer.size();
  return bytes / kBytesPerToken + 1 + static_cast<uint64_t>(item.max_tokens);
}

std::vector<std::string> selected_family_names(const Battery& battery,
                                               const SweepOptions& options) {
  std::vector<std::string> all;
  std::vector<std::string> names;
  bool has_controls = false;
  for (const auto& family : battery.manifest.families) {
    all.push_back(family.family);
    const bool control = is_control_family(family);
    has_controls = has_controls || control;
    if (!control || options.include_controls || options.family == family.family) {
      names.push_back(family.family);
    }
  }

  if (options.include_controls && !has_controls) {
    throw Error(fmt::format("the battery in {} has no control family; rerun 'quant-autopsy "
                            "calibrate' with --include-controls to add it",
                            battery.dir.string()));
  }
  if (options.family) {
    if (std::find(all.begin(), all.end(), *options.family) == all.end()) {
      throw Error(fmt::format("family '{}' is not in the battery in {}; its families are: {}",
                              *options.family, battery.dir.string(), fmt::join(all, ", ")));
    }
    return {*options.family};
  }
  return names;
}

// The ladder rungs and noise floor rungs the study offers, in sweep order.
std::vector<PlannedRung> candidate_rungs(const StudyLayout& layout, const ReferenceModel& reference,
                                         const std::optional<LadderManifest>& ladder,
                                         bool noise_floor) {
  std::vector<PlannedRung> rungs;
  PlannedRung base;
  base.name = kReferenceRung;
  base.file = reference.path;
  base.expected_sha256 = reference.sha256;
  base.ftype = reference.file_type;
  base.bits_per_weight = reference.bits_per_weight;
  rungs.push_back(base);

  if (noise_floor) {
    PlannedRung rerun = base;
    rerun.name = kReferenceRerunRung;
    rerun.shuffled_order = true;
    rungs.push_back(rerun);
  }

  bool ladder_has_f16 = false;
  if (ladder) {
    for (const auto& entry : ladder->rungs) {
      ladder_has_f16 = ladder_has_f16 || entry.name == kF16NoiseRung;
      if (entry.status != "ok") {
        log_warn("ladder rung {} has status '{}' in {}; the sweep skips it", entry.name,
                 entry.status, layout.ladder_manifest().string());
        continue;
      }
      if (entry.identical_to) {
        auto twin = std::find_if(rungs.begin(), rungs.end(),
                                 [&](const PlannedRung& r) { return r.name == *entry.identical_to; });
        if (twin != rungs.end()) {
          twin->twins.push_back(entry.name);
          continue;
        }
        log_warn("ladder rung {} is identical_to {}, which is not an evaluated rung; evaluating "
                 "{} itself",
                 entry.name, *entry.identical_to, entry.name);
      }
      PlannedRung rung;
      rung.name = entry.name;
      rung.file = layout.root / entry.file;
      rung.expected_sha256 = entry.sha256;
      rung.ftype = entry.name;
      rung.bits_per_weight = entry.bits_per_weight;
      rungs.push_back(rung);
    }
  }

  if (noise_floor && reference.wider_than_f16 && !ladder_has_f16) {
    PlannedRung f16;
    f16.name = kF16NoiseRung;
    f16.file = layout.ladder_dir() /
               fmt::format("{}-{}.gguf", fs::path(reference.path).stem().string(), kF16NoiseRung);
    f16.ftype = kF16NoiseRung;
    f16.bits_per_weight = 16;
    f16.create_f16_copy = true;
    rungs.push_back(f16);
  }
  return rungs;
}

std::vector<PlannedRung> select_rungs(std::vector<PlannedRung> candidates,
                                      const std::vector<std::string>& requested) {
  if (requested.empty()) {
    return candidates;
  }

  std::set<std::string> wanted{kReferenceRung};
  for (const auto& name : requested) {
    auto owner = std::find_if(candidates.begin(), candidates.end(), [&](const PlannedRung& r) {
      return r.name == name ||
             std::find(r.twins.begin(), r.twins.end(), name) != r.twins.end();
    });
    if (owner == candidates.end()) {
      std::vector<std::string> known;
      for (const auto& rung : candidates) {
        known.push_back(rung.name);
        known.insert(known.end(), rung.twins.begin(), rung.twins.end());
      }
      throw Error(fmt::format("rung '{}' is not in this study; its rungs are: {}", name,
                              fmt::join(known, ", ")));
    }
    if (owner->name != name) {
      log_info("rung {} is identical to {}: evaluating {} covers both", name, owner->name,
               owner->name);
    }
    wanted.insert(owner->name);
  }

  std::vector<PlannedRung> selected;
  for (auto& rung : candidates) {
    if (wanted.count(rung.name) != 0) {
      selected.push_back(std::move(rung));
    }
  }
  return selected;
}

EvalSettings planned_eval_settings(const StudyLayout& layout, const SweepOptions& options) {
  const StudySettings study = read_study_settings(layout);
  EvalSettings eval = study.eval.value_or(EvalSettings{});
  if (!study.eval) {
    eval.threads = options.threads.value_or(0);
    eval.chat = options.chat;
  }
  return eval;
}

// Checks that every rung file that will be loaded is the file the ladder
// manifest (or the store, for the F16 copy) recorded. Throws kExitBadInput.
void verify_rung_files(const SweepPlan& plan, const ResultsStore& store) {
  std::map<std::string, std::string> recorded;
  for (const auto& record : store.rungs()) {
    recorded[record.name] = record.sha256;
  }

  std::map<std::string, std::string> hashed;  // path -> sha256, each file hashed once
  for (const auto& rung : plan.rungs) {
    if (rung.create_f16_copy && !fs::exists(rung.file)) {
      continue;
    }
    if (!fs::exists(rung.file)) {
      throw Error(fmt::format("rung {}: model file {} not found; rebuild the ladder with "
                              "'quant-autopsy ladder'",
                              rung.name, rung.file.string()));
    }
    std::string expected = rung.expected_sha256;
    if (rung.create_f16_copy) {
      const auto found = recorded.find(rung.name);
      expected = found == recorded.end() ? "" : found->second;
    }
    if (expected.empty()) {
      continue;
    }

    auto& actual = hashed[rung.file.string()];
    if (actual.empty()) {
      actual = sha256_file(rung.file);
    }
    if (actual != expected) {
      throw Error(fmt::format("rung {}: {} has sha256 {}, but the study recorded {}; the file "
                              "changed after the ladder was built. Rebuild it with "
                              "'quant-autopsy ladder' (or delete it, for the F16 copy) and rerun",
                              rung.name, rung.file.string(), actual, expected));
    }
  }
}

void make_f16_copy(const PlannedRung& rung, const fs::path& reference, int threads) {
  log_info("writing the F16 noise floor copy {} of {}", rung.file.string(), reference.string());
  QuantizeOptions options;
  options.ftype = parse_ftype_name(kF16NoiseRung).ftype;
  options.threads = threads;
  quantize_gguf(reference, rung.file, options);
}

void record_rungs(ResultsStore& store, const SweepPlan& plan, const ReferenceModel& reference) {
  const GgufSummary summary = read_gguf_summary(reference.path);
  const std::string model_name =
      summary.name.empty() ? fs::path(reference.path).stem().string() : summary.name;
  const std::string sha256 =
      reference.sha256.empty() ? sha256_file(reference.path) : reference.sha256;
  store.upsert_model(model_name, reference.path, sha256, summary.file_type, summary.n_params);

  for (const auto& rung : plan.rungs) {
    std::string rung_sha = rung.expected_sha256;
    if (rung.create_f16_copy && fs::exists(rung.file)) {
      rung_sha = sha256_file(rung.file);
    }
    store.upsert_rung(RungRecord{rung.name, rung.ftype, rung.file.string(), rung_sha,
                                 rung.bits_per_weight, std::nullopt});
    for (const auto& twin : rung.twins) {
      store.upsert_rung(RungRecord{twin, twin, rung.file.string(), rung_sha,
                                   rung.bits_per_weight, rung.name});
    }
  }
}

std::vector<ItemChunk> rung_chunks(const SweepPlan& plan, const PlannedRung& rung) {
  if (!rung.shuffled_order) {
    return split_into_chunks(plan.family_items, static_cast<size_t>(plan.eval.n_parallel));
  }
  std::vector<std::vector<ProbeItem>> shuffled;
  for (const auto& items : plan.family_items) {
    shuffled.push_back(rerun_order(items, plan.eval.n_parallel));
  }
  return split_into_chunks(shuffled, static_cast<size_t>(plan.eval.n_parallel));
}

}  // namespace

size_t limit_block_size(int n_parallel) { return 2 * static_cast<size_t>(std::max(1, n_parallel)); }

std::vector<ProbeItem> rerun_order(const std::vector<ProbeItem>& items, int n_parallel) {
  std::vector<ProbeItem> order = items;
  const size_t block = limit_block_size(n_parallel);
  for (size_t start = 0; start < order.size(); start += block) {
    const size_t size = std::min(block, order.size() - start);
    std::mt19937_64 generator(kRerunSeed + start);
    for (size_t i = size; i > 1; --i) {
      const size_t j = static_cast<size_t>(generator() % i);
      std::swap(order[start + i - 1], order[start + j]);
    }
  }
  return order;
}

SweepPlan plan_sweep(const SweepOptions& options) {
  const StudyLayout layout{options.study};
  const Battery battery = load_study_battery(layout);
  const ReferenceModel reference = resolve_reference_model(layout);
  const std::optional<LadderManifest> ladder = read_optional_ladder(layout);
  if (!ladder) {
    log_warn("{} not found: the sweep covers the reference and the noise floor only; build the "
             "ladder with 'quant-autopsy ladder' to add quantized rungs",
             layout.ladder_manifest().string());
  }

  SweepPlan plan;
  plan.battery_hash = battery.manifest.battery_hash;
  plan.eval = planned_eval_settings(layout, options);
  plan.rungs = select_rungs(candidate_rungs(layout, reference, ladder, options.noise_floor),
                            options.rungs);
  plan.families = selected_family_names(battery, options);

  const size_t block = limit_block_size(plan.eval.n_parallel);
  for (const auto& family : plan.families) {
    std::vector<ProbeItem> items = battery.family_items(family);
    if (options.limit) {
      if (*options.limit < 1) {
        throw Error(fmt::format("--limit must be at least 1, got {}", *options.limit));
      }
      // Whole blocks only: a cut inside a chunk or a rerun_order block would
      // batch those items differently from a full sweep, so a later full
      // sweep would find rows it cannot reproduce.
      const size_t rounded = (static_cast<size_t>(*options.limit) + block - 1) / block * block;
      items.resize(std::min(items.size(), rounded));
    }
    for (const auto& item : items) {
      plan.estimated_tokens_per_rung += estimate_item_tokens(item);
    }
    plan.items_per_rung += items.size();
    plan.family_items.push_back(std::move(items));
  }
  return plan;
}

std::string format_sweep_plan(const SweepPlan& plan) {
  std::ostringstream out;
  out << fmt::format("battery {}\n", plan.battery_hash);
  out << fmt::format("settings: threads {}, n_ctx {}, n_batch {}, n_ubatch {}, n_parallel {}, "
                     "prompt format {}\n",
                     plan.eval.threads, plan.eval.n_ctx, plan.eval.n_batch, plan.eval.n_ubatch,
                     plan.eval.n_parallel, plan.eval.prompt_format());
  out << fmt::format("{} rungs x {} items ({} families) = {} evaluations, about {} tokens "
                     "(estimated at {} bytes per token)\n",
                     plan.rungs.size(), plan.items_per_rung, plan.families.size(),
                     plan.rungs.size() * plan.items_per_rung,
                     plan.rungs.size() * plan.estimated_tokens_per_rung, kBytesPerToken);

  out << "rungs:\n";
  for (const auto& rung : plan.rungs) {
    std::string note;
    if (rung.shuffled_order) {
      note = " (noise floor: reference in another order)";
    } else if (rung.create_f16_copy) {
      note = " (noise floor: F16 copy of the reference, written before it is evaluated)";
    }
    if (!rung.twins.empty()) {
      note += fmt::format(" (also stands for {})", fmt::join(rung.twins, ", "));
    }
    out << fmt::format("  {:<16} {}{}\n", rung.name, rung.file.string(), note);
  }

  out << "families:\n";
  for (size_t i = 0; i < plan.families.size(); ++i) {
    out << fmt::format("  {:<24} {} items\n", plan.families[i], plan.family_items[i].size());
  }
  return out.str();
}

void run_sweep(const SweepOptions& options) {
  const StudyLayout layout{options.study};
  SweepPlan plan = plan_sweep(options);
  if (options.dry_run) {
    fmt::print("{}", format_sweep_plan(plan));
    return;
  }

  const StudyLock lock(layout.root, "sweep",
                       options.wait_for_lock ? StudyLock::Mode::kWait
                                             : StudyLock::Mode::kFailIfBusy);
  if (const size_t removed = remove_stale_study_temp_files(layout.root); removed > 0) {
    log_info("sweep: removed {} temporary files left by an interrupted run", removed);
  }
  plan.eval = fix_eval_settings(layout, EvalOverrides{options.threads, options.chat},
                                options.force);
  ResultsStore store = ResultsStore::open(layout.results_db(), plan.battery_hash);
  const RunSettings run_settings = make_run_settings(plan.eval, plan.battery_hash);
  check_store_settings(store, run_settings, options.force);

  log_info("checking the sha256 of {} rung files", plan.rungs.size());
  verify_rung_files(plan, store);
  const ReferenceModel reference = resolve_reference_model(layout);

  std::vector<std::vector<ItemChunk>> pending_by_rung;
  size_t pending_items = 0;
  for (const auto& rung : plan.rungs) {
    const auto chunks = rung_chunks(plan, rung);
    pending_by_rung.push_back(pending_chunks(chunks, store.stored_item_ids(rung.name)));
    pending_items += count_items(pending_by_rung.back());
  }
  if (pending_items == 0) {
    log_info("sweep: all {} rungs x {} items are already stored in {}", plan.rungs.size(),
             plan.items_per_rung, layout.results_db().string());
    return;
  }

  record_rungs(store, plan, reference);
  const long long run_id = store.begin_run(run_settings);

  RungThroughput total;
  for (size_t i = 0; i < plan.rungs.size(); ++i) {
    const PlannedRung& rung = plan.rungs[i];
    const std::string label = fmt::format("[{}/{}] {}", i + 1, plan.rungs.size(), rung.name);
    const auto& pending = pending_by_rung[i];
    if (pending.empty()) {
      log_info("{}: all {} items already stored", label, plan.items_per_rung);
      continue;
    }

    if (rung.create_f16_copy && !fs::exists(rung.file)) {
      make_f16_copy(rung, reference.path, plan.eval.threads);
      record_rungs(store, plan, reference);
    }

    log_info("{}: evaluating {} of {} items ({})", label, count_items(pending),
             plan.items_per_rung, rung.file.string());
    const RungEvaluation evaluation{rung.name, rung.file, plan.battery_hash, run_id, label};
    const RungThroughput throughput =
        evaluate_pending_chunks(store, evaluation, plan.eval, pending);
    total.items += throughput.items;
    total.tokens += throughput.tokens;
    total.seconds += throughput.seconds;
  }

  log_info("sweep: {} items evaluated in {:.1f} s; the store contains {} rows", total.items,
           total.seconds, store.count_responses());
}

}  // namespace qa
