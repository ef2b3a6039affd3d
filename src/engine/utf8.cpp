#include "engine/utf8.h"

#include <cstdint>

namespace qa::engine {

namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// Length of the valid UTF-8 sequence that starts at text[i], or 0 when the
// bytes there are not one (RFC 3629 well-formed byte sequences).
size_t valid_sequence_length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t lead = byte(i);
  if (lead < 0x80) {
    return 1;
  }

  size_t length = 0;
  uint8_t second_min = 0x80;
  uint8_t second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) {
      second_min = 0xA0;  // no overlong encodings
    } else if (lead == 0xED) {
      second_max = 0x9F;  // no UTF-16 surrogates
    }
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) {
      second_min = 0x90;  // no overlong encodings
    } else if (lead == 0xF4) {
      second_max = 0x8F;  // nothing above U+10FFFF
    }
  } else {
    return 0;
  }

  if (i + length > text.size()) {
    return 0;
  }
  if (byte(i + 1) < second_min || byte(i + 1) > second_max) {
    return 0;
  }
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
      return 0;
    }
  }
  return length;
}

}  // namespace

std::string replace_invalid_utf8(std::string_view text) {
  std::string result;
  result.reserve(text.size());

  size_t i = 0;
  while (i < text.size()) {
    const size_t length = valid_sequence_length(text, i);
    if (length == 0) {
      result += kReplacementCharacter;
      i += 1;
      continue;
    }
    result.append(text.substr(i, length));
    i += length;
  }
  return result;
}

}  // namespace qa::engine
