// Scorers for generate items: each compares a model's greedy output with the
// reference answer the generator computed. Outputs arrive already cut at the
// item's stop strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qa {

// Names accepted by score_output: "exact", "number", "json_keys".
const std::vector<std::string>& scorer_names();

bool is_known_scorer(std::string_view scorer);

// Scores one output against one answer:
//   exact      the output with leading and trailing whitespace removed equals
//              the answer with its whitespace removed, byte for byte
//   number     the first integer or decimal in the output (optional leading
//              '-') equals the answer's number; "12.0" matches "12"
//   json_keys  the first balanced {...} in the output parses as a JSON object
//              whose keys and values equal those of the answer object
//              (nested objects compared whole, key order ignored)
// Throws qa::Error for an unknown scorer name or an answer the scorer cannot
// parse, because that is a bug in the battery, not a wrong output.
bool score_output(std::string_view scorer, std::string_view output, std::string_view answer);

// Whitespace (space, tab, CR, LF) removed from both ends.
std::string_view trim_whitespace(std::string_view text);

}  // namespace qa
