// Paired bootstrap interval of an accuracy difference over items, with a
// seeded generator whose draws are the same on every machine and compiler.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>
#include <vector>

namespace qa::analysis {

// Draws uniform indices in [0, bound) from std::mt19937_64, whose output
// sequence the C++ standard fixes for a given seed. The mapping to [0, bound)
// is done here by rejection sampling rather than by
// std::uniform_int_distribution, whose algorithm differs between standard
// libraries.
class PortableIndexSampler {
 public:
  explicit PortableIndexSampler(uint64_t seed) : engine_(seed) {}

  // Uniform in [0, bound); bound must be positive.
  uint64_t next_index(uint64_t bound);

 private:
  std::mt19937_64 engine_;
};

// Mixes the user's seed with a label (e.g. "family/rung") into a seed of its
// own, so each test's resamples do not depend on which tests ran before it.
uint64_t derive_seed(uint64_t seed, std::string_view label);

struct BootstrapInterval {
  double low = 0;
  double high = 0;
};

// Percentile-method bootstrap interval of mean(quant_correct - reference_correct)
// over n paired items: `resamples` times, draw n item indices with
// replacement, take the mean difference, then report the (1 - confidence) / 2
// and (1 + confidence) / 2 percentiles of those means with linear
// interpolation between order statistics (numpy's default method).
// Throws qa::Error when the vectors differ in length, are empty, or
// resamples < 1.
BootstrapInterval paired_bootstrap_interval(const std::vector<uint8_t>& reference_correct,
                                            const std::vector<uint8_t>& quant_correct,
                                            int resamples, uint64_t seed,
                                            double confidence = 0.95);

}  // namespace qa::analysis
