// The layout of a study folder. Every stage reads its inputs from and writes
// its outputs to these paths, so any stage can be rerun alone:
//
//   STUDY/study.json          model path, sha256 and the evaluation settings
//   STUDY/battery/            frozen probe battery: manifest.json + FAMILY.jsonl
//   STUDY/ladder/             rung GGUFs + manifest.json
//   STUDY/results.sqlite      results store (one row per rung x item x battery)
//   STUDY/analysis/           calibration.csv and the analysis CSVs
//   STUDY/report/             REPORT.md, index.html, plots/, report package
#pragma once

#include <filesystem>

namespace qa {

namespace fs = std::filesystem;

// The rung name of the full-precision input in the store and every CSV.
inline constexpr const char* kReferenceRung = "reference";
// Noise-floor rungs: the reference evaluated again in another batch order,
// and an F16 copy of an F32 or BF16 input.
inline constexpr const char* kReferenceRerunRung = "reference-rerun";
inline constexpr const char* kF16NoiseRung = "F16";

struct StudyLayout {
  fs::path root;

  fs::path study_json() const { return root / "study.json"; }
  fs::path battery_dir() const { return root / "battery"; }
  fs::path battery_manifest() const { return battery_dir() / "manifest.json"; }
  fs::path ladder_dir() const { return root / "ladder"; }
  fs::path ladder_manifest() const { return ladder_dir() / "manifest.json"; }
  fs::path results_db() const { return root / "results.sqlite"; }
  fs::path analysis_dir() const { return root / "analysis"; }
  fs::path calibration_csv() const { return analysis_dir() / "calibration.csv"; }
  fs::path report_dir() const { return root / "report"; }
};

// The llama.cpp commit this binary was built against (from scripts/setup).
inline constexpr const char* kLlamaCommit = QA_LLAMA_COMMIT;
inline constexpr const char* kToolVersion = QA_VERSION;

}  // namespace qa
