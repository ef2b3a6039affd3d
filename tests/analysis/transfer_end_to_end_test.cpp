// transfer on two hand-made analysed study folders with known expected
// values: every output file and cell, and the rejections.
//
// Study A and study B have the same six-rung ladder, but B's sweep was
// targeted: only Q4_K_M, Q3_K_M and Q2_K were analysed. They share six usable
// families; "emotion" is usable on A only and "phrase" on
// neither. Death ranks over the common families, sorted by name (arith, copy,
// negation, plural, pronoun, tense): A = [5, 5, 4, 5, 6, 6] (6 = survives
// after six rungs), B = [3, 4, 4, 5, 6, 5], which orders the families as
// [0, 1, 1, 2, 3, 2] does. Reference values, with /usr/bin/python3 and the perm_p function written out
// in transfer_kendall_test.cpp:
//   kendalltau([5,5,4,5,6,6], [0,1,1,2,3,2]).statistic -> 0.5853694070049635
//   perm_p([5,5,4,5,6,6], [0,1,1,2,3,2], 10000, 20261204) -> 0.23507649235076492
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/transfer_report.h"
#include "common/csv.h"
#include "common/error.h"
#include "common/files.h"
#include "common/study.h"
#include "ladder/manifest.h"
#include "support/paths.h"

namespace qa {
namespace {

struct HandMadeStudy {
  std::string model;
  std::string battery_hash = "battery-0123";
  std::vector<std::string> rungs;
  std::vector<std::string> analysed;  // rungs with paired_significance rows; empty: all
  // family -> usable; families absent here are not in calibration.csv.
  std::map<std::string, bool> usable;
  // usable family -> death rung ("" survives); degraded from there down.
  std::map<std::string, std::string> deaths;
};

void write_study(const fs::path& root, const HandMadeStudy& spec) {
  const StudyLayout layout{root};
  write_file_atomically(layout.battery_manifest(),
                        nlohmann::json{{"battery_hash", spec.battery_hash}}.dump());

  LadderManifest ladder;
  ladder.llama_cpp_commit = "test";
  ladder.reference.path = "/models/" + spec.model + ".gguf";
  ladder.reference.file_type = "F32";
  for (const auto& name : spec.rungs) {
    RungEntry rung;
    rung.name = name;
    rung.file = "ladder/" + name + ".gguf";
    ladder.rungs.push_back(rung);
  }
  write_file_atomically(layout.ladder_manifest(), nlohmann::json(ladder).dump(2));

  CsvWriter calibration({"family", "level", "n", "accuracy", "usable", "reason"});
  for (const auto& [family, usable] : spec.usable) {
    calibration.add_row({family, "3", "100", usable ? "0.6" : "0.99", usable ? "true" : "false",
                         usable ? "inside the usable band" : "above the usable band"});
  }
  write_file_atomically(layout.calibration_csv(), calibration.str());

  CsvWriter death_order({"rank", "family", "death_rung", "death_bits_per_weight", "persistent"});
  CsvWriter significance({"family", "rung", "b", "c", "p_value", "p_holm", "acc_diff",
                          "boot_ci_low", "boot_ci_high", "degraded"});
  int rank = 1;
  for (const auto& [family, death] : spec.deaths) {
    death_order.add_row({std::to_string(rank++), family, death.empty() ? "survives" : death,
                         death.empty() ? "" : "4.5", death.empty() ? "" : "true"});
    bool dead = false;
    for (const auto& rung : spec.rungs) {
      dead = dead || rung == death;
      if (!spec.analysed.empty() &&
          std::find(spec.analysed.begin(), spec.analysed.end(), rung) == spec.analysed.end()) {
        continue;
      }
      significance.add_row({family, rung, dead ? "20" : "1", "1", dead ? "1e-5" : "1",
                            dead ? "1e-4" : "1", dead ? "-0.19" : "0", "-0.3", "0.0",
                            dead ? "true" : "false"});
    }
  }
  // A noise-floor row, which is not on the ladder and never counts.
  significance.add_row({"arith", "reference-rerun", "0", "0", "1", "", "0", "0", "0", ""});
  write_file_atomically(layout.analysis_dir() / "death_order.csv", death_order.str());
  write_file_atomically(layout.analysis_dir() / "paired_significance.csv", significance.str());

  CsvWriter headline({"model", "q4_degraded", "q3_degraded", "q2_degraded", "conclusion"});
  headline.add_row({spec.model, "", "", "", "written by analyze"});
  write_file_atomically(layout.analysis_dir() / "headline.csv", headline.str());
  write_file_atomically(layout.analysis_dir() / "settings.json",
                        nlohmann::json{{"battery_hash", spec.battery_hash}}.dump());
}

HandMadeStudy study_a() {
  HandMadeStudy spec;
  spec.model = "model-a";
  spec.rungs = {"Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K"};
  spec.usable = {{"arith", true},  {"copy", true},    {"emotion", true}, {"negation", true},
                 {"phrase", false}, {"plural", true}, {"pronoun", true}, {"tense", true}};
  spec.deaths = {{"arith", "Q2_K"},    {"copy", "Q2_K"},   {"emotion", "Q4_K_M"},
                 {"negation", "Q3_K_M"}, {"plural", "Q2_K"}, {"pronoun", ""},
                 {"tense", ""}};
  return spec;
}

HandMadeStudy study_b() {
  HandMadeStudy spec;
  spec.model = "model-b";
  spec.rungs = {"Q8_0", "Q6_K", "Q5_K_M", "Q4_K_M", "Q3_K_M", "Q2_K"};
  spec.analysed = {"Q4_K_M", "Q3_K_M", "Q2_K"};
  spec.usable = {{"arith", true},  {"copy", true},    {"emotion", false}, {"negation", true},
                 {"phrase", false}, {"plural", true}, {"pronoun", true},  {"tense", true}};
  spec.deaths = {{"arith", "Q4_K_M"},  {"copy", "Q3_K_M"}, {"negation", "Q3_K_M"},
                 {"plural", "Q2_K"},   {"pronoun", ""},    {"tense", "Q2_K"}};
  return spec;
}

// Cell of the row whose `key_column` equals `key`.
std::string cell(const CsvTable& table, const std::string& key_column, const std::string& key,
                 const std::string& column) {
  const size_t key_index = table.column(key_column);
  for (const auto& row : table.rows) {
    if (row[key_index] == key) {
      return row[table.column(column)];
    }
  }
  ADD_FAILURE() << "no row with " << key_column << " = " << key;
  return "";
}

class TransferEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    write_study(dir_.path() / "a", study_a());
    write_study(dir_.path() / "b", study_b());
  }
  fs::path a() const { return dir_.path() / "a"; }
  fs::path b() const { return dir_.path() / "b"; }
  fs::path out() const { return dir_.path() / "out"; }

