// 'quant-autopsy export' on a study whose store contains hand-made rows for a
// real frozen battery.
#include <gtest/gtest.h>

#include <limits>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "common/files.h"
#include "common/study.h"
#include "probes/battery.h"
#include "store/results_store.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

using test::quoted;

// A study with a frozen small battery and one reference row per item; every
// third item is marked correct.
Battery make_study_with_rows(const fs::path& study) {
  BatteryBuildOptions options;
  options.battery = "small";
  options.items_per_family = 4;
  write_battery(StudyLayout{study}.battery_dir(), options);
  Battery battery = load_battery(StudyLayout{study}.battery_dir());

  auto store = ResultsStore::open(StudyLayout{study}.results_db(), battery.manifest.battery_hash);
  std::vector<ResponseRow> rows;
  for (size_t i = 0; i < battery.items.size(); ++i) {
    const ProbeItem& item = battery.items[i];
    ResponseRow row;
    row.rung = kReferenceRung;
    row.item_id = item.id;
    row.battery_hash = battery.manifest.battery_hash;
    row.family = item.family;
    row.level = item.level;
    row.kind = item.kind == ItemKind::kChoice ? "choice" : "generate";
    row.correct = i % 3 == 0;
    row.predicted_index = item.kind == ItemKind::kChoice ? 0 : -1;
    row.output = item.kind == ItemKind::kChoice ? item.choices[0] : "text";
    row.ref_logprob = -1.0 - static_cast<double>(i);
    row.margin = item.kind == ItemKind::kChoice ? 0.5 : std::numeric_limits<double>::quiet_NaN();
    row.n_tokens = 10;
    rows.push_back(row);
  }
  store.insert_responses(rows);
  return battery;
}

TEST(ExportCommand, WritesCsvOfEveryRow) {
  test::ScopedTempDir dir;
  const fs::path study = dir.path() / "study";
  const Battery battery = make_study_with_rows(study);

  const auto result = test::run_cli("export " + quoted(study) + " --format csv");

  ASSERT_EQ(result.exit_code, 0) << result.err;
  const CsvTable table = read_csv(study / "export" / "responses.csv");
  ASSERT_EQ(table.rows.size(), battery.items.size());
  EXPECT_EQ(table.rows[0][table.column("rung")], kReferenceRung);
  EXPECT_EQ(table.rows[0][table.column("battery_hash")], battery.manifest.battery_hash);
}

TEST(ExportCommand, WritesLogSamplesJsonl) {
  test::ScopedTempDir dir;
  const fs::path study = dir.path() / "study";
  const Battery battery = make_study_with_rows(study);
  const fs::path out = dir.path() / "samples.jsonl";

  const auto result =
      test::run_cli("export " + quoted(study) + " --format jsonl --out " + quoted(out));

  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::istringstream lines(read_file(out));
  std::string line;
  size_t count = 0;
  while (std::getline(lines, line)) {
    const auto sample = nlohmann::json::parse(line);
    EXPECT_TRUE(sample.contains("doc_id"));
    EXPECT_TRUE(sample.contains("doc"));
    EXPECT_TRUE(sample.contains("target"));
    EXPECT_TRUE(sample.contains("arguments"));
    EXPECT_TRUE(sample.contains("filtered_resps"));
    EXPECT_EQ(sample["prompt_hash"], sha256_bytes(sample["doc"]["prompt"].get<std::string>()));
    EXPECT_LT(sample["doc_id"].get<int>(), 4);
    ++count;
  }
  EXPECT_EQ(count, battery.items.size());
}

TEST(ExportCommand, MissingStoreIsReported) {
  test::ScopedTempDir dir;
  const auto result = test::run_cli("export " + quoted(dir.path()) + " --format csv");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("results.sqlite"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace qa
