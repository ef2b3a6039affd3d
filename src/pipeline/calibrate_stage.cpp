#include "pipeline/calibrate_stage.h"

#include <cmath>
#include <map>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "common/csv.h"
#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "common/study.h"
#include "engine/evaluator.h"
#include "gguf/gguf_file.h"
#include "pipeline/chunked_evaluation.h"
#include "pipeline/evaluation_inputs.h"
#include "pipeline/rung_progress.h"
#include "pipeline/study_settings.h"
#include "store/results_store.h"
#include "store/study_lock.h"

namespace qa {

namespace {

std::string kind_name(ItemKind kind) { return kind == ItemKind::kChoice ? "choice" : "generate"; }

double distance_to_band(const LevelScan& scan, const BaselineRule& rule) {
  const double lower = min_usable_accuracy(scan.kind, scan.chance, rule);
  const double accuracy = scan.accuracy();
  if (accuracy < lower) {
    return lower - accuracy;
  }
  return accuracy > rule.max_accuracy ? accuracy - rule.max_accuracy : 0.0;
}

void record_model_path(const StudyLayout& layout, const fs::path& model) {
  if (!fs::exists(model)) {
    throw Error(fmt::format("model {} not found; pass the path of a GGUF file", model.string()));
  }
  StudySettings study = read_study_settings(layout);
  const std::string path = fs::absolute(model).lexically_normal().string();
  if (study.model && study.model->path == path) {
    return;
  }
  study.model = StudyModel{path, sha256_file(path)};
  write_study_settings(layout, study);
  log_info("recorded the reference model {} in {}", path, layout.study_json().string());
}

void verify_reference_file(const ReferenceModel& reference) {
  if (!fs::exists(reference.path)) {
    throw Error(fmt::format("reference model {} not found; restore it or record another model "
                            "with --model",
                            reference.path));
  }
  if (reference.sha256.empty()) {
    return;
  }
  const std::string actual = sha256_file(reference.path);
  if (actual != reference.sha256) {
    throw Error(fmt::format("reference model {} has sha256 {}, but the study recorded {}; the "
                            "file changed. Restore it, or start a new study for the new file",
                            reference.path, actual, reference.sha256));
  }
}

// Evaluates the reference on every level of every family and marks the level
// that calibration freezes.
std::vector<LevelScan> scan_levels(const CalibrateOptions& options,
                                   const ReferenceModel& reference, const EvalSettings& eval) {
  struct ScanGroup {
    LevelScan scan;
    std::vector<ProbeItem> items;
  };
  std::vector<ScanGroup> groups;
  size_t total = 0;
  for (const auto& family : battery_families(options.battery, false)) {
    for (int level = family.min_level; level <= family.max_level; ++level) {
      ScanGroup group;
      group.scan.family = family.name;
      group.scan.kind = family.kind;
      group.scan.level = level;
      group.scan.chance = family.chance_accuracy;
      try {
        group.items =
            generate_family_items(family.name, level, options.seed, options.items_per_level);
      } catch (const Error& error) {
        group.scan.note = error.what();
        log_warn("calibration skips {} level {}: {}", family.name, level, error.what());
      }
      total += group.items.size();
      groups.push_back(std::move(group));
    }
  }

  log_info("calibrate: scanning {} family levels, {} items, on {}", groups.size(), total,
           reference.path);
  RungProgress progress("calibrate scan", total);
  Evaluator evaluator(reference.path, eval);
  size_t done_before = 0;
  for (auto& group : groups) {
    if (group.items.empty()) {
      continue;
    }
    // Chunks of n_parallel items, as in the sweep, so that scan accuracies
    // come from the same batch sizes as the frozen battery's rows.
    for (const auto& chunk :
         split_into_chunks({group.items}, static_cast<size_t>(eval.n_parallel))) {
      const auto rows = evaluator.evaluate(
          chunk, [&](size_t done, size_t) { progress.update(done_before + done); });
      done_before += chunk.size();
      group.scan.n += static_cast<int>(rows.size());
      for (const auto& row : rows) {
        group.scan.n_correct += row.correct ? 1 : 0;
      }
    }
    group.scan.in_band =
        accuracy_in_band(group.scan.kind, group.scan.accuracy(), group.scan.chance, options.rule);
  }
  progress.finish(done_before, evaluator.tokens_evaluated());

  std::vector<LevelScan> scans;
  for (auto& group : groups) {
    scans.push_back(group.scan);
  }

  std::map<std::string, std::vector<size_t>> by_family;
  for (size_t i = 0; i < scans.size(); ++i) {
    by_family[scans[i].family].push_back(i);
  }
  for (const auto& [family, indexes] : by_family) {
    std::vector<LevelScan> family_scans;
    for (size_t index : indexes) {
      family_scans.push_back(scans[index]);
    }
    const int chosen = choose_level(family_scans, options.rule);
    if (chosen >= 0) {
      scans[indexes[static_cast<size_t>(chosen)]].chosen = true;
    }
  }
  return scans;
}

void write_levels_csv(const StudyLayout& layout, const std::vector<LevelScan>& scans) {
  CsvWriter writer({"family", "kind", "level", "n", "n_correct", "accuracy", "chance", "in_band",
                    "chosen", "note"});
  for (const auto& scan : scans) {
    writer.add_row({scan.family, kind_name(scan.kind), std::to_string(scan.level),
                    std::to_string(scan.n), std::to_string(scan.n_correct),
                    format_double(scan.accuracy()), format_double(scan.chance),
                    scan.in_band ? "true" : "false", scan.chosen ? "true" : "false", scan.note});
  }
  write_file_atomically(layout.analysis_dir() / "calibration_levels.csv", writer.str());
}

// Rejects replacing a frozen battery with another one unless forced. Even
// when forced, rejects it while the results store contains rows of the old one.
void check_battery_replacement(const CalibrateOptions& options, const StudyLayout& layout,
                               const std::string& new_hash) {
  if (!fs::exists(layout.battery_manifest())) {
    return;
  }
  const Battery existing = load_battery(layout.battery_dir());
  if (existing.manifest.battery_hash == new_hash) {
    return;
  }
  if (!options.force) {
    throw Error(fmt::format("{} contains the frozen battery {}, and this calibration would freeze "
                            "{}; pass --force to replace it",
                            layout.battery_dir().string(), existing.manifest.battery_hash,
                            new_hash));
  }
  if (fs::exists(layout.results_db())) {
    throw Error(fmt::format("{} contains rows of the frozen battery {}; move it aside before "
                            "replacing the battery with --force",
                            layout.results_db().string(), existing.manifest.battery_hash));
  }
}

Battery freeze_battery(const CalibrateOptions& options, const StudyLayout& layout,
                       const std::vector<LevelScan>& scans) {
  BatteryBuildOptions build;
  build.battery = options.battery;
  build.seed = options.seed;
  build.items_per_family = options.frozen_items;
  build.include_controls = options.include_controls;
  build.force = true;
  for (const auto& scan : scans) {
    if (scan.chosen) {
      build.family_levels[scan.family] = scan.level;
    }
  }

  // Build into a scratch folder first, so the frozen battery is replaced only
  // after the replacement checks on the new hash passed.
  const fs::path scratch = layout.root / ".battery-candidate";
  std::error_code ignored;
  fs::remove_all(scratch, ignored);
  const BatteryManifest candidate = write_battery(scratch, build);
  fs::remove_all(scratch, ignored);
  check_battery_replacement(options, layout, candidate.battery_hash);

  write_battery(layout.battery_dir(), build);
  return load_battery(layout.battery_dir());
}

// Copies the other study's battery file by file, manifest last, and checks
// that the copy loads with the same battery hash.
Battery copy_battery(const CalibrateOptions& options, const StudyLayout& layout) {
  const StudyLayout source{*options.battery_from};
  const Battery original = load_study_battery(source);

  if (fs::exists(layout.battery_manifest()) &&
      load_battery(layout.battery_dir()).manifest.battery_hash ==
          original.manifest.battery_hash) {
    log_info("the battery in {} is already {}'s battery {}", layout.battery_dir().string(),
             source.root.string(), original.manifest.battery_hash);
    return load_battery(layout.battery_dir());
  }
  check_battery_replacement(options, layout, original.manifest.battery_hash);

  for (const auto& family : original.manifest.families) {
    write_file_atomically(layout.battery_dir() / family.file,
                          read_file(source.battery_dir() / family.file));
  }
  write_file_atomically(layout.battery_manifest(), read_file(source.battery_manifest()));

  Battery copy = load_battery(layout.battery_dir());
  if (copy.manifest.battery_hash != original.manifest.battery_hash) {
    throw Error(fmt::format("the copy of {} in {} has battery hash {}, not {}; check the disk "
                            "and rerun",
                            source.battery_dir().string(), layout.battery_dir().string(),
                            copy.manifest.battery_hash, original.manifest.battery_hash),
                kExitFailure);
  }
  log_info("copied battery {} from {}", copy.manifest.battery_hash, source.root.string());
  return copy;
}

std::vector<std::string> evaluated_families(const Battery& battery, bool include_controls) {
  std::vector<std::string> names;
  for (const auto& family : battery.manifest.families) {
    if (!is_control_family(family) || include_controls) {
      names.push_back(family.family);
    }
  }
  return names;
}

void evaluate_reference(const CalibrateOptions& options, const Battery& battery, const ReferenceModel& reference,
                        const EvalSettings& eval, ResultsStore& store) {
  const RunSettings run_settings = make_run_settings(eval, battery.manifest.battery_hash);
  check_store_settings(store, run_settings, options.force);

  // The same chunks as the sweep's reference rung, so a sweep finds them stored.
  std::vector<std::vector<ProbeItem>> groups;
  for (const auto& family : evaluated_families(battery, options.include_controls)) {
    groups.push_back(battery.family_items(family));
  }
  const auto pending = pending_chunks(split_into_chunks(groups, static_cast<size_t>(eval.n_parallel)),
                                      store.stored_item_ids(kReferenceRung));
  if (pending.empty()) {
    log_info("calibrate: the reference rows of battery {} are already stored",
             battery.manifest.battery_hash);
    return;
  }

  const GgufSummary summary = read_gguf_summary(reference.path);
  const std::string sha256 =
      reference.sha256.empty() ? sha256_file(reference.path) : reference.sha256;
  store.upsert_model(summary.name.empty() ? fs::path(reference.path).stem().string()
                                          : summary.name,
                     reference.path, sha256, summary.file_type, summary.n_params);
  store.upsert_rung(RungRecord{kReferenceRung, summary.file_type, reference.path, sha256,
                               summary.bits_per_weight, std::nullopt});
  const long long run_id = store.begin_run(run_settings);

  const RungEvaluation evaluation{kReferenceRung, reference.path, battery.manifest.battery_hash,
                                  run_id, "calibrate reference"};
  evaluate_pending_chunks(store, evaluation, eval, pending);
}

std::vector<FamilyCalibration> judge_families(const CalibrateOptions& options,
                                              const Battery& battery,
                                              const ResultsStore& store) {
  std::map<std::string, std::pair<int, int>> counts;  // family -> (n, n_correct)
  for (const auto& row : store.responses(kReferenceRung)) {
    auto& [n, n_correct] = counts[row.family];
    ++n;
    n_correct += row.correct ? 1 : 0;
  }

  std::vector<FamilyCalibration> families;
  for (const auto& family : battery.manifest.families) {
    const bool control = is_control_family(family);
    if (control && !options.include_controls) {
      continue;
    }
    const std::vector<ProbeItem> items = battery.family_items(family.family);
    FamilyCalibration result;
    result.family = family.family;
    result.kind = family.kind;
    result.level = family.levels.empty() ? 0 : family.levels.front();
    result.n = counts[family.family].first;
    result.n_correct = counts[family.family].second;
    result.chance = chance_accuracy(items);
    result.control = control;
    result.verdict = judge_baseline(result.kind, result.n, result.n_correct, result.chance,
                                    options.rule);
    families.push_back(result);
  }
  return families;
}

void write_calibration_csv(const StudyLayout& layout, const CalibrateOptions& options,
                           const std::vector<FamilyCalibration>& families,
                           const std::string& battery_hash) {
  CsvWriter writer({"family", "kind", "level", "n", "n_correct", "accuracy", "chance", "usable",
                    "reason", "control"});
  writer.add_comment(fmt::format("battery_hash={}", battery_hash));
  writer.add_comment(fmt::format(
      "usable: generate accuracy in [{}, {}], choice accuracy in [chance + {}, {}], at least {} "
      "reference-correct items",
      format_double(options.rule.generate_min_accuracy), format_double(options.rule.max_accuracy),
      format_double(options.rule.choice_margin_over_chance),
      format_double(options.rule.max_accuracy), options.rule.min_correct));
  for (const auto& family : families) {
    writer.add_row({family.family, kind_name(family.kind), std::to_string(family.level),
                    std::to_string(family.n), std::to_string(family.n_correct),
                    format_double(family.accuracy()), format_double(family.chance),
                    family.verdict.usable ? "true" : "false", family.verdict.reason,
                    family.control ? "true" : "false"});
  }
  write_file_atomically(layout.calibration_csv(), writer.str());
}

std::string gate_message(const CalibrateOptions& options, const CalibrationResult& result) {
  std::vector<std::string> lines;
  for (const auto& family : result.families) {
    if (family.control) {
      continue;
    }
    lines.push_back(fmt::format("{} {:.2f} ({})", family.family, family.accuracy(),
                                family.verdict.reason));
  }
  std::string advice;
  if (options.battery_from) {
    advice = fmt::format(
        "The transfer sweep should not run yet: with fewer than {} usable families on this "
        "model, death orders on {}'s battery cannot be compared. Try a larger or "
        "instruction-tuned variant of this model, or calibrate both studies on a battery that "
        "suits both models",
        options.min_usable_families, options.battery_from->string());
  } else {
    advice =
        "Change what is calibrated: another battery (--battery small for small story models, "
        "core for general ones), more items per level (--items-per-level), or another model";
  }
  return fmt::format("only {} of {} families have a usable baseline on the reference model, at "
                     "least {} are needed: {}. {}. Details in {}",
                     result.usable_families, lines.size(), options.min_usable_families,
                     fmt::join(lines, "; "), advice,
                     StudyLayout{options.study}.calibration_csv().string());
}

}  // namespace

int choose_level(const std::vector<LevelScan>& scans, const BaselineRule& rule) {
  int best = -1;
  bool best_in_band = false;
  double best_distance = 0;
  for (size_t i = 0; i < scans.size(); ++i) {
    const LevelScan& scan = scans[i];
    if (scan.n == 0) {
      continue;
    }
    const bool in_band = accuracy_in_band(scan.kind, scan.accuracy(), scan.chance, rule);
    const double distance = in_band ? std::abs(scan.accuracy() - rule.target_accuracy)
                                    : distance_to_band(scan, rule);
    // An in-band level beats any out-of-band one; strict < keeps the easier
    // level on ties, since scans are in ascending level order.
    const bool better = best < 0 || (in_band && !best_in_band) ||
                        (in_band == best_in_band && distance < best_distance);
    if (better) {
      best = static_cast<int>(i);
      best_in_band = in_band;
      best_distance = distance;
    }
  }
  return best;
}

CalibrationResult run_calibration(const CalibrateOptions& options) {
  const StudyLayout layout{options.study};
  if (options.items_per_level < 1) {
    throw Error(fmt::format("--items-per-level must be at least 1, got {}",
                            options.items_per_level));
  }
  if (options.frozen_items < 1) {
    throw Error(fmt::format("--items must be at least 1, got {}", options.frozen_items));
  }
  std::error_code same_error;
  if (options.battery_from && fs::equivalent(*options.battery_from, options.study, same_error)) {
    throw Error("--battery-from names the study itself; pass the folder of another study");
  }

  const StudyLock lock(layout.root, "calibrate",
                       options.wait_for_lock ? StudyLock::Mode::kWait
                                             : StudyLock::Mode::kFailIfBusy);
  if (const size_t removed = remove_stale_study_temp_files(layout.root); removed > 0) {
    log_info("calibrate: removed {} temporary files left by an interrupted run", removed);
  }
  if (options.model) {
    const auto ladder = read_optional_ladder(layout);
    if (ladder && !fs::equivalent(*options.model, ladder->reference.path, same_error)) {
      throw Error(fmt::format("study {} has a ladder built from {}, but --model names {}; drop "
                              "--model, or use another study folder for the other model",
                              layout.root.string(), ladder->reference.path,
                              options.model->string()));
    }
    record_model_path(layout, *options.model);
  }
  const ReferenceModel reference = resolve_reference_model(layout);
  verify_reference_file(reference);
  const EvalSettings eval =
      fix_eval_settings(layout, EvalOverrides{options.threads, options.chat}, options.force);

  CalibrationResult result;
  Battery battery;
  if (options.battery_from) {
    battery = copy_battery(options, layout);
  } else {
    result.levels = scan_levels(options, reference, eval);
    write_levels_csv(layout, result.levels);
    battery = freeze_battery(options, layout, result.levels);
    log_info("froze battery {} in {}", battery.manifest.battery_hash,
             layout.battery_dir().string());
  }

  ResultsStore store = ResultsStore::open(layout.results_db(), battery.manifest.battery_hash);
  evaluate_reference(options, battery, reference, eval, store);

  result.families = judge_families(options, battery, store);
  for (const auto& family : result.families) {
    if (family.verdict.usable && !family.control) {
      ++result.usable_families;
    }
  }
  write_calibration_csv(layout, options, result.families, battery.manifest.battery_hash);

  for (const auto& family : result.families) {
    log_info("  {:<24} level {}  accuracy {:.2f} ({}/{})  {}", family.family, family.level,
             family.accuracy(), family.n_correct, family.n, family.verdict.reason);
  }
  if (result.usable_families < options.min_usable_families) {
    throw Error(gate_message(options, result), kExitUnusableBaseline);
  }
  log_info("calibrate: {} of {} families usable; wrote {}", result.usable_families,
           result.families.size(), layout.calibration_csv().string());
  return result;
}

}  // namespace qa
