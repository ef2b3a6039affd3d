// Rendering, plots and the claim check on a hand-made study folder.
#include <cstdlib>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "common/error.h"
#include "common/files.h"
#include "report/claims.h"
#include "report/plots.h"
#include "report/report_content.h"
#include "report/report_writer.h"
#include "report/study_fixture.h"
#include "support/paths.h"

namespace qa::report {
namespace {

using test::ScopedTempDir;

// One rendered study shared by the tests that only read it; tests that edit
// files copy it first.
class ReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    folder_ = new ScopedTempDir();
    test::write_study_fixture(study());
    write_report(study(), {});
  }
  static void TearDownTestSuite() {
    delete folder_;
    folder_ = nullptr;
  }

  static fs::path study() { return folder_->path() / "study"; }
  static fs::path report_dir() { return study() / "report"; }

  // A copy of the rendered study that a test may edit.
  static fs::path copy_study(const ScopedTempDir& target) {
    const fs::path copy = target.path() / "study";
    fs::copy(study(), copy, fs::copy_options::recursive);
    return copy;
  }

  static ScopedTempDir* folder_;
};

ScopedTempDir* ReportTest::folder_ = nullptr;

std::vector<std::string> lines_of(const fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

void write_lines(const fs::path& path, const std::vector<std::string>& lines) {
  std::string content;
  for (const auto& line : lines) {
    content += line + "\n";
  }
  write_file_atomically(path, content);
}

std::vector<Claim> read_claims(const fs::path& report) {
  return claims_from_csv(read_csv(report / kClaimCheckFile), "CLAIM_CHECK.csv");
}

const Claim* find_claim(const std::vector<Claim>& claims, const std::string& source,
                        const std::string& column, const std::string& key) {
  for (const auto& claim : claims) {
    if (claim.file == "REPORT.md" && claim.cell.source == source &&
        claim.cell.column == column && row_key_to_string(claim.cell.key) == key) {
      return &claim;
    }
  }
  return nullptr;
}

std::string all_messages(const CheckResult& result) {
  std::string text;
  for (const auto& mismatch : result.mismatches) {
    text += mismatch.to_string() + "\n";
  }
  return text;
}

TEST_F(ReportTest, WritesEveryFile) {
  for (const char* name : {"REPORT.md", "index.html", "ABSTRACT.md", "CLAIMS_AND_CAVEATS.md",
                           "REPRODUCIBILITY.md", "LIMITATIONS.md", "RESULTS_INDEX.md",
                           "CLAIM_CHECK.csv", "report.json"}) {
    EXPECT_TRUE(fs::exists(report_dir() / name)) << name;
  }
  for (const auto& info : plot_infos()) {
    EXPECT_TRUE(fs::exists(report_dir() / "plots" / (info.name + ".svg"))) << info.name;
    EXPECT_TRUE(fs::exists(report_dir() / "plots" / (info.name + ".png"))) << info.name;
  }
}

TEST_F(ReportTest, RecommendationFollowsDeathOrder) {
  const std::string report = read_file(report_dir() / "REPORT.md");
  EXPECT_NE(report.find("safe to ship down to Q8_0"), std::string::npos);
  EXPECT_NE(report.find("arithmetic: dies at Q4_K_M and stays degraded"), std::string::npos);
  EXPECT_NE(report.find("recall: dies at Q2_K"), std::string::npos);
  EXPECT_NE(report.find("syntax: no degradation down to Q2_K"), std::string::npos);
  EXPECT_NE(report.find("spelling: accuracy 0.05 is below 0.20"), std::string::npos);
}

TEST_F(ReportTest, ReportQuotesTablesWithClaims) {
  const std::string report = read_file(report_dir() / "REPORT.md");
  // arithmetic at Q4_K_M: (20 + 1) / 40 correct.
  EXPECT_NE(report.find("| arithmetic | 40 | 0.750 | 0.750 | 0.725 | 0.525 | 0.250 |"),
            std::string::npos);
  EXPECT_NE(report.find("| tiny-model | 1 | – | 2 | earlier Q4/Q3 degradation |"),
            std::string::npos);

  const auto claims = read_claims(report_dir());
  const Claim* accuracy =
      find_claim(claims, "analysis/summary.csv", "accuracy", "family=arithmetic;rung=Q4_K_M");
  ASSERT_NE(accuracy, nullptr);
  EXPECT_EQ(accuracy->value, "0.525");
  EXPECT_EQ(accuracy->cell_value, "0.525");
  const auto lines = lines_of(report_dir() / "REPORT.md");
  ASSERT_LE(accuracy->line, lines.size());
  EXPECT_EQ(lines[accuracy->line - 1].substr(accuracy->column - 1, 5), "0.525");
}

TEST_F(ReportTest, ClaimCheckCsvMarksEveryClaimMatching) {
  const CsvTable table = read_csv(report_dir() / kClaimCheckFile);
  ASSERT_GT(table.rows.size(), 100u);
  const size_t match = table.column("match");
  for (size_t i = 0; i < table.rows.size(); ++i) {
    EXPECT_EQ(table.rows[i][match], "true") << "row at line " << table.row_lines[i];
  }
}

TEST_F(ReportTest, SampledFailuresShowLosses) {
  const std::string report = read_file(report_dir() / "REPORT.md");
  EXPECT_NE(report.find("### arithmetic at Q4_K_M"), std::string::npos);
  EXPECT_NE(report.find("### recall at Q2_K"), std::string::npos);
  // Lost items of arithmetic at Q4_K_M are items 0..9, output "wrongN".
  EXPECT_TRUE(std::regex_search(report, std::regex("item: arithmetic-L1-000[0-9] \\(level 1\\)")));
  EXPECT_TRUE(std::regex_search(report, std::regex("Q4_K_M output: wrong[0-9]\\n")));
}

TEST_F(ReportTest, CheckPassesOnUntouchedReport) {
  const CheckResult result = check_report(study());
  EXPECT_TRUE(result.mismatches.empty()) << all_messages(result);
  EXPECT_GT(result.claims_checked, 100u);
  EXPECT_EQ(result.files_checked, 7u);
}

TEST_F(ReportTest, CheckFailsOnChangedClaimedNumber) {
  ScopedTempDir target;
  const fs::path copy = copy_study(target);
  const auto claims = read_claims(copy / "report");
  const Claim* accuracy =
      find_claim(claims, "analysis/summary.csv", "accuracy", "family=arithmetic;rung=Q4_K_M");
  ASSERT_NE(accuracy, nullptr);
  auto lines = lines_of(copy / "report" / "REPORT.md");
  lines[accuracy->line - 1].replace(accuracy->column - 1, 5, "0.625");
  write_lines(copy / "report" / "REPORT.md", lines);

  const CheckResult result = check_report(copy);
  ASSERT_EQ(result.mismatches.size(), 1u) << all_messages(result);
  EXPECT_EQ(result.mismatches[0].file, "report/REPORT.md");
  EXPECT_EQ(result.mismatches[0].line, accuracy->line);
  EXPECT_NE(result.mismatches[0].message.find("expected 0.525"), std::string::npos);
  EXPECT_NE(result.mismatches[0].message.find("found 0.625"), std::string::npos);
}

TEST_F(ReportTest, CheckFailsOnChangedNumberOutsideClaims) {
  ScopedTempDir target;
  const fs::path copy = copy_study(target);
  auto lines = lines_of(copy / "report" / "REPORT.md");
  bool edited = false;
  for (auto& line : lines) {
    const size_t at = line.find("Wilson 95% interval");
    if (at != std::string::npos) {
      line.replace(at, 19, "Wilson 90% interval");
      edited = true;
      break;
    }
  }
  ASSERT_TRUE(edited);
  write_lines(copy / "report" / "REPORT.md", lines);

  const CheckResult result = check_report(copy);
  ASSERT_EQ(result.mismatches.size(), 1u) << all_messages(result);
  EXPECT_NE(result.mismatches[0].message.find("expected 95%"), std::string::npos);
}

TEST_F(ReportTest, CheckFailsOnChangedRungName) {
  ScopedTempDir target;
  const fs::path copy = copy_study(target);
  auto lines = lines_of(copy / "report" / "REPORT.md");
  size_t edited_line = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t at = lines[i].find("| 1 | arithmetic | Q4_K_M |");
    if (at != std::string::npos) {
      lines[i].replace(lines[i].find("Q4_K_M", at), 6, "Q4_K_S");
      edited_line = i + 1;
      break;
    }
  }
  ASSERT_GT(edited_line, 0u);
  write_lines(copy / "report" / "REPORT.md", lines);

  const CheckResult result = check_report(copy);
  ASSERT_EQ(result.mismatches.size(), 1u) << all_messages(result);
  EXPECT_EQ(result.mismatches[0].line, edited_line);
  EXPECT_NE(result.mismatches[0].message.find("expected 1 arithmetic Q4_K_M"), std::string::npos)
      << result.mismatches[0].message;
  EXPECT_NE(result.mismatches[0].message.find("found 1 arithmetic Q4_K_S"), std::string::npos)
      << result.mismatches[0].message;
}

