// Error type shared by every stage. A stage throws qa::Error with a message
// that names the file or value at fault and says what to do; the CLI prints
// it on one line and exits with exit_code. Library code never calls exit().
#pragma once

#include <stdexcept>
#include <string>

namespace qa {

// Exit statuses of the quant-autopsy binary.
enum ExitStatus : int {
  kExitOk = 0,
  kExitFailure = 1,          // a check found a problem (validate, report --check)
  kExitBadInput = 2,         // unusable input: missing, malformed, mismatched
  kExitUnusableBaseline = 3, // calibration gate: fewer usable families than required
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, int exit_code = kExitBadInput)
      : std::runtime_error(message), exit_code_(exit_code) {}

  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace qa
