// Reading a GGUF file's header and tensor table through ggml's gguf.h,
// without loading tensor data (gguf_init_from_file with no_alloc).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace qa {

struct GgufTensor {
  std::string name;
  std::string type;             // ggml type name, e.g. "f32", "q4_K"
  std::vector<int64_t> shape;   // ne[0] is the row width
  int64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

struct TypeStats {
  int count = 0;
  uint64_t bytes = 0;
};

struct GgufSummary {
  std::filesystem::path path;
  uint64_t file_size = 0;
  uint32_t version = 0;
  std::string architecture;
  std::string name;              // general.name, may be empty
  uint64_t n_params = 0;         // sum of tensor elements
  uint64_t context_length = 0;   // 0 when the key is absent
  uint64_t embedding_length = 0;
  uint64_t block_count = 0;
  uint64_t head_count = 0;
  uint64_t head_count_kv = 0;
  uint64_t vocab_size = 0;
  std::string tokenizer_model;
  bool has_chat_template = false;
  std::string file_type;         // from general.file_type, e.g. "F32", "Q8_0", or "" if absent
  std::vector<GgufTensor> tensors;
  std::map<std::string, TypeStats> type_histogram;  // ggml type name -> stats
  double bits_per_weight = 0;    // tensor data bits / n_params
  // True when every tensor with two or more dimensions is F32, F16 or BF16.
  bool full_precision = false;
};

// Reads the header of a GGUF file. Throws qa::Error (kExitBadInput) with one
// line naming the file and the problem: missing, not GGUF, truncated, GGUF v1.
GgufSummary read_gguf_summary(const std::filesystem::path& path);

}  // namespace qa
