// Quantizing one GGUF file to one llama.cpp file type, in process with
// llama_model_quantize (the library function behind llama-quantize).
#pragma once

#include <filesystem>
#include <vector>

#include "gguf/gguf_file.h"
#include "ladder/fallbacks.h"
#include "ladder/importance_matrix.h"

namespace qa {

struct QuantizeOptions {
  int ftype = 0;     // llama_ftype value, see ftype_table.h
  int threads = 0;   // quantization threads; 0 uses every hardware thread
  const ImportanceMatrix* imatrix = nullptr;  // optional, not owned
  bool allow_requantize = false;  // accept an input whose tensors are already quantized
};

struct QuantizeResult {
  GgufSummary summary;                   // of the written file, at its final path
  std::vector<LoggedFallback> fallbacks;  // as llama.cpp logged them
  double seconds = 0;                    // wall time of llama_model_quantize
};

// Quantizes `input` into `output`. The data goes to a temporary file beside
// `output`, renamed into place only after llama.cpp finished and the file's
// header and tensor table read back whole. So a failure, a full disk or an
// interrupt leaves no partial file and keeps an existing `output` unchanged.
// llama.cpp's log lines are captured, not printed.
// Throws qa::Error (kExitBadInput) naming the file and llama.cpp's reason.
QuantizeResult quantize_gguf(const std::filesystem::path& input,
                             const std::filesystem::path& output,
                             const QuantizeOptions& options);

}  // namespace qa
