// The own GGUF metadata reader behind parse_gguf_header. It follows the GGUF
// v2/v3 layout that the comment at the top of gguf.h (llama.cpp 80fb11a)
// describes: fixed header, key-value pairs, tensor infos, then the data
// section at the next multiple of general.alignment. Unlike gguf.h it accepts quantized rows whose
// width is not a multiple of the type's block size, and sizes such tensors as a flat run of blocks.
// Every read is checked against the file size first.
#include <fmt/core.h>
#include <gguf.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include "common/error.h"
#include "gguf/gguf_header.h"
#include "gguf/gguf_open.h"

namespace qa {

namespace fs = std::filesystem;

static_assert(std::endian::native == std::endian::little,
              "the GGUF reader decodes little-endian values in place");

namespace {

// Strings longer than this are treated as corruption rather than allocated.
// Chat templates, usually the longest strings in a model, take a few KiB.
constexpr uint64_t kMaxStringBytes = 64ull << 20;

// Tensor names longer than this are treated as corruption (ggml itself
// allows 63 bytes).
constexpr uint64_t kMaxTensorNameBytes = 4096;

// Smallest encoding of a key-value pair (empty key, type, one byte) and of a
// tensor info (empty name, n_dims 0, type, offset), used to reject counts
// that the remaining bytes cannot hold before looping over them.
constexpr uint64_t kMinKeyValueBytes = 8 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;

class BoundedReader {
 public:
  BoundedReader(const fs::path& path, uint64_t file_size)
      : path_(path), file_size_(file_size), in_(path, std::ios::binary) {
    if (!in_) {
      throw Error(
          fmt::format("{}: failed to open for reading; check its permissions", path.string()));
    }
  }

  uint64_t position() const { return position_; }
  uint64_t remaining() const { return file_size_ - position_; }

  // Throws unless n more bytes exist; `item` names what is being read.
  void require(uint64_t n, const std::string& item) const {
    if (n > remaining()) {
      throw Error(fmt::format("{}: truncated GGUF metadata: the file ends at byte {} inside {}",
                              path_.string(), file_size_, item));
    }
  }

  // Throws unless `count` items of at least `min_bytes_each` bytes fit in the
  // rest of the file. Called before looping over a count read from the file.
  void require_count(uint64_t count, uint64_t min_bytes_each, const std::string& items) const {
    if (count > remaining() / min_bytes_each) {
      throw Error(
          fmt::format("{}: truncated GGUF metadata: the {} bytes after byte {} cannot "
                      "hold the {} {}",
                      path_.string(), remaining(), position_, count, items));
    }
  }

  void read_bytes(void* destination, uint64_t n, const std::string& item) {
    require(n, item);
    if (!in_.read(static_cast<char*>(destination), static_cast<std::streamsize>(n))) {
      throw Error(
          fmt::format("{}: read failed at byte {} inside {}", path_.string(), position_, item));
    }
    position_ += n;
  }

  void skip(uint64_t n, const std::string& item) {
    require(n, item);
    in_.seekg(static_cast<std::streamoff>(n), std::ios::cur);
    position_ += n;
  }

  template <typename T>
  T read_value(const std::string& item) {
    T value{};
    read_bytes(&value, sizeof value, item);
    return value;
  }

  std::string read_string(const std::string& item, uint64_t max_bytes) {
    const uint64_t length = read_value<uint64_t>(item);
    if (length > max_bytes) {
      throw invalid(
          fmt::format("{} has a length of {} bytes, more than the {} this reader "
                      "accepts",
                      item, length, max_bytes));
    }
    std::string text(length, '\0');
    read_bytes(text.data(), length, item);
    return text;
  }

  Error invalid(const std::string& problem) const {
    return Error(fmt::format("{}: invalid GGUF metadata at byte {}: {}", path_.string(), position_,
                             problem));
  }

