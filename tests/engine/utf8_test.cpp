#include "engine/utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace qa::engine {
namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

TEST(ReplaceInvalidUtf8, ValidTextUnchanged) {
  const std::vector<std::string> texts = {
      "", "plain ASCII\n", "caf\xC3\xA9", "\xE2\x82\xAC 5", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"};
  for (const std::string& text : texts) {
    EXPECT_EQ(replace_invalid_utf8(text), text);
  }
}

TEST(ReplaceInvalidUtf8, InvalidBytesReplaced) {
  // A character cut after its first byte, as at max_tokens.
  EXPECT_EQ(replace_invalid_utf8("ab\xE2\x82"), "ab" + kReplacement + kReplacement);
  // A stray continuation byte and a byte that never starts a sequence.
  EXPECT_EQ(replace_invalid_utf8("\x80x\xFF"), kReplacement + "x" + kReplacement);
  // Overlong encoding of '/', a UTF-16 surrogate, a code point above U+10FFFF.
  EXPECT_EQ(replace_invalid_utf8("\xC0\xAF"), kReplacement + kReplacement);
  EXPECT_EQ(replace_invalid_utf8("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement);
  EXPECT_EQ(replace_invalid_utf8("\xF4\x90\x80\x80"),
            kReplacement + kReplacement + kReplacement + kReplacement);
  // Valid text after an invalid byte is kept.
  EXPECT_EQ(replace_invalid_utf8("\xF8"
                                 "caf\xC3\xA9"),
            kReplacement + "caf\xC3\xA9");
}

}  // namespace
}  // namespace qa::engine
