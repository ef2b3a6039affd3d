#include "ladder/llama_log_capture.h"

namespace qa {

LlamaLogCapture::LlamaLogCapture() {
  llama_log_get(&previous_callback_, &previous_user_data_);
  llama_log_set(&LlamaLogCapture::on_log, this);
}

LlamaLogCapture::~LlamaLogCapture() {
  llama_log_set(previous_callback_, previous_user_data_);
}

std::vector<std::string> LlamaLogCapture::lines() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> all = lines_;
  if (!partial_line_.empty()) {
    all.push_back(partial_line_);
  }
  return all;
}

std::string LlamaLogCapture::errors() const {
  std::lock_guard lock(mutex_);
  std::string joined;
  for (const auto& line : error_lines_) {
    joined += joined.empty() ? line : "; " + line;
  }
  return joined;
}

void LlamaLogCapture::on_log(ggml_log_level level, const char* text, void* user_data) {
  auto* capture = static_cast<LlamaLogCapture*>(user_data);
  std::lock_guard lock(capture->mutex_);

  if (level == GGML_LOG_LEVEL_ERROR) {
    capture->partial_is_error_ = true;
  }

  for (const char* c = text; *c != '\0'; ++c) {
    if (*c != '\n') {
      capture->partial_line_.push_back(*c);
      continue;
    }

    const std::string& line = capture->partial_line_;
    if (capture->partial_is_error_ && line.find_first_not_of(" =") != std::string::npos) {
      capture->error_lines_.push_back(line);
    }
    capture->lines_.push_back(std::move(capture->partial_line_));
    capture->partial_line_.clear();
    capture->partial_is_error_ = level == GGML_LOG_LEVEL_ERROR && c[1] != '\0';
  }
}

}  // namespace qa
