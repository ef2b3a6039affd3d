#include "pipeline/rung_progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/core.h>

#include "common/log.h"

namespace qa {

namespace {

constexpr int kBarWidth = 30;

// Redraws at most this often, so a fast rung does not flood the terminal.
constexpr auto kRedrawInterval = std::chrono::milliseconds(100);

std::string format_duration(double seconds) {
  if (seconds < 0 || seconds > 360000) {
    return "--:--";
  }
  const auto total = static_cast<long long>(seconds + 0.5);
  if (total >= 3600) {
    return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
  }
  return fmt::format("{}:{:02}", total / 60, total % 60);
}

}  // namespace

RungProgress::RungProgress(std::string label, size_t total_items)
    : label_(std::move(label)),
      total_(total_items),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_ - kRedrawInterval) {}

void RungProgress::update(size_t done) {
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : -1;

  if (terminal_) {
    if (now - last_draw_ < kRedrawInterval && done < total_) {
      return;
    }
    last_draw_ = now;
    const int filled = total_ == 0 ? kBarWidth
                                   : static_cast<int>(kBarWidth * done / total_);
    fmt::print(stderr, "\r{} [{}{}] {}/{} items  {:.1f} items/s  ETA {}\x1b[K", label_,
               std::string(filled, '#'), std::string(kBarWidth - filled, '.'), done, total_,
               rate, format_duration(eta));
    std::fflush(stderr);
    return;
  }

  const size_t decile = total_ == 0 ? 10 : done * 10 / total_;
  if (decile > last_decile_) {
    last_decile_ = decile;
    log_info("{}: {}/{} items, {:.1f} items/s, ETA {}", label_, done, total_, rate,
             format_duration(eta));
  }
}

void RungProgress::finish(size_t items, uint64_t tokens) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (terminal_) {
    fmt::print(stderr, "\n");
  }
  const double seconds = elapsed > 0 ? elapsed : 1e-9;
  log_info("{}: {} items in {:.1f} s, {:.1f} items/s, {:.0f} tokens/s", label_, items, elapsed,
           static_cast<double>(items) / seconds, static_cast<double>(tokens) / seconds);
}

}  // namespace qa
