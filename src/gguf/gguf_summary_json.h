// The JSON form of a GgufSummary, printed by `inspect --json`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "gguf/gguf_file.h"

namespace qa {

// Upper-case spelling of a ggml type name as users write it ("q4_K" -> "Q4_K").
std::string tensor_type_label(const std::string& ggml_type_name);

// One object with every GgufSummary field except the per-tensor list, plus
// "llama_cpp_loads" (true when llama_cpp_rejection is empty). Keys of
// "tensor_types" are tensor_type_label names; sizes are in bytes.
nlohmann::ordered_json gguf_summary_to_json(const GgufSummary& summary);

}  // namespace qa
