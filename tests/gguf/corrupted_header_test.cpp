// Copies of real GGUF files with single bytes of their metadata overwritten:
// each read must either return a summary or throw one clean qa::Error, never
// crash, abort or throw another exception type.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "common/error.h"
#include "gguf/gguf_file.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

// A fixed-seed xorshift64 stream, so a failing mutation can be replayed.
class MutationStream {
 public:
  explicit MutationStream(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }

 private:
  uint64_t state_;
};

struct Outcomes {
  int accepted = 0;
  int rejected = 0;
};

// Overwrites one byte at a time in the first metadata_bytes of a copy, reads
// it, and restores the byte. The values written include 0x00 and 0xff, which
// turn lengths and counts into zero or huge numbers.
Outcomes mutate_and_read(const fs::path& source, uint64_t metadata_bytes, int n_mutations) {
  test::ScopedTempDir folder;
  const fs::path copy = folder.path() / "corrupted.gguf";
  fs::copy_file(source, copy);

  std::fstream file(copy, std::ios::in | std::ios::out | std::ios::binary);
  MutationStream stream(0x9e3779b97f4a7c15ULL);
  Outcomes outcomes;

  for (int i = 0; i < n_mutations; ++i) {
    const uint64_t random = stream.next();
    const auto offset = static_cast<std::streamoff>(random % metadata_bytes);
    const char values[] = {'\x00', '\xff', '\x7f', '\x01', static_cast<char>(random >> 56)};
    const char value = values[(random >> 32) % 5];

    char original = 0;
    file.seekg(offset);
    file.read(&original, 1);
    file.seekp(offset);
    file.write(&value, 1);
    file.flush();

    try {
      read_gguf_summary(copy);
      ++outcomes.accepted;
    } catch (const Error& error) {
      const std::string message = error.what();
      EXPECT_EQ(error.exit_code(), kExitBadInput) << "byte " << offset << ": " << message;
      EXPECT_EQ(message.find('\n'), std::string::npos) << "byte " << offset << ": " << message;
      ++outcomes.rejected;
    } catch (const std::exception& error) {
      ADD_FAILURE() << "byte " << offset << " set to " << int(static_cast<unsigned char>(value))
                    << " threw a non-qa::Error: " << error.what();
    }

    file.seekp(offset);
    file.write(&original, 1);
    file.flush();
  }
  return outcomes;
}

TEST(CorruptedHeader, Stories260KByteMutations) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  // The metadata of stories260K.gguf ends at byte 14,176.
  const Outcomes outcomes =
      mutate_and_read(test::shared_models_dir() / "stories260K.gguf", 14176, 3000);

  // Most single bytes are inside token strings and scores, which a summary
  // does not check, so both outcomes must occur.
  EXPECT_GT(outcomes.accepted, 0);
  EXPECT_GT(outcomes.rejected, 0);
}

TEST(CorruptedHeader, Q8_0ByteMutations) {
  QA_REQUIRE_SHARED_MODEL("tinyllamas-stories-260k-q8_0.gguf");
  // The metadata of the Q8_0 file ends at byte 14,240; gguf.h rejects the
  // file, so the project's own reader handles every mutation.
  const Outcomes outcomes =
      mutate_and_read(test::shared_models_dir() / "tinyllamas-stories-260k-q8_0.gguf", 14240, 3000);

  EXPECT_GT(outcomes.accepted, 0);
  EXPECT_GT(outcomes.rejected, 0);
}

}  // namespace
}  // namespace qa
