// The failure sampler on the fixture's hand-made store, whose flips are
// known: at Q4_K_M, arithmetic items 0-9 are lost, item 30 is gained and
// items 31-39 are wrong on both rungs.
#include <set>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "report/failure_sampler.h"
#include "report/study_fixture.h"
#include "support/paths.h"

namespace qa::report {
namespace {

using test::ScopedTempDir;

class FailureSamplerTest : public ::testing::Test {
 protected:
  void SetUp() override { test::write_study_fixture(folder_.path()); }

  FailureSampling sample(const std::string& family, const std::string& rung, FlipMode mode,
                         size_t n, uint64_t seed) {
    FailureQuery query;
    query.family = family;
    query.rung = rung;
    query.mode = mode;
    query.n = n;
    query.seed = seed;
    return sample_failures(StudyLayout{folder_.path()}, query);
  }

  ScopedTempDir folder_;
};

int item_index(const std::string& item_id) { return std::stoi(item_id.substr(item_id.size() - 4)); }

TEST_F(FailureSamplerTest, PopulationPerMode) {
  EXPECT_EQ(sample("arithmetic", "Q4_K_M", FlipMode::kRefCorrectQuantWrong, 25, 1).population, 10u);
  EXPECT_EQ(sample("arithmetic", "Q4_K_M", FlipMode::kRefWrongQuantCorrect, 25, 1).population, 1u);
  EXPECT_EQ(sample("arithmetic", "Q4_K_M", FlipMode::kBothWrong, 25, 1).population, 9u);
  EXPECT_EQ(sample("recall", "Q2_K", FlipMode::kRefCorrectQuantWrong, 25, 1).population, 17u);
}

TEST_F(FailureSamplerTest, SamplesComeFromTheMode) {
  const auto sampling = sample("arithmetic", "Q4_K_M", FlipMode::kRefCorrectQuantWrong, 4, 7);
  EXPECT_EQ(sampling.paired_items, 40u);
  ASSERT_EQ(sampling.samples.size(), 4u);
  std::set<std::string> ids;
  for (const auto& item : sampling.samples) {
    const int index = item_index(item.item_id);
    EXPECT_LT(index, 10) << item.item_id;
    EXPECT_EQ(item.expected, std::to_string(index));
    EXPECT_EQ(item.reference_output, std::to_string(index));
    EXPECT_EQ(item.rung_output, "wrong" + std::to_string(index));
    EXPECT_EQ(item.prompt, "Q: arithmetic question " + std::to_string(index) + "?\nA:");
    ids.insert(item.item_id);
  }
  EXPECT_EQ(ids.size(), 4u);
}

TEST_F(FailureSamplerTest, GainModeReturnsGainedItem) {
  const auto sampling = sample("arithmetic", "Q4_K_M", FlipMode::kRefWrongQuantCorrect, 25, 1);
  ASSERT_EQ(sampling.samples.size(), 1u);
  EXPECT_EQ(sampling.samples[0].item_id, "arithmetic-L1-0030");
  EXPECT_EQ(sampling.samples[0].rung_output, "30");
}

TEST_F(FailureSamplerTest, SameSeedSameSample) {
  const auto first = sample("recall", "Q2_K", FlipMode::kRefCorrectQuantWrong, 5, 42);
  const auto second = sample("recall", "Q2_K", FlipMode::kRefCorrectQuantWrong, 5, 42);
  ASSERT_EQ(first.samples.size(), 5u);
  ASSERT_EQ(second.samples.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(first.samples[i].item_id, second.samples[i].item_id);
  }
}

TEST_F(FailureSamplerTest, SeedsDrawDifferentSamples) {
  std::set<std::vector<std::string>> draws;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    std::vector<std::string> ids;
    for (const auto& item : sample("recall", "Q2_K", FlipMode::kRefCorrectQuantWrong, 3, seed).samples) {
      ids.push_back(item.item_id);
    }
    draws.insert(ids);
  }
  // 680 possible 3-item draws from 17; eight seeds giving one draw would
  // mean the seed is ignored.
  EXPECT_GT(draws.size(), 1u);
}

TEST_F(FailureSamplerTest, LargeNReturnsWholePopulation) {
  const auto sampling = sample("arithmetic", "Q2_K", FlipMode::kRefCorrectQuantWrong, 100, 3);
  EXPECT_EQ(sampling.population, 20u);
  EXPECT_EQ(sampling.samples.size(), 20u);
}

TEST_F(FailureSamplerTest, UnknownFamilyIsRejected) {
  try {
    sample("geometry", "Q4_K_M", FlipMode::kBothWrong, 5, 1);
    FAIL() << "no error for an unknown family";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("geometry"), std::string::npos);
  }
}

TEST_F(FailureSamplerTest, UnknownRungIsRejected) {
  try {
    sample("arithmetic", "Q5_K_M", FlipMode::kBothWrong, 5, 1);
    FAIL() << "no error for a rung without rows";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("Q5_K_M"), std::string::npos);
  }
}

TEST(FlipModeNames, RoundTripAndReject) {
  for (const auto mode : {FlipMode::kRefCorrectQuantWrong, FlipMode::kRefWrongQuantCorrect,
                          FlipMode::kBothWrong}) {
    EXPECT_EQ(flip_mode_from_name(flip_mode_name(mode)), mode);
  }
  EXPECT_THROW(flip_mode_from_name("losses"), Error);
}

TEST_F(FailureSamplerTest, CliPrintsTextAndJson) {
  const std::string study = "'" + folder_.path().string() + "'";
  const auto text = test::run_cli("failures " + study +
                                  " --family arithmetic --rung Q4_K_M --mode both_wrong --n 2 "
                                  "--seed 5");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("9 items of family arithmetic at rung Q4_K_M are both_wrong"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("--- prompt\nQ: arithmetic question 3"), std::string::npos)
      << text.out;

  const auto json_run = test::run_cli("failures " + study +
                                      " --family arithmetic --rung Q4_K_M --mode both_wrong "
                                      "--n 2 --seed 5 --json");
  ASSERT_EQ(json_run.exit_code, 0) << json_run.err;
  const auto json = nlohmann::json::parse(json_run.out);
  EXPECT_EQ(json["population"], 9);
  ASSERT_EQ(json["samples"].size(), 2u);
  EXPECT_EQ(json["samples"][0]["reference_output"].get<std::string>().rfind("wrong", 0), 0u);
}

TEST_F(FailureSamplerTest, CliRejectsUnknownMode) {
  const auto result = test::run_cli("failures '" + folder_.path().string() +
                                    "' --family arithmetic --rung Q4_K_M --mode losses");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("ref_correct_quant_wrong"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace qa::report
