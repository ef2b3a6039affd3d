#include "gguf/gguf_header.h"

#include <fmt/core.h>
#include <gguf.h>

#include <algorithm>
#include <optional>

#include "common/error.h"
#include "gguf/gguf_open.h"

namespace qa {

namespace fs = std::filesystem;

namespace {

// Reads one element of a GGUF integer type. Returns nullopt for other types
// and for negative values, which no size or count key can have.
std::optional<uint64_t> integer_element(gguf_type type, const void* data, size_t index) {
  int64_t value = 0;
  switch (type) {
    case GGUF_TYPE_UINT8: value = static_cast<const uint8_t*>(data)[index]; break;
    case GGUF_TYPE_INT8: value = static_cast<const int8_t*>(data)[index]; break;
    case GGUF_TYPE_UINT16: value = static_cast<const uint16_t*>(data)[index]; break;
    case GGUF_TYPE_INT16: value = static_cast<const int16_t*>(data)[index]; break;
    case GGUF_TYPE_UINT32: value = static_cast<const uint32_t*>(data)[index]; break;
    case GGUF_TYPE_INT32: value = static_cast<const int32_t*>(data)[index]; break;
    case GGUF_TYPE_UINT64: return static_cast<const uint64_t*>(data)[index];
    case GGUF_TYPE_INT64: value = static_cast<const int64_t*>(data)[index]; break;
    default: return std::nullopt;
  }
  if (value < 0) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(value);
}

// Copies the key-value pairs. gguf_get_val_data and gguf_get_arr_data abort
// on string values, so each type is checked before its data is read.
void copy_key_values(const gguf_context* context, GgufHeader& header) {
  for (int64_t id = 0; id < gguf_get_n_kv(context); ++id) {
    const std::string key = gguf_get_key(context, id);
    const gguf_type type = gguf_get_kv_type(context, id);

    if (type == GGUF_TYPE_STRING) {
      header.string_values[key] = gguf_get_val_str(context, id);
      continue;
    }

    if (type != GGUF_TYPE_ARRAY) {
      if (const auto value = integer_element(type, gguf_get_val_data(context, id), 0)) {
        header.integer_values[key] = *value;
      }
      continue;
    }

    const size_t n = gguf_get_arr_n(context, id);
    header.array_lengths[key] = n;
    const gguf_type element_type = gguf_get_arr_type(context, id);
    if (element_type == GGUF_TYPE_STRING || n == 0) {
      continue;
    }
    const void* data = gguf_get_arr_data(context, id);
    std::optional<uint64_t> largest;
    for (size_t i = 0; i < n; ++i) {
      const auto element = integer_element(element_type, data, i);
      if (element) {
        largest = std::max(largest.value_or(0), *element);
      }
    }
    if (largest) {
      header.integer_values[key] = *largest;
    }
  }
}

void copy_tensor_table(const gguf_context* context, GgufHeader& header) {
  for (int64_t id = 0; id < gguf_get_n_tensors(context); ++id) {
    const int64_t* ne = gguf_get_tensor_ne(context, id);

    GgufTensorInfo tensor;
    tensor.name = gguf_get_tensor_name(context, id);
    tensor.type = gguf_get_tensor_type(context, id);
    tensor.n_bytes = gguf_get_tensor_size(context, id);

    // gguf.h pads ne with 1 up to GGML_MAX_DIMS, so the shape keeps the
    // dimensions up to the last one that is not 1, and at least one.
    int n_dims = 1;
    for (int dim = 0; dim < GGML_MAX_DIMS; ++dim) {
      if (ne[dim] != 1) {
        n_dims = dim + 1;
      }
    }
    tensor.n_elements = 1;
    for (int dim = 0; dim < n_dims; ++dim) {
      tensor.shape.push_back(ne[dim]);
      tensor.n_elements *= ne[dim];
    }
    header.tensors.push_back(std::move(tensor));
  }
}

}  // namespace

GgufHeader read_gguf_header(const fs::path& path) {
  const uint64_t file_size = check_gguf_file(path);

  std::string rejection;
  GgufContextPtr context = init_gguf_metadata(path, rejection);
  if (!context) {
    // The own reader throws for truncated and malformed files. When it
    // succeeds, the file is complete but llama.cpp will not load it.
    GgufHeader header = parse_gguf_header(path, file_size);
    header.llama_cpp_rejection = rejection;
    return header;
  }

  check_gguf_data_end(path, file_size, gguf_data_end(context.get()));

  GgufHeader header;
  header.version = gguf_get_version(context.get());
  header.file_size = file_size;
  copy_key_values(context.get(), header);
  copy_tensor_table(context.get(), header);
  return header;
}

}  // namespace qa
