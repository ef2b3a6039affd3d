// Names of llama.cpp file types (llama_ftype) as llama-quantize spells them.
// Values are plain ints so that callers need not include llama.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace qa {

struct FtypeName {
  std::string name;  // canonical spelling, e.g. "Q4_K_M"
  int ftype = 0;     // llama_ftype value
};

// Every target type llama-quantize accepts (llama.cpp tools/quantize), in its
// order, without the aliases Q3_K, Q4_K, Q5_K and without COPY, which is not
// a quantization.
const std::vector<FtypeName>& ftype_names();

// Parses a type name case-insensitively. The aliases Q3_K, Q4_K and Q5_K map
// to the _M variants, as in llama-quantize. Throws qa::Error (kExitBadInput)
// that lists the valid names when the name is unknown.
FtypeName parse_ftype_name(std::string_view name);

// Parses a comma-separated list such as "Q8_0,Q6_K". Rejects empty entries
// and duplicates.
std::vector<FtypeName> parse_ftype_list(std::string_view list);

}  // namespace qa
