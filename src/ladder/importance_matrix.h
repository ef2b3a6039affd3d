// Importance matrices (imatrix) for llama_model_quantize, read from the
// legacy binary format that llama-imatrix writes with --output-format dat.
//
// Legacy layout, little-endian, as llama.cpp tools/imatrix writes it:
//   int32 n_entries
//   per entry: int32 name length, name bytes, int32 ncall, int32 nval,
//              float[nval] values (mean squared activation times ncall)
//   optional:  int32 chunk count, int32 length, dataset file name
//
// NOTE: the newer GGUF imatrix format (llama-imatrix's default) needs gguf.h,
// which only src/gguf/ may include, and no reader for it exists there yet.
// Such files are rejected with a message that says how to write a .dat file.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace qa {

struct ImportanceMatrix {
  std::string file_name;  // without folders, recorded in each rung's metadata
  std::string sha256;     // of the file, recorded in the ladder manifest
  // Tensor name -> per-column importance (the stored values divided by ncall),
  // the form llama_model_quantize_params::imatrix expects.
  std::map<std::string, std::vector<float>> entries;
  int chunk_count = 0;   // 0 when the file does not record it
  std::string dataset;   // text file the matrix was computed on, may be empty
};

// Reads an importance matrix. Throws qa::Error (kExitBadInput) naming the
// file when it is missing, truncated, malformed, or in the GGUF format.
ImportanceMatrix read_importance_matrix(const std::filesystem::path& path);

}  // namespace qa
