#include "analysis/bootstrap.h"

#include <algorithm>
#include <limits>

#include <fmt/core.h>

#include "analysis/statistics.h"
#include "common/error.h"

namespace qa::analysis {

uint64_t PortableIndexSampler::next_index(uint64_t bound) {
  if (bound == 0) {
    throw Error("bootstrap index bound must be positive");
  }

  // Accept only draws below the largest multiple of bound, so every index is
  // equally likely.
  const uint64_t max = std::numeric_limits<uint64_t>::max();
  const uint64_t limit = max - (max % bound + 1) % bound;
  uint64_t draw = engine_();
  while (draw > limit) {
    draw = engine_();
  }
  return draw % bound;
}

uint64_t derive_seed(uint64_t seed, std::string_view label) {
  // FNV-1a over the label, then the splitmix64 finaliser over seed ^ hash.
  uint64_t hash = 14695981039346656037ULL;
  for (const char character : label) {
    hash ^= static_cast<unsigned char>(character);
    hash *= 1099511628211ULL;
  }

  uint64_t mixed = seed ^ hash;
  mixed += 0x9e3779b97f4a7c15ULL;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebULL;
  return mixed ^ (mixed >> 31);
}

BootstrapInterval paired_bootstrap_interval(const std::vector<uint8_t>& reference_correct,
                                            const std::vector<uint8_t>& quant_correct,
                                            int resamples, uint64_t seed, double confidence) {
  if (reference_correct.size() != quant_correct.size()) {
    throw Error(fmt::format("paired bootstrap needs equal lengths, got {} reference and {} quant items",
                            reference_correct.size(), quant_correct.size()));
  }
  if (reference_correct.empty()) {
    throw Error("paired bootstrap over no items is undefined");
  }
  if (resamples < 1) {
    throw Error(fmt::format("bootstrap resample count must be at least 1, got {}", resamples));
  }

  const size_t n = reference_correct.size();
  std::vector<int> difference(n);
  for (size_t i = 0; i < n; ++i) {
    difference[i] = static_cast<int>(quant_correct[i] != 0) - static_cast<int>(reference_correct[i] != 0);
  }

  PortableIndexSampler sampler(seed);
  std::vector<double> means(static_cast<size_t>(resamples));
  for (double& mean : means) {
    long long sum = 0;
    for (size_t draw = 0; draw < n; ++draw) {
      sum += difference[sampler.next_index(n)];
    }
    mean = static_cast<double>(sum) / static_cast<double>(n);
  }

  std::sort(means.begin(), means.end());
  const double tail = (1 - confidence) / 2;
  return {percentile_of_sorted(means, tail), percentile_of_sorted(means, 1 - tail)};
}

}  // namespace qa::analysis
