#include "analysis/statistics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <fmt/core.h>

#include "common/error.h"

namespace qa::analysis {

double mcnemar_exact_p(int64_t b, int64_t c) {
  if (b < 0 || c < 0) {
    throw Error(fmt::format("McNemar counts must be non-negative, got b = {} and c = {}", b, c));
  }
  const int64_t discordant = b + c;
  if (discordant == 0) {
    return 1.0;
  }

  const boost::math::binomial_distribution<double> distribution(static_cast<double>(discordant),
                                                                0.5);
  const double tail = boost::math::cdf(distribution, static_cast<double>(std::min(b, c)));
  return std::min(1.0, 2.0 * tail);
}

ProportionInterval wilson_interval(int64_t successes, int64_t n, double confidence) {
  if (n <= 0) {
    throw Error(fmt::format("Wilson interval needs at least one item, got n = {}", n));
  }
  if (successes < 0 || successes > n) {
    throw Error(fmt::format("Wilson interval: successes = {} is outside [0, n = {}]", successes, n));
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw Error(fmt::format("Wilson interval: confidence {} is outside (0, 1)", confidence));
  }

  const boost::math::normal_distribution<double> standard_normal(0.0, 1.0);
  const double z = boost::math::quantile(standard_normal, 0.5 + confidence / 2);
  const double z2 = z * z;
  const double count = static_cast<double>(n);
  const double p = static_cast<double>(successes) / count;

  // Center and half width of the score interval, both scaled by 1 / (1 + z^2 / n).
  const double denominator = 1 + z2 / count;
  const double center = (p + z2 / (2 * count)) / denominator;
  const double half_width =
      z / denominator * std::sqrt(p * (1 - p) / count + z2 / (4 * count * count));

  // At 0 or n successes the bound on that side is exactly 0 or 1. Setting it
  // directly keeps rounding in center +- half_width from giving 0.9999999999999999.
  const double low = successes == 0 ? 0.0 : std::max(0.0, center - half_width);
  const double high = successes == n ? 1.0 : std::min(1.0, center + half_width);
  return {low, high};
}

std::vector<double> holm_adjust(const std::vector<double>& p_values) {
  for (const double p : p_values) {
    if (!(p >= 0 && p <= 1)) {
      throw Error(fmt::format("Holm adjustment: p value {} is outside [0, 1]", p));
    }
  }

  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t left, size_t right) { return p_values[left] < p_values[right]; });

  std::vector<double> adjusted(m);
  double running_max = 0;
  for (size_t rank = 0; rank < m; ++rank) {
    const double p = p_values[order[rank]];
    const double scaled = std::min(1.0, static_cast<double>(m - rank) * p);
    running_max = std::max(running_max, scaled);
    adjusted[order[rank]] = running_max;
  }
  return adjusted;
}

double percentile_of_sorted(const std::vector<double>& sorted_values, double fraction) {
  if (sorted_values.empty()) {
    throw Error("percentile of an empty sample is undefined");
  }
  const double position = static_cast<double>(sorted_values.size() - 1) * fraction;
  const auto lower = static_cast<size_t>(std::floor(position));
  const size_t upper = std::min(lower + 1, sorted_values.size() - 1);
  const double weight = position - static_cast<double>(lower);
  return sorted_values[lower] + weight * (sorted_values[upper] - sorted_values[lower]);
}

}  // namespace qa::analysis
