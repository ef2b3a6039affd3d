// The parts of a GGUF header that a summary needs, read either through gguf.h
// or, when gguf.h rejects the file, by a bounds-checked reader of our own.
// Some published GGUF files (for example a Q8_0 file whose 172-wide rows are
// not a multiple of the 32-weight block) are complete and readable, but
// gguf.h rejects them. The own reader lets `inspect` describe such a file and
// report why llama.cpp will not load it. Used only inside src/gguf/.
#pragma once

#include <ggml.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace qa {

struct GgufTensorInfo {
  std::string name;
  ggml_type type = GGML_TYPE_F32;
  std::vector<int64_t> shape;  // ne[0] first, trailing dimensions of 1 dropped
  int64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

struct GgufHeader {
  uint32_t version = 0;
  uint64_t file_size = 0;
  std::map<std::string, std::string> string_values;  // scalar string keys
  // Scalar integer keys with non-negative values. An array of integers is
  // stored as its largest element (per-layer head counts, for example).
  std::map<std::string, uint64_t> integer_values;
  std::map<std::string, uint64_t> array_lengths;  // every array key
  std::vector<GgufTensorInfo> tensors;
  // Empty when gguf.h reads the header; otherwise gguf.h's reason, and the
  // fields above come from the own reader.
  std::string llama_cpp_rejection;
};

// Reads the header and tensor table without tensor data. Throws qa::Error
// (exit status 2) with one line naming the file when it is missing, not GGUF,
// GGUF v1, truncated, or malformed in a way that neither reader accepts.
GgufHeader read_gguf_header(const std::filesystem::path& path);

// The own reader: parses the metadata of a file that passed check_gguf_file,
// checking every length against the file size. Throws qa::Error (exit
// status 2) naming the file and the byte offset of the problem.
GgufHeader parse_gguf_header(const std::filesystem::path& path, uint64_t file_size);

}  // namespace qa
