// The inputs that calibrate and sweep read from a study folder: the frozen
// battery, the reference model and the optional ladder manifest.
#pragma once

#include <optional>
#include <string>

#include "common/study.h"
#include "ladder/manifest.h"
#include "probes/battery.h"

namespace qa {

struct ReferenceModel {
  std::string path;       // absolute path of the full-precision GGUF
  std::string sha256;     // recorded sha256; empty when nothing recorded it
  std::string file_type;  // e.g. "F32", "F16", "BF16"
  double bits_per_weight = 0;
  // True when every tensor is F32 or BF16, so an F16 copy is a meaningful
  // noise floor rung.
  bool wider_than_f16 = false;
};

// Loads STUDY/battery. Throws qa::Error (kExitBadInput) saying to run
// calibrate when the study has no battery.
Battery load_study_battery(const StudyLayout& layout);

// The reference model: reference.path from STUDY/ladder/manifest.json when
// the ladder exists, else model.path from STUDY/study.json. Throws qa::Error
// (kExitBadInput) when neither names one.
ReferenceModel resolve_reference_model(const StudyLayout& layout);

// STUDY/ladder/manifest.json, or nullopt when the study has no ladder.
std::optional<LadderManifest> read_optional_ladder(const StudyLayout& layout);

// Whether a battery family is a control family (built only on request).
// Families added by the user are never controls.
bool is_control_family(const ManifestFamily& family);

}  // namespace qa
