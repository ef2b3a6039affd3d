// Captures llama.cpp and ggml log output while an instance is alive, so that
// the ladder can read llama.cpp's messages (type fallbacks, load errors)
// instead of letting them flood stderr. The previous callback is restored on
// destruction.
//
// NOTE: llama_log_set is process-wide, so two live captures on different
// threads would steal each other's lines. The ladder runs one at a time.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <llama.h>

namespace qa {

class LlamaLogCapture {
 public:
  LlamaLogCapture();
  ~LlamaLogCapture();
  LlamaLogCapture(const LlamaLogCapture&) = delete;
  LlamaLogCapture& operator=(const LlamaLogCapture&) = delete;

  // Complete lines logged so far, any level, without the newline. A message
  // that llama.cpp logs in several calls (as the fallback warning) is joined
  // into one line.
  std::vector<std::string> lines() const;

  // The lines logged at error level, joined with "; " in the order logged,
  // without blank lines and "=====" rulers; "" when there were none.
  std::string errors() const;

 private:
  static void on_log(ggml_log_level level, const char* text, void* user_data);

  ggml_log_callback previous_callback_ = nullptr;
  void* previous_user_data_ = nullptr;
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
  std::string partial_line_;
  std::vector<std::string> error_lines_;
  bool partial_is_error_ = false;
};

}  // namespace qa
