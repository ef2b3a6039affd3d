// Text and token helpers around a llama.cpp vocabulary: tokenization with
// the model's own BOS rule, token pieces, and the chat template.
#pragma once

#include <llama.h>

#include <string>
#include <string_view>
#include <vector>

namespace qa::engine {

// Tokenizes text without the vocabulary's automatic special tokens, then
// prepends BOS when the vocabulary requires it (llama_vocab_get_add_bos) and
// the text does not already start with the BOS token's text (chat templates
// often write it). EOS is never appended, so a prompt's tokens are a prefix
// candidate for the prompt followed by a continuation. parse_special makes
// control-token text such as "<|im_start|>" one token (used for chat prompts).
std::vector<llama_token> tokenize(const llama_vocab* vocab, std::string_view text,
                                  bool parse_special);

// The text of one token as it appears in decoded output (special tokens
// rendered empty).
std::string token_piece(const llama_vocab* vocab, llama_token token);

// Formats prompt as one user message with the model's chat template
// (llama_model_chat_template), ending with the assistant turn's opening.
// Throws qa::Error naming model_path when the model has no template or
// llama.cpp does not support the template it has.
std::string apply_chat_template(const llama_model* model, const std::string& model_path,
                                const std::string& prompt);

}  // namespace qa::engine