TEST_F(ReportTest, CheckFailsOnChangedFamilyName) {
  ScopedTempDir target;
  const fs::path copy = copy_study(target);
  auto lines = lines_of(copy / "report" / "REPORT.md");
  bool edited = false;
  for (auto& line : lines) {
    if (line.rfind("- recall: dies at", 0) == 0) {
      line.replace(2, 6, "recoll");
      edited = true;
      break;
    }
  }
  ASSERT_TRUE(edited);
  write_lines(copy / "report" / "REPORT.md", lines);

  const CheckResult result = check_report(copy);
  EXPECT_EQ(result.mismatches.size(), 1u) << all_messages(result);
}

TEST_F(ReportTest, CheckFailsOnMissingIndexedFile) {
  ScopedTempDir target;
  const fs::path copy = copy_study(target);
  fs::remove(copy / "report" / "plots" / "fragility.png");

  const CheckResult result = check_report(copy);
  ASSERT_EQ(result.mismatches.size(), 1u) << all_messages(result);
  EXPECT_EQ(result.mismatches[0].file, "report/plots/fragility.png");
  EXPECT_NE(result.mismatches[0].message.find("missing"), std::string::npos);
}

TEST_F(ReportTest, CheckFailsWhenAnalysisChanges) {
  ScopedTempDir target;
  const fs::path copy = copy_study(target);
  const fs::path summary = copy / "analysis" / "summary.csv";
  std::string text = read_file(summary);
  const std::string row = "Q4_K_M,4.89,arithmetic,40,21,0.525";
  const size_t at = text.find(row);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, row.size(), "Q4_K_M,4.89,arithmetic,40,22,0.55");
  write_file_atomically(summary, text);

  const CheckResult result = check_report(copy);
  ASSERT_FALSE(result.mismatches.empty());
  EXPECT_NE(all_messages(result).find("expected 0.550"), std::string::npos) << all_messages(result);
}

