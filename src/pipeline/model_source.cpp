#include "pipeline/model_source.h"

#include <curl/curl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <fmt/core.h>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"

namespace qa {

namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

struct FileCloser {
  void operator()(FILE* file) const {
    if (file != nullptr) {
      std::fclose(file);
    }
  }
};

struct CurlEasyDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};

// State for the progress callback: redraws at most every 200 ms.
struct ProgressState {
  std::string label;
  curl_off_t resumed_from = 0;
  bool enabled = false;
  std::chrono::steady_clock::time_point last_draw{};
};

int draw_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* state = static_cast<ProgressState*>(user);
  if (!state->enabled) {
    return 0;
  }

  const auto clock = std::chrono::steady_clock::now();
  if (clock - state->last_draw < std::chrono::milliseconds(200) && now != total) {
    return 0;
  }
  state->last_draw = clock;

  const double done_mib = static_cast<double>(state->resumed_from + now) / (1024.0 * 1024.0);
  if (total <= 0) {
    fmt::print(stderr, "\r{}: {:.1f} MiB", state->label, done_mib);
    return 0;
  }

  const double total_mib = static_cast<double>(state->resumed_from + total) / (1024.0 * 1024.0);
  const double fraction = done_mib / total_mib;
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(fraction * kWidth);
  fmt::print(stderr, "\r{}: [{}{}] {:5.1f}% {:.1f}/{:.1f} MiB", state->label,
             std::string(filled, '#'), std::string(kWidth - filled, '.'), 100.0 * fraction,
             done_mib, total_mib);
  return 0;
}

std::string env_or(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

bool is_network_unreachable(CURLcode code) {
  return code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY ||
         code == CURLE_COULDNT_CONNECT || code == CURLE_OPERATION_TIMEDOUT;
}

// Downloads url into part_path, appending to the bytes already there.
void download_with_resume(const std::string& url, const fs::path& part_path,
                          const std::string& label, bool show_progress) {
  static CurlGlobal curl_global;

  std::error_code ignored;
  const curl_off_t resume_from =
      fs::exists(part_path) ? static_cast<curl_off_t>(fs::file_size(part_path, ignored)) : 0;

  std::unique_ptr<FILE, FileCloser> out(std::fopen(part_path.c_str(), "ab"));
  if (!out) {
    throw Error(fmt::format("cannot write {}: check that the cache folder is writable, or pass "
                            "--cache-dir",
                            part_path.string()));
  }

  std::unique_ptr<CURL, CurlEasyDeleter> curl(curl_easy_init());
  ProgressState progress{label, resume_from, show_progress && isatty(STDERR_FILENO) != 0, {}};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, out.get());
  curl_easy_setopt(curl.get(), CURLOPT_RESUME_FROM_LARGE, resume_from);
  curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, 20L);
  // Abort a transfer that stalls below 1 byte/s for 60 s; the .part file
  // keeps what arrived, so the next run resumes.
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, draw_progress);
  curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &progress);

  if (resume_from > 0) {
    log_info("resuming download of {} at byte {}", label, static_cast<long long>(resume_from));
  }
  const CURLcode code = curl_easy_perform(curl.get());
  if (progress.enabled) {
    fmt::print(stderr, "\n");
  }
  out.reset();

  if (code == CURLE_OK) {
    return;
  }
  const std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  if (is_network_unreachable(code)) {
    throw Error(fmt::format("cannot download {}: {} (no network?). Download the file by other "
                            "means and pass its local path instead",
                            url, detail));
  }
  throw Error(fmt::format("download of {} failed: {}; rerun to resume from {} bytes, or pass a "
                          "local file",
                          url, detail, fs::exists(part_path) ? fs::file_size(part_path) : 0));
}

}  // namespace

bool is_hf_source(const std::string& source) { return source.rfind("hf:", 0) == 0; }

HfFileRef parse_hf_source(const std::string& source) {
  if (!is_hf_source(source)) {
    throw Error(fmt::format("'{}' is not an hf: source; expected hf:OWNER/REPO/FILE", source));
  }

  const std::string rest = source.substr(3);
  const size_t first = rest.find('/');
  const size_t second = first == std::string::npos ? std::string::npos : rest.find('/', first + 1);
  if (second == std::string::npos || first == 0 || second == first + 1 ||
      second + 1 >= rest.size()) {
    throw Error(fmt::format("invalid model source '{}': expected hf:OWNER/REPO/FILE, for example "
                            "hf:ggml-org/tiny-llamas/stories260K.gguf",
                            source));
  }

  HfFileRef ref{rest.substr(0, first), rest.substr(first + 1, second - first - 1),
                rest.substr(second + 1)};
  if (ref.file.find("..") != std::string::npos || ref.owner.find("..") != std::string::npos ||
      ref.repo.find("..") != std::string::npos) {
    throw Error(fmt::format("invalid model source '{}': '..' is not allowed in a path", source));
  }
  return ref;
}

fs::path default_model_cache_dir() {
  const char* cache = std::getenv("QA_CACHE_DIR");
  if (cache != nullptr && *cache != '\0') {
    return fs::path(cache) / "models";
  }
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "/tmp") / ".cache" / "quant-autopsy" / "models";
}

fs::path cached_model_path(const HfFileRef& ref, const fs::path& cache_dir) {
  return cache_dir / ref.owner / ref.repo / ref.file;
}

fs::path resolve_model_source(const std::string& source, const DownloadOptions& options) {
  if (!is_hf_source(source)) {
    const fs::path path(source);
    if (!fs::exists(path)) {
      throw Error(fmt::format("model file not found: {}; pass a path to a GGUF file or "
                              "hf:OWNER/REPO/FILE",
                              path.string()));
    }
    return path;
  }

  const HfFileRef ref = parse_hf_source(source);
  const fs::path cache_dir =
      options.cache_dir.empty() ? default_model_cache_dir() : options.cache_dir;
  const fs::path target = cached_model_path(ref, cache_dir);

  // A cached file is trusted when its sha256 matches, or when no sha256 is known.
  if (fs::exists(target)) {
    if (!options.sha256 || sha256_file(target) == *options.sha256) {
      log_info("using cached {}", target.string());
      return target;
    }
    log_warn("cached {} does not match sha256 {}; downloading it again", target.string(),
             *options.sha256);
    fs::remove(target);
  }

  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (error) {
    throw Error(fmt::format("cannot create cache folder {}: {}; pass --cache-dir",
                            target.parent_path().string(), error.message()));
  }

  const std::string endpoint = options.endpoint.empty()
                                   ? env_or("HF_ENDPOINT", "https://huggingface.co")
                                   : options.endpoint;
  const std::string url =
      fmt::format("{}/{}/{}/resolve/main/{}", endpoint, ref.owner, ref.repo, ref.file);
  fs::path part_path = target;
  part_path += ".part";

  log_info("downloading {} into {}", url, target.string());
  download_with_resume(url, part_path, ref.file, options.show_progress);

  if (options.sha256) {
    const std::string actual = sha256_file(part_path);
    if (actual != *options.sha256) {
      fs::remove(part_path);
      throw Error(fmt::format("downloaded {} has sha256 {} but {} was expected; the partial "
                              "file was removed, rerun to download again",
                              url, actual, *options.sha256));
    }
  }

  fs::rename(part_path, target, error);
  if (error) {
    throw Error(fmt::format("cannot move {} into place: {}", part_path.string(), error.message()));
  }
  log_info("downloaded {} ({} bytes)", target.string(), fs::file_size(target));
  return target;
}

}  // namespace qa
