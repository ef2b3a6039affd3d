#include "ladder/quantize.h"

#include <llama.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "common/error.h"
#include "common/files.h"
#include "ladder/llama_log_capture.h"

namespace qa {

namespace fs = std::filesystem;

namespace {

void init_llama_backend_once() {
  static std::once_flag once;
  std::call_once(once, [] { llama_backend_init(); });
}

// Creates the temporary file so that an unwritable folder fails here with
// the system's reason, not later inside llama.cpp with a generic message.
void check_writable(const fs::path& temp_path, const fs::path& output) {
  std::ofstream probe(temp_path, std::ios::binary);
  if (!probe) {
    throw Error(fmt::format("cannot write {}: {}; choose an output folder you can write to",
                            output.string(), std::strerror(errno)),
                kExitBadInput);
  }
}

llama_model_kv_override string_override(const char* key, const std::string& value) {
  llama_model_kv_override entry{};
  std::snprintf(entry.key, sizeof(entry.key), "%s", key);
  entry.tag = LLAMA_KV_OVERRIDE_TYPE_STR;
  std::snprintf(entry.val_str, sizeof(entry.val_str), "%s", value.c_str());
  return entry;
}

llama_model_kv_override int_override(const char* key, int64_t value) {
  llama_model_kv_override entry{};
  std::snprintf(entry.key, sizeof(entry.key), "%s", key);
  entry.tag = LLAMA_KV_OVERRIDE_TYPE_INT;
  entry.val_i64 = value;
  return entry;
}

std::string describe_free_space(const fs::path& folder) {
  std::error_code error;
  const fs::space_info space = fs::space(folder, error);
  if (error) {
    return "";
  }
  return fmt::format(" ({} bytes free in {})", space.available, folder.string());
}

}  // namespace

QuantizeResult quantize_gguf(const fs::path& input, const fs::path& output,
                             const QuantizeOptions& options) {
  init_llama_backend_once();

  if (!fs::is_regular_file(input)) {
    throw Error(fmt::format("model {} not found; pass the path of a GGUF file", input.string()),
                kExitBadInput);
  }

  TempFileGuard guard(output);
  check_writable(guard.temp_path(), output);

  llama_model_quantize_params params = llama_model_quantize_default_params();
  params.ftype = static_cast<llama_ftype>(options.ftype);
  params.nthread = options.threads > 0 ? options.threads
                                       : static_cast<int>(std::thread::hardware_concurrency());
  params.allow_requantize = options.allow_requantize;

  // The importance matrix and the metadata that records it in the output,
  // as llama-quantize writes them (quantize.imatrix.* keys). Both arrays end
  // with an empty terminator entry.
  std::vector<llama_model_imatrix_data> imatrix_entries;
  std::vector<llama_model_kv_override> overrides;
  if (options.imatrix != nullptr) {
    for (const auto& [name, values] : options.imatrix->entries) {
      imatrix_entries.push_back({name.c_str(), values.data(), values.size()});
    }
    imatrix_entries.push_back({nullptr, nullptr, 0});
    params.imatrix = imatrix_entries.data();

    overrides.push_back(string_override("quantize.imatrix.file", options.imatrix->file_name));
    if (!options.imatrix->dataset.empty()) {
      overrides.push_back(string_override("quantize.imatrix.dataset", options.imatrix->dataset));
    }
    overrides.push_back(int_override("quantize.imatrix.entries_count",
                                     static_cast<int64_t>(options.imatrix->entries.size())));
    if (options.imatrix->chunk_count > 0) {
      overrides.push_back(int_override("quantize.imatrix.chunks_count",
                                       options.imatrix->chunk_count));
    }
    overrides.emplace_back();
    overrides.back().key[0] = '\0';
    params.kv_overrides = overrides.data();
  }

  QuantizeResult result;
  {
    LlamaLogCapture capture;
    const auto start = std::chrono::steady_clock::now();
    const uint32_t status =
        llama_model_quantize(input.c_str(), guard.temp_path().c_str(), &params);
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    if (status != 0) {
      std::string reason = capture.errors();
      if (reason.find("imatrix") != std::string::npos && options.imatrix == nullptr) {
        reason += "; pass an importance matrix with --imatrix";
      }
      throw Error(fmt::format("quantizing {} into {} failed: {}{}", input.string(),
                              output.string(), reason.empty() ? "llama.cpp gave no reason" : reason,
                              describe_free_space(output.parent_path())),
                  kExitBadInput);
    }
    result.fallbacks = parse_fallback_log(capture.lines());
  }

  // Reading the header and tensor table back catches a file that llama.cpp
  // reported as written but that is incomplete.
  try {
    result.summary = read_gguf_summary(guard.temp_path());
  } catch (const Error& error) {
    throw Error(fmt::format("llama.cpp wrote an unreadable file for {}{}: {}", output.string(),
                            describe_free_space(output.parent_path()), error.what()),
                kExitBadInput);
  }
  guard.commit();
  result.summary.path = output;
  return result;
}

}  // namespace qa
