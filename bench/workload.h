// The items both throughput benchmarks evaluate: a sweep-like mix drawn from
// a generated battery (every family at one level, k-shot prompts included),
// so the engine and the llama-server baseline see exactly the same prompts.
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "probes/battery.h"

namespace qa::bench {

struct WorkloadOptions {
  std::string battery = "core";
  int level = kDefaultLevel;
  int items_per_family = 8;
  uint64_t seed = 1;
};

inline void add_workload_options(CLI::App& app, WorkloadOptions& options) {
  app.add_option("--battery", options.battery, "battery whose families the items come from");
  app.add_option("--level", options.level, "difficulty level of every family, 1 to 5");
  app.add_option("--items-per-family", options.items_per_family, "items drawn from each family");
  app.add_option("--seed", options.seed, "generator seed");
}

// Items family after family, in battery order (controls excluded). The level
// is clamped to each family's level range.
inline std::vector<ProbeItem> build_workload(const WorkloadOptions& options) {
  std::vector<ProbeItem> items;
  for (const FamilyInfo& family : battery_families(options.battery, false)) {
    const int level = std::clamp(options.level, family.min_level, family.max_level);
    const std::vector<ProbeItem> family_items =
        generate_family_items(family.name, level, options.seed, options.items_per_family);
    items.insert(items.end(), family_items.begin(), family_items.end());
  }
  return items;
}

}  // namespace qa::bench
