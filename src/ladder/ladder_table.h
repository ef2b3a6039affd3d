// The summary that `ladder` prints when it finishes.
#pragma once

#include <string>
#include <vector>

#include "ladder/manifest.h"

namespace qa {

// A fixed-width table: the reference, then one row per rung with size, bits
// per weight, fallback count, identical_to and sanity status.
std::string format_ladder_table(const LadderManifest& manifest);

// One plain sentence per rung that is identical to a higher rung, e.g.
// "Q6_K is identical to Q8_0 for this model: ...; it will be evaluated once".
std::vector<std::string> describe_identical_rungs(const LadderManifest& manifest);

}  // namespace qa
