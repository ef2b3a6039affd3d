#include "analysis/kendall.h"

#include <cmath>
#include <limits>
#include <utility>

#include <fmt/core.h>

#include "common/error.h"

namespace qa {

uint64_t SplitMix64::next() {
  state_ += 0x9E3779B97F4A7C15ULL;
  uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::next_below(uint64_t bound) {
  // Values at or above the largest multiple of bound that fits in 2^64 are
  // drawn again. In unsigned math (0 - bound) % bound equals 2^64 % bound.
  const uint64_t excess = (0 - bound) % bound;
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - excess;
  uint64_t value = next();
  while (value > limit) {
    value = next();
  }
  return value % bound;
}

double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) {
    throw Error(fmt::format("Kendall tau-b needs paired samples, got {} and {} values", x.size(),
                            y.size()),
                kExitFailure);
  }

  // O(n^2) over pairs: n is the number of capability families (tens at most).
  const size_t n = x.size();
  long long concordant = 0;
  long long discordant = 0;
  long long tied_x = 0;
  long long tied_y = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const double dx = x[i] - x[j];
      const double dy = y[i] - y[j];
      if (dx == 0) {
        ++tied_x;
      }
      if (dy == 0) {
        ++tied_y;
      }
      if (dx == 0 || dy == 0) {
        continue;
      }
      if ((dx > 0) == (dy > 0)) {
        ++concordant;
      } else {
        ++discordant;
      }
    }
  }

  const long long pairs = static_cast<long long>(n) * (static_cast<long long>(n) - 1) / 2;
  const double denominator =
      std::sqrt(static_cast<double>(pairs - tied_x) * static_cast<double>(pairs - tied_y));
  if (n < 2 || denominator == 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return static_cast<double>(concordant - discordant) / denominator;
}

KendallPermutationTest kendall_permutation_test(const std::vector<double>& x,
                                                const std::vector<double>& y, int permutations,
                                                uint64_t seed) {
  if (permutations < 1) {
    throw Error(fmt::format("permutation count must be at least 1, got {}", permutations));
  }

  KendallPermutationTest test;
  test.tau_b = kendall_tau_b(x, y);
  test.permutations = permutations;
  test.seed = seed;
  if (std::isnan(test.tau_b)) {
    test.p_value = std::numeric_limits<double>::quiet_NaN();
    return test;
  }

  // The tolerance keeps permutations whose tau equals the observed one up to
  // rounding on the "at least as extreme" side.
  const double threshold = std::fabs(test.tau_b) - 1e-12;
  SplitMix64 rng(seed);
  std::vector<double> shuffled = y;
  int extreme = 0;
  for (int k = 0; k < permutations; ++k) {
    for (size_t i = shuffled.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(rng.next_below(i));
      std::swap(shuffled[i - 1], shuffled[j]);
    }
    if (std::fabs(kendall_tau_b(x, shuffled)) >= threshold) {
      ++extreme;
    }
  }
  test.p_value = static_cast<double>(1 + extreme) / static_cast<double>(permutations + 1);
  return test;
}

}  // namespace qa
