// quant-autopsy models list | template | resolve KEY
#include <memory>
#include <string>

#include <fmt/core.h>

#include "cli/commands.h"
#include "common/error.h"
#include "pipeline/model_registry.h"
#include "pipeline/model_source.h"

namespace qa::cli {

namespace {

struct ModelsCommandOptions {
  std::string registry;   // local registry file; empty: find_local_registry's default
  std::string cache_dir;  // empty: default_model_cache_dir()
  std::string key;
  bool skip_sha256 = false;
};

fs::path cache_dir_of(const ModelsCommandOptions& options) {
  return options.cache_dir.empty() ? default_model_cache_dir() : fs::path(options.cache_dir);
}

void print_list(const ModelsCommandOptions& options) {
  const ModelRegistry registry = load_model_registry(find_local_registry(options.registry));
  const fs::path cache_dir = cache_dir_of(options);
  for (const auto& entry : registry.entries()) {
    fmt::print("{}\n", entry.key);
    fmt::print("  name:       {} ({}, {})\n", entry.display_name,
               entry.family.empty() ? "family unknown" : entry.family,
               entry.precision.empty() ? "precision unknown" : entry.precision);
    if (!entry.hf_repo.empty()) {
      fmt::print("  source:     Hugging Face {} file {}\n", entry.hf_repo, entry.hf_file);
    }
    const fs::path path = expected_model_path(entry, cache_dir);
    fmt::print("  path:       {} ({})\n", path.string(),
               fs::is_regular_file(path) ? "found" : "missing");
    fmt::print("  sha256:     {}\n", entry.sha256.value_or("not recorded"));
    fmt::print("  chat:       {}\n", entry.use_chat_template ? "use --chat" : "plain completion");
    fmt::print("  registry:   {}\n", entry.origin);
    if (!entry.notes.empty()) {
      fmt::print("  notes:      {}\n", entry.notes);
    }
  }
}

void print_resolution(const ModelsCommandOptions& options) {
  const ModelRegistry registry = load_model_registry(find_local_registry(options.registry));
  const ModelEntry& entry = registry.find(options.key);
  const ModelResolution resolution =
      resolve_model(entry, cache_dir_of(options), !options.skip_sha256);

  fmt::print("key:      {}\n", entry.key);
  fmt::print("path:     {}\n", resolution.path.string());
  fmt::print("exists:   {}\n", resolution.exists ? "yes" : "no");
  if (resolution.actual_sha256) {
    fmt::print("sha256:   {}\n", *resolution.actual_sha256);
  }
  if (!resolution.exists) {
    fmt::print("verified: no (file not found)\n");
  } else if (options.skip_sha256) {
    fmt::print("verified: not checked (--no-sha256)\n");
  } else if (!entry.sha256) {
    fmt::print("verified: no sha256 recorded for this key\n");
  } else {
    fmt::print("verified: {}\n", *resolution.sha256_matches
                                     ? "yes, matches the recorded sha256"
                                     : "NO, differs from the recorded sha256 " + *entry.sha256);
  }

  // A missing or different file exits with status 1, so scripts can check it.
  if (!resolution.exists) {
    const std::string download =
        entry.hf_repo.empty()
            ? fmt::format("fix its path in {}", entry.origin)
            : fmt::format("download {} from Hugging Face {} to that path, or set its path in "
                          "models.local.json",
                          entry.hf_file, entry.hf_repo);
    throw Error(fmt::format("model '{}' not found at {}: {}", entry.key,
                            resolution.path.string(), download),
                kExitFailure);
  }
  if (resolution.sha256_matches && !*resolution.sha256_matches) {
    throw Error(fmt::format("model '{}': {} has sha256 {}, expected {}; download it again",
                            entry.key, resolution.path.string(), *resolution.actual_sha256,
                            *entry.sha256),
                kExitFailure);
  }
}

}  // namespace

void add_models_command(CLI::App& app) {
  auto options = std::make_shared<ModelsCommandOptions>();
  auto* command = app.add_subcommand(
      "models", "The model registry: built-in models.json plus an optional models.local.json");
  command->require_subcommand(1);
  command->add_option("--registry", options->registry,
                      "Local registry file (default: ./models.local.json when present)");
  command->add_option("--cache-dir", options->cache_dir,
                      "Folder of downloaded models (default: $QA_CACHE_DIR/models, else ~/.cache/quant-autopsy/models)");

  auto* list = command->add_subcommand("list", "List the known models, their sources and paths");
  list->callback([options] { print_list(*options); });

  auto* example = command->add_subcommand(
      "template", "Print a commented example models.local.json ('_comment' fields are ignored)");
  example->callback([] { fmt::print("{}", local_registry_template()); });

  auto* resolve = command->add_subcommand(
      "resolve",
      "Print the path of KEY's model, whether the file exists and whether it matches the "
      "recorded sha256; exit status 1 when it is missing or differs");
  resolve->add_option("key", options->key, "Registry key, e.g. stories260k")->required();
  resolve->add_flag("--no-sha256", options->skip_sha256,
                    "Do not hash the file (hashing a multi-GB model takes a while)");
  resolve->callback([options] { print_resolution(*options); });
}

}  // namespace qa::cli
