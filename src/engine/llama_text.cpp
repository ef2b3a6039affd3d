#include "engine/llama_text.h"

#include <fmt/core.h>

#include <algorithm>
#include <climits>

#include "common/error.h"

namespace qa::engine {

std::vector<llama_token> tokenize(const llama_vocab* vocab, std::string_view text,
                                  bool parse_special) {
  if (text.size() > static_cast<size_t>(INT32_MAX / 2)) {
    throw Error(fmt::format("text of {} bytes is too long to tokenize", text.size()));
  }

  // A first call with a guessed buffer; llama_tokenize returns the negated
  // count needed when the buffer is too small.
  std::vector<llama_token> tokens(text.size() + 2);
  int32_t count = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()),
                                 tokens.data(), static_cast<int32_t>(tokens.size()),
                                 /*add_special=*/false, parse_special);
  if (count < 0) {
    if (count == INT32_MIN) {
      throw Error(
          fmt::format("tokenizing {} bytes of text overflowed llama_tokenize", text.size()));
    }
    tokens.resize(static_cast<size_t>(-count));
    count = llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                           static_cast<int32_t>(tokens.size()), false, parse_special);
  }
  tokens.resize(static_cast<size_t>(count));

  const llama_token bos = llama_vocab_bos(vocab);
  if (llama_vocab_get_add_bos(vocab) && bos != LLAMA_TOKEN_NULL) {
    const char* bos_text = llama_vocab_get_text(vocab, bos);
    const bool text_has_bos =
        parse_special && bos_text != nullptr && *bos_text != '\0' && text.starts_with(bos_text);
    if (!text_has_bos) {
      tokens.insert(tokens.begin(), bos);
    }
  }
  return tokens;
}

std::string token_piece(const llama_vocab* vocab, llama_token token) {
  char buffer[128];
  int32_t length = llama_token_to_piece(vocab, token, buffer, sizeof(buffer), 0, false);
  if (length >= 0) {
    return std::string(buffer, static_cast<size_t>(length));
  }

  std::string piece(static_cast<size_t>(-length), '\0');
  length = llama_token_to_piece(vocab, token, piece.data(), static_cast<int32_t>(piece.size()), 0,
                                false);
  piece.resize(static_cast<size_t>(std::max(length, 0)));
  return piece;
}

std::string apply_chat_template(const llama_model* model, const std::string& model_path,
                                const std::string& prompt) {
  const char* chat_template = llama_model_chat_template(model, nullptr);
  if (chat_template == nullptr) {
    throw Error(
        fmt::format("model {} has no chat template (tokenizer.chat_template); "
                    "run without --chat",
                    model_path));
  }

  const llama_chat_message message{"user", prompt.c_str()};
  std::string formatted(2 * prompt.size() + 256, '\0');
  int32_t length =
      llama_chat_apply_template(chat_template, &message, 1, /*add_ass=*/true, formatted.data(),
                                static_cast<int32_t>(formatted.size()));
  if (length > static_cast<int32_t>(formatted.size())) {
    formatted.resize(static_cast<size_t>(length));
    length = llama_chat_apply_template(chat_template, &message, 1, true, formatted.data(),
                                       static_cast<int32_t>(formatted.size()));
  }
  if (length < 0) {
    throw Error(
        fmt::format("the chat template of model {} is not one that llama.cpp's "
                    "llama_chat_apply_template supports; run without --chat",
                    model_path));
  }
  formatted.resize(static_cast<size_t>(length));
  return formatted;
}

}  // namespace qa::engine
