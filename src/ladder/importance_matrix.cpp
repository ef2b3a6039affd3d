#include "ladder/importance_matrix.h"

#include <cstdint>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "common/error.h"
#include "common/files.h"

namespace qa {

namespace {

// Sequential reader over the file's bytes that names the file in errors.
class ByteReader {
 public:
  ByteReader(const std::string& bytes, const std::filesystem::path& path)
      : bytes_(bytes), path_(path) {}

  bool at_end() const { return offset_ == bytes_.size(); }

  int32_t read_int32(const char* field) {
    int32_t value = 0;
    read_raw(&value, sizeof(value), field);
    return value;
  }

  std::string read_string(int32_t length, const char* field) {
    if (length < 0) {
      fail(fmt::format("negative {} length {}", field, length));
    }
    std::string text(static_cast<size_t>(length), '\0');
    read_raw(text.data(), text.size(), field);
    return text;
  }

  std::vector<float> read_floats(int32_t count, const char* field) {
    std::vector<float> values(static_cast<size_t>(count));
    read_raw(values.data(), values.size() * sizeof(float), field);
    return values;
  }

  [[noreturn]] void fail(const std::string& problem) const {
    throw Error(fmt::format("invalid importance matrix {}: {} at byte {}; write it again with "
                            "llama-imatrix --output-format dat",
                            path_.string(), problem, offset_),
                kExitBadInput);
  }

 private:
  void read_raw(void* out, size_t size, const char* field) {
    if (bytes_.size() - offset_ < size) {
      fail(fmt::format("file ends inside the {}", field));
    }
    std::memcpy(out, bytes_.data() + offset_, size);
    offset_ += size;
  }

  const std::string& bytes_;
  const std::filesystem::path& path_;
  size_t offset_ = 0;
};

}  // namespace

ImportanceMatrix read_importance_matrix(const std::filesystem::path& path) {
  if (!std::filesystem::is_regular_file(path)) {
    throw Error(fmt::format("importance matrix {} not found; pass an existing file to --imatrix",
                            path.string()),
                kExitBadInput);
  }
  const std::string bytes = read_file(path);

  if (bytes.rfind("GGUF", 0) == 0) {
    throw Error(fmt::format("importance matrix {} is in the GGUF imatrix format, which this "
                            "version cannot read yet; write it in the legacy format with "
                            "llama-imatrix --output-format dat",
                            path.string()),
                kExitBadInput);
  }

  ByteReader reader(bytes, path);
  ImportanceMatrix matrix;
  matrix.file_name = path.filename().string();
  matrix.sha256 = sha256_bytes(bytes);

  const int32_t n_entries = reader.read_int32("entry count");
  if (n_entries < 1) {
    reader.fail(fmt::format("entry count {} is not positive", n_entries));
  }

  for (int32_t i = 0; i < n_entries; ++i) {
    const int32_t name_length = reader.read_int32("tensor name length");
    std::string name = reader.read_string(name_length, "tensor name");
    const int32_t ncall = reader.read_int32("call count");
    const int32_t nval = reader.read_int32("value count");
    if (nval < 1) {
      reader.fail(fmt::format("tensor {} has {} values", name, nval));
    }
    std::vector<float> values = reader.read_floats(nval, "values");

    // The file stores the mean multiplied by the call count; llama-quantize
    // divides it back out, and so does this reader.
    if (ncall > 0) {
      for (float& value : values) {
        value /= static_cast<float>(ncall);
      }
    }
    if (!matrix.entries.emplace(std::move(name), std::move(values)).second) {
      reader.fail("a tensor name appears twice");
    }
  }

  // Chunk count and dataset name are optional trailing fields.
  if (!reader.at_end()) {
    matrix.chunk_count = reader.read_int32("chunk count");
    if (!reader.at_end()) {
      const int32_t dataset_length = reader.read_int32("dataset name length");
      matrix.dataset = reader.read_string(dataset_length, "dataset name");
    }
  }
  return matrix;
}

}  // namespace qa