TEST_F(ReportTest, CheckFailsOnChangedHtml) {
  ScopedTempDir target;
  const fs::path copy = copy_study(target);
  const fs::path html = copy / "report" / "index.html";
  std::string text = read_file(html);
  const size_t at = text.find(">0.525<");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 7, ">0.625<");
  write_file_atomically(html, text);

  const CheckResult result = check_report(copy);
  ASSERT_EQ(result.mismatches.size(), 1u) << all_messages(result);
  EXPECT_EQ(result.mismatches[0].file, "report/index.html");
  EXPECT_GT(result.mismatches[0].line, 0u);
}

TEST_F(ReportTest, RewriteOfOtherAnalysisNeedsForce) {
  ScopedTempDir target;
  const fs::path copy = copy_study(target);
  // The same analysis: rewriting is allowed.
  EXPECT_NO_THROW(write_report(copy, {}));

  const fs::path summary = copy / "analysis" / "summary.csv";
  write_file_atomically(summary, "# edited by hand\n" + read_file(summary));
  try {
    write_report(copy, {});
    FAIL() << "a report of another analysis was overwritten without --force";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("--force"), std::string::npos);
  }
  EXPECT_NO_THROW(write_report(copy, {true}));
  EXPECT_TRUE(check_report(copy).mismatches.empty());
}

TEST_F(ReportTest, SvgPlotsHaveAxisLabels) {
  const std::map<std::string, std::vector<std::string>> labels = {
      {"accuracy_grid", {"quantization rung", "capability family", "accuracy (fraction"}},
      {"retention_curves", {"bits per weight (bpw)", "retention (fraction", "arithmetic"}},
      {"net_loss_heatmap", {"quantization rung", "net loss (b - c) / n", "0.50*"}},
      {"death_persistence", {"quantization rung", "capability family", "degraded"}},
      {"fragility", {"capability family", "fragility index", "recall"}},
      {"baseline_calibration", {"reference accuracy", "usable baseline", "not usable"}},
  };
  for (const auto& [name, texts] : labels) {
    const std::string svg = read_file(report_dir() / "plots" / (name + ".svg"));
    EXPECT_NE(svg.find("<svg"), std::string::npos) << name;
    EXPECT_NE(svg.find("</svg>"), std::string::npos) << name;
    EXPECT_EQ(svg.find("<script"), std::string::npos) << name;
    for (const auto& text : texts) {
      EXPECT_NE(svg.find(text), std::string::npos) << name << " lacks '" << text << "'";
    }
  }
}

TEST_F(ReportTest, SvgPlotsAreWellFormedXml) {
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "skipped: xmllint (Debian package libxml2-utils) is not installed";
  }
  for (const auto& info : plot_infos()) {
    const fs::path svg = report_dir() / "plots" / (info.name + ".svg");
    const std::string command = "xmllint --noout --nonet '" + svg.string() + "'";
    EXPECT_EQ(std::system(command.c_str()), 0) << svg;
  }
}

