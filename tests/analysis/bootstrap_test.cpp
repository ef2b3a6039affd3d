#include "analysis/bootstrap.h"

#include <random>

#include <gtest/gtest.h>

#include "common/error.h"

namespace qa::analysis {
namespace {

// 40 paired items: 20 both correct, 12 losses, 3 gains, 5 both wrong, so the
// accuracy difference is (3 - 12) / 40 = -0.225.
void make_items(std::vector<uint8_t>& reference, std::vector<uint8_t>& quant) {
  const auto add = [&](int count, uint8_t reference_value, uint8_t quant_value) {
    for (int i = 0; i < count; ++i) {
      reference.push_back(reference_value);
      quant.push_back(quant_value);
    }
  };
  add(20, 1, 1);
  add(12, 1, 0);
  add(3, 0, 1);
  add(5, 0, 0);
}

TEST(PortableIndexSampler, EngineMatchesStandardSequence) {
  // The C++ standard ([rand.predef]) fixes the 10000th output of a
  // default-constructed std::mt19937_64 (seed 5489) as 9981545732273789042,
  // which is why the sampler's draws are the same on every conforming library.
  std::mt19937_64 engine;
  engine.discard(9999);
  EXPECT_EQ(engine(), 9981545732273789042ULL);
}

TEST(PortableIndexSampler, IndicesStayInRange) {
  PortableIndexSampler sampler(7);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 3000; ++i) {
    const uint64_t index = sampler.next_index(3);
    ASSERT_LT(index, 3u);
    ++counts[index];
  }
  for (const int count : counts) {
    EXPECT_GT(count, 900);
    EXPECT_LT(count, 1100);
  }
  EXPECT_THROW(sampler.next_index(0), Error);
}

TEST(DeriveSeed, DependsOnSeedAndLabel) {
  EXPECT_EQ(derive_seed(1, "arith/Q4_K_M"), derive_seed(1, "arith/Q4_K_M"));
  EXPECT_NE(derive_seed(1, "arith/Q4_K_M"), derive_seed(2, "arith/Q4_K_M"));
  EXPECT_NE(derive_seed(1, "arith/Q4_K_M"), derive_seed(1, "arith/Q3_K_M"));
}

TEST(PairedBootstrap, SameSeedSameInterval) {
  std::vector<uint8_t> reference;
  std::vector<uint8_t> quant;
  make_items(reference, quant);

  const BootstrapInterval first = paired_bootstrap_interval(reference, quant, 2000, 99);
  const BootstrapInterval second = paired_bootstrap_interval(reference, quant, 2000, 99);
  EXPECT_EQ(first.low, second.low);
  EXPECT_EQ(first.high, second.high);
}

// python3 -c "import numpy as np; from scipy.stats import bootstrap;
//   d=np.array([0]*20+[-1]*12+[1]*3+[0]*5,float);
//   print(bootstrap((d,),np.mean,n_resamples=10000,method='percentile',random_state=1)
//   .confidence_interval)"
// gives (-0.4, -0.05). Different generators draw different resamples, so
// the bounds agree to Monte Carlo error (one item is 0.025), not exactly.
TEST(PairedBootstrap, AgreesWithScipyPercentileBootstrap) {
  std::vector<uint8_t> reference;
  std::vector<uint8_t> quant;
  make_items(reference, quant);

  const BootstrapInterval interval = paired_bootstrap_interval(reference, quant, 10000, 1);
  EXPECT_NEAR(interval.low, -0.4, 0.026);
  EXPECT_NEAR(interval.high, -0.05, 0.026);
  EXPECT_LT(interval.low, -0.225);
  EXPECT_GT(interval.high, -0.225);
}

TEST(PairedBootstrap, NoFlipsGivesZeroWidth) {
  const std::vector<uint8_t> all_correct(25, 1);
  const BootstrapInterval interval = paired_bootstrap_interval(all_correct, all_correct, 500, 3);
  EXPECT_EQ(interval.low, 0.0);
  EXPECT_EQ(interval.high, 0.0);
}

TEST(PairedBootstrap, AllLossesGivesMinusOne) {
  const std::vector<uint8_t> reference(8, 1);
  const std::vector<uint8_t> quant(8, 0);
  const BootstrapInterval interval = paired_bootstrap_interval(reference, quant, 500, 3);
  EXPECT_EQ(interval.low, -1.0);
  EXPECT_EQ(interval.high, -1.0);
}

TEST(PairedBootstrap, RejectsBadInput) {
  const std::vector<uint8_t> two(2, 1);
  const std::vector<uint8_t> three(3, 1);
  EXPECT_THROW(paired_bootstrap_interval(two, three, 100, 1), Error);
  EXPECT_THROW(paired_bootstrap_interval({}, {}, 100, 1), Error);
  EXPECT_THROW(paired_bootstrap_interval(two, two, 0, 1), Error);
}

}  // namespace
}  // namespace qa::analysis
