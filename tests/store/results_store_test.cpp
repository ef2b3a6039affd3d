#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/results_store.h"
#include "support/paths.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

ResponseRow make_row(const std::string& rung, const std::string& item_id,
                     const std::string& battery_hash = "battery-a") {
  ResponseRow row;
  row.rung = rung;
  row.item_id = item_id;
  row.battery_hash = battery_hash;
  row.family = "arithmetic";
  row.level = 2;
  row.kind = "generate";
  row.run_id = 1;
  row.output = "42";
  row.correct = true;
  row.ref_logprob = -1.25;
  row.margin = std::numeric_limits<double>::quiet_NaN();
  row.n_tokens = 17;
  row.ms = 3.5;
  return row;
}

// Reads one PRAGMA's value through a separate raw connection.
std::string read_pragma(const fs::path& path, const std::string& pragma) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(db, ("PRAGMA " + pragma).c_str(), -1, &statement, nullptr);
  std::string value;
  if (sqlite3_step(statement) == SQLITE_ROW) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

TEST(ResultsStore, CreatesWalDatabase) {
  test::ScopedTempDir dir;
  const auto path = dir.path() / "results.sqlite";
  { auto store = ResultsStore::open(path, "battery-a"); }

  EXPECT_TRUE(fs::exists(path));
  EXPECT_EQ(read_pragma(path, "journal_mode"), "wal");
}

TEST(ResultsStore, RoundTripsResponseFields) {
  test::ScopedTempDir dir;
  auto store = ResultsStore::open(dir.path() / "results.sqlite", "battery-a");

  ResponseRow choice = make_row("Q4_K_M", "logic-L1-0001");
  choice.kind = "choice";
  choice.output = " yes, \"quoted\"\nline";
  choice.correct = false;
  choice.correct_norm = true;
  choice.predicted_index = 2;
  choice.predicted_index_norm = 1;
  choice.margin = -0.5;
  store.insert_responses({make_row("Q4_K_M", "arithmetic-L2-0001"), choice});

  const auto rows = store.responses("Q4_K_M");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].item_id, "arithmetic-L2-0001");
  EXPECT_TRUE(std::isnan(rows[0].margin));
  EXPECT_DOUBLE_EQ(rows[0].ref_logprob, -1.25);
  EXPECT_EQ(rows[0].n_tokens, 17);
  EXPECT_DOUBLE_EQ(rows[0].ms, 3.5);

  const ResponseRow& read = rows[1];
  EXPECT_EQ(read.kind, "choice");
  EXPECT_EQ(read.output, choice.output);
  EXPECT_FALSE(read.correct);
  EXPECT_TRUE(read.correct_norm);
  EXPECT_EQ(read.predicted_index, 2);
  EXPECT_EQ(read.predicted_index_norm, 1);
  EXPECT_DOUBLE_EQ(read.margin, -0.5);
  EXPECT_EQ(read.battery_hash, "battery-a");
  EXPECT_EQ(read.family, "arithmetic");
  EXPECT_EQ(read.level, 2);
}

TEST(ResultsStore, DuplicateKeyKeepsFirstRow) {
  test::ScopedTempDir dir;
  auto store = ResultsStore::open(dir.path() / "results.sqlite", "battery-a");
  store.insert_responses({make_row("reference", "a-1"), make_row("reference", "a-2")});

  ResponseRow again = make_row("reference", "a-1");
  again.output = "changed";
  store.insert_responses({again, make_row("reference", "a-3")});

  EXPECT_EQ(store.count_responses("reference"), 3u);
  EXPECT_EQ(store.count_responses(), 3u);
  EXPECT_EQ(store.responses("reference")[0].output, "42");
}

TEST(ResultsStore, FailedBatchLeavesNoRows) {
  test::ScopedTempDir dir;
  auto store = ResultsStore::open(dir.path() / "results.sqlite", "battery-a");

  ResponseRow bad = make_row("reference", "a-2");
  bad.kind = "essay";  // violates the CHECK on kind, after a-1 was inserted
  EXPECT_THROW(store.insert_responses({make_row("reference", "a-1"), bad}), Error);

  EXPECT_EQ(store.count_responses(), 0u);
}

TEST(ResultsStore, RejectsOtherBatteryHash) {
  test::ScopedTempDir dir;
  const auto path = dir.path() / "results.sqlite";
  { auto store = ResultsStore::open(path, "battery-a"); }

  try {
    ResultsStore::open(path, "battery-b");
    FAIL() << "expected the store to reject another battery";
  } catch (const Error& error) {
    EXPECT_EQ(error.exit_code(), kExitBadInput);
    const std::string message = error.what();
    EXPECT_NE(message.find("battery-a"), std::string::npos) << message;
    EXPECT_NE(message.find("battery-b"), std::string::npos) << message;
  }

  auto reopened = ResultsStore::open(path, "battery-a");
  EXPECT_EQ(reopened.battery_hash(), "battery-a");
}

