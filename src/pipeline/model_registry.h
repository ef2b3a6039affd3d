// The model registry: models.json, compiled into the binary, names the
// full-precision GGUF of each known model (Hugging Face repository and file,
// sha256 where known), and an optional local file, models.local.json, adds
// keys or sets local paths. Local entries win, field by field.
//
// Both files use one JSON schema:
//   {"schema_version": 1, "models": [{"key": ..., ...}, ...]}
// with entry fields key, family, display_name, precision, source {hf_repo,
// hf_file}, sha256 (64 hex digits or null), use_chat_template, notes, and,
// in local files, path. JSON has no comments, so any field whose name starts
// with '_' (for example "_comment") is ignored. Any other unknown field is an
// error, which catches typos.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qa {

namespace fs = std::filesystem;

struct ModelEntry {
  std::string key;
  std::string family;        // architecture family, e.g. "qwen2", "llama"
  std::string display_name;  // e.g. "Qwen2.5-3B-Instruct"
  std::string precision;     // of the source file: "F32", "F16" or "BF16"
  std::string hf_repo;       // Hugging Face "owner/name"; empty for local-only models
  std::string hf_file;       // file inside hf_repo
  std::optional<std::string> sha256;  // lowercase hex of the full-precision file
  bool use_chat_template = false;     // whether studies should pass --chat
  std::string notes;
  std::optional<fs::path> path;  // absolute local path, from a local registry
  std::string origin;            // "built-in", the local file, or both
};

class ModelRegistry {
 public:
  // The registry compiled from models.json at the repository root.
  static ModelRegistry built_in();

  // Parses a registry document. `source` names it in messages; relative
  // paths in it are taken relative to base_dir. Throws qa::Error on invalid
  // JSON, unknown fields, a bad key or sha256, or a repeated key.
  static ModelRegistry parse(std::string_view json, const std::string& source,
                             const fs::path& base_dir);

  // Overlays a local registry file: its entries replace the fields they set
  // on entries with the same key and add new keys. Throws qa::Error naming
  // the file when it is missing or invalid, or when a new key has neither a
  // path nor a source.
  void merge_local_file(const fs::path& local_file);

  const std::vector<ModelEntry>& entries() const { return entries_; }

  // Throws qa::Error listing the known keys when `key` is not one of them.
  const ModelEntry& find(const std::string& key) const;

 private:
  std::vector<ModelEntry> entries_;
};

// The built-in registry plus the local file at local_registry when it is not
// empty (a missing file is then an error).
ModelRegistry load_model_registry(const fs::path& local_registry);

// Picks the local registry file. explicit_path wins when given. Otherwise
// models.local.json beside the study folder (in its parent folder) is used
// when it exists, then models.local.json in the current folder. Returns an
// empty path when there is none, which means the built-in registry only.
fs::path find_local_registry(const fs::path& explicit_path, const fs::path& study_dir = {});

// "hf:OWNER/REPO/FILE" for resolve_model_source (model_source.h), or an
// empty string when the entry has no Hugging Face source.
std::string hf_source_of(const ModelEntry& entry);

// Where the entry's file is expected: its local path when set, else its
// cached download, cached_model_path (model_source.h) of its Hugging Face
// source under cache_dir. Throws qa::Error when the entry has neither.
fs::path expected_model_path(const ModelEntry& entry, const fs::path& cache_dir);

struct ModelResolution {
  fs::path path;
  bool exists = false;
  std::optional<std::string> actual_sha256;  // set when the file exists and was hashed
  std::optional<bool> sha256_matches;        // nullopt when no sha256 is recorded or no file
};

// Locates an entry's file and, when check_sha256 is true and the file exists,
// hashes it and compares with the recorded sha256.
ModelResolution resolve_model(const ModelEntry& entry, const fs::path& cache_dir,
                              bool check_sha256);

// The model path for a command that takes MODEL.gguf or --model-key KEY:
// model_path when given, else the registry entry's file (local registry from
// registry_path when not empty, cache folder from default_model_cache_dir).
// Neither downloads nor hashes the file. Throws qa::Error
// when both or neither are given, when the key is unknown, or when the
// file is missing (the message names the download source and the target
// path).
fs::path resolve_model_argument(const fs::path& model_path, const std::string& key,
                                const fs::path& registry_path);

// A commented example models.local.json that parses as it is and resolves
// once its paths are edited.
std::string local_registry_template();

}  // namespace qa
