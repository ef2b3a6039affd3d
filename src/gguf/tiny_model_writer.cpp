#include "gguf/tiny_model_writer.h"

#include <fmt/core.h>
#include <ggml.h>
#include <gguf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/files.h"
#include "gguf/gguf_open.h"

namespace qa {

namespace fs = std::filesystem;

namespace {

// K-quant super-block size (QK_K in ggml): the row width every matrix needs so
// that Q2_K to Q6_K apply without a fallback type.
constexpr uint32_t kSuperBlockSize = 256;

// general.file_type values of llama.cpp's llama_ftype enum.
constexpr uint32_t kFileTypeAllF32 = 0;
constexpr uint32_t kFileTypeMostlyF16 = 1;

// Elements generated and written per chunk, so that memory stays bounded for
// large embedding matrices.
constexpr int64_t kChunkElements = 1 << 20;

// splitmix64, a small generator whose output is identical on every platform
// and standard library, unlike std distributions.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [-1, 1), from the top 24 bits so that every value is exact in float.
  float next_symmetric_unit() {
    const float unit = static_cast<float>(next() >> 40) * (1.0f / 16777216.0f);
    return 2.0f * unit - 1.0f;
  }

 private:
  uint64_t state_;
};

enum class TensorRole { kNorm, kMatrix };

struct PlannedTensor {
  std::string name;
  TensorRole role;
  int64_t ne0;
  int64_t ne1;  // 1 for norm vectors
};

std::vector<PlannedTensor> plan_tensors(const TinyModelSpec& spec, int64_t n_vocab) {
  const int64_t n_embd = spec.n_embd;
  const int64_t n_ff = spec.n_ff;
  const int64_t n_embd_kv = n_embd / spec.n_head * spec.n_head_kv;

  std::vector<PlannedTensor> tensors;
  tensors.push_back({"token_embd.weight", TensorRole::kMatrix, n_embd, n_vocab});

  for (uint32_t layer = 0; layer < spec.n_layer; ++layer) {
    const std::string prefix = fmt::format("blk.{}.", layer);
    tensors.push_back({prefix + "attn_norm.weight", TensorRole::kNorm, n_embd, 1});
    tensors.push_back({prefix + "attn_q.weight", TensorRole::kMatrix, n_embd, n_embd});
    tensors.push_back({prefix + "attn_k.weight", TensorRole::kMatrix, n_embd, n_embd_kv});
    tensors.push_back({prefix + "attn_v.weight", TensorRole::kMatrix, n_embd, n_embd_kv});
    tensors.push_back({prefix + "attn_output.weight", TensorRole::kMatrix, n_embd, n_embd});
    tensors.push_back({prefix + "ffn_norm.weight", TensorRole::kNorm, n_embd, 1});
    tensors.push_back({prefix + "ffn_gate.weight", TensorRole::kMatrix, n_embd, n_ff});
    tensors.push_back({prefix + "ffn_down.weight", TensorRole::kMatrix, n_ff, n_embd});
    tensors.push_back({prefix + "ffn_up.weight", TensorRole::kMatrix, n_embd, n_ff});
  }

  tensors.push_back({"output_norm.weight", TensorRole::kNorm, n_embd, 1});
  tensors.push_back({"output.weight", TensorRole::kMatrix, n_embd, n_vocab});
  return tensors;
}

void validate_spec(const TinyModelSpec& spec) {
  if (spec.n_embd == 0 || spec.n_embd % kSuperBlockSize != 0) {
    throw Error(fmt::format("invalid tiny model n_embd {}: use a positive multiple of {}",
                            spec.n_embd, kSuperBlockSize));
  }
  if (spec.n_ff == 0 || spec.n_ff % kSuperBlockSize != 0) {
    throw Error(fmt::format("invalid tiny model n_ff {}: use a positive multiple of {}", spec.n_ff,
                            kSuperBlockSize));
  }
  if (spec.n_layer == 0) {
    throw Error("invalid tiny model n_layer 0: use at least 1 layer");
  }
  if (spec.n_head == 0 || spec.n_embd % spec.n_head != 0) {
    throw Error(fmt::format("invalid tiny model n_head {}: it must divide n_embd {}", spec.n_head,
                            spec.n_embd));
  }
  if (spec.n_head_kv == 0 || spec.n_head % spec.n_head_kv != 0) {
    throw Error(fmt::format("invalid tiny model n_head_kv {}: it must divide n_head {}",
                            spec.n_head_kv, spec.n_head));
  }
  if (spec.context_length == 0) {
    throw Error("invalid tiny model context_length 0: use a positive number of tokens");
  }
  if (!(spec.weight_scale > 0.0f) || spec.weight_scale > 1.0f) {
    throw Error(fmt::format("invalid tiny model weight_scale {}: use a value in (0, 1]",
                            spec.weight_scale));
  }
}

// Returns a context containing only the tokenizer.* keys of the vocabulary file.
GgufContextPtr read_tokenizer_keys(const fs::path& vocab_path, int64_t& n_vocab) {
  GgufContextPtr vocab = open_gguf_metadata(vocab_path);

  const int64_t tokens_key = gguf_find_key(vocab.get(), "tokenizer.ggml.tokens");
  if (tokens_key < 0 || gguf_get_kv_type(vocab.get(), tokens_key) != GGUF_TYPE_ARRAY) {
    throw Error(
        fmt::format("{}: no tokenizer.ggml.tokens array; pass a vocabulary GGUF such as "
                    "ggml-vocab-llama-spm.gguf",
                    vocab_path.string()));
  }
  n_vocab = static_cast<int64_t>(gguf_get_arr_n(vocab.get(), tokens_key));

  GgufContextPtr tokenizer(gguf_init_empty());
  gguf_set_kv(tokenizer.get(), vocab.get());
  for (int64_t i = gguf_get_n_kv(tokenizer.get()) - 1; i >= 0; --i) {
    const std::string key = gguf_get_key(tokenizer.get(), i);
    if (!key.starts_with("tokenizer.")) {
      gguf_remove_key(tokenizer.get(), key.c_str());
    }
  }
  return tokenizer;
}

void set_model_keys(gguf_context* context, const TinyModelSpec& spec, int64_t n_vocab) {
  const bool f16 = spec.matrix_type == TinyMatrixType::kF16;

  gguf_set_val_str(context, "general.architecture", "llama");
  gguf_set_val_str(context, "general.name", spec.name.c_str());
  gguf_set_val_u32(context, "general.file_type", f16 ? kFileTypeMostlyF16 : kFileTypeAllF32);
  gguf_set_val_u32(context, "llama.context_length", spec.context_length);
  gguf_set_val_u32(context, "llama.embedding_length", spec.n_embd);
  gguf_set_val_u32(context, "llama.block_count", spec.n_layer);
  gguf_set_val_u32(context, "llama.feed_forward_length", spec.n_ff);
  gguf_set_val_u32(context, "llama.attention.head_count", spec.n_head);
  gguf_set_val_u32(context, "llama.attention.head_count_kv", spec.n_head_kv);
  gguf_set_val_u32(context, "llama.rope.dimension_count", spec.n_embd / spec.n_head);
  gguf_set_val_f32(context, "llama.rope.freq_base", 10000.0f);
  gguf_set_val_f32(context, "llama.attention.layer_norm_rms_epsilon", 1e-5f);
  gguf_set_val_u32(context, "llama.vocab_size", static_cast<uint32_t>(n_vocab));
}

// Writes everything or throws, and then the caller's TempFileGuard removes the file.
class OutputFile {
 public:
  OutputFile(const fs::path& temp_path, const fs::path& final_path)
      : final_path_(final_path), file_(std::fopen(temp_path.c_str(), "wb")) {
    if (file_ == nullptr) {
      fail();
    }
  }
  ~OutputFile() {
    if (file_ != nullptr) {
      std::fclose(file_);
    }
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  FILE* get() { return file_; }

  void write(const void* data, size_t n_bytes) {
    if (n_bytes > 0 && std::fwrite(data, 1, n_bytes, file_) != n_bytes) {
      fail();
    }
  }

  void pad_to(size_t alignment) {
    const long position = std::ftell(file_);
    if (position < 0) {
      fail();
    }
    const size_t padding = (alignment - static_cast<size_t>(position) % alignment) % alignment;
    const std::vector<char> zeros(padding, 0);
    write(zeros.data(), zeros.size());
  }

  void close() {
    const bool ok = std::fflush(file_) == 0 && ::fsync(fileno(file_)) == 0;
    const bool closed = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!ok || !closed) {
      fail();
    }
  }

