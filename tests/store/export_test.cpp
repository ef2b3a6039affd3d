#include <gtest/gtest.h>

#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "common/error.h"
#include "common/files.h"
#include "store/export.h"

namespace qa {
namespace {

ProbeItem generate_item() {
  ProbeItem item;
  item.id = "arithmetic-L2-0000";
  item.family = "arithmetic";
  item.level = 2;
  item.kind = ItemKind::kGenerate;
  item.prompt = "Q: 2+3=\nA:";
  item.answer = "5";
  item.scorer = "number";
  item.max_tokens = 8;
  return item;
}

ProbeItem choice_item(const std::string& id) {
  ProbeItem item;
  item.id = id;
  item.family = "logic";
  item.level = 1;
  item.kind = ItemKind::kChoice;
  item.prompt = "Is it true? Answer:";
  item.choices = {" yes", " no"};
  item.answer_index = 1;
  return item;
}

std::vector<ResponseRow> sample_rows() {
  ResponseRow generate;
  generate.rung = "Q4_K_M";
  generate.item_id = "arithmetic-L2-0000";
  generate.battery_hash = "hash";
  generate.family = "arithmetic";
  generate.level = 2;
  generate.kind = "generate";
  generate.output = " 5, then";
  generate.correct = true;
  generate.ref_logprob = -0.75;
  generate.margin = std::numeric_limits<double>::quiet_NaN();
  generate.n_tokens = 12;
  generate.ms = 1.5;

  ResponseRow choice = generate;
  choice.item_id = "logic-L1-0001";
  choice.family = "logic";
  choice.level = 1;
  choice.kind = "choice";
  choice.output = " yes";
  choice.correct = false;
  choice.correct_norm = true;
  choice.predicted_index = 0;
  choice.predicted_index_norm = 1;
  choice.margin = -0.25;
  return {generate, choice};
}

TEST(Export, CsvHasOneRowPerResponse) {
  const CsvTable table = parse_csv(responses_to_csv(sample_rows()), "export");

  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[0][table.column("output")], " 5, then");
  EXPECT_EQ(table.rows[0][table.column("margin")], "");
  EXPECT_EQ(table.rows[1][table.column("margin")], "-0.25");
  EXPECT_EQ(table.rows[1][table.column("correct_norm")], "1");
  EXPECT_EQ(table.rows[0][table.column("ref_logprob")], "-0.75");
}

TEST(Export, JsonlFollowsLogSamplesLayout) {
  const std::vector<ProbeItem> battery = {generate_item(), choice_item("logic-L1-0000"),
                                          choice_item("logic-L1-0001")};
  std::istringstream lines(responses_to_jsonl(sample_rows(), battery));
  std::string line;

  ASSERT_TRUE(std::getline(lines, line));
  const auto generate = nlohmann::json::parse(line);
  EXPECT_EQ(generate["doc_id"], 0);
  EXPECT_EQ(generate["target"], "5");
  EXPECT_EQ(generate["resps"], nlohmann::json::parse(R"([[" 5, then"]])"));
  EXPECT_EQ(generate["filtered_resps"], nlohmann::json::parse(R"([" 5, then"])"));
  EXPECT_EQ(generate["metrics"], nlohmann::json::parse(R"(["exact_match"])"));
  EXPECT_EQ(generate["exact_match"], 1.0);
  EXPECT_EQ(generate["arguments"]["gen_args_0"]["arg_0"], "Q: 2+3=\nA:");
  EXPECT_EQ(generate["prompt_hash"], sha256_bytes("Q: 2+3=\nA:"));
  EXPECT_EQ(generate["target_hash"], sha256_bytes("5"));
  EXPECT_EQ(generate["doc_hash"], sha256_bytes(generate["doc"].dump()));
  EXPECT_TRUE(generate["quant_autopsy"]["margin"].is_null());
  EXPECT_EQ(generate["quant_autopsy"]["rung"], "Q4_K_M");

  ASSERT_TRUE(std::getline(lines, line));
  const auto choice = nlohmann::json::parse(line);
  EXPECT_EQ(choice["doc_id"], 1);  // second item of the logic family
  EXPECT_EQ(choice["target"], 1);
  EXPECT_EQ(choice["acc"], 0.0);
  EXPECT_EQ(choice["acc_norm"], 1.0);
  EXPECT_EQ(choice["arguments"]["gen_args_1"]["arg_1"], " no");
  EXPECT_EQ(choice["quant_autopsy"]["margin"], -0.25);

  EXPECT_FALSE(std::getline(lines, line));
}

TEST(Export, JsonlRejectsItemMissingFromBattery) {
  EXPECT_THROW(responses_to_jsonl(sample_rows(), {generate_item()}), Error);
}

}  // namespace
}  // namespace qa
