#include "ladder/ladder_table.h"

#include <fmt/format.h>

#include "ladder/size_format.h"

namespace qa {

std::string format_ladder_table(const LadderManifest& manifest) {
  constexpr const char* kRow = "{:<10} {:>11} {:>12} {:>10}  {:<13} {}\n";
  std::string table = fmt::format(kRow, "rung", "size", "bits/weight", "fallbacks",
                                  "identical to", "sanity");

  const ReferenceEntry& reference = manifest.reference;
  table += fmt::format(kRow, "reference", format_size(reference.size_bytes),
                       fmt::format("{:.2f}", reference.bits_per_weight), "-", "-",
                       reference.file_type.empty() ? "-" : reference.file_type);

  for (const auto& rung : manifest.rungs) {
    table += fmt::format(kRow, rung.name, format_size(rung.size_bytes),
                         fmt::format("{:.2f}", rung.bits_per_weight), rung.n_fallback,
                         rung.identical_to.value_or("-"), rung.status);
  }
  return table;
}

std::vector<std::string> describe_identical_rungs(const LadderManifest& manifest) {
  std::vector<std::string> sentences;
  for (const auto& rung : manifest.rungs) {
    if (!rung.identical_to) {
      continue;
    }
    sentences.push_back(fmt::format(
        "{} is identical to {} for this model: every tensor has the same type in both files "
        "({} of its tensors fell back from the type {} requested); it will be evaluated once",
        rung.name, *rung.identical_to, rung.n_fallback, rung.name));
  }
  return sentences;
}

}  // namespace qa
