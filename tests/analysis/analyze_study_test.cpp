// End-to-end: a study folder built by hand (ladder manifest, calibration.csv,
// a real SQLite results store with known flips), analysed, and every CSV
// cell checked.
//
// Expected p values, Holm p values and Wilson bounds were computed with
// scipy 1.10.1 (/usr/bin/python3):
//   p      = 1.0 if b+c == 0 else min(1.0, 2*scipy.stats.binom.cdf(min(b,c), b+c, 0.5))
//   Holm   = numpy step-down over the six (family, Q4_K_M | Q2_K) p values:
//            o=np.argsort(p,kind='stable');
//            np.maximum.accumulate(np.minimum(1,(m-np.arange(m))*p[o])) put back in order
//   Wilson = scipy.stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method='wilson')
//   margin cut points = numpy.percentile(0.25*np.arange(n)-3, [25, 50, 75])
#include "analysis/analyze_study.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sys/wait.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "analysis_fixture.h"
#include "common/csv.h"
#include "common/error.h"
#include "common/files.h"
#include "common/study.h"
#include "ladder/manifest.h"
#include "store/results_store.h"
#include "support/paths.h"

namespace qa::analysis {
namespace {

using test::FamilyPattern;
using test::append_rows;
using test::pattern_rows;

using Table = std::vector<std::vector<std::string>>;

constexpr const char* kBattery = "battery-e2e";

// Three families, rungs reference-rerun (noise floor), Q4_K_M, Q3_K_M
// (identical_to Q4_K_M, so it has no rows of its own) and Q2_K:
//   alpha  generate, 40 items, 30 right: Q4_K_M b=2 c=1, Q2_K b=15 c=1, rerun b=1 c=1
//   beta   choice,   40 items, 32 right: Q4_K_M b=12 c=0, Q2_K b=3 c=2, rerun none
//   gamma  generate, 10 items, all right (unusable): Q4_K_M and Q2_K lose all 10
void write_study(const fs::path& root) {
  const StudyLayout layout{root};

  LadderManifest manifest;
  manifest.llama_cpp_commit = "test";
  manifest.reference.path = "/models/tiny-e2e.gguf";
  manifest.reference.bits_per_weight = 32;
  manifest.reference.file_type = "F32";
  const auto rung = [](const std::string& name, double bits, std::optional<std::string> identical) {
    RungEntry entry;
    entry.name = name;
    entry.file = "ladder/tiny-e2e-" + name + ".gguf";
    entry.bits_per_weight = bits;
    entry.identical_to = std::move(identical);
    return entry;
  };
  manifest.rungs = {rung("Q4_K_M", 4.875, std::nullopt), rung("Q3_K_M", 3.875, "Q4_K_M"),
                    rung("Q2_K", 2.625, std::nullopt)};
  write_file_atomically(layout.ladder_manifest(), nlohmann::json(manifest).dump(2));

  write_file_atomically(layout.calibration_csv(),
                        "family,level,n,accuracy,usable,reason\n"
                        "alpha,1,40,0.75,true,usable\n"
                        "beta,1,40,0.8,true,usable\n"
                        "gamma,1,10,1,false,accuracy 1.00 is above the ceiling 0.95\n");

  const FamilyPattern alpha{"alpha", "generate", 40, 30};
  const FamilyPattern beta{"beta", "choice", 40, 32};
  const FamilyPattern gamma{"gamma", "generate", 10, 10};
  std::vector<ResponseRow> rows;
  for (const auto* pattern : {&alpha, &beta, &gamma}) {
    append_rows(rows, pattern_rows(*pattern, kReferenceRung, 0, 0, kBattery));
  }
  append_rows(rows, pattern_rows(alpha, kReferenceRerunRung, 1, 1, kBattery));
  append_rows(rows, pattern_rows(beta, kReferenceRerunRung, 0, 0, kBattery));
  append_rows(rows, pattern_rows(gamma, kReferenceRerunRung, 0, 0, kBattery));
  append_rows(rows, pattern_rows(alpha, "Q4_K_M", 2, 1, kBattery));
  append_rows(rows, pattern_rows(beta, "Q4_K_M", 12, 0, kBattery));
  append_rows(rows, pattern_rows(gamma, "Q4_K_M", 10, 0, kBattery));
  append_rows(rows, pattern_rows(alpha, "Q2_K", 15, 1, kBattery));
  append_rows(rows, pattern_rows(beta, "Q2_K", 3, 2, kBattery));
  append_rows(rows, pattern_rows(gamma, "Q2_K", 10, 0, kBattery));

  ResultsStore store = ResultsStore::open(layout.results_db(), kBattery);
  RunSettings settings;
  settings.battery_hash = kBattery;
  settings.prompt_format = "completion";
  store.begin_run(settings);
  store.insert_responses(rows);
}

bool parse_number(const std::string& text, double& value) {
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && result.ec == std::errc() && result.ptr == text.data() + text.size();
}

// Compares a CSV with expected rows cell by cell: numbers to 1e-12, other
// cells exactly. A cell "*" is skipped here and checked by the caller.
CsvTable expect_table(const fs::path& path, const std::vector<std::string>& header,
                      const Table& expected) {
  const CsvTable table = read_csv(path);
  EXPECT_EQ(table.header, header) << path;
  EXPECT_EQ(table.rows.size(), expected.size()) << path;
  for (size_t row = 0; row < std::min(table.rows.size(), expected.size()); ++row) {
    for (size_t column = 0; column < header.size(); ++column) {
      const std::string& want = expected[row][column];
      const std::string& got = table.rows[row][column];
      if (want == "*") {
        continue;
      }
      double want_value = 0;
      double got_value = 0;
      if (parse_number(want, want_value) && parse_number(got, got_value)) {
        EXPECT_NEAR(got_value, want_value, 1e-12)
            << path.filename() << " row " << row << " column " << header[column];
      } else {
        EXPECT_EQ(got, want) << path.filename() << " row " << row << " column " << header[column];
      }
    }
  }
  return table;
}

AnalyzeOptions default_options() {
  AnalyzeOptions options;
  options.settings.bootstrap_resamples = 2000;
  options.settings.seed = 7;
  return options;
}

class AnalyzeStudy : public ::testing::Test {
 protected:
  void SetUp() override { write_study(directory_.path()); }

