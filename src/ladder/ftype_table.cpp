#include "ladder/ftype_table.h"

#include <llama.h>

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "common/error.h"

namespace qa {

namespace {

std::string to_upper(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return "";
  }
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

const std::vector<FtypeName>& ftype_names() {
  static const std::vector<FtypeName> names = {
      {"Q1_0", LLAMA_FTYPE_MOSTLY_Q1_0},       {"Q2_0", LLAMA_FTYPE_MOSTLY_Q2_0},
      {"Q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},       {"Q4_1", LLAMA_FTYPE_MOSTLY_Q4_1},
      {"MXFP4_MOE", LLAMA_FTYPE_MOSTLY_MXFP4_MOE},
      {"Q5_0", LLAMA_FTYPE_MOSTLY_Q5_0},       {"Q5_1", LLAMA_FTYPE_MOSTLY_Q5_1},
      {"IQ2_XXS", LLAMA_FTYPE_MOSTLY_IQ2_XXS}, {"IQ2_XS", LLAMA_FTYPE_MOSTLY_IQ2_XS},
      {"IQ2_S", LLAMA_FTYPE_MOSTLY_IQ2_S},     {"IQ2_M", LLAMA_FTYPE_MOSTLY_IQ2_M},
      {"IQ1_S", LLAMA_FTYPE_MOSTLY_IQ1_S},     {"IQ1_M", LLAMA_FTYPE_MOSTLY_IQ1_M},
      {"TQ1_0", LLAMA_FTYPE_MOSTLY_TQ1_0},     {"TQ2_0", LLAMA_FTYPE_MOSTLY_TQ2_0},
      {"Q2_K", LLAMA_FTYPE_MOSTLY_Q2_K},       {"Q2_K_S", LLAMA_FTYPE_MOSTLY_Q2_K_S},
      {"IQ3_XXS", LLAMA_FTYPE_MOSTLY_IQ3_XXS}, {"IQ3_S", LLAMA_FTYPE_MOSTLY_IQ3_S},
      {"IQ3_M", LLAMA_FTYPE_MOSTLY_IQ3_M},     {"IQ3_XS", LLAMA_FTYPE_MOSTLY_IQ3_XS},
      {"Q3_K_S", LLAMA_FTYPE_MOSTLY_Q3_K_S},   {"Q3_K_M", LLAMA_FTYPE_MOSTLY_Q3_K_M},
      {"Q3_K_L", LLAMA_FTYPE_MOSTLY_Q3_K_L},   {"IQ4_NL", LLAMA_FTYPE_MOSTLY_IQ4_NL},
      {"IQ4_XS", LLAMA_FTYPE_MOSTLY_IQ4_XS},   {"Q4_K_S", LLAMA_FTYPE_MOSTLY_Q4_K_S},
      {"Q4_K_M", LLAMA_FTYPE_MOSTLY_Q4_K_M},   {"Q5_K_S", LLAMA_FTYPE_MOSTLY_Q5_K_S},
      {"Q5_K_M", LLAMA_FTYPE_MOSTLY_Q5_K_M},   {"Q6_K", LLAMA_FTYPE_MOSTLY_Q6_K},
      {"Q8_0", LLAMA_FTYPE_MOSTLY_Q8_0},       {"F16", LLAMA_FTYPE_MOSTLY_F16},
      {"BF16", LLAMA_FTYPE_MOSTLY_BF16},       {"F32", LLAMA_FTYPE_ALL_F32},
  };
  return names;
}

FtypeName parse_ftype_name(std::string_view name) {
  std::string upper = to_upper(trim(name));

  // llama-quantize accepts these short names for the medium K-quant mixes.
  if (upper == "Q3_K" || upper == "Q4_K" || upper == "Q5_K") {
    upper += "_M";
  }

  for (const auto& entry : ftype_names()) {
    if (entry.name == upper) {
      return entry;
    }
  }

  std::string valid;
  for (const auto& entry : ftype_names()) {
    valid += valid.empty() ? entry.name : ", " + entry.name;
  }
  throw Error(fmt::format("unknown quantization type '{}'; valid types: {}", name, valid),
              kExitBadInput);
}

std::vector<FtypeName> parse_ftype_list(std::string_view list) {
  std::vector<FtypeName> parsed;
  std::set<std::string> seen;

  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string item = trim(list.substr(start, comma - start));
    if (item.empty()) {
      throw Error(fmt::format("empty entry in rung list '{}'; give names separated by commas, "
                              "e.g. Q8_0,Q4_K_M",
                              list),
                  kExitBadInput);
    }

    FtypeName entry = parse_ftype_name(item);
    if (!seen.insert(entry.name).second) {
      throw Error(fmt::format("rung {} appears twice in '{}'; list each type once", entry.name,
                              list),
                  kExitBadInput);
    }
    parsed.push_back(std::move(entry));
    start = comma + 1;
  }
  return parsed;
}

}  // namespace qa
