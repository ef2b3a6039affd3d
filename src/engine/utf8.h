// UTF-8 clean-up of generated text. A greedy continuation can end inside a
// multi-byte character (max_tokens reached after a byte-fallback token), and
// a broken model can emit any byte sequence. The store and the JSON exports
// need valid UTF-8, so the engine cleans every output once.
#pragma once

#include <string>
#include <string_view>

namespace qa::engine {

// Returns text with every invalid UTF-8 sequence (stray continuation bytes,
// truncated, overlong or surrogate encodings, code points above U+10FFFF)
// replaced by U+FFFD, one replacement per invalid byte. Valid text is
// returned unchanged.
std::string replace_invalid_utf8(std::string_view text);

}  // namespace qa::engine