TEST(ResultsStore, RejectsRowOfOtherBattery) {
  test::ScopedTempDir dir;
  auto store = ResultsStore::open(dir.path() / "results.sqlite", "battery-a");
  EXPECT_THROW(store.insert_responses({make_row("reference", "a-1", "battery-b")}), Error);
  EXPECT_EQ(store.count_responses(), 0u);
}

TEST(ResultsStore, StoredItemIdsPerRung) {
  test::ScopedTempDir dir;
  auto store = ResultsStore::open(dir.path() / "results.sqlite", "battery-a");
  store.insert_responses(
      {make_row("reference", "a-1"), make_row("reference", "a-2"), make_row("Q8_0", "a-1")});

  EXPECT_EQ(store.stored_item_ids("reference"), (std::set<std::string>{"a-1", "a-2"}));
  EXPECT_EQ(store.stored_item_ids("Q8_0"), (std::set<std::string>{"a-1"}));
  EXPECT_TRUE(store.stored_item_ids("Q2_K").empty());
  EXPECT_EQ(store.stored_rungs(), (std::vector<std::string>{"Q8_0", "reference"}));
}

TEST(ResultsStore, RecordsModelRungsAndRuns) {
  test::ScopedTempDir dir;
  const auto path = dir.path() / "results.sqlite";
  {
    auto store = ResultsStore::open(path, "battery-a");
    EXPECT_FALSE(store.first_run_settings().has_value());
    EXPECT_THROW(store.upsert_rung(RungRecord{"Q8_0", "Q8_0", "ladder/m-Q8_0.gguf", "aa", 8.5, {}}),
                 Error);

    store.upsert_model("stories", "/models/stories.gguf", "ffee", "F32", 260000);
    store.upsert_rung(RungRecord{"Q8_0", "Q8_0", "ladder/m-Q8_0.gguf", "aa", 8.5, {}});
    store.upsert_rung(RungRecord{"Q6_K", "Q6_K", "ladder/m-Q6_K.gguf", "bb", 6.56, "Q8_0"});
    // A second upsert of a rung replaces its fields instead of adding a row.
    store.upsert_rung(RungRecord{"Q8_0", "Q8_0", "ladder/m-Q8_0.gguf", "cc", 8.5, {}});

    RunSettings settings{4, 4096, 2048, 512, 16, "completion", "80fb11a", "battery-a", "0.1.0"};
    const long long first = store.begin_run(settings);
    settings.threads = 2;
    const long long second = store.begin_run(settings);
    EXPECT_LT(first, second);
  }

  const auto store = ResultsStore::open_readonly(path);
  const auto rungs = store.rungs();
  ASSERT_EQ(rungs.size(), 2u);
  EXPECT_EQ(rungs[0].name, "Q8_0");
  EXPECT_EQ(rungs[0].sha256, "cc");
  EXPECT_FALSE(rungs[0].identical_to.has_value());
  EXPECT_EQ(rungs[1].identical_to.value_or(""), "Q8_0");
  EXPECT_DOUBLE_EQ(rungs[1].bits_per_weight, 6.56);

  const auto settings = store.first_run_settings();
  ASSERT_TRUE(settings.has_value());
  EXPECT_EQ(settings->threads, 4);
  EXPECT_EQ(settings->n_parallel, 16);
  EXPECT_EQ(settings->prompt_format, "completion");
  EXPECT_EQ(settings->llama_cpp_commit, "80fb11a");
  EXPECT_EQ(store.battery_hash(), "battery-a");
}

TEST(ResultsStore, ReadonlyOpenOfMissingFileFails) {
  test::ScopedTempDir dir;
  EXPECT_THROW(ResultsStore::open_readonly(dir.path() / "absent.sqlite"), Error);
  EXPECT_FALSE(fs::exists(dir.path() / "absent.sqlite"));
}

TEST(ResultsStore, SecondConnectionSeesCommittedRows) {
  test::ScopedTempDir dir;
  const auto path = dir.path() / "results.sqlite";
  auto writer = ResultsStore::open(path, "battery-a");
  auto second_writer = ResultsStore::open(path, "battery-a");

  writer.insert_responses({make_row("reference", "a-1")});
  second_writer.insert_responses({make_row("reference", "a-1"), make_row("reference", "a-2")});

  const auto reader = ResultsStore::open_readonly(path);
  EXPECT_EQ(reader.count_responses(), 2u);
}

}  // namespace
}  // namespace qa
