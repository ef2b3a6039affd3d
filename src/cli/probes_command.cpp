// `quant-autopsy probes list|build|validate|show|add`: writes, checks and
// prints probe batteries (FAMILY.jsonl files plus manifest.json).
#include <fmt/core.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "common/error.h"
#include "common/log.h"
#include "probes/battery.h"

namespace qa::cli {

namespace {

struct BuildArguments {
  std::string out;
  std::string battery = "core";
  uint64_t seed = 1;
  int items = kDefaultItemsPerFamily;
  int level = kDefaultLevel;
  std::string levels;
  bool include_controls = false;
  bool force = false;
};

struct ShowArguments {
  std::string dir;
  std::string family;
  int n = 5;
};

std::string kind_text(const FamilyInfo& family) {
  return family.kind == ItemKind::kChoice ? fmt::format("choice ({} options)", family.num_choices)
                                          : fmt::format("generate ({})", family.scorer);
}

void run_list() {
  for (const auto& battery : battery_infos()) {
    fmt::print("battery {}: {}\n", battery.name, battery.description);
    fmt::print("  {:<24} {:<22} {:<7} {:<7} {}\n", "family", "kind", "levels", "chance",
               "what is asked");
    for (const auto& family : battery.families) {
      fmt::print("  {:<24} {:<22} {:<7} {:<7.3f} {}{}\n", family.name, kind_text(family),
                 fmt::format("{}-{}", family.min_level, family.max_level), family.chance_accuracy,
                 family.description, family.control ? " [control: --include-controls]" : "");
    }
    fmt::print("\n");
  }
}

void run_build(const BuildArguments& arguments) {
  BatteryBuildOptions options;
  options.battery = arguments.battery;
  options.seed = arguments.seed;
  options.items_per_family = arguments.items;
  options.default_level = arguments.level;
  options.include_controls = arguments.include_controls;
  options.force = arguments.force;
  if (!arguments.levels.empty()) {
    if (arguments.levels != "all") {
      throw Error(fmt::format("--levels accepts only 'all', got '{}'; use --level L for one level",
                              arguments.levels));
    }
    options.all_levels = true;
  }

  log_info("building battery {} (seed {}, {} items per family and level) in {}", options.battery,
           options.seed, options.items_per_family, arguments.out);
  const BatteryManifest manifest = write_battery(arguments.out, options);
  int total = 0;
  for (const auto& family : manifest.families) {
    total += family.item_count;
  }
  fmt::print("wrote battery {} to {}: {} families, {} items, battery_hash {}\n", manifest.battery,
             arguments.out, manifest.families.size(), total, manifest.battery_hash);
}

void run_validate(const std::string& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw Error(fmt::format("battery folder {} not found; build one with `quant-autopsy probes "
                            "build --out {}`",
                            dir, dir));
  }
  const std::vector<ValidationProblem> problems = validate_battery(dir);
  for (const auto& problem : problems) {
    fmt::print("{}\n", problem.to_string());
  }
  if (!problems.empty()) {
    throw Error(fmt::format("battery {} has {} problem{}", dir, problems.size(),
                            problems.size() == 1 ? "" : "s"),
                kExitFailure);
  }
  const Battery battery = load_battery(dir);
  fmt::print("{}: valid, {} families, {} items, battery_hash {}\n", dir,
             battery.manifest.families.size(), battery.items.size(),
             battery.manifest.battery_hash);
}

void run_show(const ShowArguments& arguments) {
  const Battery battery = load_battery(arguments.dir);
  const std::vector<ProbeItem> items = battery.family_items(arguments.family);
  if (items.empty()) {
    std::string families;
    for (const auto& family : battery.manifest.families) {
      families += (families.empty() ? "" : ", ") + family.family;
    }
    throw Error(fmt::format("family '{}' is not in the battery in {}; its families are: {}",
                            arguments.family, arguments.dir, families));
  }
  const size_t count = std::min(items.size(), static_cast<size_t>(std::max(arguments.n, 0)));
  for (size_t i = 0; i < count; ++i) {
    const ProbeItem& item = items[i];
    fmt::print("=== {} (level {}, {})\n", item.id, item.level,
               item.kind == ItemKind::kChoice ? "choice" : "generate");
    fmt::print("{}\n", item.prompt);
    if (item.kind == ItemKind::kChoice) {
      for (size_t c = 0; c < item.choices.size(); ++c) {
        fmt::print("  {} [{}] \"{}\"\n", static_cast<int>(c) == item.answer_index ? "*" : " ", c,
                   item.choices[c]);
      }
    } else {
      fmt::print("  answer: \"{}\" (scorer {}, max_tokens {})\n", item.answer, item.scorer,
                 item.max_tokens);
    }
    if (!item.meta.empty()) {
      fmt::print("  meta: {}\n", item.meta.dump());
    }
  }
  fmt::print("({} of {} items of {})\n", count, items.size(), arguments.family);
}

}  // namespace

