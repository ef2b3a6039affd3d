#include "report/failure_sampler.h"

#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "common/error.h"
#include "probes/rng.h"

namespace qa::report {

namespace {

constexpr std::pair<FlipMode, const char*> kModeNames[] = {
    {FlipMode::kRefCorrectQuantWrong, "ref_correct_quant_wrong"},
    {FlipMode::kRefWrongQuantCorrect, "ref_wrong_quant_correct"},
    {FlipMode::kBothWrong, "both_wrong"},
};

bool in_mode(FlipMode mode, bool reference_correct, bool rung_correct) {
  switch (mode) {
    case FlipMode::kRefCorrectQuantWrong:
      return reference_correct && !rung_correct;
    case FlipMode::kRefWrongQuantCorrect:
      return !reference_correct && rung_correct;
    case FlipMode::kBothWrong:
      return !reference_correct && !rung_correct;
  }
  return false;
}

std::map<std::string, ResponseRow> family_rows(const ResultsStore& store, const std::string& rung,
                                               const std::string& family) {
  std::map<std::string, ResponseRow> rows;
  for (auto& row : store.responses(rung)) {
    if (row.family == family) {
      rows.emplace(row.item_id, std::move(row));
    }
  }
  return rows;
}

// The rung whose rows stand for `rung`: itself when it has rows, else the
// rung it is identical_to (evaluated once, listed under both names).
std::string resolve_rows_rung(const ResultsStore& store, const std::string& rung) {
  if (store.count_responses(rung) > 0) {
    return rung;
  }
  for (const auto& record : store.rungs()) {
    if (record.name == rung && record.identical_to && !record.identical_to->empty()) {
      return *record.identical_to;
    }
  }
  std::string known;
  for (const auto& name : store.stored_rungs()) {
    known += (known.empty() ? "" : ", ") + name;
  }
  throw Error(fmt::format("rung '{}' has no rows in {}; rungs with rows: {}", rung,
                          store.path().string(), known.empty() ? "none" : known),
              kExitBadInput);
}

}  // namespace

std::string flip_mode_name(FlipMode mode) {
  for (const auto& [value, name] : kModeNames) {
    if (value == mode) {
      return name;
    }
  }
  return "";
}

FlipMode flip_mode_from_name(const std::string& name) {
  for (const auto& [value, known] : kModeNames) {
    if (name == known) {
      return value;
    }
  }
  throw Error(fmt::format("invalid mode '{}': use ref_correct_quant_wrong, "
                          "ref_wrong_quant_correct or both_wrong",
                          name),
              kExitBadInput);
}

FailureSampling sample_failures(const ResultsStore& store, const Battery& battery,
                                const FailureQuery& query) {
  FailureSampling sampling;
  sampling.query = query;
  sampling.rows_rung = resolve_rows_rung(store, query.rung);

  const auto reference = family_rows(store, kReferenceRung, query.family);
  if (reference.empty()) {
    throw Error(fmt::format("family '{}' has no reference rows in {}; check the family name "
                            "(`quant-autopsy probes show` lists them)",
                            query.family, store.path().string()),
                kExitBadInput);
  }
  const auto quantized = family_rows(store, sampling.rows_rung, query.family);

  // Items in the mode, in item id order (std::map), so the draw below only
  // depends on the seed and the stored rows.
  std::vector<std::pair<const ResponseRow*, const ResponseRow*>> population;
  for (const auto& [item_id, reference_row] : reference) {
    const auto found = quantized.find(item_id);
    if (found == quantized.end()) {
      continue;
    }
    ++sampling.paired_items;
    if (in_mode(query.mode, reference_row.correct, found->second.correct)) {
      population.emplace_back(&reference_row, &found->second);
    }
  }
  sampling.population = population.size();

  // Partial Fisher-Yates shuffle: the first `take` positions are a uniform
  // sample without replacement.
  probes::Rng rng(query.seed);
  const size_t take = std::min(query.n, population.size());
  for (size_t i = 0; i < take; ++i) {
    const size_t j = i + static_cast<size_t>(rng.below(population.size() - i));
    std::swap(population[i], population[j]);
  }
  population.resize(take);
  std::sort(population.begin(), population.end(),
            [](const auto& x, const auto& y) { return x.first->item_id < y.first->item_id; });

  std::map<std::string, const ProbeItem*> items;
  for (const auto& item : battery.items) {
    items.emplace(item.id, &item);
  }
  for (const auto& [reference_row, rung_row] : population) {
    const auto item = items.find(reference_row->item_id);
    if (item == items.end()) {
      throw Error(fmt::format("item '{}' of {} is not in the battery at {}; the store and the "
                              "battery do not belong together",
                              reference_row->item_id, store.path().string(),
                              battery.dir.string()),
                  kExitBadInput);
    }
    FailureSample sample;
    sample.item_id = reference_row->item_id;
    sample.level = item->second->level;
    sample.prompt = item->second->prompt;
    sample.expected = reference_text(*item->second);
    sample.reference_output = reference_row->output;
    sample.rung_output = rung_row->output;
    sampling.samples.push_back(std::move(sample));
  }
  return sampling;
}

FailureSampling sample_failures(const StudyLayout& layout, const FailureQuery& query) {
  if (!fs::exists(layout.results_db())) {
    throw Error(fmt::format("{} not found: run `quant-autopsy sweep {}` first",
                            layout.results_db().string(), layout.root.string()),
                kExitBadInput);
  }
  const ResultsStore store = ResultsStore::open_readonly(layout.results_db());
  const Battery battery = load_battery(layout.battery_dir());
  return sample_failures(store, battery, query);
}

nlohmann::json failure_sampling_to_json(const FailureSampling& sampling) {
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& sample : sampling.samples) {
    samples.push_back({{"item_id", sample.item_id},
                       {"level", sample.level},
                       {"prompt", sample.prompt},
                       {"expected", sample.expected},
                       {"reference_output", sample.reference_output},
                       {"rung_output", sample.rung_output}});
  }
  return {{"family", sampling.query.family},
          {"rung", sampling.query.rung},
          {"rows_rung", sampling.rows_rung},
          {"mode", flip_mode_name(sampling.query.mode)},
          {"seed", sampling.query.seed},
          {"paired_items", sampling.paired_items},
          {"population", sampling.population},
          {"samples", samples}};
}

std::string failure_sampling_to_text(const FailureSampling& sampling) {
  std::string out = fmt::format(
      "{} items of family {} at rung {}{} are {} ({} paired items); showing {} (seed {})\n",
      sampling.population, sampling.query.family, sampling.query.rung,
      sampling.rows_rung == sampling.query.rung ? "" : " (rows of " + sampling.rows_rung + ")",
      flip_mode_name(sampling.query.mode), sampling.paired_items, sampling.samples.size(),
      sampling.query.seed);
  for (const auto& sample : sampling.samples) {
    out += fmt::format("\n=== {} (level {})\n--- prompt\n{}\n--- expected\n{}\n", sample.item_id,
                       sample.level, sample.prompt, sample.expected);
    out += fmt::format("--- reference output\n{}\n--- {} output\n{}\n", sample.reference_output,
                       sampling.query.rung, sample.rung_output);
  }
  return out;
}

}  // namespace qa::report
