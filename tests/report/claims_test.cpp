// Value formats, row keys, Markdown rendering of claims and the CSV round
// trip of CLAIM_CHECK.csv.
#include <gtest/gtest.h>

#include "common/csv.h"
#include "common/error.h"
#include "report/claims.h"
#include "report/document.h"
#include "report/source_tables.h"

namespace qa::report {
namespace {

TEST(FormatCell, EachFormat) {
  EXPECT_EQ(format_cell("0.73125", ValueFormat::kFixed3), "0.731");
  EXPECT_EQ(format_cell("0.73125", ValueFormat::kFixed2), "0.73");
  EXPECT_EQ(format_cell("0.73125", ValueFormat::kPercent1), "73.1%");
  EXPECT_EQ(format_cell("12", ValueFormat::kInteger), "12");
  EXPECT_EQ(format_cell("1048576", ValueFormat::kMebibytes), "1.00");
  EXPECT_EQ(format_cell("0.0117", ValueFormat::kPValue), "0.0117");
  EXPECT_EQ(format_cell("1.9073486328125e-06", ValueFormat::kPValue), "1.9e-06");
  EXPECT_EQ(format_cell("0", ValueFormat::kPValue), "0.0000");
  EXPECT_EQ(format_cell("Q4_K_M", ValueFormat::kText), "Q4_K_M");
}

TEST(FormatCell, NegativeZeroPrintsZero) {
  EXPECT_EQ(format_cell("-0.0001", ValueFormat::kFixed3), "0.000");
  EXPECT_EQ(format_cell("-0.0126", ValueFormat::kFixed2), "-0.01");
}

TEST(FormatCell, EmptyOrTextWhereNumberNeeded) {
  EXPECT_EQ(format_cell("", ValueFormat::kFixed3), std::nullopt);
  EXPECT_EQ(format_cell("", ValueFormat::kText), std::nullopt);
  EXPECT_EQ(format_cell("survives", ValueFormat::kFixed2), std::nullopt);
  EXPECT_EQ(format_cell("nan", ValueFormat::kFixed2), std::nullopt);
  EXPECT_EQ(format_cell("0.5x", ValueFormat::kFixed2), std::nullopt);
}

TEST(FormatNames, RoundTripAndReject) {
  for (const auto format : {ValueFormat::kText, ValueFormat::kInteger, ValueFormat::kFixed2,
                            ValueFormat::kFixed3, ValueFormat::kPValue, ValueFormat::kPercent1,
                            ValueFormat::kMebibytes}) {
    EXPECT_EQ(format_from_name(format_name(format)), format);
  }
  EXPECT_THROW(format_from_name("fixed9"), Error);
}

TEST(RowKey, RoundTrip) {
  const RowKey key = {{"family", "arithmetic"}, {"rung", "Q4_K_M"}};
  EXPECT_EQ(row_key_to_string(key), "family=arithmetic;rung=Q4_K_M");
  EXPECT_EQ(row_key_from_string("family=arithmetic;rung=Q4_K_M"), key);
  EXPECT_TRUE(row_key_from_string("").empty());
  EXPECT_THROW(row_key_from_string("family"), Error);
}

TEST(SourceTables, FindCell) {
  SourceTables tables;
  tables.add("a.csv", parse_csv("family,rung,accuracy\nx,Q8_0,0.5\nx,Q2_K,0.25\n", "a.csv"));
  EXPECT_EQ(tables.find_cell("a.csv", {{"family", "x"}, {"rung", "Q2_K"}}, "accuracy"), "0.25");
  EXPECT_EQ(tables.find_cell("a.csv", {{"family", "y"}}, "accuracy"), std::nullopt);
  EXPECT_EQ(tables.find_cell("a.csv", {{"family", "x"}, {"rung", "Q2_K"}}, "n"), std::nullopt);
  EXPECT_EQ(tables.find_cell("b.csv", {}, "accuracy"), std::nullopt);
  EXPECT_THROW(tables.find_cell("a.csv", {{"family", "x"}}, "accuracy"), Error);
}

TEST(FlattenJson, NestedKeysAndArrays) {
  const auto table = flatten_json_object(nlohmann::json::parse(
      R"({"alpha":0.05,"noise_floor":[{"rung":"reference-rerun","flip_rate":0.025}],
          "excluded":{"spelling":"too easy"},"missing":null})"));
  SourceTables tables;
  tables.add("settings.json", table);
  EXPECT_EQ(tables.find_cell("settings.json", {}, "alpha"), "0.05");
  EXPECT_EQ(tables.find_cell("settings.json", {}, "noise_floor.0.rung"), "reference-rerun");
  EXPECT_EQ(tables.find_cell("settings.json", {}, "noise_floor.0.flip_rate"), "0.025");
  EXPECT_EQ(tables.find_cell("settings.json", {}, "excluded.spelling"), "too easy");
  EXPECT_EQ(tables.find_cell("settings.json", {}, "missing"), "");
}

TEST(RenderMarkdown, ClaimLineAndColumn) {
  Document document("REPORT.md", "Title");
  const CellRef cell{"a.csv", {{"family", "x"}}, "accuracy", ValueFormat::kFixed3};
  document.paragraph(Text{Span{"Accuracy is ", std::nullopt, ""}, Span{"0.500", cell, "0.5"}});
  document.table({plain("family|name"), plain("accuracy")},
                 {{plain("x"), Text{Span{"0.500", cell, "0.5"}}}});
  const auto rendered = render_markdown(document);

  EXPECT_EQ(rendered.content,
            "# Title\n\nAccuracy is 0.500\n\n| family\\|name | accuracy |\n|---|---|\n"
            "| x | 0.500 |\n\n");
  ASSERT_EQ(rendered.claims.size(), 2u);
  EXPECT_EQ(rendered.claims[0].line, 3u);
  EXPECT_EQ(rendered.claims[0].column, 13u);
  EXPECT_EQ(rendered.claims[1].line, 7u);
  EXPECT_EQ(rendered.claims[1].column, 7u);
  EXPECT_EQ(rendered.claims[1].cell_value, "0.5");
}

TEST(RenderMarkdown, CodeFenceLongerThanBackticksInside) {
  Document document("REPORT.md", "Title");
  document.code("model output ```json\n{}\n```");
  const auto rendered = render_markdown(document);
  EXPECT_NE(rendered.content.find("````text\nmodel output ```json\n{}\n```\n````\n"),
            std::string::npos)
      << rendered.content;
}

TEST(ClaimCheckCsv, RoundTrip) {
  Claim claim;
  claim.file = "REPORT.md";
  claim.line = 12;
  claim.column = 5;
  claim.value = "0.731";
  claim.cell = CellRef{"analysis/summary.csv", {{"family", "a,b"}, {"rung", "Q8_0"}}, "accuracy",
                       ValueFormat::kFixed3};
  claim.cell_value = "0.73125";
  const std::string csv = claims_to_csv({claim});
  const CsvTable table = parse_csv(csv, "CLAIM_CHECK.csv");
  EXPECT_EQ(table.rows.at(0).at(table.column("match")), "true");

  const auto claims = claims_from_csv(table, "CLAIM_CHECK.csv");
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0].file, "REPORT.md");
  EXPECT_EQ(claims[0].line, 12u);
  EXPECT_EQ(claims[0].column, 5u);
  EXPECT_EQ(claims[0].value, "0.731");
  EXPECT_EQ(claims[0].cell.key, claim.cell.key);
  EXPECT_EQ(claims[0].cell.format, ValueFormat::kFixed3);
  EXPECT_EQ(claims[0].cell_value, "0.73125");
}

TEST(ClaimCheckCsv, MismatchMarkedFalse) {
  Claim claim;
  claim.file = "REPORT.md";
  claim.line = 1;
  claim.column = 1;
  claim.value = "0.800";
  claim.cell = CellRef{"analysis/summary.csv", {}, "accuracy", ValueFormat::kFixed3};
  claim.cell_value = "0.73125";
  const CsvTable table = parse_csv(claims_to_csv({claim}), "CLAIM_CHECK.csv");
  EXPECT_EQ(table.rows.at(0).at(table.column("match")), "false");
}

}  // namespace
}  // namespace qa::report
