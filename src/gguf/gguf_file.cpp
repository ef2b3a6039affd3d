#include "gguf/gguf_file.h"

#include <fmt/core.h>

#include "common/error.h"
#include "gguf/gguf_header.h"

namespace qa {

namespace fs = std::filesystem;

namespace {

uint64_t integer_or_zero(const GgufHeader& header, const std::string& key) {
  const auto it = header.integer_values.find(key);
  return it == header.integer_values.end() ? 0 : it->second;
}

std::string string_or_empty(const GgufHeader& header, const std::string& key) {
  const auto it = header.string_values.find(key);
  return it == header.string_values.end() ? std::string() : it->second;
}

// ARCH.vocab_size when present, else the length of the token list.
uint64_t vocab_size(const GgufHeader& header, const std::string& architecture) {
  const uint64_t declared = integer_or_zero(header, architecture + ".vocab_size");
  if (declared > 0) {
    return declared;
  }
  const auto tokens = header.array_lengths.find("tokenizer.ggml.tokens");
  return tokens == header.array_lengths.end() ? 0 : tokens->second;
}

bool is_full_precision_type(ggml_type type) {
  return type == GGML_TYPE_F32 || type == GGML_TYPE_F16 || type == GGML_TYPE_BF16;
}

void summarize_tensors(const GgufHeader& header, GgufSummary& summary) {
  uint64_t total_bytes = 0;
  summary.full_precision = true;

  for (const GgufTensorInfo& info : header.tensors) {
    GgufTensor tensor;
    tensor.name = info.name;
    tensor.type = ggml_type_name(info.type);
    tensor.shape = info.shape;
    tensor.n_elements = info.n_elements;
    tensor.n_bytes = info.n_bytes;

    if (tensor.shape.size() >= 2 && !is_full_precision_type(info.type)) {
      summary.full_precision = false;
    }

    TypeStats& stats = summary.type_histogram[tensor.type];
    stats.count += 1;
    stats.bytes += tensor.n_bytes;
    summary.n_params += static_cast<uint64_t>(tensor.n_elements);
    total_bytes += tensor.n_bytes;
    summary.tensors.push_back(std::move(tensor));
  }

  if (summary.n_params > 0) {
    summary.bits_per_weight =
        static_cast<double>(total_bytes) * 8.0 / static_cast<double>(summary.n_params);
  }
}

}  // namespace

GgufSummary read_gguf_summary(const fs::path& path) {
  const GgufHeader header = read_gguf_header(path);

  GgufSummary summary;
  summary.path = path;
  summary.file_size = header.file_size;
  summary.version = header.version;
  summary.llama_cpp_rejection = header.llama_cpp_rejection;

  summary.architecture = string_or_empty(header, "general.architecture");
  if (summary.architecture.empty()) {
    throw Error(
        fmt::format("{}: GGUF file without general.architecture, so it is not a model "
                    "that llama.cpp can load",
                    path.string()));
  }
  const std::string& arch = summary.architecture;

  summary.name = string_or_empty(header, "general.name");
  summary.context_length = integer_or_zero(header, arch + ".context_length");
  summary.embedding_length = integer_or_zero(header, arch + ".embedding_length");
  summary.block_count = integer_or_zero(header, arch + ".block_count");
  summary.head_count = integer_or_zero(header, arch + ".attention.head_count");
  summary.head_count_kv = integer_or_zero(header, arch + ".attention.head_count_kv");
  summary.vocab_size = vocab_size(header, arch);
  summary.tokenizer_model = string_or_empty(header, "tokenizer.ggml.model");
  // Named templates are stored as tokenizer.chat_template.NAME.
  for (const auto& [key, value] : header.string_values) {
    if (key.starts_with("tokenizer.chat_template")) {
      summary.has_chat_template = true;
    }
  }

  if (const auto it = header.integer_values.find("general.file_type");
      it != header.integer_values.end()) {
    summary.file_type = file_type_name(static_cast<uint32_t>(it->second));
  }

  summarize_tensors(header, summary);
  return summary;
}

}  // namespace qa
