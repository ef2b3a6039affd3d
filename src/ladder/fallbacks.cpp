#include "ladder/fallbacks.h"

#include <llama.h>

#include <cstring>
#include <map>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "common/error.h"

namespace qa {

int64_t ggml_block_size_of(const std::string& type_name) {
  for (int type = 0; type < GGML_TYPE_COUNT; ++type) {
    const char* name = ggml_type_name(static_cast<ggml_type>(type));
    if (name != nullptr && type_name == name) {
      return ggml_blck_size(static_cast<ggml_type>(type));
    }
  }
  throw Error(fmt::format("unknown ggml type name '{}'", type_name), kExitFailure);
}

std::vector<LoggedFallback> parse_fallback_log(const std::vector<std::string>& log_lines) {
  // The warning as printed by tensor_type_fallback in llama.cpp 80fb11a,
  // joined from its two or three log calls:
  //   warning: blk.0.attn_k.weight - ncols     64 not divisible by 256
  //   (required for type    q6_K) -> falling back to    q8_0
  // with "(WARNING: must use F16 due to unusual shape) " before the arrow
  // when the substitute does not fit either.
  static const std::regex kWarning(
      R"(warning: (\S+)\s+- ncols\s+(\d+) not divisible by\s+(\d+) \(required for type\s+(\S+)\) )"
      R"((?:\(WARNING: must use F16 due to unusual shape\) )?-> falling back to\s+(\S+))");

  static const std::regex kSummary(R"(WARNING: (\d+) of \d+ tensor\(s\) required fallback quantization)");

  std::vector<LoggedFallback> fallbacks;
  std::set<std::string> seen;
  long long reported_count = 0;
  for (const auto& line : log_lines) {
    std::smatch match;
    if (std::regex_search(line, match, kSummary)) {
      reported_count = std::stoll(match[1].str());
      continue;
    }
    if (!std::regex_search(line, match, kWarning)) {
      continue;
    }
    if (!seen.insert(match[1].str()).second) {
      continue;
    }

    LoggedFallback fallback;
    fallback.tensor = match[1].str();
    fallback.row_width = std::stoll(match[2].str());
    fallback.block_size = std::stoll(match[3].str());
    fallback.requested_type = match[4].str();
    fallback.fallback_type = match[5].str();
    fallbacks.push_back(std::move(fallback));
  }

  if (reported_count != static_cast<long long>(fallbacks.size())) {
    throw Error(fmt::format("llama.cpp reported {} type fallbacks but {} could be read from its "
                            "log; this llama.cpp version words its fallback warnings differently",
                            reported_count, fallbacks.size()),
                kExitFailure);
  }
  return fallbacks;
}

std::vector<TensorFallback> verify_fallbacks(const std::vector<LoggedFallback>& logged,
                                             const GgufSummary& written) {
  std::map<std::string, const GgufTensor*> by_name;
  for (const auto& tensor : written.tensors) {
    by_name[tensor.name] = &tensor;
  }

  std::vector<TensorFallback> verified;
  for (const auto& fallback : logged) {
    const auto found = by_name.find(fallback.tensor);
    if (found == by_name.end()) {
      throw Error(fmt::format("llama.cpp reported a type fallback for tensor {}, which is not in "
                              "{}",
                              fallback.tensor, written.path.string()),
                  kExitFailure);
    }
    const GgufTensor& tensor = *found->second;

    const int64_t row_width = tensor.shape.empty() ? 0 : tensor.shape[0];
    const int64_t block_size = ggml_block_size_of(fallback.requested_type);
    if (row_width != fallback.row_width || row_width % block_size == 0) {
      throw Error(fmt::format("llama.cpp reported a fallback for {} (row width {}, {} needs "
                              "blocks of {}), but the file has row width {}",
                              fallback.tensor, fallback.row_width, fallback.requested_type,
                              block_size, row_width),
                  kExitFailure);
    }
    if (tensor.type != fallback.fallback_type) {
      throw Error(fmt::format("llama.cpp reported that {} falls back from {} to {}, but {} "
                              "stores it as {}",
                              fallback.tensor, fallback.requested_type, fallback.fallback_type,
                              written.path.string(), tensor.type),
                  kExitFailure);
    }

    verified.push_back({fallback.tensor, fallback.requested_type, tensor.type});
  }
  return verified;
}

}  // namespace qa
