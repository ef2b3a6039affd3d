// Writer of small Llama-architecture GGUF models with deterministic
// pseudo-random weights, for tests and benchmarks that must not depend on
// downloaded models. The tokenizer is a real one, copied from a vocabulary
// GGUF (for example ggml-vocab-llama-spm.gguf from the llama.cpp source), so
// llama.cpp loads, tokenizes and decodes the result like any Llama model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace qa {

// Storage type of the weight matrices (tensors with two dimensions). Norm
// vectors are always F32, as in models converted by llama.cpp.
enum class TinyMatrixType { kF32, kF16 };

// Shape and content of a tiny model. n_embd and n_ff must be multiples of
// 256, the K-quant super-block size, so that every quantization type applies
// to every matrix without a fallback type.
struct TinyModelSpec {
  uint32_t n_embd = 256;
  uint32_t n_layer = 2;
  uint32_t n_ff = 768;
  uint32_t n_head = 4;
  uint32_t n_head_kv = 4;
  uint32_t context_length = 512;
  TinyMatrixType matrix_type = TinyMatrixType::kF32;

  // Seed of the splitmix64 stream. The same spec and vocabulary give a
  // byte-identical file.
  uint64_t seed = 0x5eed2026;

  // Matrix weights are uniform in [-weight_scale, weight_scale]. With 0.05
  // the logits of the default model are finite and spread out, which the
  // writer's tests check for the F32 and F16 models.
  float weight_scale = 0.05f;

  // general.name of the written file.
  std::string name = "quant-autopsy tiny llama";
};

// Number of parameters (tensor elements) that write_tiny_model writes for
// the spec and a vocabulary of n_vocab tokens.
uint64_t tiny_model_parameter_count(const TinyModelSpec& spec, uint64_t n_vocab);

// Writes the model to output_path through a TempFileGuard, so a failure
// leaves no partial file. Copies every tokenizer.* key of vocab_path. Throws
// qa::Error (exit status 2) when the spec is invalid or vocab_path is not a
// readable GGUF with tokenizer.ggml.tokens, and qa::Error (exit status 1)
// when writing fails. Returns the parameter count of the written model.
uint64_t write_tiny_model(const std::filesystem::path& output_path,
                          const std::filesystem::path& vocab_path, const TinyModelSpec& spec = {});

}  // namespace qa
