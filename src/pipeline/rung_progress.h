// Progress of one rung's evaluation on stderr: a redrawn bar with items/s and
// ETA when stderr is a terminal, plain lines at every 10% otherwise, and one
// summary line with items/s and tokens/s at the end.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace qa {

class RungProgress {
 public:
  // total_items: items this run evaluates (stored items already skipped).
  RungProgress(std::string label, size_t total_items);

  // done: items finished so far in this run, 0..total_items.
  void update(size_t done);

  // Prints the summary line: items, seconds, items/s and tokens/s.
  void finish(size_t items, uint64_t tokens);

 private:
  std::string label_;
  size_t total_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  size_t last_decile_ = 0;
};

}  // namespace qa
