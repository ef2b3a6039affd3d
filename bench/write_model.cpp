// Writes the benchmark model: a Llama-architecture GGUF with F16 matrices
// and deterministic random weights (about 106M parameters with the default
// shape and the 32000-token SentencePiece vocabulary from llama.cpp).
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "common/error.h"
#include "gguf/tiny_model_writer.h"

int main(int argc, char** argv) {
  CLI::App app{"Write the F16 benchmark model"};
  std::string output;
  std::string vocab = QA_VOCAB_SPM;
  qa::TinyModelSpec spec;
  spec.n_embd = 768;
  spec.n_layer = 8;
  spec.n_ff = 2048;
  spec.n_head = 12;
  spec.n_head_kv = 12;
  spec.context_length = 4096;
  spec.matrix_type = qa::TinyMatrixType::kF16;
  spec.name = "quant-autopsy benchmark llama";

  app.add_option("output", output, "GGUF file to write")->required();
  app.add_option("--vocab", vocab, "GGUF file whose tokenizer is copied");
  app.add_option("--n-embd", spec.n_embd, "embedding width, a multiple of 256");
  app.add_option("--n-layer", spec.n_layer, "number of transformer blocks");
  app.add_option("--n-ff", spec.n_ff, "feed-forward width, a multiple of 256");
  app.add_option("--n-head", spec.n_head, "attention heads (also used for KV heads)");
  CLI11_PARSE(app, argc, argv);
  spec.n_head_kv = spec.n_head;

  try {
    const uint64_t n_params = qa::write_tiny_model(output, vocab, spec);
    fmt::print("{{\"model\": \"{}\", \"n_params\": {}}}\n", output, n_params);
  } catch (const qa::Error& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return error.exit_code();
  }
  return 0;
}