  test::ScopedTempDir dir_;
};

TEST_F(TransferEndToEnd, WritesPairsWithReferenceValues) {
  run_transfer({a(), b()}, out(), TransferOptions{}, false);
  const CsvTable pairs = read_csv(out() / "transfer_pairs.csv");

  ASSERT_EQ(pairs.rows.size(), 3u);  // one row per rung analysed on both
  for (const auto& row : pairs.rows) {
    EXPECT_EQ(row[pairs.column("model_a")], "model-a");
    EXPECT_EQ(row[pairs.column("model_b")], "model-b");
    EXPECT_EQ(row[pairs.column("common_families")], "6");
    EXPECT_EQ(row[pairs.column("families")], "arith;copy;negation;plural;pronoun;tense");
    EXPECT_NEAR(std::stod(row[pairs.column("kendall_tau_b")]), 0.5853694070049635, 1e-12);
    EXPECT_NEAR(std::stod(row[pairs.column("permutation_p")]), 0.23507649235076492, 1e-12);
    EXPECT_EQ(row[pairs.column("permutations")], "10000");
    EXPECT_EQ(row[pairs.column("seed")], "20261204");
    EXPECT_EQ(row[pairs.column("verdict")], "the transfer claim does not hold");
  }

  EXPECT_EQ(cell(pairs, "rung", "Q4_K_M", "degraded_families_a"), "");
  EXPECT_EQ(cell(pairs, "rung", "Q4_K_M", "degraded_families_b"), "arith");
  EXPECT_EQ(cell(pairs, "rung", "Q4_K_M", "jaccard"), "0");
  EXPECT_EQ(cell(pairs, "rung", "Q3_K_M", "degraded_families_a"), "negation");
  EXPECT_EQ(cell(pairs, "rung", "Q3_K_M", "degraded_both"), "1");
  EXPECT_NEAR(std::stod(cell(pairs, "rung", "Q3_K_M", "jaccard")), 1.0 / 3.0, 1e-15);
  EXPECT_EQ(cell(pairs, "rung", "Q2_K", "degraded_a"), "4");
  EXPECT_EQ(cell(pairs, "rung", "Q2_K", "degraded_b"), "5");
  EXPECT_DOUBLE_EQ(std::stod(cell(pairs, "rung", "Q2_K", "jaccard")), 0.8);
  EXPECT_NE(pairs.comments.at(0).find("battery-0123"), std::string::npos);
}

