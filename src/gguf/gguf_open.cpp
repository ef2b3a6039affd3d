#include "gguf/gguf_open.h"

#include <fmt/core.h>
#include <ggml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "common/error.h"

namespace qa {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kGgufMagic = "GGUF";

// What to do with a file that llama.cpp cannot read at all.
constexpr std::string_view kConvertAdvice =
    "convert the original weights to GGUF v3 with a current llama.cpp (convert_hf_to_gguf.py) "
    "or download a recent GGUF of the model";

uint32_t decode_u32_le(const unsigned char* bytes) {
  return static_cast<uint32_t>(bytes[0]) | (static_cast<uint32_t>(bytes[1]) << 8) |
         (static_cast<uint32_t>(bytes[2]) << 16) | (static_cast<uint32_t>(bytes[3]) << 24);
}

// Error lines that ggml logs while gguf_init_from_file runs, kept so that a
// failure can be reported on one line instead of on stderr.
struct CapturedLog {
  std::vector<std::string> lines;
};

void capture_ggml_log(ggml_log_level level, const char* text, void* user_data) {
  if (level != GGML_LOG_LEVEL_ERROR && level != GGML_LOG_LEVEL_WARN) {
    return;
  }

  std::string line(text);
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) {
    line.pop_back();
  }

  // ggml prefixes its messages with the C function name, which means nothing
  // to a user of this tool.
  const size_t prefix_end = line.find(": ");
  if (prefix_end != std::string::npos && line.find(' ') > prefix_end) {
    line.erase(0, prefix_end + 2);
  }

  if (!line.empty()) {
    static_cast<CapturedLog*>(user_data)->lines.push_back(line);
  }
}

// Replaces ggml's global log callback for the scope and restores the previous
// one. NOTE: the callback is process-wide, so a model load running on another
// thread at the same time would lose its log lines to this capture.
class ScopedGgmlLogCapture {
 public:
  explicit ScopedGgmlLogCapture(CapturedLog& log) {
    ggml_log_get(&previous_callback_, &previous_user_data_);
    ggml_log_set(capture_ggml_log, &log);
  }
  ~ScopedGgmlLogCapture() { ggml_log_set(previous_callback_, previous_user_data_); }
  ScopedGgmlLogCapture(const ScopedGgmlLogCapture&) = delete;
  ScopedGgmlLogCapture& operator=(const ScopedGgmlLogCapture&) = delete;

 private:
  ggml_log_callback previous_callback_ = nullptr;
  void* previous_user_data_ = nullptr;
};

std::string join_lines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const auto& line : lines) {
    if (!joined.empty()) {
      joined += "; ";
    }
    joined += line;
  }
  return joined;
}

// Checks that path is a regular file and returns its size in bytes.
uint64_t check_regular_file(const fs::path& path) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (status.type() == fs::file_type::not_found) {
    throw Error(fmt::format("{}: file not found; check the path", path.string()));
  }
  if (error) {
    throw Error(fmt::format("{}: failed to read file status: {}", path.string(), error.message()));
  }
  if (status.type() == fs::file_type::directory) {
    throw Error(fmt::format("{}: is a folder, not a GGUF file", path.string()));
  }
  if (status.type() != fs::file_type::regular) {
    throw Error(
        fmt::format("{}: is not a regular file; pass the path of a .gguf file", path.string()));
  }

  const uint64_t size = fs::file_size(path, error);
  if (error) {
    throw Error(fmt::format("{}: failed to read file size: {}", path.string(), error.message()));
  }
  return size;
}

