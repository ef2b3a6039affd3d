// Where a study's model comes from: a local GGUF path, or a Hugging Face file
// named "hf:OWNER/REPO/FILE" that is downloaded once into a cache folder.
//
// Downloads go over HTTPS with libcurl to FILE.part, resume from the bytes
// already there, show a progress bar on a terminal, and are renamed into
// place only after the sha256 check (when one is known) passes. A cached
// file whose sha256 matches is never downloaded again.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace qa {

namespace fs = std::filesystem;

struct DownloadOptions {
  // Default: $QA_CACHE_DIR/models, else ~/.cache/quant-autopsy/models.
  fs::path cache_dir;
  // Base URL of the hub; files are fetched from
  // ENDPOINT/OWNER/REPO/resolve/main/FILE. Default: $HF_ENDPOINT, else
  // https://huggingface.co. Tests point it at a server on 127.0.0.1.
  std::string endpoint;
  // Expected lowercase hex sha256, when the registry records one.
  std::optional<std::string> sha256;
  bool show_progress = true;
};

struct HfFileRef {
  std::string owner;
  std::string repo;
  std::string file;  // may contain folders: "sub/model.gguf"
};

// True for sources of the form "hf:OWNER/REPO/FILE".
bool is_hf_source(const std::string& source);

// Parses "hf:OWNER/REPO/FILE"; throws qa::Error (exit 2) on any other shape.
HfFileRef parse_hf_source(const std::string& source);

fs::path default_model_cache_dir();

// Path of the cached copy of an hf: file (it need not exist yet).
fs::path cached_model_path(const HfFileRef& ref, const fs::path& cache_dir);

// Returns a local path for `source`: the path itself for a local file (which
// must exist), or the cached download for an hf: source. Throws qa::Error
// with exit status 2 on a missing file, an unreachable network (saying to
// pass a local file), an HTTP error or a sha256 mismatch.
fs::path resolve_model_source(const std::string& source, const DownloadOptions& options);

}  // namespace qa
