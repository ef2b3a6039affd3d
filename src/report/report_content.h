// The content of REPORT.md (and index.html) and of the report package files,
// built as Documents from the loaded inputs. Building is deterministic: the
// same inputs give the same documents, which is what `report --check`
// relies on when it renders again and compares.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report/document.h"
#include "report/failure_sampler.h"
#include "report/report_inputs.h"

namespace qa::report {

// Report file names inside STUDY/report/.
inline constexpr const char* kReportMarkdown = "REPORT.md";
inline constexpr const char* kReportHtml = "index.html";
inline constexpr const char* kAbstractFile = "ABSTRACT.md";
inline constexpr const char* kClaimsFile = "CLAIMS_AND_CAVEATS.md";
inline constexpr const char* kReproducibilityFile = "REPRODUCIBILITY.md";
inline constexpr const char* kLimitationsFile = "LIMITATIONS.md";
inline constexpr const char* kResultsIndexFile = "RESULTS_INDEX.md";
inline constexpr const char* kReportStampFile = "report.json";

// Sampled losses shown per dying family, and the seed of the draw.
inline constexpr size_t kFailuresPerFamily = 3;
inline constexpr uint64_t kFailureSeed = 1;

// Sampled losses of one dying family at its death rung.
struct FailureSection {
  std::string family;
  std::string rung;
  std::optional<FailureSampling> sampling;
  std::string unavailable;  // why there is no sample (no store, no battery), else empty
};

// A family's death as death_order.csv states it; death_rung is empty when
// the family survives every rung.
struct FamilyDeathRow {
  std::string family;
  std::string death_rung;
  bool persistent = false;
};

std::vector<FamilyDeathRow> read_deaths(const ReportInputs& inputs);

// Samples ref_correct_quant_wrong items for every dying family at its death
// rung. A missing store or battery does not throw: the section then states
// the reason in `unavailable`.
std::vector<FailureSection> collect_failure_sections(const ReportInputs& inputs);

// REPORT.md first, then ABSTRACT.md, CLAIMS_AND_CAVEATS.md,
// REPRODUCIBILITY.md, LIMITATIONS.md and RESULTS_INDEX.md.
std::vector<Document> build_report_documents(const ReportInputs& inputs,
                                             const std::vector<FailureSection>& failures);

// Study-relative paths that RESULTS_INDEX.md lists, read back from its table
// rows ("| `report/REPORT.md` | ... |").
std::vector<std::string> parse_results_index(const std::string& markdown);

}  // namespace qa::report