// Checks magic and version of the fixed header before gguf.h parses the file.
void check_fixed_header(const fs::path& path, uint64_t file_size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(
        fmt::format("{}: failed to open for reading: {}", path.string(), std::strerror(errno)));
  }

  unsigned char bytes[8] = {};
  const auto requested = static_cast<std::streamsize>(std::min<uint64_t>(file_size, sizeof bytes));
  if (!in.read(reinterpret_cast<char*>(bytes), requested)) {
    throw Error(fmt::format("{}: failed to read the first {} bytes", path.string(), requested));
  }

  if (file_size < kGgufMagic.size()) {
    throw Error(fmt::format("{}: not a GGUF file: it has {} bytes, fewer than the 4-byte magic",
                            path.string(), file_size));
  }

  const std::string_view magic(reinterpret_cast<const char*>(bytes), kGgufMagic.size());
  if (magic == "lmgg" || magic == "fmgg" || magic == "tjgg") {
    throw Error(
        fmt::format("{}: legacy GGML file from before GGUF, which llama.cpp no longer "
                    "reads; {}",
                    path.string(), kConvertAdvice));
  }
  if (magic != kGgufMagic) {
    throw Error(fmt::format("{}: not a GGUF file: it does not start with the magic bytes \"GGUF\"",
                            path.string()));
  }

  if (file_size < 8) {
    throw Error(
        fmt::format("{}: truncated GGUF header: the file has {} bytes and ends before "
                    "the version field",
                    path.string(), file_size));
  }

  const uint32_t version = decode_u32_le(bytes + 4);
  if (version == 1) {
    throw Error(fmt::format("{}: GGUF v1 file, which llama.cpp no longer reads; {}", path.string(),
                            kConvertAdvice));
  }
  if (version != 2 && version != 3) {
    // A big-endian GGUF stores the version bytes in the other order.
    const uint32_t swapped = __builtin_bswap32(version);
    if (swapped == 2 || swapped == 3) {
      throw Error(
          fmt::format("{}: big-endian GGUF v{}, which this little-endian build does not "
                      "read; use a little-endian GGUF of the model",
                      path.string(), swapped));
    }
    throw Error(fmt::format("{}: unsupported GGUF version {}; llama.cpp reads versions 2 and 3",
                            path.string(), version));
  }

  if (file_size < kGgufFixedHeaderBytes) {
    throw Error(
        fmt::format("{}: truncated GGUF header: the file has {} bytes, fewer than the "
                    "{}-byte fixed header",
                    path.string(), file_size, kGgufFixedHeaderBytes));
  }
}

}  // namespace

uint64_t check_gguf_file(const fs::path& path) {
  const uint64_t file_size = check_regular_file(path);
  check_fixed_header(path, file_size);
  return file_size;
}

GgufContextPtr init_gguf_metadata(const fs::path& path, std::string& rejection) {
  CapturedLog log;
  GgufContextPtr context;
  {
    ScopedGgmlLogCapture capture(log);
    gguf_init_params params{};
    params.no_alloc = true;
    params.ctx = nullptr;
    context.reset(gguf_init_from_file(path.c_str(), params));
  }

  if (!context) {
    rejection = log.lines.empty() ? std::string("gguf.h gave no reason") : join_lines(log.lines);
  }
  return context;
}

uint64_t gguf_data_end(const gguf_context* context) {
  // Saturating sums: a corrupt offset must not wrap around and pass the check.
  const auto add = [](uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; };

  const uint64_t data_offset = gguf_get_data_offset(context);
  uint64_t data_end = data_offset;
  for (int64_t i = 0; i < gguf_get_n_tensors(context); ++i) {
    const uint64_t tensor_end =
        add(add(data_offset, gguf_get_tensor_offset(context, i)), gguf_get_tensor_size(context, i));
    data_end = std::max(data_end, tensor_end);
  }
  return data_end;
}

void check_gguf_data_end(const fs::path& path, uint64_t file_size, uint64_t data_end) {
  if (file_size < data_end) {
    throw Error(
        fmt::format("{}: truncated GGUF file: its tensor data ends at byte {} but the "
                    "file has {} bytes; download or copy it again",
                    path.string(), data_end, file_size));
  }
}

GgufContextPtr open_gguf_metadata(const fs::path& path) {
  const uint64_t file_size = check_gguf_file(path);

  std::string rejection;
  GgufContextPtr context = init_gguf_metadata(path, rejection);
  if (!context) {
    throw Error(
        fmt::format("{}: invalid or truncated GGUF metadata ({})", path.string(), rejection));
  }

  check_gguf_data_end(path, file_size, gguf_data_end(context.get()));
  return context;
}

}  // namespace qa
