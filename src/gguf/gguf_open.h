// Opening a GGUF file's metadata through gguf.h, after checks of our own.
// gguf.h logs its problems to stderr and returns null, so the user gets no
// message naming the file. These checks turn each problem into one qa::Error
// line instead. Used only inside src/gguf/.
#pragma once

#include <gguf.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace qa {

struct GgufContextDeleter {
  void operator()(gguf_context* context) const { gguf_free(context); }
};

using GgufContextPtr = std::unique_ptr<gguf_context, GgufContextDeleter>;

// Bytes of the fixed GGUF header: magic (4), version (4), tensor count (8)
// and key-value count (8).
inline constexpr uint64_t kGgufFixedHeaderBytes = 24;

// Checks that path is a regular file that starts with a GGUF v2 or v3 fixed
// header, and returns its size in bytes. Throws qa::Error (exit status 2)
// with one line naming the file when it is missing, not a regular file, not
// GGUF, GGUF v1, of an unknown version, or shorter than the fixed header.
uint64_t check_gguf_file(const std::filesystem::path& path);

// Runs gguf_init_from_file with no_alloc on a file that passed
// check_gguf_file. Returns null when gguf.h rejects the file and then sets
// rejection to gguf.h's logged reasons, joined on one line.
GgufContextPtr init_gguf_metadata(const std::filesystem::path& path, std::string& rejection);

// Byte offset just past the last tensor's data, which must not exceed the
// file size. gguf.h does not check this when it loads metadata only.
uint64_t gguf_data_end(const gguf_context* context);

// Throws qa::Error (exit status 2) naming the file when data_end > file_size.
void check_gguf_data_end(const std::filesystem::path& path, uint64_t file_size, uint64_t data_end);

// Opens the metadata and tensor table of a GGUF v2 or v3 file without loading
// tensor data: check_gguf_file, init_gguf_metadata and check_gguf_data_end.
// Throws qa::Error (exit status 2) with one line naming the file on any
// problem, including a file that gguf.h rejects.
GgufContextPtr open_gguf_metadata(const std::filesystem::path& path);

}  // namespace qa
