#include "ladder/ladder.h"

#include <map>
#include <system_error>

#include <fmt/format.h>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "common/study.h"
#include "gguf/gguf_file.h"
#include "ladder/importance_matrix.h"
#include "ladder/manifest_file.h"
#include "ladder/quantize.h"
#include "ladder/sanity_check.h"
#include "ladder/size_format.h"

namespace qa {

namespace fs = std::filesystem;

namespace {

using TensorTypes = std::map<std::string, std::string>;  // tensor name -> ggml type name

std::map<std::string, int> type_counts(const GgufSummary& summary) {
  std::map<std::string, int> counts;
  for (const auto& [type, stats] : summary.type_histogram) {
    counts[type] = stats.count;
  }
  return counts;
}

TensorTypes tensor_types(const GgufSummary& summary) {
  TensorTypes types;
  for (const auto& tensor : summary.tensors) {
    types[tensor.name] = tensor.type;
  }
  return types;
}

ReferenceEntry make_reference_entry(const GgufSummary& summary, const std::string& sha256) {
  ReferenceEntry reference;
  reference.path = fs::absolute(summary.path).lexically_normal().string();
  reference.sha256 = sha256;
  reference.size_bytes = summary.file_size;
  reference.bits_per_weight = summary.bits_per_weight;
  reference.file_type = summary.file_type;
  reference.tensor_types = type_counts(summary);
  reference.full_precision = summary.full_precision;
  return reference;
}

std::string describe_types(const GgufSummary& summary) {
  std::string text;
  for (const auto& [type, stats] : summary.type_histogram) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", stats.count, type);
  }
  return text;
}

void reject_quantized_input(const GgufSummary& summary) {
  throw Error(
      fmt::format("{} is already quantized (file type {}, tensors: {}); quantizing it again "
                  "compounds the error of both steps. Use a full-precision GGUF (F32, F16 or "
                  "BF16), or pass --allow-requantize to build the ladder anyway",
                  summary.path.string(), summary.file_type.empty() ? "unknown" : summary.file_type,
                  describe_types(summary)),
      kExitBadInput);
}

void create_ladder_folder(const fs::path& folder) {
  std::error_code error;
  fs::create_directories(folder, error);
  if (error) {
    throw Error(fmt::format("cannot create output folder {}: {}; choose a folder you can write to",
                            folder.string(), error.message()),
                kExitBadInput);
  }
}

// The previous manifest, if any. One built from another input is rejected,
// because overwriting it would silently replace another model's ladder.
std::optional<LadderManifest> read_previous_manifest(const StudyLayout& layout,
                                                     const ReferenceEntry& reference) {
  if (!fs::exists(layout.ladder_manifest())) {
    return std::nullopt;
  }
  LadderManifest previous = read_ladder_manifest(layout.ladder_manifest());
  if (previous.reference.sha256 != reference.sha256) {
    throw Error(fmt::format("{} belongs to a ladder of another input ({}, sha256 {}); use a new "
                            "--out folder or delete {} to rebuild it from {}",
                            layout.ladder_manifest().string(), previous.reference.path,
                            previous.reference.sha256, layout.ladder_dir().string(),
                            reference.path),
                kExitBadInput);
  }
  return previous;
}

// True when `previous` describes the same rung built with the same settings
// and its file on disk still has the recorded sha256.
bool is_up_to_date(const RungEntry& previous, const LadderManifest& previous_manifest,
                   const FtypeName& rung, const std::optional<std::string>& imatrix_sha256,
                   const fs::path& study) {
  if (previous.status != "ok" || previous.ftype != rung.ftype ||
      previous.imatrix != imatrix_sha256 || previous_manifest.llama_cpp_commit != kLlamaCommit) {
    return false;
  }

  const fs::path file = study / previous.file;
  std::error_code error;
  if (!fs::is_regular_file(file, error) || fs::file_size(file, error) != previous.size_bytes) {
    return false;
  }
  return sha256_file(file) == previous.sha256;
}

RungEntry build_rung(const LadderOptions& options, const FtypeName& rung,
                     const std::string& relative_file, const ImportanceMatrix* imatrix,
                     const std::string& progress) {
  const fs::path output = options.study / relative_file;
  log_info("ladder: {} {}: quantizing {}", progress, rung.name, options.input.filename().string());

  QuantizeOptions quantize_options;
  quantize_options.ftype = rung.ftype;
  quantize_options.threads = options.threads;
  quantize_options.imatrix = imatrix;
  quantize_options.allow_requantize = options.allow_requantize;
  const QuantizeResult quantized = quantize_gguf(options.input, output, quantize_options);

  RungEntry entry;
  entry.name = rung.name;
  entry.ftype = rung.ftype;
  entry.file = relative_file;
  entry.size_bytes = quantized.summary.file_size;
  entry.sha256 = sha256_file(output);
  entry.bits_per_weight = quantized.summary.bits_per_weight;
  entry.tensor_types = type_counts(quantized.summary);
  entry.fallbacks = verify_fallbacks(quantized.fallbacks, quantized.summary);
  entry.n_fallback = static_cast<int>(entry.fallbacks.size());
  entry.imatrix = imatrix ? std::optional<std::string>(imatrix->sha256) : std::nullopt;
  entry.seconds = quantized.seconds;

  const SanityResult sanity = run_sanity_check(output, options.threads);
  entry.sanity_text = sanity.text;
  if (!sanity.ok) {
    entry.status = "failed";
    entry.failure = sanity.problem;
    log_warn("ladder: {} {}: sanity check failed: {}", progress, rung.name, sanity.problem);
  }

  log_info("ladder: {} {}: done in {:.2f} s, {}, {:.2f} bits per weight, {} fallbacks, "
           "sanity check {}: \"{}\"",
           progress, rung.name, entry.seconds, format_size(entry.size_bytes),
           entry.bits_per_weight, entry.n_fallback, entry.status, entry.sanity_text);
  return entry;
}

}  // namespace

