// Paired-test statistics on per-item correctness: the exact McNemar test,
// the Wilson score interval and the Holm step-down adjustment. Pure
// functions; the distributions come from Boost.Math.
#pragma once

#include <cstdint>
#include <vector>

namespace qa::analysis {

// Two-sided exact McNemar p value for b discordant losses and c discordant
// gains: min(1, 2 * P[X <= min(b, c)]) with X ~ Binomial(b + c, 1/2).
// Returns 1 when b + c = 0 (no discordant pair carries no evidence).
double mcnemar_exact_p(int64_t b, int64_t c);

struct ProportionInterval {
  double low = 0;
  double high = 0;
};

// Wilson score interval for `successes` out of n at the given two-sided
// confidence (0.95 gives z = 1.959963984540054 from the normal quantile).
// Throws qa::Error when n <= 0, successes is outside [0, n] or the
// confidence is outside (0, 1): an interval over no items is undefined.
ProportionInterval wilson_interval(int64_t successes, int64_t n, double confidence = 0.95);

// Holm step-down adjusted p values, in the order of the input. With the raw
// p values sorted ascending p(1) <= ... <= p(m), the adjusted value of p(i)
// is max over j <= i of min(1, (m - j + 1) * p(j)), so adjusted values are
// monotone in the raw ones and capped at 1. Ties keep their input order.
std::vector<double> holm_adjust(const std::vector<double>& p_values);

// Percentile of sorted values with linear interpolation between order
// statistics at position (size - 1) * fraction, which is numpy.percentile's
// default ("linear") method. Throws qa::Error when values is empty.
double percentile_of_sorted(const std::vector<double>& sorted_values, double fraction);

}  // namespace qa::analysis