  [[noreturn]] void fail() {
    throw Error(fmt::format("failed to write {}: {}", final_path_.string(), std::strerror(errno)),
                kExitFailure);
  }

 private:
  fs::path final_path_;
  FILE* file_;
};

// Streams one tensor's values in chunks. Each tensor has its own generator
// stream, derived from the seed and the tensor's position, so that changing
// one tensor's shape leaves the others' values unchanged.
void write_tensor_data(OutputFile& output, const PlannedTensor& tensor, ggml_type type,
                       uint64_t seed, uint64_t tensor_index, float weight_scale) {
  SplitMix64 generator(seed ^ ((tensor_index + 1) * 0xd1b54a32d192ed03ULL));
  const int64_t n_elements = tensor.ne0 * tensor.ne1;

  std::vector<float> values;
  std::vector<ggml_fp16_t> halves;
  for (int64_t start = 0; start < n_elements; start += kChunkElements) {
    const int64_t count = std::min(kChunkElements, n_elements - start);
    values.resize(static_cast<size_t>(count));

    for (auto& value : values) {
      // Norm weights near 1 keep the RMS-normalized activations at unit scale.
      value = tensor.role == TensorRole::kNorm ? 1.0f + 0.1f * generator.next_symmetric_unit()
                                               : weight_scale * generator.next_symmetric_unit();
    }

    if (type == GGML_TYPE_F16) {
      halves.resize(values.size());
      ggml_fp32_to_fp16_row(values.data(), halves.data(), count);
      output.write(halves.data(), halves.size() * sizeof(ggml_fp16_t));
    } else {
      output.write(values.data(), values.size() * sizeof(float));
    }
  }
}

}  // namespace