void mark_identical_rungs(LadderManifest& manifest,
                          const std::vector<TensorTypes>& tensor_types_by_rung) {
  for (size_t i = 0; i < manifest.rungs.size(); ++i) {
    manifest.rungs[i].identical_to.reset();
    if (manifest.rungs[i].status != "ok") {
      continue;
    }
    for (size_t j = 0; j < i; ++j) {
      if (manifest.rungs[j].status == "ok" && tensor_types_by_rung[j] == tensor_types_by_rung[i]) {
        manifest.rungs[i].identical_to = manifest.rungs[j].name;
        break;
      }
    }
  }
}

LadderOutcome build_ladder(const LadderOptions& options) {
  if (options.rungs.empty()) {
    throw Error("no rungs requested; pass at least one type to --rungs", kExitBadInput);
  }

  const GgufSummary input_summary = read_gguf_summary(options.input);
  if (!input_summary.full_precision && !options.allow_requantize) {
    reject_quantized_input(input_summary);
  }

  const StudyLayout layout{options.study};
  create_ladder_folder(layout.ladder_dir());
  if (const size_t removed = remove_stale_study_temp_files(layout.root); removed > 0) {
    log_info("ladder: removed {} temporary files left by an interrupted run", removed);
  }

  std::optional<ImportanceMatrix> imatrix;
  if (options.imatrix) {
    imatrix = read_importance_matrix(*options.imatrix);
  }
  const std::optional<std::string> imatrix_sha256 =
      imatrix ? std::optional<std::string>(imatrix->sha256) : std::nullopt;

  LadderOutcome outcome;
  LadderManifest& manifest = outcome.manifest;
  manifest.llama_cpp_commit = kLlamaCommit;
  manifest.tool_version = kToolVersion;
  manifest.reference = make_reference_entry(input_summary, sha256_file(options.input));
  manifest.requantized = !input_summary.full_precision;
  if (manifest.requantized) {
    log_warn("ladder: {} is already quantized; every rung is a requantization and every "
             "report on it must say so",
             options.input.string());
  }

  const std::optional<LadderManifest> previous =
      read_previous_manifest(layout, manifest.reference);
  std::map<std::string, RungEntry> previous_rungs;
  if (previous) {
    for (const auto& rung : previous->rungs) {
      previous_rungs[rung.name] = rung;
    }
  }

  std::vector<TensorTypes> tensor_types_by_rung;
  const std::string stem = options.input.stem().string();
  for (size_t i = 0; i < options.rungs.size(); ++i) {
    const FtypeName& rung = options.rungs[i];
    const std::string progress = fmt::format("[{}/{}]", i + 1, options.rungs.size());
    const std::string relative_file =
        (fs::path("ladder") / fmt::format("{}-{}.gguf", stem, rung.name)).string();

    const auto found = previous_rungs.find(rung.name);
    if (found != previous_rungs.end() && found->second.file == relative_file &&
        is_up_to_date(found->second, *previous, rung, imatrix_sha256, options.study)) {
      RungEntry entry = found->second;
      log_info("ladder: {} {}: up to date, skipped ({}, {:.2f} bits per weight)", progress,
               rung.name, format_size(entry.size_bytes), entry.bits_per_weight);
      tensor_types_by_rung.push_back(tensor_types(read_gguf_summary(options.study / entry.file)));
      manifest.rungs.push_back(std::move(entry));
      outcome.skipped.push_back(rung.name);
    } else {
      RungEntry entry =
          build_rung(options, rung, relative_file, imatrix ? &*imatrix : nullptr, progress);
      tensor_types_by_rung.push_back(tensor_types(read_gguf_summary(options.study / entry.file)));
      if (entry.status != "ok") {
        outcome.failed.push_back(rung.name);
      }
      manifest.rungs.push_back(std::move(entry));
      outcome.built.push_back(rung.name);
    }

    mark_identical_rungs(manifest, tensor_types_by_rung);

    // Rungs not reached yet keep their previous entries, so an interrupt
    // here does not make the next run rebuild rungs whose files are fine.
    LadderManifest partial = manifest;
    for (size_t later = i + 1; later < options.rungs.size(); ++later) {
      const auto later_found = previous_rungs.find(options.rungs[later].name);
      if (later_found != previous_rungs.end()) {
        partial.rungs.push_back(later_found->second);
      }
    }
    write_ladder_manifest(layout.ladder_manifest(), partial);
  }
  return outcome;
}

}  // namespace qa