TEST_F(TransferEndToEnd, WritesFamiliesAndHeadline) {
  run_transfer({a(), b()}, out(), TransferOptions{}, false);

  const CsvTable families = read_csv(out() / "transfer_families.csv");
  ASSERT_EQ(families.rows.size(), 8u);
  EXPECT_EQ(cell(families, "family", "arith", "model-a_death_rung"), "Q2_K");
  EXPECT_EQ(cell(families, "family", "arith", "model-b_death_rung"), "Q4_K_M");
  EXPECT_EQ(cell(families, "family", "arith", "agreement"), "no");
  EXPECT_EQ(cell(families, "family", "pronoun", "agreement"), "yes");
  EXPECT_EQ(cell(families, "family", "pronoun", "model-b_death_rung"), "survives");
  EXPECT_EQ(cell(families, "family", "plural", "agreement"), "yes");
  EXPECT_EQ(cell(families, "family", "emotion", "model-a_usable"), "true");
  EXPECT_EQ(cell(families, "family", "emotion", "model-b_usable"), "false");
  EXPECT_EQ(cell(families, "family", "emotion", "model-b_death_rung"), "");
  EXPECT_EQ(cell(families, "family", "emotion", "agreement"),
            "n/a (no usable baseline on model-b)");
  EXPECT_EQ(cell(families, "family", "phrase", "agreement"),
            "n/a (no usable baseline on model-a, model-b)");

  const CsvTable headline = read_csv(out() / "headline.csv");
  ASSERT_EQ(headline.rows.size(), 2u);
  EXPECT_EQ(cell(headline, "model", "model-a", "usable_families"), "7");
  EXPECT_EQ(cell(headline, "model", "model-a", "q4_degraded"), "1");
  EXPECT_EQ(cell(headline, "model", "model-a", "q3_degraded"), "2");
  EXPECT_EQ(cell(headline, "model", "model-a", "q2_degraded"), "5");
  EXPECT_EQ(cell(headline, "model", "model-a", "conclusion"), "earlier Q4/Q3 degradation");
  EXPECT_EQ(cell(headline, "model", "model-b", "q4_degraded"), "1");
  EXPECT_EQ(cell(headline, "model", "model-b", "q3_degraded"), "3");
  EXPECT_EQ(cell(headline, "model", "model-b", "q2_degraded"), "5");
  bool rule_stated = false;
  for (const auto& comment : headline.comments) {
    rule_stated = rule_stated || comment.rfind("conclusion rule", 0) == 0;
  }
  EXPECT_TRUE(rule_stated);
}

TEST_F(TransferEndToEnd, WritesReportWithChartAndVerdict) {
  run_transfer({a(), b()}, out(), TransferOptions{}, false);

  const std::string markdown = read_file(out() / "TRANSFER.md");
  EXPECT_NE(markdown.find("the transfer claim does not hold"), std::string::npos);
  EXPECT_NE(markdown.find("safe at Q4_K_M on model-a but not on model-b"), std::string::npos);
  EXPECT_NE(markdown.find("| Q4_K_M | yes | no | failed | no claim (not safe) |"),
            std::string::npos);
  EXPECT_NE(markdown.find("Tokenizers usually differ"), std::string::npos);
  EXPECT_NE(markdown.find("emotion (usable on model-a only)"), std::string::npos);
  EXPECT_NE(markdown.find("Rungs, model-b: Q8_0, Q6_K, Q5_K_M are on the ladder but were not "
                          "analysed"),
            std::string::npos);
  EXPECT_EQ(markdown.find("Rungs, model-a"), std::string::npos);

  const std::string html = read_file(out() / "TRANSFER.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("<?xml"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org"))
      << "the only URLs allowed are SVG namespace names";
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_NE(html.find("model-b"), std::string::npos);
  EXPECT_NE(html.find("negation"), std::string::npos);
}

