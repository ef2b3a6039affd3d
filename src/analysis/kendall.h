// Kendall's tau-b rank correlation and a permutation test for it, used to
// compare the death orders of capability families on two models.
#pragma once

#include <cstdint>
#include <vector>

namespace qa {

// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014): a 64-bit generator whose whole state is one
// integer, so a reference implementation in another language reproduces the
// same stream from the same seed in a few lines.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next();

  // Uniform integer in [0, bound) by rejection, so no value is favoured.
  // bound must be at least 1.
  uint64_t next_below(uint64_t bound);

 private:
  uint64_t state_;
};

// Kendall's tau-b of two paired samples, with ties corrected as in
// tau_b = (concordant - discordant) / sqrt((n0 - n1) * (n0 - n2)), where n0 is
// the number of pairs and n1, n2 the pairs tied in x and in y. Returns NaN
// when it is undefined: fewer than two values, or every value of x or of y
// tied. Throws qa::Error when the sizes differ.
double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y);

struct KendallPermutationTest {
  double tau_b = 0;      // observed tau-b (NaN when undefined)
  double p_value = 0;    // two-sided permutation p value (NaN when tau_b is NaN)
  int permutations = 0;  // number of random permutations drawn
  uint64_t seed = 0;     // SplitMix64 seed
};

// Two-sided permutation test of tau-b: y is shuffled (Fisher-Yates, driven by
// SplitMix64(seed).next_below) `permutations` times against the fixed x, and
// p = (1 + #{|tau_perm| >= |tau_obs| - 1e-12}) / (permutations + 1), which
// counts the observed arrangement as one of the permutations so p is never 0.
// permutations must be at least 1.
KendallPermutationTest kendall_permutation_test(const std::vector<double>& x,
                                                const std::vector<double>& y, int permutations,
                                                uint64_t seed);

}  // namespace qa
