// STUDY/ladder/manifest.json: what the reference and each rung really are.
// Written by the ladder stage, read by every later stage. Header-only so that
// stages without llama.cpp (analysis, report) can read it.
//
// Rungs appear in ladder order, highest precision first. A rung whose
// per-tensor types equal a higher rung's has identical_to set to that rung's
// name; it is evaluated once and its results are listed under both names.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qa {

struct TensorFallback {
  std::string tensor;
  std::string requested_type;  // ggml type name, e.g. "q6_K"
  std::string actual_type;     // ggml type name written to the file
};

struct ReferenceEntry {
  std::string path;  // absolute path of the full-precision input
  std::string sha256;
  uint64_t size_bytes = 0;
  double bits_per_weight = 0;
  std::string file_type;  // e.g. "F32", "F16", "BF16", or the quantized type
  std::map<std::string, int> tensor_types;  // ggml type name -> tensor count
  bool full_precision = true;
};

struct RungEntry {
  std::string name;   // ftype name as llama-quantize spells it, e.g. "Q4_K_M"
  int ftype = 0;      // llama_ftype value
  std::string file;   // relative to the study folder, e.g. "ladder/model-Q4_K_M.gguf"
  uint64_t size_bytes = 0;
  std::string sha256;
  double bits_per_weight = 0;
  std::map<std::string, int> tensor_types;
  int n_fallback = 0;
  std::vector<TensorFallback> fallbacks;
  std::optional<std::string> identical_to;
  std::optional<std::string> imatrix;  // sha256 of the importance matrix, or null
  std::string sanity_text;
  double seconds = 0;         // wall time of llama_model_quantize, sanity check excluded
  std::string status = "ok";  // "ok" or "failed"
  std::string failure;        // why the sanity check failed, "" when status is "ok"
};

struct LadderManifest {
  std::string llama_cpp_commit;
  std::string tool_version;
  ReferenceEntry reference;
  bool requantized = false;  // built from an already-quantized input
  std::vector<RungEntry> rungs;
};

inline void to_json(nlohmann::json& j, const TensorFallback& f) {
  j = {{"tensor", f.tensor}, {"requested_type", f.requested_type}, {"actual_type", f.actual_type}};
}
inline void from_json(const nlohmann::json& j, TensorFallback& f) {
  j.at("tensor").get_to(f.tensor);
  j.at("requested_type").get_to(f.requested_type);
  j.at("actual_type").get_to(f.actual_type);
}

inline void to_json(nlohmann::json& j, const ReferenceEntry& r) {
  j = {{"path", r.path},
       {"sha256", r.sha256},
       {"size_bytes", r.size_bytes},
       {"bits_per_weight", r.bits_per_weight},
       {"file_type", r.file_type},
       {"tensor_types", r.tensor_types},
       {"full_precision", r.full_precision}};
}
inline void from_json(const nlohmann::json& j, ReferenceEntry& r) {
  j.at("path").get_to(r.path);
  j.at("sha256").get_to(r.sha256);
  j.at("size_bytes").get_to(r.size_bytes);
  j.at("bits_per_weight").get_to(r.bits_per_weight);
  r.file_type = j.value("file_type", "");
  j.at("tensor_types").get_to(r.tensor_types);
  r.full_precision = j.value("full_precision", true);
}

inline void to_json(nlohmann::json& j, const RungEntry& r) {
  j = {{"name", r.name},
       {"ftype", r.ftype},
       {"file", r.file},
       {"size_bytes", r.size_bytes},
       {"sha256", r.sha256},
       {"bits_per_weight", r.bits_per_weight},
       {"tensor_types", r.tensor_types},
       {"n_fallback", r.n_fallback},
       {"fallbacks", r.fallbacks},
       {"identical_to", r.identical_to ? nlohmann::json(*r.identical_to) : nlohmann::json()},
       {"imatrix", r.imatrix ? nlohmann::json(*r.imatrix) : nlohmann::json()},
       {"sanity_text", r.sanity_text},
       {"seconds", r.seconds},
       {"status", r.status},
       {"failure", r.failure}};
}
inline void from_json(const nlohmann::json& j, RungEntry& r) {
  j.at("name").get_to(r.name);
  j.at("ftype").get_to(r.ftype);
  j.at("file").get_to(r.file);
  j.at("size_bytes").get_to(r.size_bytes);
  j.at("sha256").get_to(r.sha256);
  j.at("bits_per_weight").get_to(r.bits_per_weight);
  j.at("tensor_types").get_to(r.tensor_types);
  j.at("n_fallback").get_to(r.n_fallback);
  j.at("fallbacks").get_to(r.fallbacks);
  const auto& identical = j.at("identical_to");
  r.identical_to = identical.is_null() ? std::nullopt
                                       : std::optional<std::string>(identical.get<std::string>());
  const auto& imatrix = j.value("imatrix", nlohmann::json());
  r.imatrix = imatrix.is_null() ? std::nullopt
                                : std::optional<std::string>(imatrix.get<std::string>());
  r.sanity_text = j.value("sanity_text", "");
  r.seconds = j.value("seconds", 0.0);
  r.status = j.value("status", "ok");
  r.failure = j.value("failure", "");
}

inline void to_json(nlohmann::json& j, const LadderManifest& m) {
  j = {{"llama_cpp_commit", m.llama_cpp_commit},
       {"tool_version", m.tool_version},
       {"reference", m.reference},
       {"requantized", m.requantized},
       {"rungs", m.rungs}};
}
inline void from_json(const nlohmann::json& j, LadderManifest& m) {
  j.at("llama_cpp_commit").get_to(m.llama_cpp_commit);
  m.tool_version = j.value("tool_version", "");
  j.at("reference").get_to(m.reference);
  m.requantized = j.value("requantized", false);
  j.at("rungs").get_to(m.rungs);
}

}  // namespace qa