 private:
  fs::path path_;
  uint64_t file_size_;
  std::ifstream in_;
  uint64_t position_ = 0;
};

// Bytes of one fixed-size GGUF value, or 0 for strings and arrays.
uint64_t fixed_value_bytes(uint32_t type) {
  switch (type) {
    case GGUF_TYPE_UINT8:
    case GGUF_TYPE_INT8:
    case GGUF_TYPE_BOOL: return 1;
    case GGUF_TYPE_UINT16:
    case GGUF_TYPE_INT16: return 2;
    case GGUF_TYPE_UINT32:
    case GGUF_TYPE_INT32:
    case GGUF_TYPE_FLOAT32: return 4;
    case GGUF_TYPE_UINT64:
    case GGUF_TYPE_INT64:
    case GGUF_TYPE_FLOAT64: return 8;
    default: return 0;
  }
}

// Reads one value of an integer type. Returns nullopt for other types and negative values.
std::optional<uint64_t> read_integer(BoundedReader& reader, uint32_t type,
                                     const std::string& item) {
  int64_t value = 0;
  switch (type) {
    case GGUF_TYPE_UINT8: value = reader.read_value<uint8_t>(item); break;
    case GGUF_TYPE_INT8: value = reader.read_value<int8_t>(item); break;
    case GGUF_TYPE_UINT16: value = reader.read_value<uint16_t>(item); break;
    case GGUF_TYPE_INT16: value = reader.read_value<int16_t>(item); break;
    case GGUF_TYPE_UINT32: value = reader.read_value<uint32_t>(item); break;
    case GGUF_TYPE_INT32: value = reader.read_value<int32_t>(item); break;
    case GGUF_TYPE_UINT64: return reader.read_value<uint64_t>(item);
    case GGUF_TYPE_INT64: value = reader.read_value<int64_t>(item); break;
    default: return std::nullopt;
  }
  if (value < 0) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(value);
}

bool is_integer_type(uint32_t type) {
  return type == GGUF_TYPE_UINT8 || type == GGUF_TYPE_INT8 || type == GGUF_TYPE_UINT16 ||
         type == GGUF_TYPE_INT16 || type == GGUF_TYPE_UINT32 || type == GGUF_TYPE_INT32 ||
         type == GGUF_TYPE_UINT64 || type == GGUF_TYPE_INT64;
}

void read_array(BoundedReader& reader, const std::string& key, GgufHeader& header) {
  const std::string item = fmt::format("the array of key '{}'", key);
  const uint32_t element_type = reader.read_value<uint32_t>(item);
  const uint64_t n = reader.read_value<uint64_t>(item);
  header.array_lengths[key] = n;

  if (element_type == GGUF_TYPE_STRING) {
    // Each string has at least its 8-byte length.
    reader.require_count(n, 8, fmt::format("strings of key '{}'", key));
    for (uint64_t i = 0; i < n; ++i) {
      const uint64_t length = reader.read_value<uint64_t>(item);
      if (length > kMaxStringBytes) {
        throw reader.invalid(
            fmt::format("string {} of key '{}' has a length of {} bytes", i, key, length));
      }
      reader.skip(length, item);
    }
    return;
  }

  const uint64_t element_bytes = fixed_value_bytes(element_type);
  if (element_bytes == 0) {
    throw reader.invalid(
        fmt::format("key '{}' is an array of invalid GGUF type {}", key, element_type));
  }
  reader.require_count(n, element_bytes, fmt::format("elements of key '{}'", key));

  if (!is_integer_type(element_type)) {
    reader.skip(n * element_bytes, item);
    return;
  }

  std::optional<uint64_t> largest;
  for (uint64_t i = 0; i < n; ++i) {
    if (const auto element = read_integer(reader, element_type, item)) {
      largest = std::max(largest.value_or(0), *element);
    }
  }
  if (largest) {
    header.integer_values[key] = *largest;
  }
}

void read_key_value(BoundedReader& reader, uint64_t index, GgufHeader& header) {
  const std::string key = reader.read_string(fmt::format("key {}", index), kMaxStringBytes);
  const std::string item = fmt::format("the value of key '{}'", key);
  const uint32_t type = reader.read_value<uint32_t>(item);

  if (type == GGUF_TYPE_ARRAY) {
    read_array(reader, key, header);
  } else if (type == GGUF_TYPE_STRING) {
    header.string_values[key] = reader.read_string(item, kMaxStringBytes);
  } else if (is_integer_type(type)) {
    if (const auto value = read_integer(reader, type, item)) {
      header.integer_values[key] = *value;
    }
  } else if (fixed_value_bytes(type) > 0) {
    reader.skip(fixed_value_bytes(type), item);
  } else {
    throw reader.invalid(fmt::format("key '{}' has invalid GGUF type {}", key, type));
  }
}

// Reads one tensor info and returns its data offset relative to the data section.
uint64_t read_tensor_info(BoundedReader& reader, uint64_t index, GgufHeader& header) {
  GgufTensorInfo tensor;
  tensor.name =
      reader.read_string(fmt::format("the name of tensor {}", index), kMaxTensorNameBytes);
  const std::string item = fmt::format("the info of tensor '{}'", tensor.name);

  const uint32_t n_dims = reader.read_value<uint32_t>(item);
  if (n_dims > GGML_MAX_DIMS) {
    throw reader.invalid(fmt::format("tensor '{}' has {} dimensions, more than {}", tensor.name,
                                     n_dims, GGML_MAX_DIMS));
  }

  tensor.n_elements = 1;
  for (uint32_t dim = 0; dim < n_dims; ++dim) {
    const int64_t ne = reader.read_value<int64_t>(item);
    if (ne < 0) {
      throw reader.invalid(fmt::format("tensor '{}' has a negative dimension", tensor.name));
    }
    if (ne > 0 && tensor.n_elements > INT64_MAX / ne) {
      throw reader.invalid(fmt::format("tensor '{}' has too many elements", tensor.name));
    }
    tensor.n_elements *= ne;
    tensor.shape.push_back(ne);
  }
  while (tensor.shape.size() > 1 && tensor.shape.back() == 1) {
    tensor.shape.pop_back();
  }
  if (tensor.shape.empty()) {
    tensor.shape.push_back(1);
  }

  const uint32_t type = reader.read_value<uint32_t>(item);
  if (type >= GGML_TYPE_COUNT || ggml_blck_size(static_cast<ggml_type>(type)) <= 0) {
    throw reader.invalid(fmt::format("tensor '{}' has invalid ggml type {}", tensor.name, type));
  }
  tensor.type = static_cast<ggml_type>(type);

  // A row that is not a whole number of blocks is stored as a flat run of
  // blocks, so the size is rounded up to whole blocks.
  const auto block_size = static_cast<uint64_t>(ggml_blck_size(tensor.type));
  const uint64_t n_blocks =
      (static_cast<uint64_t>(tensor.n_elements) + block_size - 1) / block_size;
  tensor.n_bytes = n_blocks * ggml_type_size(tensor.type);

  const uint64_t offset = reader.read_value<uint64_t>(item);
  if (offset > UINT64_MAX / 2 || tensor.n_bytes > UINT64_MAX / 2) {
    throw reader.invalid(
        fmt::format("tensor '{}' has an impossible data offset or size", tensor.name));
  }
  header.tensors.push_back(std::move(tensor));
  return offset + header.tensors.back().n_bytes;
}

}  // namespace

GgufHeader parse_gguf_header(const fs::path& path, uint64_t file_size) {
  BoundedReader reader(path, file_size);
  GgufHeader header;
  header.file_size = file_size;

  // check_gguf_file has validated magic and version already.
  reader.skip(4, "the magic");
  header.version = reader.read_value<uint32_t>("the version");
  const uint64_t n_tensors = reader.read_value<uint64_t>("the tensor count");
  const uint64_t n_kv = reader.read_value<uint64_t>("the key-value count");

  reader.require_count(n_kv, kMinKeyValueBytes, "key-value pairs that the header declares");
  for (uint64_t i = 0; i < n_kv; ++i) {
    read_key_value(reader, i, header);
  }

  uint64_t alignment = GGUF_DEFAULT_ALIGNMENT;
  if (const auto it = header.integer_values.find(GGUF_KEY_GENERAL_ALIGNMENT);
      it != header.integer_values.end()) {
    alignment = it->second;
  }
  if (alignment == 0 || (alignment & (alignment - 1)) != 0 || alignment > (1u << 30)) {
    throw reader.invalid(fmt::format("general.alignment {} is not a power of 2", alignment));
  }

  reader.require_count(n_tensors, kMinTensorInfoBytes, "tensor infos that the header declares");
  uint64_t data_size = 0;
  for (uint64_t i = 0; i < n_tensors; ++i) {
    data_size = std::max(data_size, read_tensor_info(reader, i, header));
  }

  // data_size is at most 2^64 - 2 (offsets and sizes are below 2^63) and
  // data_offset at most the file size plus the alignment, so the sum is
  // checked for overflow once.
  const uint64_t data_offset = (reader.position() + alignment - 1) / alignment * alignment;
  const uint64_t data_end =
      data_size > UINT64_MAX - data_offset ? UINT64_MAX : data_offset + data_size;
  check_gguf_data_end(path, file_size, n_tensors == 0 ? reader.position() : data_end);
  return header;
}

}  // namespace qa
