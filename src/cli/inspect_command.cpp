// `quant-autopsy inspect MODEL.gguf [--json]`: prints what a GGUF header records
// about the model, read without loading tensor data.
#include <fmt/core.h>

#include <memory>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "common/log.h"
#include "common/study.h"
#include "gguf/gguf_file.h"
#include "gguf/gguf_summary_json.h"
#include "pipeline/model_registry.h"

namespace qa::cli {

namespace {

// 292800 -> "292,800".
std::string group_thousands(uint64_t value) {
  const std::string digits = std::to_string(value);

  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      grouped += ',';
    }
    grouped += digits[i];
  }
  return grouped;
}

// Human-readable size in binary units, e.g. "1.13 MiB".
std::string format_size(uint64_t bytes) {
  if (bytes < 1024) {
    return fmt::format("{} B", bytes);
  }
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  int unit = 0;
  while (value >= 1024.0 && unit < 3) {
    value /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.2f} {}", value, units[unit]);
}

// A size key that is absent from the header is shown as such, not as 0.
std::string format_key_value(uint64_t value) {
  return value == 0 ? std::string("(absent)") : group_thousands(value);
}

void print_table(const GgufSummary& summary) {
  const auto row = [](const char* label, const std::string& value) {
    fmt::print("{:<18}{}\n", label, value);
  };

  row("File", fmt::format("{} ({})", summary.path.string(), format_size(summary.file_size)));
  row("GGUF version", std::to_string(summary.version));
  row("Architecture", summary.architecture);
  row("Name", summary.name.empty() ? "(absent)" : summary.name);
  row("Parameters", group_thousands(summary.n_params));
  row("Context length", format_key_value(summary.context_length));
  row("Embedding length", format_key_value(summary.embedding_length));
  row("Block count", format_key_value(summary.block_count));
  row("Head count", format_key_value(summary.head_count));
  row("Head count (KV)", format_key_value(summary.head_count_kv));
  row("Vocabulary size", format_key_value(summary.vocab_size));
  row("Tokenizer model", summary.tokenizer_model.empty() ? "(absent)" : summary.tokenizer_model);
  row("Chat template", summary.has_chat_template ? "present" : "absent");
  row("File type", summary.file_type.empty() ? "(absent)" : summary.file_type);
  row("Bits per weight", fmt::format("{:.2f}", summary.bits_per_weight));
  row("Full precision", summary.full_precision ? "yes" : "no");
  row("llama.cpp loads", summary.llama_cpp_rejection.empty() ? "yes" : "no");

  fmt::print("\n{:<12}{:>8}{:>16}\n", "Tensor type", "Count", "Bytes");
  for (const auto& [type, stats] : summary.type_histogram) {
    fmt::print("{:<12}{:>8}{:>16}\n", tensor_type_label(type), stats.count,
               group_thousands(stats.bytes));
  }
}

void run_inspect(const std::string& model_path, bool json) {
  const GgufSummary summary = read_gguf_summary(model_path);

  if (json) {
    fmt::print("{}\n", gguf_summary_to_json(summary).dump(2));
  } else {
    print_table(summary);
  }

  if (summary.tensors.empty()) {
    log_warn("{} contains no tensors (a vocabulary-only GGUF, for example), so there are no "
             "weights to quantize or evaluate",
             summary.path.string());
  }

  if (!summary.llama_cpp_rejection.empty()) {
    log_warn("llama.cpp {} will not load {}: {}", std::string_view(kLlamaCommit).substr(0, 7),
             summary.path.string(), summary.llama_cpp_rejection);
  }

  if (!summary.full_precision) {
    log_warn(
        "{} is already quantized (file type {}); a ladder built from it compounds "
        "quantization error, so start from the F32, F16 or BF16 original",
        summary.path.string(), summary.file_type.empty() ? "unknown" : summary.file_type);
  }
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto* command = app.add_subcommand(
      "inspect", "Print a GGUF model's header: architecture, sizes, tensor types, bits per weight");

  auto model_path = std::make_shared<std::string>();
  auto model_key = std::make_shared<std::string>();
  auto registry = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  command->add_option("MODEL", *model_path, "GGUF model file");
  command->add_option("--model-key", *model_key,
                      "Registry key of the model instead of a path (see `models list`)");
  command->add_option("--registry", *registry, "Local model registry file (models.local.json)");
  command->add_flag("--json", *json, "Print one JSON object instead of a table");

  command->callback([model_path, model_key, registry, json] {
    const fs::path model = resolve_model_argument(*model_path, *model_key,
                                                  find_local_registry(*registry));
    run_inspect(model.string(), *json);
  });
}

}  // namespace qa::cli
