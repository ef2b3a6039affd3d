// Human-readable byte counts for progress lines and tables.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace qa {

// Formats a byte count with binary units, e.g. "1.13 MiB" or "912 B".
inline std::string format_size(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.2f} {}", value, kUnits[unit]);
}

}  // namespace qa