uint64_t tiny_model_parameter_count(const TinyModelSpec& spec, uint64_t n_vocab) {
  uint64_t n_params = 0;
  for (const auto& tensor : plan_tensors(spec, static_cast<int64_t>(n_vocab))) {
    n_params += static_cast<uint64_t>(tensor.ne0 * tensor.ne1);
  }
  return n_params;
}

uint64_t write_tiny_model(const fs::path& output_path, const fs::path& vocab_path,
                          const TinyModelSpec& spec) {
  validate_spec(spec);

  int64_t n_vocab = 0;
  GgufContextPtr tokenizer = read_tokenizer_keys(vocab_path, n_vocab);

  GgufContextPtr model(gguf_init_empty());
  set_model_keys(model.get(), spec, n_vocab);
  gguf_set_kv(model.get(), tokenizer.get());

  // The ggml context contains tensor descriptions only (no_alloc). gguf.h
  // needs them for the tensor table, and the data is streamed below.
  const std::vector<PlannedTensor> planned = plan_tensors(spec, n_vocab);
  const ggml_type matrix_type =
      spec.matrix_type == TinyMatrixType::kF16 ? GGML_TYPE_F16 : GGML_TYPE_F32;

  ggml_init_params params{};
  params.mem_size = planned.size() * ggml_tensor_overhead();
  params.mem_buffer = nullptr;
  params.no_alloc = true;
  std::unique_ptr<ggml_context, decltype(&ggml_free)> tensors(ggml_init(params), ggml_free);
  if (!tensors) {
    throw Error("failed to create a ggml context for the tiny model's tensor table", kExitFailure);
  }

  std::vector<ggml_type> types;
  uint64_t n_params = 0;
  for (const auto& tensor : planned) {
    const ggml_type type = tensor.role == TensorRole::kNorm ? GGML_TYPE_F32 : matrix_type;
    ggml_tensor* described = tensor.role == TensorRole::kNorm
                                 ? ggml_new_tensor_1d(tensors.get(), type, tensor.ne0)
                                 : ggml_new_tensor_2d(tensors.get(), type, tensor.ne0, tensor.ne1);
    ggml_set_name(described, tensor.name.c_str());
    gguf_add_tensor(model.get(), described);
    types.push_back(type);
    n_params += static_cast<uint64_t>(tensor.ne0 * tensor.ne1);
  }

  // gguf.h writes the header, key-value pairs, tensor table and the padding
  // up to the data section. Each tensor's data is then padded to the
  // alignment, because gguf.h computed the tensor offsets that way.
  if (output_path.has_parent_path()) {
    fs::create_directories(output_path.parent_path());
  }
  TempFileGuard guard(output_path);
  OutputFile output(guard.temp_path(), output_path);
  if (!gguf_write_to_file_ptr(model.get(), output.get(), /*only_meta=*/true)) {
    output.fail();
  }

  const size_t alignment = gguf_get_alignment(model.get());
  for (size_t i = 0; i < planned.size(); ++i) {
    write_tensor_data(output, planned[i], types[i], spec.seed, i, spec.weight_scale);
    output.pad_to(alignment);
  }
  output.close();

  guard.commit();
  return n_params;
}

}  // namespace qa