TEST_F(ReportTest, PngPlotsHavePngHeader) {
  for (const auto& info : plot_infos()) {
    const std::string png = read_file(report_dir() / "plots" / (info.name + ".png"));
    ASSERT_GT(png.size(), 24u) << info.name;
    EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8)) << info.name;
    EXPECT_EQ(png.substr(12, 4), "IHDR") << info.name;
    const auto byte = [&png](size_t i) { return static_cast<unsigned char>(png[i]); };
    const unsigned width = (byte(16) << 24) | (byte(17) << 16) | (byte(18) << 8) | byte(19);
    EXPECT_EQ(width, 960u) << info.name;
  }
}

TEST_F(ReportTest, HtmlIsSelfContained) {
  const std::string html = read_file(report_dir() / "index.html");
  size_t svg_count = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    ++svg_count;
  }
  EXPECT_EQ(svg_count, plot_infos().size());
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("href=\"http"), std::string::npos);
  EXPECT_EQ(html.find("href='http"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_NE(html.find("name=\"viewport\""), std::string::npos);
  EXPECT_NE(html.find("table class=\"sortable\""), std::string::npos);
  // Each plot's ids carry its name, so ids do not repeat across plots.
  EXPECT_NE(html.find("id=\"fragility-gnuplot_canvas\""), std::string::npos);
}

TEST_F(ReportTest, ResultsIndexListsReportFiles) {
  const auto listed = parse_results_index(read_file(report_dir() / "RESULTS_INDEX.md"));
  EXPECT_NE(std::find(listed.begin(), listed.end(), "report/REPORT.md"), listed.end());
  EXPECT_NE(std::find(listed.begin(), listed.end(), "analysis/summary.csv"), listed.end());
  EXPECT_NE(std::find(listed.begin(), listed.end(), "report/plots/accuracy_grid.svg"),
            listed.end());
  for (const auto& path : listed) {
    EXPECT_TRUE(fs::exists(study() / path)) << path;
  }
}

TEST(ReportInputs, MissingAnalysisNamesAnalyzeStep) {
  ScopedTempDir folder;
  try {
    write_report(folder.path(), {});
    FAIL() << "no error for a study without analysis";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("quant-autopsy analyze"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(fs::exists(folder.path() / "report"));
}

TEST(ReportPlots, MissingGnuplotNamesPackage) {
  const char* saved = std::getenv("PATH");
  const std::string original = saved ? saved : "";
  setenv("PATH", "/nonexistent-folder", 1);
  try {
    find_gnuplot();
    setenv("PATH", original.c_str(), 1);
    FAIL() << "gnuplot found on an empty PATH";
  } catch (const Error& error) {
    setenv("PATH", original.c_str(), 1);
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    EXPECT_NE(std::string(error.what()).find("gnuplot-nox"), std::string::npos);
  }
}

TEST(ReportPlots, ReportWithoutGnuplotWritesNothing) {
  ScopedTempDir folder;
  test::write_study_fixture(folder.path(), {false});
  const char* saved = std::getenv("PATH");
  const std::string original = saved ? saved : "";
  setenv("PATH", "/nonexistent-folder", 1);
  EXPECT_THROW(write_report(folder.path(), {}), Error);
  setenv("PATH", original.c_str(), 1);
  EXPECT_FALSE(fs::exists(folder.path() / "report"));
}

TEST(ReportCli, CheckExitStatusAndMessage) {
  ScopedTempDir folder;
  test::write_study_fixture(folder.path());
  const std::string study = "'" + folder.path().string() + "'";

  const auto written = test::run_cli("report " + study);
  ASSERT_EQ(written.exit_code, 0) << written.err;
  const auto passed = test::run_cli("report " + study + " --check");
  EXPECT_EQ(passed.exit_code, 0) << passed.out << passed.err;

  const fs::path report = folder.path() / "report" / "REPORT.md";
  std::string text = read_file(report);
  const size_t at = text.find("| 1 | arithmetic | Q4_K_M | 4.89 |");
  ASSERT_NE(at, std::string::npos);
  text.replace(text.find("4.89", at), 4, "4.98");
  write_file_atomically(report, text);
  const auto failed = test::run_cli("report " + study + " --check");
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.out.find("report/REPORT.md:"), std::string::npos) << failed.out;
  EXPECT_NE(failed.out.find("expected 4.89"), std::string::npos) << failed.out;
  EXPECT_NE(failed.out.find("found 4.98"), std::string::npos) << failed.out;
}

TEST(ReportCli, MissingAnalysisExitsTwo) {
  ScopedTempDir folder;
  const auto result = test::run_cli("report '" + folder.path().string() + "'");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("quant-autopsy analyze"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace qa::report
