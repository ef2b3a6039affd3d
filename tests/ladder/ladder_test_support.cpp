#include "ladder_test_support.h"

#include <cstdint>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "gguf/gguf_file.h"
#include "gguf/tiny_model_writer.h"
#include "support/paths.h"

namespace qa::test {

const std::filesystem::path& tiny_ladder_model() {
  // Leaked on purpose: the folder must outlive every test of the process.
  static auto* folder = new ScopedTempDir();
  static const std::filesystem::path path = [] {
    const std::filesystem::path model = folder->path() / "tiny.gguf";
    write_tiny_model(model, QA_VOCAB_SPM);
    return model;
  }();
  return path;
}

void write_legacy_imatrix(const std::filesystem::path& model, const std::filesystem::path& output,
                          int step) {
  const GgufSummary summary = read_gguf_summary(model);

  std::vector<const GgufTensor*> weights;
  for (const auto& tensor : summary.tensors) {
    if (tensor.shape.size() == 2 && tensor.name.rfind("token_embd", 0) != 0) {
      weights.push_back(&tensor);
    }
  }

  std::ofstream out(output, std::ios::binary);
  auto write_int32 = [&out](int32_t value) {
    out.write(reinterpret_cast<const char*>(&value), sizeof(value));
  };

  write_int32(static_cast<int32_t>(weights.size()));
  for (const GgufTensor* tensor : weights) {
    write_int32(static_cast<int32_t>(tensor->name.size()));
    out.write(tensor->name.data(), static_cast<std::streamsize>(tensor->name.size()));
    const int32_t ncall = 2;
    write_int32(ncall);
    const int32_t nval = static_cast<int32_t>(tensor->shape[0]);
    write_int32(nval);
    for (int32_t column = 0; column < nval; ++column) {
      const float value = ncall * (1.0f + static_cast<float>((column * step) % 7) / 10.0f);
      out.write(reinterpret_cast<const char*>(&value), sizeof(value));
    }
  }

  // Trailing chunk count and dataset name, as llama-imatrix writes them.
  write_int32(10);
  const std::string dataset = "test-text.txt";
  write_int32(static_cast<int32_t>(dataset.size()));
  out.write(dataset.data(), static_cast<std::streamsize>(dataset.size()));
  if (!out) {
    throw std::runtime_error("cannot write " + output.string());
  }
}

const RungEntry& find_rung(const LadderManifest& manifest, const std::string& name) {
  for (const auto& rung : manifest.rungs) {
    if (rung.name == name) {
      return rung;
    }
  }
  ADD_FAILURE() << "rung " << name << " not in the manifest";
  static const RungEntry missing;
  return missing;
}

}  // namespace qa::test
