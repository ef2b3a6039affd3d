// Statistics against literals computed by scipy 1.10.1 / numpy 1.24.2
// (/usr/bin/python3 on Debian 12). Each block names the command that produced
// its literals.
#include "analysis/statistics.h"

#include <cmath>

#include <gtest/gtest.h>

#include "common/error.h"

namespace qa::analysis {
namespace {

constexpr double kTolerance = 1e-12;

// python3 -c "from scipy.stats import binom; b,c=B,C; n=b+c;
//   print(repr(1.0 if n==0 else min(1.0, 2*binom.cdf(min(b,c), n, 0.5))))"
TEST(McNemarExact, MatchesScipyBinomialTail) {
  struct Case {
    int64_t b;
    int64_t c;
    double expected;
  };
  const Case cases[] = {
      {10, 2, 0.03857421875},
      {2, 10, 0.03857421875},
      {0, 7, 0.015625},
      {30, 12, 0.007915897334896727},
      {100, 80, 0.15653146957815126},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(testing::Message() << "b = " << test_case.b << ", c = " << test_case.c);
    EXPECT_NEAR(mcnemar_exact_p(test_case.b, test_case.c), test_case.expected, kTolerance);
  }
}

TEST(McNemarExact, NoDiscordantPairsGivesOne) {
  EXPECT_EQ(mcnemar_exact_p(0, 0), 1.0);
}

// Same scipy command: b = c and near-equal splits cap at 1.
TEST(McNemarExact, EqualSplitCapsAtOne) {
  EXPECT_EQ(mcnemar_exact_p(5, 5), 1.0);
  EXPECT_EQ(mcnemar_exact_p(3, 4), 1.0);
  EXPECT_EQ(mcnemar_exact_p(1, 0), 1.0);
}

TEST(McNemarExact, RejectsNegativeCounts) {
  EXPECT_THROW(mcnemar_exact_p(-1, 3), Error);
}

// python3 -c "from scipy.stats import binomtest; ci=binomtest(K,N).proportion_ci(
//   confidence_level=0.95, method='wilson'); print(repr(ci.low), repr(ci.high))"
TEST(WilsonInterval, MatchesScipyWilson) {
  struct Case {
    int64_t successes;
    int64_t n;
    double low;
    double high;
  };
  const Case cases[] = {
      {7, 20, 0.1811918241010821, 0.5671457233147637},
      {150, 200, 0.6856590168795417, 0.8049183199318249},
      {37, 50, 0.6044684273515115, 0.8412847250644762},
  };
  for (const Case& test_case : cases) {
    SCOPED_TRACE(testing::Message() << test_case.successes << " of " << test_case.n);
    const ProportionInterval interval = wilson_interval(test_case.successes, test_case.n);
    EXPECT_NEAR(interval.low, test_case.low, kTolerance);
    EXPECT_NEAR(interval.high, test_case.high, kTolerance);
  }
}

// Same scipy command at the edges: none correct, all correct, one item.
TEST(WilsonInterval, EdgesMatchScipy) {
  const ProportionInterval none = wilson_interval(0, 10);
  EXPECT_EQ(none.low, 0.0);
  EXPECT_NEAR(none.high, 0.27753279986288926, kTolerance);

  const ProportionInterval all = wilson_interval(10, 10);
  EXPECT_NEAR(all.low, 0.7224672001371109, kTolerance);
  EXPECT_EQ(all.high, 1.0);

  const ProportionInterval one = wilson_interval(1, 1);
  EXPECT_NEAR(one.low, 0.20654931437723745, kTolerance);
  EXPECT_EQ(one.high, 1.0);
}

TEST(WilsonInterval, RejectsEmptySample) {
  EXPECT_THROW(wilson_interval(0, 0), Error);
  EXPECT_THROW(wilson_interval(3, 2), Error);
}

// python3 -c "import numpy as np; p=np.asarray(P,float); m=len(p);
//   o=np.argsort(p,kind='stable'); a=np.maximum.accumulate(np.minimum(1,(m-np.arange(m))*p[o]));
//   r=np.empty(m); r[o]=a; print([repr(x) for x in r])"
// (scipy 1.10 has no Holm function, so the step-down is written out in numpy.)
TEST(HolmAdjust, MatchesNumpyStepDown) {
  const std::vector<double> adjusted = holm_adjust({0.01, 0.04, 0.03, 0.005, 0.5});
  const std::vector<double> expected = {0.04, 0.09, 0.09, 0.025, 0.5};
  ASSERT_EQ(adjusted.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(adjusted[i], expected[i], kTolerance) << "index " << i;
  }
}

TEST(HolmAdjust, TiesShareAdjustedValue) {
  const std::vector<double> adjusted = holm_adjust({0.001, 0.0125, 0.0125, 0.2});
  const std::vector<double> expected = {0.004, 0.037500000000000006, 0.037500000000000006, 0.2};
  ASSERT_EQ(adjusted.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(adjusted[i], expected[i], kTolerance) << "index " << i;
  }

  const std::vector<double> pair = holm_adjust({0.02, 0.02, 0.5});
  EXPECT_NEAR(pair[0], 0.06, kTolerance);
  EXPECT_NEAR(pair[1], 0.06, kTolerance);
  EXPECT_NEAR(pair[2], 0.5, kTolerance);
}

TEST(HolmAdjust, CapsAtOne) {
  for (const double adjusted : holm_adjust({0.4, 0.6, 0.9})) {
    EXPECT_EQ(adjusted, 1.0);
  }
}

TEST(HolmAdjust, OneTestIsUnchanged) {
  const std::vector<double> adjusted = holm_adjust({0.03});
  ASSERT_EQ(adjusted.size(), 1u);
  EXPECT_EQ(adjusted[0], 0.03);
  EXPECT_TRUE(holm_adjust({}).empty());
}

TEST(HolmAdjust, RejectsInvalidPValue) {
  EXPECT_THROW(holm_adjust({0.2, 1.5}), Error);
  EXPECT_THROW(holm_adjust({std::nan("")}), Error);
}

// python3 -c "import numpy as np; print(repr(np.percentile([1.,2.,4.,8.,16.],2.5)),
//   repr(np.percentile([1.,2.,4.,8.,16.],97.5)), repr(np.percentile([-0.5,0.25,1.],50)))"
TEST(PercentileOfSorted, MatchesNumpyLinear) {
  const std::vector<double> values = {1.0, 2.0, 4.0, 8.0, 16.0};
  EXPECT_NEAR(percentile_of_sorted(values, 0.025), 1.1, kTolerance);
  EXPECT_NEAR(percentile_of_sorted(values, 0.975), 15.2, kTolerance);
  EXPECT_NEAR(percentile_of_sorted({-0.5, 0.25, 1.0}, 0.5), 0.25, kTolerance);
  EXPECT_THROW(percentile_of_sorted({}, 0.5), Error);
}

}  // namespace
}  // namespace qa::analysis
