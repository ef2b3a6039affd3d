#include "pipeline/evaluation_inputs.h"

#include <map>

#include <fmt/core.h>

#include "common/error.h"
#include "gguf/gguf_file.h"
#include "ladder/manifest_file.h"
#include "pipeline/study_settings.h"

namespace qa {

Battery load_study_battery(const StudyLayout& layout) {
  if (!fs::exists(layout.battery_manifest())) {
    throw Error(fmt::format("{} not found: the study has no frozen battery yet; run "
                            "'quant-autopsy calibrate {}' first",
                            layout.battery_manifest().string(), layout.root.string()));
  }
  return load_battery(layout.battery_dir());
}

std::optional<LadderManifest> read_optional_ladder(const StudyLayout& layout) {
  if (!fs::exists(layout.ladder_manifest())) {
    return std::nullopt;
  }
  return read_ladder_manifest(layout.ladder_manifest());
}

namespace {

bool only_wide_tensor_types(const std::map<std::string, int>& tensor_types) {
  for (const auto& [type, count] : tensor_types) {
    if (count > 0 && type != "f32" && type != "bf16") {
      return false;
    }
  }
  return !tensor_types.empty();
}

}  // namespace

ReferenceModel resolve_reference_model(const StudyLayout& layout) {
  ReferenceModel reference;
  if (const auto ladder = read_optional_ladder(layout)) {
    reference.path = ladder->reference.path;
    reference.sha256 = ladder->reference.sha256;
    reference.file_type = ladder->reference.file_type;
    reference.bits_per_weight = ladder->reference.bits_per_weight;
    reference.wider_than_f16 = only_wide_tensor_types(ladder->reference.tensor_types);
    return reference;
  }

  const StudySettings study = read_study_settings(layout);
  if (!study.model) {
    throw Error(fmt::format("study {} names no reference model: neither {} nor {} exists with "
                            "one; build the ladder with 'quant-autopsy ladder', or pass "
                            "--model MODEL.gguf to 'quant-autopsy calibrate'",
                            layout.root.string(), layout.ladder_manifest().string(),
                            layout.study_json().string()));
  }
  reference.path = study.model->path;
  reference.sha256 = study.model->sha256;
  const GgufSummary summary = read_gguf_summary(reference.path);
  reference.file_type = summary.file_type;
  reference.bits_per_weight = summary.bits_per_weight;
  std::map<std::string, int> tensor_types;
  for (const auto& [type, stats] : summary.type_histogram) {
    tensor_types[type] = stats.count;
  }
  reference.wider_than_f16 = only_wide_tensor_types(tensor_types);
  return reference;
}

bool is_control_family(const ManifestFamily& family) {
  if (family.user_added) {
    return false;
  }
  try {
    return family_info(family.family).control;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace qa
