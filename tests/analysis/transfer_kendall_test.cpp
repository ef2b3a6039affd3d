// Kendall tau-b and its permutation test against scipy 1.10 (Debian 12's
// python3-scipy) and a Python copy of the permutation scheme.
//
// tau-b literals:
//   /usr/bin/python3 -c "from scipy.stats import kendalltau as k;
//     print(repr(k(X, Y).statistic), repr(k(X, Y).pvalue))"
// with X, Y as in each test. Permutation literals: the same scheme in Python,
// SplitMix64 as in src/analysis/kendall.h, run with /usr/bin/python3:
//
//   M = (1 << 64) - 1
//   class SplitMix64:
//       def __init__(self, seed): self.s = seed & M
//       def next(self):
//           self.s = (self.s + 0x9E3779B97F4A7C15) & M
//           z = self.s
//           z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
//           z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
//           return z ^ (z >> 31)
//       def below(self, b):
//           limit = M - (1 << 64) % b
//           v = self.next()
//           while v > limit: v = self.next()
//           return v % b
//   def perm_p(x, y, perms, seed):
//       t = kendalltau(x, y).statistic
//       rng = SplitMix64(seed); s = list(y); extreme = 0
//       for _ in range(perms):
//           for i in range(len(s), 1, -1):
//               j = rng.below(i); s[i-1], s[j] = s[j], s[i-1]
//           if abs(kendalltau(x, s).statistic) >= abs(t) - 1e-12: extreme += 1
//       return (1 + extreme) / (perms + 1)
//   print(repr(perm_p(X, Y, 10000, 20261204)))
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "analysis/kendall.h"
#include "common/error.h"

namespace qa {
namespace {

const std::vector<double> kNoTiesX = {1, 2, 3, 4, 5, 6, 7, 8};
const std::vector<double> kNoTiesY = {2, 1, 4, 3, 6, 5, 8, 7};
const std::vector<double> kTiesX = {1, 1, 2, 3, 4, 4, 5};
const std::vector<double> kTiesY = {2, 1, 1, 3, 5, 4, 4};
// Death ranks: equal death rungs tie, survivors share the last rank.
const std::vector<double> kDeathX = {0, 0, 1, 2, 3, 3};
const std::vector<double> kDeathY = {1, 0, 2, 2, 3, 3};

TEST(SplitMix64, MatchesPythonStream) {
  SplitMix64 rng(20261204);
  EXPECT_EQ(rng.next(), 2775060637386200101ULL);
  EXPECT_EQ(rng.next(), 8024208556372238853ULL);
  EXPECT_EQ(rng.next(), 12051313022052247153ULL);
}

TEST(SplitMix64, NextBelowStaysInRange) {
  SplitMix64 rng(7);
  std::vector<int> seen(5, 0);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t value = rng.next_below(5);
    ASSERT_LT(value, 5u);
    ++seen[value];
  }
  for (int count : seen) {
    EXPECT_GT(count, 0);
  }
  EXPECT_EQ(rng.next_below(1), 0u);
}

TEST(KendallTauB, MatchesScipyWithoutTies) {
  EXPECT_NEAR(kendall_tau_b(kNoTiesX, kNoTiesY), 0.7142857142857142, 1e-12);
}

TEST(KendallTauB, MatchesScipyWithTies) {
  EXPECT_NEAR(kendall_tau_b(kTiesX, kTiesY), 0.6842105263157894, 1e-12);
  EXPECT_NEAR(kendall_tau_b(kDeathX, kDeathY), 0.9230769230769231, 1e-12);
}

TEST(KendallTauB, ReversedOrderIsMinusOne) {
  EXPECT_NEAR(kendall_tau_b({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0, 1e-15);
}

TEST(KendallTauB, UndefinedWhenAllTied) {
  EXPECT_TRUE(std::isnan(kendall_tau_b({1, 1, 1}, {1, 2, 3})));
  EXPECT_TRUE(std::isnan(kendall_tau_b({1, 2, 3}, {4, 4, 4})));
  EXPECT_TRUE(std::isnan(kendall_tau_b({1}, {2})));
  EXPECT_TRUE(std::isnan(kendall_tau_b({}, {})));
}

TEST(KendallTauB, RejectsUnpairedSamples) {
  EXPECT_THROW(kendall_tau_b({1, 2}, {1, 2, 3}), Error);
}

TEST(KendallPermutation, MatchesPythonReference) {
  const KendallPermutationTest no_ties =
      kendall_permutation_test(kNoTiesX, kNoTiesY, 10000, 20261204);
  EXPECT_NEAR(no_ties.p_value, 0.0124987501249875, 1e-12);
  EXPECT_EQ(no_ties.permutations, 10000);
  EXPECT_EQ(no_ties.seed, 20261204u);

  EXPECT_NEAR(kendall_permutation_test(kTiesX, kTiesY, 10000, 20261204).p_value,
              0.0484951504849515, 1e-12);
  EXPECT_NEAR(kendall_permutation_test(kDeathX, kDeathY, 10000, 20261204).p_value,
              0.0197980201979802, 1e-12);
}

TEST(KendallPermutation, AgreesWithScipyExactP) {
  // scipy's exact two-sided p without ties is 0.014136904761904762. A
  // permutation estimate from 10,000 draws has standard error
  // sqrt(p (1 - p) / 10000) = 0.0012, so 4 standard errors bound it.
  const double p = kendall_permutation_test(kNoTiesX, kNoTiesY, 10000, 20261204).p_value;
  EXPECT_NEAR(p, 0.014136904761904762, 4 * 0.0012);
}

TEST(KendallPermutation, SeedChangesDrawsNotMuchP) {
  const double p1 = kendall_permutation_test(kNoTiesX, kNoTiesY, 10000, 1).p_value;
  const double p2 = kendall_permutation_test(kNoTiesX, kNoTiesY, 10000, 2).p_value;
  EXPECT_NE(p1, p2);
  EXPECT_NEAR(p1, p2, 0.01);
}

TEST(KendallPermutation, UndefinedTauGivesUndefinedP) {
  const KendallPermutationTest test = kendall_permutation_test({3, 3, 3}, {1, 2, 3}, 100, 1);
  EXPECT_TRUE(std::isnan(test.tau_b));
  EXPECT_TRUE(std::isnan(test.p_value));
}

TEST(KendallPermutation, RejectsZeroPermutations) {
  EXPECT_THROW(kendall_permutation_test(kNoTiesX, kNoTiesY, 0, 1), Error);
}

}  // namespace
}  // namespace qa
