#include "tiny_fixture.h"

#include "gguf/tiny_model_writer.h"
#include "support/paths.h"

namespace qa::test {

const std::filesystem::path& default_tiny_model() {
  // The folder is removed by ScopedTempDir's destructor at process exit.
  static ScopedTempDir folder;
  static const std::filesystem::path path = [] {
    const std::filesystem::path model = folder.path() / "tiny-llama-f32.gguf";
    write_tiny_model(model, QA_VOCAB_SPM);
    return model;
  }();
  return path;
}

}  // namespace qa::test
