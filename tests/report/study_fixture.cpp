#include "report/study_fixture.h"

#include <map>
#include <vector>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "common/files.h"
#include "ladder/manifest.h"
#include "probes/battery.h"
#include "store/results_store.h"

namespace qa::test {

namespace {

struct Counts {
  int both_correct;
  int lost;    // b: reference correct, rung wrong
  int gained;  // c: reference wrong, rung correct
  int both_wrong;
};

struct RungInfo {
  std::string name;
  double bits_per_weight;
};

const std::vector<RungInfo> kRungs = {
    {"reference", 32}, {"reference-rerun", 32}, {"Q8_0", 8.5}, {"Q4_K_M", 4.89}, {"Q2_K", 2.63}};
const std::vector<std::string> kFamilies = {"arithmetic", "recall", "syntax", "spelling"};

// Flip counts per family and compared rung (reference-rerun, Q8_0, Q4_K_M,
// Q2_K); each sums to kFixtureItems.
const std::map<std::string, std::vector<Counts>> kCounts = {
    {"arithmetic", {{29, 1, 1, 9}, {29, 1, 0, 10}, {20, 10, 1, 9}, {10, 20, 0, 10}}},
    {"recall", {{32, 0, 0, 8}, {31, 1, 1, 7}, {30, 2, 1, 7}, {15, 17, 1, 7}}},
    {"syntax", {{27, 1, 1, 11}, {27, 1, 1, 11}, {27, 1, 1, 11}, {26, 2, 1, 11}}},
    {"spelling", {{2, 0, 0, 38}, {2, 0, 0, 38}, {2, 0, 0, 38}, {1, 1, 0, 38}}},
};

// Degraded verdicts and Holm-adjusted p values per (family, rung).
const std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>>
    kVerdicts = {
        {{"arithmetic", "Q4_K_M"}, {"0.0117", "true"}},
        {{"arithmetic", "Q2_K"}, {"1.9073486328125e-06", "true"}},
        {{"recall", "Q2_K"}, {"0.00041961669921875", "true"}},
};

std::string fixed(double value) { return format_double(value); }

std::string header_comment() {
  return "alpha=0.05 delta=0.05 bootstrap=10000 seed=1 battery_hash=placeholder";
}

void write_csv(const fs::path& path, CsvWriter& writer) {
  write_file_atomically(path, writer.str());
}

void write_analysis(const fs::path& study) {
  const fs::path analysis = study / "analysis";

  CsvWriter summary({"model", "rung", "bits_per_weight", "family", "n", "correct", "accuracy",
                     "ci_low", "ci_high"});
  summary.add_comment(header_comment());
  for (const auto& rung : kRungs) {
    for (const auto& family : kFamilies) {
      const auto& counts = kCounts.at(family);
      int correct = counts[0].both_correct + counts[0].lost;
      if (rung.name != "reference") {
        const size_t index = &rung - &kRungs[1];
        correct = counts[index].both_correct + counts[index].gained;
      }
      const double accuracy = correct / double(kFixtureItems);
      summary.add_row({"tiny-model", rung.name, fixed(rung.bits_per_weight), family,
                       std::to_string(kFixtureItems), std::to_string(correct), fixed(accuracy),
                       fixed(accuracy * 0.8), fixed(std::min(1.0, accuracy * 1.1 + 0.01))});
    }
  }
  write_csv(analysis / "summary.csv", summary);

  CsvWriter flips({"family", "rung", "n", "both_correct", "ref_correct_quant_wrong",
                   "ref_wrong_quant_correct", "both_wrong", "net_loss", "retention"});
  CsvWriter significance({"family", "rung", "b", "c", "p_value", "p_holm", "acc_diff",
                          "boot_ci_low", "boot_ci_high", "degraded"});
  CsvWriter margins({"family", "rung", "margin_bin", "n", "losses", "gains"});
  flips.add_comment(header_comment());
  significance.add_comment(header_comment());
  margins.add_comment(header_comment());
  for (const auto& family : kFamilies) {
    for (size_t i = 1; i < kRungs.size(); ++i) {
      const std::string& rung = kRungs[i].name;
      const Counts& c = kCounts.at(family)[i - 1];
      const double net_loss = (c.lost - c.gained) / double(kFixtureItems);
      const double retention = c.both_correct / double(c.both_correct + c.lost);
      flips.add_row({family, rung, std::to_string(kFixtureItems), std::to_string(c.both_correct),
                     std::to_string(c.lost), std::to_string(c.gained),
                     std::to_string(c.both_wrong), fixed(net_loss), fixed(retention)});
      const bool noise = rung == "reference-rerun";
      const auto verdict = kVerdicts.find({family, rung});
      const std::string p_holm = noise ? "" : verdict != kVerdicts.end() ? verdict->second.first : "1";
      const std::string degraded = noise ? "" : verdict != kVerdicts.end() ? "true" : "false";
      significance.add_row({family, rung, std::to_string(c.lost), std::to_string(c.gained),
                            verdict != kVerdicts.end() ? verdict->second.first : "1", p_holm,
                            fixed(-net_loss), fixed(-net_loss - 0.05), fixed(-net_loss + 0.05),
                            degraded});
      for (int bin = 1; bin <= 4; ++bin) {
        margins.add_row({family, rung, fmt::format("Q{}", bin), "10",
                         std::to_string(c.lost / 4 + (bin == 1 ? c.lost % 4 : 0)),
                         std::to_string(bin == 4 ? c.gained : 0)});
      }
    }
  }
  write_csv(analysis / "paired_flip_table.csv", flips);
  write_csv(analysis / "paired_significance.csv", significance);
  write_csv(analysis / "flips_by_margin.csv", margins);

  CsvWriter death_order({"rank", "family", "death_rung", "death_bits_per_weight", "persistent"});
  death_order.add_comment(header_comment());
  death_order.add_row({"1", "arithmetic", "Q4_K_M", "4.89", "true"});
  death_order.add_row({"2", "recall", "Q2_K", "2.63", "true"});
  death_order.add_row({"3", "syntax", "survives", "", ""});
  write_csv(analysis / "death_order.csv", death_order);

  CsvWriter persistence({"family", "death_rung", "persistent", "degraded_rungs",
                         "recovered_rungs"});
  persistence.add_comment(header_comment());
  persistence.add_row({"arithmetic", "Q4_K_M", "true", "Q4_K_M;Q2_K", ""});
  persistence.add_row({"recall", "Q2_K", "true", "Q2_K", ""});
  persistence.add_row({"syntax", "survives", "", "", ""});
  write_csv(analysis / "death_persistence.csv", persistence);

  const std::string formula = "fragility = mean net_loss + bits_per_weight of the death rung";
  CsvWriter fragility({"family", "fragility", "death_bits_per_weight", "formula"});
  fragility.add_comment(formula);
  fragility.add_row({"arithmetic", "5.1225", "4.89", formula});
  fragility.add_row({"recall", "2.7325", "2.63", formula});
  fragility.add_row({"syntax", "0.00625", "", formula});
  write_csv(analysis / "fragility_index.csv", fragility);

  CsvWriter headline({"model", "q4_degraded", "q3_degraded", "q2_degraded", "conclusion"});
  headline.add_comment("rule: none before Q2_K when q4 = q3 = 0; earlier Q4/Q3 degradation "
                       "otherwise");
  headline.add_row({"tiny-model", "1", "", "2", "earlier Q4/Q3 degradation"});
  write_csv(analysis / "headline.csv", headline);

  CsvWriter calibration({"family", "level", "n", "accuracy", "usable", "reason"});
  calibration.add_row({"arithmetic", "3", "40", "0.75", "true", "usable"});
  calibration.add_row({"recall", "2", "40", "0.8", "true", "usable"});
  calibration.add_row({"syntax", "3", "40", "0.7", "true", "usable"});
  calibration.add_row({"spelling", "1", "40", "0.05", "false",
                       "accuracy 0.05 is below 0.20"});
  write_csv(analysis / "calibration.csv", calibration);

  const nlohmann::json settings = {
      {"model", "tiny-model"},
      {"alpha", 0.05},
      {"delta", 0.05},
      {"bootstrap_resamples", 10000},
      {"seed", 1},
      {"battery_hash", "placeholder"},
      {"holm_family_size", 9},
      {"ladder_rungs", {"Q8_0", "Q4_K_M", "Q2_K"}},
      {"noise_floor",
       {{{"rung", "reference-rerun"}, {"n", 160}, {"flips", 4}, {"flip_rate", 0.025}}}},
      {"excluded_families", {{"spelling", "accuracy 0.05 is below 0.20"}}},
      {"death_definition", "degraded: Holm p < alpha (0.05), b > c, net loss >= delta (0.05)"},
  };
  write_file_atomically(analysis / "settings.json", settings.dump(2) + "\n");
}

void write_ladder(const fs::path& study) {
  LadderManifest manifest;
  manifest.llama_cpp_commit = "80fb11a";
  manifest.tool_version = "test";
  manifest.reference.path = "/models/tiny-model-f32.gguf";
  manifest.reference.sha256 = std::string(64, 'a');
  manifest.reference.size_bytes = 1048576;
  manifest.reference.bits_per_weight = 32;
  manifest.reference.file_type = "F32";
  const std::vector<std::pair<std::string, double>> rungs = {
      {"Q8_0", 8.5}, {"Q4_K_M", 4.89}, {"Q2_K", 2.63}};
  for (const auto& [name, bits] : rungs) {
    RungEntry rung;
    rung.name = name;
    rung.file = "ladder/tiny-model-" + name + ".gguf";
    rung.size_bytes = static_cast<uint64_t>(1048576 * bits / 32);
    rung.sha256 = std::string(64, name[1]);
    rung.bits_per_weight = bits;
    if (name == "Q2_K") {
      rung.n_fallback = 1;
      rung.fallbacks.push_back({"token_embd.weight", "q2_K", "q4_0"});
    }
    manifest.rungs.push_back(rung);
  }
  write_file_atomically(study / "ladder" / "manifest.json",
                        nlohmann::json(manifest).dump(2) + "\n");
}

// A battery of generate items written by hand, and a store whose rows
// follow kCounts for every rung, so the flip modes have known sizes.
void write_battery_and_store(const fs::path& study) {
  const fs::path battery_dir = study / "battery";
  BatteryManifest manifest;
  manifest.generator_version = kGeneratorVersion;
  manifest.battery = "fixture";
  manifest.seed = 1;
  for (const auto& family : kFamilies) {
    std::string lines;
    for (int i = 0; i < kFixtureItems; ++i) {
      const nlohmann::json item = {
          {"id", fmt::format("{}-L1-{:04d}", family, i)},
          {"family", family},
          {"level", 1},
          {"kind", "generate"},
          {"prompt", fmt::format("Q: {} question {}?\nA:", family, i)},
          {"answer", fmt::format("{}", i)},
          {"scorer", "exact"},
          {"max_tokens", 4},
          {"stop", {"\n"}},
      };
      lines += item.dump() + "\n";
    }
    const std::string file = family + ".jsonl";
    write_file_atomically(battery_dir / file, lines);
    ManifestFamily entry;
    entry.family = family;
    entry.file = file;
    entry.kind = ItemKind::kGenerate;
    entry.item_count = kFixtureItems;
    entry.levels = {1};
    entry.sha256 = sha256_file(battery_dir / file);
    manifest.families.push_back(entry);
  }
  manifest.battery_hash = compute_battery_hash(manifest);
  write_file_atomically(battery_dir / "manifest.json", manifest.to_json().dump(2) + "\n");

  ResultsStore store = ResultsStore::open(study / "results.sqlite", manifest.battery_hash);
  std::vector<ResponseRow> rows;
  auto add_row = [&](const std::string& rung, const std::string& family, int i, bool correct) {
    ResponseRow row;
    row.rung = rung;
    row.item_id = fmt::format("{}-L1-{:04d}", family, i);
    row.battery_hash = manifest.battery_hash;
    row.family = family;
    row.level = 1;
    row.kind = "generate";
    row.output = correct ? std::to_string(i) : fmt::format("wrong{}", i);
    row.correct = correct;
    rows.push_back(row);
  };
  for (const auto& family : kFamilies) {
    const auto& counts = kCounts.at(family);
    const int reference_correct = counts[0].both_correct + counts[0].lost;
    for (int i = 0; i < kFixtureItems; ++i) {
      add_row("reference", family, i, i < reference_correct);
    }
    // Items 0 .. reference_correct-1 are reference-correct: the first
    // `lost` of them flip to wrong; of the reference-wrong items the first
    // `gained` flip to correct.
    for (size_t r = 1; r < kRungs.size(); ++r) {
      const Counts& c = counts[r - 1];
      for (int i = 0; i < kFixtureItems; ++i) {
        const bool reference_ok = i < reference_correct;
        const bool correct = reference_ok ? i >= c.lost : (i - reference_correct) < c.gained;
        add_row(kRungs[r].name, family, i, correct);
      }
    }
  }
  store.insert_responses(rows);
}

}  // namespace

void write_study_fixture(const fs::path& study, const StudyFixtureOptions& options) {
  write_analysis(study);
  write_ladder(study);
  if (options.with_store) {
    write_battery_and_store(study);
  }
}

}  // namespace qa::test
