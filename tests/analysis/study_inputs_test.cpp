#include "analysis/study_inputs.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/files.h"
#include "support/paths.h"

namespace qa::analysis {
namespace {

RungEntry make_rung(const std::string& name, double bits, std::optional<std::string> identical = {},
                    const std::string& status = "ok") {
  RungEntry entry;
  entry.name = name;
  entry.bits_per_weight = bits;
  entry.identical_to = std::move(identical);
  entry.status = status;
  return entry;
}

TEST(PlanRungs, NoiseFloorFirstThenLadderOrder) {
  LadderManifest manifest;
  manifest.reference.path = "/models/model-f32.gguf";
  manifest.reference.bits_per_weight = 32;
  manifest.rungs = {make_rung("F16", 16), make_rung("Q8_0", 8.5), make_rung("Q6_K", 6.5625, "Q8_0"),
                    make_rung("Q5_K_M", 5.5, "Q6_K"), make_rung("Q4_K_M", 4.875, {}, "failed"),
                    make_rung("Q2_K", 2.625)};

  const std::vector<RungSpec> rungs =
      plan_rungs(manifest, {"reference", "reference-rerun", "F16", "Q8_0", "Q2_K"});
  ASSERT_EQ(rungs.size(), 6u);

  EXPECT_EQ(rungs[0].name, "reference-rerun");
  EXPECT_TRUE(rungs[0].noise_floor);
  EXPECT_EQ(rungs[0].bits_per_weight, 32);
  EXPECT_EQ(rungs[1].name, "F16");
  EXPECT_TRUE(rungs[1].noise_floor);
  EXPECT_EQ(rungs[1].bits_per_weight, 16);

  EXPECT_EQ(rungs[2].name, "Q8_0");
  EXPECT_FALSE(rungs[2].noise_floor);
  // identical_to chains resolve to the rung that has the rows.
  EXPECT_EQ(rungs[3].name, "Q6_K");
  EXPECT_EQ(rungs[3].rows_rung, "Q8_0");
  EXPECT_EQ(rungs[4].name, "Q5_K_M");
  EXPECT_EQ(rungs[4].rows_rung, "Q8_0");
  EXPECT_EQ(rungs[4].bits_per_weight, 5.5);
  // The failed Q4_K_M is left out.
  EXPECT_EQ(rungs[5].name, "Q2_K");
}

// `ladder --rungs Q2_K,Q4_K_M,Q8_0` writes the manifest in that order; a
// family degraded only at Q2_K must still die at Q2_K with nothing below it.
TEST(PlanRungs, LowPrecisionFirstIsReordered) {
  LadderManifest manifest;
  manifest.reference.bits_per_weight = 32;
  manifest.rungs = {make_rung("Q2_K", 2.625), make_rung("Q4_K_M", 4.875),
                    make_rung("Q6_K", 4.875), make_rung("Q8_0", 8.5)};

  const std::vector<RungSpec> rungs = plan_rungs(manifest, {"reference", "reference-rerun"});
  ASSERT_EQ(rungs.size(), 5u);

  EXPECT_EQ(rungs[0].name, "reference-rerun");
  EXPECT_EQ(rungs[1].name, "Q8_0");
  // Equal bits per weight keep the manifest order.
  EXPECT_EQ(rungs[2].name, "Q4_K_M");
  EXPECT_EQ(rungs[3].name, "Q6_K");
  EXPECT_EQ(rungs[4].name, "Q2_K");
}

TEST(PlanRungs, IdenticalToCycleIsAnError) {
  LadderManifest manifest;
  manifest.rungs = {make_rung("Q8_0", 8.5, "Q6_K"), make_rung("Q6_K", 6.5625, "Q8_0")};
  EXPECT_THROW(plan_rungs(manifest, {}), Error);
}

TEST(ModelName, DropsGgufExtension) {
  LadderManifest manifest;
  manifest.reference.path = "/work/models/stories260K.gguf";
  EXPECT_EQ(model_name(manifest), "stories260K");
}

TEST(ReadCalibration, ParsesVerdicts) {
  test::ScopedTempDir directory;
  const fs::path path = directory.path() / "calibration.csv";
  write_file_atomically(path,
                        "# battery_hash=abc\n"
                        "family,kind,level,n,n_correct,accuracy,chance,usable,reason,control\n"
                        "arith,generate,2,100,60,0.6,0,true,usable,false\n"
                        "logic,choice,1,100,97,0.97,0.25,false,accuracy 0.97 is above the ceiling 0.95,false\n");
  const auto baselines = read_calibration(path);
  ASSERT_EQ(baselines.size(), 2u);
  EXPECT_TRUE(baselines.at("arith").usable);
  EXPECT_FALSE(baselines.at("logic").usable);
  EXPECT_EQ(baselines.at("logic").reason, "accuracy 0.97 is above the ceiling 0.95");
}

TEST(ReadCalibration, RejectsMalformedRows) {
  test::ScopedTempDir directory;
  const fs::path path = directory.path() / "calibration.csv";

  write_file_atomically(path, "family,level,n,accuracy,usable,reason\narith,1,10,0.5,maybe,x\n");
  EXPECT_THROW(read_calibration(path), Error);

  write_file_atomically(path,
                        "family,level,n,accuracy,usable,reason\n"
                        "arith,1,10,0.5,true,usable\n"
                        "arith,2,10,0.5,true,usable\n");
  EXPECT_THROW(read_calibration(path), Error);

  write_file_atomically(path, "family,level,n,accuracy,reason\narith,1,10,0.5,usable\n");
  EXPECT_THROW(read_calibration(path), Error);

  EXPECT_THROW(read_calibration(directory.path() / "missing.csv"), Error);
}

}  // namespace
}  // namespace qa::analysis