void add_probes_command(CLI::App& app) {
  auto* command = app.add_subcommand("probes", "Build, check and print probe batteries");
  command->require_subcommand(1);

  command->add_subcommand("list", "list batteries and their families, kinds and levels")
      ->callback(run_list);

  auto build_arguments = std::make_shared<BuildArguments>();
  auto* build = command->add_subcommand(
      "build", "write a battery: one JSONL file per family and manifest.json");
  build->add_option("--out", build_arguments->out, "battery folder to write")->required();
  build->add_option("--battery", build_arguments->battery, "battery to build")
      ->check(CLI::IsMember({"core", "small"}))
      ->capture_default_str();
  build->add_option("--seed", build_arguments->seed, "generator seed")->capture_default_str();
  build->add_option("--items", build_arguments->items, "items per family and level")
      ->check(positive_integer())
      ->capture_default_str();
  auto* level_option = build->add_option("--level", build_arguments->level,
                                         "difficulty level of every family, 1 (easy) to 5 (hard)")
                           ->check(CLI::Range(1, 5))
                           ->capture_default_str();
  build->add_option("--levels", build_arguments->levels,
                    "'all': items at every level of each family")
      ->excludes(level_option);
  build->add_flag("--include-controls", build_arguments->include_controls,
                  "also build control families (long_context_retrieval)");
  build->add_flag("--force", build_arguments->force,
                  "replace a battery with another battery_hash in the folder");
  build->callback([build_arguments] { run_build(*build_arguments); });

  auto validate_dir = std::make_shared<std::string>();
  auto* validate = command->add_subcommand(
      "validate", "check schema, duplicates, answer ranges, sha256 and battery_hash; exit 1 on "
                  "any problem");
  validate->add_option("DIR", *validate_dir, "battery folder")->required();
  validate->callback([validate_dir] { run_validate(*validate_dir); });

  auto show_arguments = std::make_shared<ShowArguments>();
  auto* show = command->add_subcommand("show", "print a family's items readably");
  show->add_option("DIR", show_arguments->dir, "battery folder")->required();
  show->add_option("--family", show_arguments->family, "family to print")->required();
  show->add_option("--n", show_arguments->n, "number of items to print")->capture_default_str();
  show->callback([show_arguments] { run_show(*show_arguments); });

  auto add_dir = std::make_shared<std::string>();
  auto add_file = std::make_shared<std::string>();
  auto* add = command->add_subcommand(
      "add", "validate a user family (JSONL, item schema) and add it to a battery");
  add->add_option("DIR", *add_dir, "battery folder")->required();
  add->add_option("FILE", *add_file, "JSONL file of one family")->required()->check(CLI::ExistingFile);
  add->callback([add_dir, add_file] {
    const BatteryManifest manifest = add_user_family(*add_dir, *add_file);
    fmt::print("added {} to {}; battery_hash {}\n", manifest.families.back().family, *add_dir,
               manifest.battery_hash);
  });
}

}  // namespace qa::cli
