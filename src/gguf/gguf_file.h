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
  // Empty when llama.cpp's gguf.h reads the header. Otherwise gguf.h's
  // reason for rejecting a file that is complete and readable otherwise
  // (llama.cpp will not load it), and the fields above come from a
  // bounds-checked reader of this project.
  std::string llama_cpp_rejection;
};

// Reads the header of a GGUF file. Throws qa::Error (kExitBadInput) with one
// line naming the file and the problem: missing, not GGUF, truncated, GGUF v1.
// A complete file that gguf.h rejects is summarized, with the reason in
// llama_cpp_rejection, and callers that go on to load the model must check it.
GgufSummary read_gguf_summary(const std::filesystem::path& path);

// Name of a general.file_type value (llama.cpp's llama_ftype) as
// llama-quantize spells it: 0 -> "F32", 7 -> "Q8_0", 15 -> "Q4_K_M".
// Returns "unknown (N)" for a value that llama.cpp 80fb11a does not define.
std::string file_type_name(uint32_t file_type);

}  // namespace qa
