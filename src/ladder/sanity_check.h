// A quick check that a rung loads and computes: greedy decoding of a short
// fixed prompt on the CPU, with every logit checked for NaN and infinity.
#pragma once

#include <filesystem>
#include <string>

namespace qa {

inline constexpr const char* kSanityPrompt = "Once upon a time";
inline constexpr int kSanityTokens = 16;  // tokens decoded after the prompt

struct SanityResult {
  bool ok = false;
  std::string text;     // the decoded continuation, without the prompt
  std::string problem;  // why the check failed, "" when ok
};

// Loads `model`, decodes kSanityTokens tokens greedily after kSanityPrompt
// (stopping early at an end-of-generation token) and returns the text. A model
// that fails to load or yields a non-finite logit gives ok = false and a
// problem; this function does not throw for those.
SanityResult run_sanity_check(const std::filesystem::path& model, int threads);

}  // namespace qa
