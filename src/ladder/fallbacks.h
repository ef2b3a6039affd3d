// Type fallbacks during quantization.
//
// The rule (llama.cpp src/llama-quant.cpp, tensor_type_fallback): a quantized
// type stores each row in blocks of ggml_blck_size(type) values (256 for the
// K-quants and most IQ types, 32 for Q4_0, Q5_0, Q5_1, Q8_0 and IQ4_NL).
// A tensor's row width ne[0] may not be divisible by the block size of the
// type that the ftype's mixture requests for it. Then llama.cpp stores the
// tensor in a fixed substitute: Q6_K -> Q8_0, Q5_K -> Q5_1, Q4_K -> Q5_0,
// Q3_K, Q2_K, Q2_0 and the TQ types -> Q4_0, the 256-block IQ types ->
// IQ4_NL. It uses F16 when the substitute's block does not divide the row
// width either, and for a 32-block request. It logs one warning per tensor,
// and the output file does not record the requested type, so the warning is
// the only source for it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "ladder/manifest.h"

namespace qa {

// One fallback warning as llama.cpp logged it.
struct LoggedFallback {
  std::string tensor;
  int64_t row_width = 0;       // ne[0]
  int64_t block_size = 0;      // of the requested type
  std::string requested_type;  // ggml type name
  std::string fallback_type;   // ggml type name llama.cpp chose instead
};

// Extracts the fallback warnings from captured llama.cpp log lines. A tensor
// warned about twice is listed once. Cross-checks them against llama.cpp's
// closing "N of M tensor(s) required fallback quantization" line (absent when
// N is 0) and throws qa::Error (kExitFailure) when the counts differ, so a
// change of the warning's wording cannot silently hide fallbacks.
std::vector<LoggedFallback> parse_fallback_log(const std::vector<std::string>& log_lines);

// Checks every logged fallback against the written file: the tensor must
// exist, its row width must break the block-size rule for the requested
// type, and its actual type must be the logged substitute. Returns the
// fallbacks with the actual types. Throws qa::Error (kExitFailure) on any
// disagreement, because then the manifest could not be trusted.
std::vector<TensorFallback> verify_fallbacks(const std::vector<LoggedFallback>& logged,
                                             const GgufSummary& written);

// Block size of a ggml type given by name, e.g. 256 for "q6_K". Throws
// qa::Error for an unknown name.
int64_t ggml_block_size_of(const std::string& type_name);

}  // namespace qa
