// Samples items of one flip mode for one family and rung: the items behind a
// count in paired_flip_table.csv, with their prompts and both outputs, so a
// reader can see what a loss looks like. Sampling is seeded and uses the
// project's splitmix64 generator, so a seed gives the same items everywhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/study.h"
#include "probes/battery.h"
#include "store/results_store.h"

namespace qa::report {

enum class FlipMode { kRefCorrectQuantWrong, kRefWrongQuantCorrect, kBothWrong };

// "ref_correct_quant_wrong", "ref_wrong_quant_correct", "both_wrong".
std::string flip_mode_name(FlipMode mode);
// Throws qa::Error (kExitBadInput) listing the valid names.
FlipMode flip_mode_from_name(const std::string& name);

struct FailureQuery {
  std::string family;
  std::string rung;
  FlipMode mode = FlipMode::kRefCorrectQuantWrong;
  size_t n = 25;
  uint64_t seed = 1;
};

struct FailureSample {
  std::string item_id;
  int level = 0;
  std::string prompt;
  std::string expected;
  std::string reference_output;
  std::string rung_output;
};

struct FailureSampling {
  FailureQuery query;
  std::string rows_rung;   // the rung whose rows were read (identical_to followed)
  size_t paired_items = 0; // items of the family scored on both rungs
  size_t population = 0;   // paired items in the requested mode
  std::vector<FailureSample> samples;  // min(n, population) items, ordered by item id
};

// Samples from an open store and a loaded battery. Throws qa::Error
// (kExitBadInput) naming the family or rung when the store has no rows for it.
FailureSampling sample_failures(const ResultsStore& store, const Battery& battery,
                                const FailureQuery& query);

// Opens STUDY/results.sqlite and STUDY/battery/ and samples.
FailureSampling sample_failures(const StudyLayout& layout, const FailureQuery& query);

nlohmann::json failure_sampling_to_json(const FailureSampling& sampling);
// Plain text for a terminal: a header line, then each item's fields.
std::string failure_sampling_to_text(const FailureSampling& sampling);

}  // namespace qa::report
