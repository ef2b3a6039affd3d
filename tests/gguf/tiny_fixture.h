// One tiny Llama GGUF per test process, written on first use with the default
// TinyModelSpec, so that the tests of this folder share a single write.
#pragma once

#include <filesystem>

namespace qa::test {

// Path of the default tiny model (F32, n_embd 256, 2 blocks, n_ff 768) in a
// temporary folder that lives until the process exits.
const std::filesystem::path& default_tiny_model();

}  // namespace qa::test
