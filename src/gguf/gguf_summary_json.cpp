#include "gguf/gguf_summary_json.h"

#include <algorithm>
#include <cctype>

namespace qa {

std::string tensor_type_label(const std::string& ggml_type_name) {
  std::string label = ggml_type_name;
  std::transform(label.begin(), label.end(), label.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return label;
}

nlohmann::ordered_json gguf_summary_to_json(const GgufSummary& summary) {
  nlohmann::ordered_json tensor_types = nlohmann::ordered_json::object();
  for (const auto& [type, stats] : summary.type_histogram) {
    tensor_types[tensor_type_label(type)] = {{"count", stats.count}, {"bytes", stats.bytes}};
  }

  return {
      {"path", summary.path.string()},
      {"file_size", summary.file_size},
      {"gguf_version", summary.version},
      {"architecture", summary.architecture},
      {"name", summary.name},
      {"n_params", summary.n_params},
      {"context_length", summary.context_length},
      {"embedding_length", summary.embedding_length},
      {"block_count", summary.block_count},
      {"head_count", summary.head_count},
      {"head_count_kv", summary.head_count_kv},
      {"vocab_size", summary.vocab_size},
      {"tokenizer_model", summary.tokenizer_model},
      {"has_chat_template", summary.has_chat_template},
      {"file_type", summary.file_type},
      {"n_tensors", summary.tensors.size()},
      {"tensor_types", tensor_types},
      {"bits_per_weight", summary.bits_per_weight},
      {"full_precision", summary.full_precision},
      {"llama_cpp_loads", summary.llama_cpp_rejection.empty()},
      {"llama_cpp_rejection", summary.llama_cpp_rejection},
  };
}

}  // namespace qa
