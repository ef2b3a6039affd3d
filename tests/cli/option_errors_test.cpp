// Command-line parse errors: one "quant-autopsy: error:" line that names the
// option, and exit status 2 like every other bad input.
#include <gtest/gtest.h>

#include <string>

#include "support/paths.h"

namespace qa {
namespace {

void expect_bad_option(const std::string& arguments, const std::string& expected_text) {
  const test::CommandResult result = test::run_cli(arguments);
  EXPECT_EQ(result.exit_code, 2) << arguments << "\n" << result.err;
  EXPECT_EQ(result.err.rfind("quant-autopsy: error: ", 0), 0u) << result.err;
  EXPECT_NE(result.err.find(expected_text), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("1797"), std::string::npos) << "range shown as a 300-digit number: " << result.err;
}

TEST(OptionErrors, ZeroLimitNamesRule) {
  expect_bad_option("sweep /nonexistent-study --limit 0", "--limit: must be a whole number of at least 1, got '0'");
}

TEST(OptionErrors, NegativeThreadsNamesRule) {
  expect_bad_option("ladder model.gguf --out /nonexistent-study --threads -1",
                    "--threads: must be a whole number of at least 0, got '-1'");
}

TEST(OptionErrors, HugeValueIsBadInput) {
  expect_bad_option("calibrate /nonexistent-study --items 99999999999999", "--items");
}

TEST(OptionErrors, UnknownOptionIsBadInput) {
  expect_bad_option("analyze /nonexistent-study --bogus", "--bogus");
}

TEST(OptionErrors, MissingSubcommandIsBadInput) {
  expect_bad_option("", "subcommand");
}

TEST(OptionErrors, TargetAccuracyAboveOne) {
  expect_bad_option("calibrate /nonexistent-study --target-accuracy 7",
                    "--target-accuracy: must be an accuracy between 0 and 1, got '7'");
}

TEST(OptionErrors, NegativeMinCorrect) {
  expect_bad_option("calibrate /nonexistent-study --min-correct -5",
                    "--min-correct: must be a whole number of at least 0, got '-5'");
}

// An empty --out would put the study into the current folder.
TEST(OptionErrors, EmptyOutIsRejected) {
  const test::CommandResult spaced =
      test::run_cli("transfer /nonexistent-a /nonexistent-b --out ''");
  EXPECT_EQ(spaced.exit_code, 2) << spaced.err;
  EXPECT_NE(spaced.err.find("an empty argument after '--out'"), std::string::npos) << spaced.err;

  const test::CommandResult joined = test::run_cli("ladder model.gguf --out=");
  EXPECT_EQ(joined.exit_code, 2) << joined.err;
  EXPECT_NE(joined.err.find("an empty value for --out"), std::string::npos) << joined.err;
}

TEST(OptionErrors, EmptyStudyIsRejected) {
  expect_bad_option("analyze ''", "an empty argument after 'analyze'");
}

TEST(OptionErrors, HelpStillExitsZero) {
  const test::CommandResult result = test::run_cli("sweep --help");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("--limit"), std::string::npos);
}

}  // namespace
}  // namespace qa
