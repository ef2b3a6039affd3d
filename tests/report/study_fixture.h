// A hand-made study folder for the report tests: analysis CSVs in the
// columns `quant-autopsy analyze` writes, settings.json, a ladder manifest,
// and optionally a probe battery and a results store with known flips.
//
// Families: arithmetic dies at Q4_K_M (persistent), recall dies at Q2_K,
// syntax survives, spelling has no usable baseline. Rungs: reference,
// reference-rerun (noise floor), Q8_0, Q4_K_M, Q2_K.
#pragma once

#include <filesystem>
#include <string>

namespace qa::test {

struct StudyFixtureOptions {
  bool with_store = true;  // battery/ and results.sqlite for sampled failures
};

void write_study_fixture(const std::filesystem::path& study, const StudyFixtureOptions& options = {});

// Items per family in the fixture's battery and store.
inline constexpr int kFixtureItems = 40;

}  // namespace qa::test