TEST_F(TransferEndToEnd, RejectsMismatchedBatteries) {
  HandMadeStudy other = study_b();
  other.battery_hash = "battery-9999";
  write_study(b(), other);

  try {
    run_transfer({a(), b()}, out(), TransferOptions{}, false);
    FAIL() << "expected a battery mismatch error";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("battery-9999"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("battery-0123"), std::string::npos);
  }
  EXPECT_FALSE(fs::exists(out()));
}

TEST_F(TransferEndToEnd, RejectsStudyWithoutAnalysis) {
  // Calibrated and swept, but not analysed.
  for (const char* name :
       {"death_order.csv", "paired_significance.csv", "headline.csv", "settings.json"}) {
    fs::remove(b() / "analysis" / name);
  }
  write_file_atomically(StudyLayout{b()}.results_db(), "stands in for the results store");
  try {
    run_transfer({a(), b()}, out(), TransferOptions{}, false);
    FAIL() << "expected a missing-analysis error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("has no analysis"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("quant-autopsy analyze " + b().string()),
              std::string::npos);
  }
  EXPECT_FALSE(fs::exists(out()));
}

TEST_F(TransferEndToEnd, NamesStepForGatedStudy) {
  // Calibration found three usable families, so calibrate stopped study B.
  CsvWriter calibration({"family", "level", "n", "accuracy", "usable", "reason"});
  for (const char* family : {"arith", "copy", "negation"}) {
    calibration.add_row({family, "3", "100", "0.6", "true", "inside the usable band"});
  }
  for (const char* family : {"plural", "pronoun", "tense"}) {
    calibration.add_row({family, "3", "100", "0.2", "false", "near chance"});
  }
  write_file_atomically(StudyLayout{b()}.calibration_csv(), calibration.str());
  fs::remove(b() / "analysis" / "death_order.csv");

  try {
    run_transfer({a(), b()}, out(), TransferOptions{}, false);
    FAIL() << "expected a gated-study error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("found 3 families with a usable baseline, fewer "
                                             "than 5"),
              std::string::npos)
        << error.what();
  }
}

TEST_F(TransferEndToEnd, NamesCalibrateForEmptyStudy) {
  const fs::path empty = dir_.path() / "empty";
  fs::create_directories(empty);
  try {
    run_transfer({a(), empty}, out(), TransferOptions{}, false);
    FAIL() << "expected a missing-analysis error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("quant-autopsy calibrate " + empty.string()),
              std::string::npos)
        << error.what();
  }
}

TEST_F(TransferEndToEnd, RejectsAnalysisOfAnotherBattery) {
  write_file_atomically(b() / "analysis" / "settings.json",
                        nlohmann::json{{"battery_hash", "battery-old"}}.dump());
  try {
    run_transfer({a(), b()}, out(), TransferOptions{}, false);
    FAIL() << "expected a stale-analysis error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("battery-old"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("--force"), std::string::npos);
  }
}

TEST_F(TransferEndToEnd, KeepsOutputsWithoutForce) {
  run_transfer({a(), b()}, out(), TransferOptions{}, false);
  EXPECT_THROW(run_transfer({a(), b()}, out(), TransferOptions{}, false), Error);
  EXPECT_NO_THROW(run_transfer({a(), b()}, out(), TransferOptions{}, true));
}

TEST_F(TransferEndToEnd, CommandLineWritesFiles) {
  if (!fs::exists(QA_BINARY)) {
    GTEST_SKIP() << "skipped: " << QA_BINARY << " is not built (build quant-autopsy first)";
  }
  const test::CommandResult result = test::run_cli(
      "transfer '" + a().string() + "' '" + b().string() + "' --out '" + out().string() + "'");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("the transfer claim does not hold"), std::string::npos);
  for (const char* name : {"transfer_pairs.csv", "transfer_families.csv", "headline.csv",
                           "TRANSFER.md", "TRANSFER.html"}) {
    EXPECT_TRUE(fs::exists(out() / name)) << name;
  }

  HandMadeStudy other = study_b();
  other.battery_hash = "battery-9999";
  write_study(b(), other);
  const test::CommandResult mismatch = test::run_cli(
      "transfer '" + a().string() + "' '" + b().string() + "' --out '" + out().string() +
      "' --force");
  EXPECT_EQ(mismatch.exit_code, kExitBadInput);
  EXPECT_NE(mismatch.err.find("battery-9999"), std::string::npos);
}

}  // namespace
}  // namespace qa