  StudyLayout layout() const { return StudyLayout{directory_.path()}; }
  fs::path output(const std::string& name) const { return layout().analysis_dir() / name; }
  fs::path output_path(const std::string& name) const { return output(name); }

  test::ScopedTempDir directory_;
};

TEST_F(AnalyzeStudy, SummaryCells) {
  analyze_study(layout(), default_options());
  const std::string a = "tiny-e2e";
  expect_table(output("summary.csv"),
               {"model", "rung", "bits_per_weight", "family", "n", "correct", "accuracy", "ci_low",
                "ci_high"},
               {
                   {a, "reference", "32", "alpha", "40", "30", "0.75", "0.5980603857923197", "0.858128813609037"},
                   {a, "reference", "32", "beta", "40", "32", "0.8", "0.6524269365360051", "0.8950001027456229"},
                   {a, "reference", "32", "gamma", "10", "10", "1", "0.7224672001371109", "1"},
                   {a, "reference-rerun", "32", "alpha", "40", "30", "0.75", "0.5980603857923197", "0.858128813609037"},
                   {a, "reference-rerun", "32", "beta", "40", "32", "0.8", "0.6524269365360051", "0.8950001027456229"},
                   {a, "reference-rerun", "32", "gamma", "10", "10", "1", "0.7224672001371109", "1"},
                   {a, "Q4_K_M", "4.875", "alpha", "40", "29", "0.725", "0.5716504419378943", "0.8389198375233267"},
                   {a, "Q4_K_M", "4.875", "beta", "40", "20", "0.5", "0.35199526933465386", "0.6480047306653461"},
                   {a, "Q4_K_M", "4.875", "gamma", "10", "0", "0", "0", "0.27753279986288926"},
                   {a, "Q3_K_M", "3.875", "alpha", "40", "29", "0.725", "0.5716504419378943", "0.8389198375233267"},
                   {a, "Q3_K_M", "3.875", "beta", "40", "20", "0.5", "0.35199526933465386", "0.6480047306653461"},
                   {a, "Q3_K_M", "3.875", "gamma", "10", "0", "0", "0", "0.27753279986288926"},
                   {a, "Q2_K", "2.625", "alpha", "40", "16", "0.4", "0.26348325684291923", "0.554041063396538"},
                   {a, "Q2_K", "2.625", "beta", "40", "31", "0.775", "0.6249690325768997", "0.8768390867645925"},
                   {a, "Q2_K", "2.625", "gamma", "10", "0", "0", "0", "0.27753279986288926"},
               });
}

TEST_F(AnalyzeStudy, FlipTableCells) {
  analyze_study(layout(), default_options());
  expect_table(output("paired_flip_table.csv"),
               {"family", "rung", "n", "both_correct", "ref_correct_quant_wrong",
                "ref_wrong_quant_correct", "both_wrong", "net_loss", "retention"},
               {
                   {"alpha", "reference-rerun", "40", "29", "1", "1", "9", "0", "0.9666666666666667"},
                   {"beta", "reference-rerun", "40", "32", "0", "0", "8", "0", "1"},
                   {"gamma", "reference-rerun", "10", "10", "0", "0", "0", "0", "1"},
                   {"alpha", "Q4_K_M", "40", "28", "2", "1", "9", "0.025", "0.9333333333333333"},
                   {"beta", "Q4_K_M", "40", "20", "12", "0", "8", "0.3", "0.625"},
                   {"gamma", "Q4_K_M", "10", "0", "10", "0", "0", "1", "0"},
                   {"alpha", "Q3_K_M", "40", "28", "2", "1", "9", "0.025", "0.9333333333333333"},
                   {"beta", "Q3_K_M", "40", "20", "12", "0", "8", "0.3", "0.625"},
                   {"gamma", "Q3_K_M", "10", "0", "10", "0", "0", "1", "0"},
                   {"alpha", "Q2_K", "40", "15", "15", "1", "9", "0.35", "0.5"},
                   {"beta", "Q2_K", "40", "29", "3", "2", "6", "0.025", "0.90625"},
                   {"gamma", "Q2_K", "10", "0", "10", "0", "0", "1", "0"},
               });
}

TEST_F(AnalyzeStudy, SignificanceCells) {
  analyze_study(layout(), default_options());
  const CsvTable table = expect_table(
      output("paired_significance.csv"),
      {"family", "rung", "b", "c", "p_value", "p_holm", "acc_diff", "boot_ci_low", "boot_ci_high",
       "degraded"},
      {
          {"alpha", "reference-rerun", "1", "1", "1", "", "0", "*", "*", ""},
          {"beta", "reference-rerun", "0", "0", "1", "", "0", "0", "0", ""},
          {"gamma", "reference-rerun", "0", "0", "1", "", "0", "0", "0", ""},
          {"alpha", "Q4_K_M", "2", "1", "1", "1", "-0.025", "*", "*", "false"},
          {"beta", "Q4_K_M", "12", "0", "0.00048828125", "0.0029296875", "-0.3", "*", "*", "true"},
          {"gamma", "Q4_K_M", "10", "0", "0.001953125", "0.0078125", "-1", "-1", "-1", "true"},
          {"alpha", "Q3_K_M", "2", "1", "1", "1", "-0.025", "*", "*", "false"},
          {"beta", "Q3_K_M", "12", "0", "0.00048828125", "0.0029296875", "-0.3", "*", "*", "true"},
          {"gamma", "Q3_K_M", "10", "0", "0.001953125", "0.0078125", "-1", "-1", "-1", "true"},
          {"alpha", "Q2_K", "15", "1", "0.000518798828125", "0.0029296875", "-0.35", "*", "*", "true"},
          {"beta", "Q2_K", "3", "2", "1", "1", "-0.025", "*", "*", "false"},
          {"gamma", "Q2_K", "10", "0", "0.001953125", "0.0078125", "-1", "-1", "-1", "true"},
      });

  // Bootstrap bounds come from this tool's own generator, so they are checked
  // by their contract: they bracket acc_diff, lie in [-1, 1], and an
  // identical_to rung repeats its source rung's interval.
  const size_t low = table.column("boot_ci_low");
  const size_t high = table.column("boot_ci_high");
  const size_t diff = table.column("acc_diff");
  for (const auto& row : table.rows) {
    const double low_value = std::stod(row[low]);
    const double high_value = std::stod(row[high]);
    const double diff_value = std::stod(row[diff]);
    EXPECT_LE(-1.0, low_value) << row[0] << " " << row[1];
    EXPECT_LE(low_value, diff_value + 1e-12) << row[0] << " " << row[1];
    EXPECT_LE(diff_value, high_value + 1e-12) << row[0] << " " << row[1];
    EXPECT_LE(high_value, 1.0) << row[0] << " " << row[1];
  }
  EXPECT_LT(std::stod(table.rows[4][low]), std::stod(table.rows[4][high]));
  EXPECT_EQ(table.rows[4][low], table.rows[7][low]);
  EXPECT_EQ(table.rows[4][high], table.rows[7][high]);
}

TEST_F(AnalyzeStudy, DeathTablesCells) {
  analyze_study(layout(), default_options());
  const CsvTable deaths = expect_table(
      output("death_order.csv"), {"rank", "family", "death_rung", "death_bits_per_weight", "persistent"},
      {
          {"1", "beta", "Q4_K_M", "4.875", "false"},
          {"2", "alpha", "Q2_K", "2.625", "true"},
      });
  bool gamma_listed = false;
  bool noise_in_definition = false;
  bool delta_compared = false;
  for (const std::string& comment : deaths.comments) {
    gamma_listed |= comment.find("gamma: accuracy 1.00 is above the ceiling 0.95") != std::string::npos;
    noise_in_definition |= comment.find("Noise floor reference-rerun: 2 of 90 items flipped") !=
                           std::string::npos;
    delta_compared |= comment.find("delta = 0.05 is above the reference-rerun flip rate") !=
                      std::string::npos;
  }
  EXPECT_TRUE(gamma_listed);
  EXPECT_TRUE(noise_in_definition);
  EXPECT_TRUE(delta_compared);

  expect_table(output("death_persistence.csv"),
               {"family", "death_rung", "persistent", "degraded_rungs", "recovered_rungs"},
               {
                   {"beta", "Q4_K_M", "false", "Q4_K_M;Q3_K_M", "Q2_K"},
                   {"alpha", "Q2_K", "true", "Q2_K", ""},
               });

  // fragility = mean net loss over Q4_K_M and Q2_K (Q3_K_M is Q4_K_M) + death bits per weight.
  const CsvTable fragility = expect_table(
      output("fragility_index.csv"), {"family", "fragility", "death_bits_per_weight", "formula"},
      {
          {"beta", "5.0375", "4.875", "*"},
          {"alpha", "2.8125", "2.625", "*"},
      });
  EXPECT_NE(fragility.rows.at(0).at(3).find("mean over the analysed ladder rungs of net_loss"),
            std::string::npos);

  expect_table(output("headline.csv"), {"model", "q4_degraded", "q3_degraded", "q2_degraded", "conclusion"},
               {{"tiny-e2e", "1", "1", "1", "earlier Q4/Q3 degradation"}});
}

TEST_F(AnalyzeStudy, MarginBinCells) {
  analyze_study(layout(), default_options());
  // Cut points over signals 0.25 * i - 3: alpha and beta (40 items) -0.5625,
  // 1.875, 4.3125, so Q1 = items 0-9, Q2 = 10-19, Q3 = 20-29, Q4 = 30-39;
  // gamma (10 items) -2.4375, -1.875, -1.3125: Q1 = 0-2, Q2 = 3-4, Q3 = 5-6, Q4 = 7-9.
  Table expected;
  const auto add = [&](const char* family, const char* rung, std::vector<std::array<int, 3>> bins) {
    const char* labels[] = {"Q1", "Q2", "Q3", "Q4"};
    for (size_t i = 0; i < 4; ++i) {
      expected.push_back({family, rung, labels[i], std::to_string(bins[i][0]),
                          std::to_string(bins[i][1]), std::to_string(bins[i][2])});
    }
  };
  add("alpha", "reference-rerun", {{{10, 1, 0}, {10, 0, 0}, {10, 0, 0}, {10, 0, 1}}});
  add("beta", "reference-rerun", {{{10, 0, 0}, {10, 0, 0}, {10, 0, 0}, {10, 0, 0}}});
  add("gamma", "reference-rerun", {{{3, 0, 0}, {2, 0, 0}, {2, 0, 0}, {3, 0, 0}}});
  for (const char* rung : {"Q4_K_M", "Q3_K_M"}) {
    add("alpha", rung, {{{10, 2, 0}, {10, 0, 0}, {10, 0, 0}, {10, 0, 1}}});
    add("beta", rung, {{{10, 10, 0}, {10, 2, 0}, {10, 0, 0}, {10, 0, 0}}});
    add("gamma", rung, {{{3, 3, 0}, {2, 2, 0}, {2, 2, 0}, {3, 3, 0}}});
  }
  add("alpha", "Q2_K", {{{10, 10, 0}, {10, 5, 0}, {10, 0, 0}, {10, 0, 1}}});
  add("beta", "Q2_K", {{{10, 3, 0}, {10, 0, 0}, {10, 0, 0}, {10, 0, 2}}});
  add("gamma", "Q2_K", {{{3, 3, 0}, {2, 2, 0}, {2, 2, 0}, {3, 3, 0}}});

  const CsvTable table = expect_table(output("flips_by_margin.csv"),
                                      {"family", "rung", "margin_bin", "n", "losses", "gains"}, expected);
  bool beta_cuts = false;
  for (const std::string& comment : table.comments) {
    beta_cuts |= comment.find("cut points beta: signal margin, -0.5625, 1.875, 4.3125") != std::string::npos;
  }
  EXPECT_TRUE(beta_cuts);
}

TEST_F(AnalyzeStudy, SettingsRecordOptionsAndNoiseFloor) {
  analyze_study(layout(), default_options());
  const auto settings = nlohmann::json::parse(read_file(output("settings.json")));
  EXPECT_EQ(settings.at("alpha").get<double>(), 0.05);
  EXPECT_EQ(settings.at("delta").get<double>(), 0.05);
  EXPECT_EQ(settings.at("bootstrap_resamples").get<int>(), 2000);
  EXPECT_EQ(settings.at("seed").get<uint64_t>(), 7u);
  EXPECT_EQ(settings.at("battery_hash").get<std::string>(), kBattery);
  EXPECT_EQ(settings.at("holm_family_size").get<int>(), 6);
  ASSERT_EQ(settings.at("noise_floor").size(), 1u);
  EXPECT_EQ(settings.at("noise_floor")[0].at("rung").get<std::string>(), "reference-rerun");
  EXPECT_EQ(settings.at("noise_floor")[0].at("flips").get<int>(), 2);
  EXPECT_NEAR(settings.at("noise_floor")[0].at("flip_rate").get<double>(), 2.0 / 90.0, 1e-15);
  EXPECT_EQ(settings.at("excluded_families").at("gamma").get<std::string>(),
            "accuracy 1.00 is above the ceiling 0.95");
}

TEST_F(AnalyzeStudy, RerunWithSameSettingsKeepsFiles) {
  analyze_study(layout(), default_options());
  const std::string before = read_file(output("paired_significance.csv"));

  const AnalyzeOutcome again = analyze_study(layout(), default_options());
  EXPECT_TRUE(again.written.empty());
  EXPECT_EQ(again.unchanged.size(), 9u);
  EXPECT_EQ(read_file(output("paired_significance.csv")), before);
}

TEST_F(AnalyzeStudy, ChangedSettingsNeedForce) {
  analyze_study(layout(), default_options());
  const std::string before = read_file(output("death_order.csv"));

  AnalyzeOptions stricter = default_options();
  stricter.settings.alpha = 0.001;
  EXPECT_THROW(analyze_study(layout(), stricter), Error);
  EXPECT_EQ(read_file(output("death_order.csv")), before);

  stricter.force = true;
  analyze_study(layout(), stricter);
  // Every Holm p value is at least 0.0029, so nothing is degraded at alpha 0.001.
  expect_table(output("death_order.csv"), {"rank", "family", "death_rung", "death_bits_per_weight", "persistent"},
               {
                   {"1", "alpha", "survives", "", ""},
                   {"1", "beta", "survives", "", ""},
               });
  expect_table(output("headline.csv"), {"model", "q4_degraded", "q3_degraded", "q2_degraded", "conclusion"},
               {{"tiny-e2e", "0", "0", "0", "none down to Q2_K"}});
}

TEST_F(AnalyzeStudy, LargerDeltaChangesDeathOrder) {
  AnalyzeOptions options = default_options();
  options.settings.delta = 0.32;
  analyze_study(layout(), options);
  // beta's net loss 0.3 at Q4_K_M is now below delta; alpha's 0.35 at Q2_K is not.
  expect_table(output("death_order.csv"), {"rank", "family", "death_rung", "death_bits_per_weight", "persistent"},
               {
                   {"1", "alpha", "Q2_K", "2.625", "true"},
                   {"2", "beta", "survives", "", ""},
               });
  expect_table(output("headline.csv"), {"model", "q4_degraded", "q3_degraded", "q2_degraded", "conclusion"},
               {{"tiny-e2e", "0", "0", "1", "none before Q2_K"}});
}

TEST_F(AnalyzeStudy, MissingCalibrationIsAnError) {
  fs::remove(layout().calibration_csv());
  try {
    analyze_study(layout(), default_options());
    FAIL() << "expected qa::Error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("quant-autopsy calibrate"), std::string::npos);
    EXPECT_EQ(error.exit_code(), kExitBadInput);
  }
  EXPECT_FALSE(fs::exists(output("summary.csv")));
}

// A kill -9 during `analyze --force` leaves new tables beside old ones and no
// settings.json; rerunning the same analysis completes the folder without --force.
TEST_F(AnalyzeStudy, InterruptedRewriteCompletesWithoutForce) {
  analyze_study(layout(), default_options());
  const std::string death_order = read_file(output("death_order.csv"));
  fs::remove(output("settings.json"));
  write_file_atomically(output("death_order.csv"), "rank,family\n1,from-another-run\n");

  const AnalyzeOutcome outcome = analyze_study(layout(), default_options());

  EXPECT_EQ(read_file(output("death_order.csv")), death_order);
  EXPECT_TRUE(fs::exists(output("settings.json")));
  EXPECT_EQ(outcome.written.size(), 2u);
}

// A forced rewrite keeps settings.json only beside a complete set of tables.
TEST_F(AnalyzeStudy, ForcedRewriteEndsWithSettings) {
  analyze_study(layout(), default_options());
  AnalyzeOptions stricter = default_options();
  stricter.settings.alpha = 0.001;
  stricter.force = true;

  analyze_study(layout(), stricter);

  const auto settings = nlohmann::json::parse(read_file(output("settings.json")));
  EXPECT_DOUBLE_EQ(settings.at("alpha").get<double>(), 0.001);
  for (const auto& entry : fs::directory_iterator(layout().analysis_dir())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST_F(AnalyzeStudy, StoreOfOtherBatteryIsRejected) {
  write_file_atomically(layout().battery_manifest(),
                        R"({"battery": "small", "battery_hash": "battery-other", "families": []})");
  try {
    analyze_study(layout(), default_options());
    FAIL() << "expected qa::Error";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(kBattery), std::string::npos) << message;
    EXPECT_NE(message.find("battery-other"), std::string::npos) << message;
    EXPECT_EQ(error.exit_code(), kExitBadInput);
  }
  EXPECT_FALSE(fs::exists(output("summary.csv")));
}

TEST_F(AnalyzeStudy, StoreOfSameBatteryIsAccepted) {
  write_file_atomically(layout().battery_manifest(),
                        fmt::format(R"({{"battery": "small", "battery_hash": "{}", "families": []}})",
                                    kBattery));
  analyze_study(layout(), default_options());
  EXPECT_TRUE(fs::exists(output("summary.csv")));
}

TEST_F(AnalyzeStudy, InvalidOptionsAreRejected) {
  AnalyzeOptions options = default_options();
  options.settings.alpha = 0;
  EXPECT_THROW(analyze_study(layout(), options), Error);
  options = default_options();
  options.settings.bootstrap_resamples = 0;
  EXPECT_THROW(analyze_study(layout(), options), Error);
  options = default_options();
  options.settings.bootstrap_resamples = 2'000'000'000;
  EXPECT_THROW(analyze_study(layout(), options), Error);
  EXPECT_FALSE(fs::exists(output("summary.csv")));
}

// Runs a command through the shell; returns its exit status and stdout.
std::pair<int, std::string> run_shell(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return {-1, "popen failed"};
  }
  char buffer[4096];
  while (fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    output += buffer;
  }
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST_F(AnalyzeStudy, ScipyRecomputationMatches) {
  // The system interpreter first: a virtualenv's python3 on PATH often lacks scipy.
  std::string python;
  for (const char* candidate : {"/usr/bin/python3", "python3"}) {
    if (run_shell(std::string(candidate) + " -c 'import scipy, numpy'").first == 0) {
      python = candidate;
      break;
    }
  }
  if (python.empty()) {
    GTEST_SKIP() << "skipped: no python3 with scipy and numpy is installed";
  }
  analyze_study(layout(), default_options());
  const std::string script =
      std::string(QA_SOURCE_DIR) + "/tests/analysis/recompute_with_scipy.py";
  const std::string command = python + " '" + script + "' '" + directory_.path().string() + "'";

  const auto [status, output] = run_shell(command);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("values match scipy"), std::string::npos) << output;

  // A changed cell must be caught, or the check above proves nothing.
  std::string significance = read_file(output_path("paired_significance.csv"));
  const size_t cell = significance.find("0.00048828125");
  ASSERT_NE(cell, std::string::npos);
  significance.replace(cell, 13, "0.00058828125");
  write_file_atomically(output_path("paired_significance.csv"), significance);
  const auto [tampered_status, tampered_output] = run_shell(command);
  EXPECT_EQ(tampered_status, 1) << tampered_output;
}

TEST_F(AnalyzeStudy, CommandLineWritesAnalysis) {
  if (!fs::exists(QA_BINARY)) {
    GTEST_SKIP() << "skipped: " << QA_BINARY << " is not built (build the quant-autopsy target)";
  }
  const std::string study = directory_.path().string();
  const test::CommandResult first = test::run_cli("analyze '" + study + "' --bootstrap 500 --seed 3");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_TRUE(fs::exists(output("headline.csv")));

  const test::CommandResult changed = test::run_cli("analyze '" + study + "' --bootstrap 500 --seed 3 --delta 0.32");
  EXPECT_EQ(changed.exit_code, kExitBadInput);
  EXPECT_NE(changed.err.find("--force"), std::string::npos) << changed.err;

  const test::CommandResult forced =
      test::run_cli("analyze '" + study + "' --bootstrap 500 --seed 3 --delta 0.32 --force");
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  const auto settings = nlohmann::json::parse(read_file(output("settings.json")));
  EXPECT_EQ(settings.at("delta").get<double>(), 0.32);
}

}  // namespace
}  // namespace qa::analysis
