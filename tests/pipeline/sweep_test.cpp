// End-to-end tests of 'quant-autopsy sweep' on stories260K.gguf: a study
// with a frozen small battery and a two-rung ladder, evaluated through the
// real binary, llama.cpp and SQLite.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/files.h"
#include "common/study.h"
#include "ladder/manifest_file.h"
#include "pipeline/chunked_evaluation.h"
#include "pipeline/sweep_stage.h"
#include "probes/battery.h"
#include "store/results_store.h"
#include "store/study_lock.h"
#include "support/paths.h"
#include "pipeline/study_test_support.h"

namespace qa {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModel = "stories260K.gguf";

// Builds STUDY with a two-rung ladder and a frozen small battery of
// items_per_family items a family, without calibrating (the sweep evaluates
// the reference itself).
fs::path make_study(const fs::path& root, int items_per_family) {
  const fs::path study = root / "study";
  const auto ladder = test::run_cli("ladder " + quoted(test::shared_models_dir() / kModel) +
                                    " --out " + quoted(study) + " --rungs Q8_0,Q4_0 --threads 1");
  EXPECT_EQ(ladder.exit_code, 0) << ladder.err;

  BatteryBuildOptions battery;
  battery.battery = "small";
  battery.items_per_family = items_per_family;
  write_battery(StudyLayout{study}.battery_dir(), battery);
  return study;
}

// The rungs a sweep without --rungs evaluates.
std::set<std::string> expected_rungs(const fs::path& study) {
  std::set<std::string> rungs{kReferenceRung, kReferenceRerunRung, kF16NoiseRung};
  for (const auto& rung : read_ladder_manifest(StudyLayout{study}.ladder_manifest()).rungs) {
    if (!rung.identical_to) {
      rungs.insert(rung.name);
    }
  }
  return rungs;
}

size_t battery_families(const fs::path& study) {
  return load_battery(StudyLayout{study}.battery_dir()).manifest.families.size();
}

std::vector<ProbeItem> numbered_items(const std::string& family, int count) {
  std::vector<ProbeItem> items(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    items[static_cast<size_t>(i)].id = family + "-" + std::to_string(i);
    items[static_cast<size_t>(i)].family = family;
  }
  return items;
}

TEST(SweepChunks, SplitPerFamilyWithShortLastChunk) {
  const auto chunks = split_into_chunks({numbered_items("a", 5), numbered_items("b", 2)}, 2);
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_EQ(chunks[0].size(), 2u);
  EXPECT_EQ(chunks[2].size(), 1u);
  EXPECT_EQ(chunks[2][0].id, "a-4");
  EXPECT_EQ(chunks[3][0].id, "b-0");
  EXPECT_EQ(count_items(chunks), 7u);
}

TEST(SweepChunks, PendingSkipsOnlyCompleteChunks) {
  const auto chunks = split_into_chunks({numbered_items("a", 6)}, 2);
  const auto pending = pending_chunks(chunks, {"a-0", "a-1", "a-2", "a-5"});
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0][0].id, "a-2");
  EXPECT_EQ(pending[1][0].id, "a-4");
}

TEST(SweepChunks, RerunOrderShufflesWithinFixedBlocks) {
  const auto items = numbered_items("a", 40);
  const auto order = rerun_order(items, 4);  // blocks of 8 items
  ASSERT_EQ(order.size(), items.size());
  EXPECT_EQ(rerun_order(items, 4)[0].id, order[0].id);

  bool moved = false;
  for (size_t block = 0; block < 40; block += 8) {
    std::set<std::string> expected;
    std::set<std::string> actual;
    for (size_t i = block; i < block + 8; ++i) {
      expected.insert(items[i].id);
      actual.insert(order[i].id);
      moved = moved || items[i].id != order[i].id;
    }
    EXPECT_EQ(actual, expected) << "block at " << block;
  }
  EXPECT_TRUE(moved);

  // A prefix of whole blocks is ordered as in the full list.
  const auto prefix = rerun_order(numbered_items("a", 16), 4);
  for (size_t i = 0; i < prefix.size(); ++i) {
    EXPECT_EQ(prefix[i].id, order[i].id);
  }
}

TEST(Sweep, DryRunPrintsPlanWithoutStore) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path study = make_study(dir.path(), 16);

  const auto result = test::run_cli("sweep " + quoted(study) + " --dry-run --limit 8");

  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("5 rungs x " + std::to_string(battery_families(study) * 16) +
                            " items (" + std::to_string(battery_families(study)) + " families)"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("reference-rerun"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("tokens"), std::string::npos) << result.out;
  EXPECT_FALSE(fs::exists(StudyLayout{study}.results_db()));
  EXPECT_FALSE(fs::exists(StudyLayout{study}.ladder_dir() / "stories260K-F16.gguf"));
}

// A ladder rung identical_to another is evaluated once, through its twin.
TEST(Sweep, IdenticalRungUsesItsTwin) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path study = make_study(dir.path(), 16);
  const fs::path manifest_path = StudyLayout{study}.ladder_manifest();
  LadderManifest manifest = read_ladder_manifest(manifest_path);
  RungEntry twin = manifest.rungs.at(0);
  const std::string owner = twin.name;
  twin.name = "Q6_K";
  twin.identical_to = owner;
  manifest.rungs.insert(manifest.rungs.begin() + 1, twin);
  write_ladder_manifest(manifest_path, manifest);

  const auto plan = test::run_cli("sweep " + quoted(study) + " --dry-run");
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  EXPECT_NE(plan.out.find("5 rungs x"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("(also stands for Q6_K)"), std::string::npos) << plan.out;

  const auto selected = test::run_cli("sweep " + quoted(study) + " --rung Q6_K --dry-run");
  ASSERT_EQ(selected.exit_code, 0) << selected.err;
  EXPECT_NE(selected.out.find("2 rungs x"), std::string::npos) << selected.out;
  EXPECT_NE(selected.out.find("  " + owner + " "), std::string::npos) << selected.out;
  EXPECT_NE(selected.err.find("rung Q6_K is identical to " + owner), std::string::npos)
      << selected.err;
}

TEST(Sweep, StoresOneRowPerRungAndItem) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path study = make_study(dir.path(), 16);

  const auto first = test::run_cli("sweep " + quoted(study) + " --threads 1");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("tokens/s"), std::string::npos) << first.err;

  const auto store = ResultsStore::open_readonly(StudyLayout{study}.results_db());
  const auto rungs = expected_rungs(study);
  const size_t items = battery_families(study) * 16;
  EXPECT_EQ(store.count_responses(), rungs.size() * items);
  for (const auto& rung : rungs) {
    EXPECT_EQ(store.count_responses(rung), items) << rung;
  }
  EXPECT_TRUE(fs::exists(StudyLayout{study}.ladder_dir() / "stories260K-F16.gguf"));

  // The reference-rerun rung is the same model, so it must agree closely
  // with the reference even though its items were batched differently.
  const auto reference = store.responses(kReferenceRung);
  const auto rerun = store.responses(kReferenceRerunRung);
  ASSERT_EQ(reference.size(), rerun.size());
  for (size_t i = 0; i < reference.size(); ++i) {
    EXPECT_NEAR(reference[i].ref_logprob, rerun[i].ref_logprob, 1e-2) << reference[i].item_id;
  }

  const auto again = test::run_cli("sweep " + quoted(study));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("already stored"), std::string::npos) << again.err;
  EXPECT_EQ(count_rows(study), rungs.size() * items);
}

TEST(Sweep, LimitFamilyAndRungSelectASubset) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path study = make_study(dir.path(), 40);
  const std::string family = load_battery(StudyLayout{study}.battery_dir()).manifest.families[0].family;

  // --limit 5 rounds up to two chunks of n_parallel (16) items.
  const auto result = test::run_cli("sweep " + quoted(study) + " --rung F16 --family " + family +
                                    " --limit 5 --threads 1");
  ASSERT_EQ(result.exit_code, 0) << result.err;

  const auto store = ResultsStore::open_readonly(StudyLayout{study}.results_db());
  EXPECT_EQ(store.stored_rungs(), (std::vector<std::string>{kF16NoiseRung, kReferenceRung}));
  EXPECT_EQ(store.count_responses(kF16NoiseRung), 32u);
  EXPECT_EQ(store.count_responses(kReferenceRung), 32u);
  for (const auto& row : store.responses()) {
    EXPECT_EQ(row.family, family);
  }

  const auto unknown = test::run_cli("sweep " + quoted(study) + " --rung Q9_X --dry-run");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("Q9_X"), std::string::npos) << unknown.err;
}

// The noise floor rungs give the resume test three rungs of real work
// without building more ladder rungs.
TEST(Sweep, KilledSweepResumesToSameTable) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path study = make_study(dir.path(), 32);
  const fs::path twin = dir.path() / "twin";
  fs::copy(study, twin, fs::copy_options::recursive);
  const std::string rungs = "reference-rerun,F16";
  const size_t total = 3 * battery_families(study) * 32;

  const auto uninterrupted =
      test::run_cli("sweep " + quoted(twin) + " --rungs " + rungs + " --threads 1");
  ASSERT_EQ(uninterrupted.exit_code, 0) << uninterrupted.err;
  ASSERT_EQ(count_rows(twin), total);

  const pid_t child = spawn_cli({"sweep", study.string(), "--rungs", rungs, "--threads", "1"},
                                dir.path() / "log");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline && count_rows(study) < total / 2) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(child, SIGKILL);
  EXPECT_EQ(wait_exit_code(child), 128 + SIGKILL);
  const size_t after_kill = count_rows(study);
  ASSERT_GT(after_kill, 0u);
  ASSERT_LT(after_kill, total) << "the sweep finished before the kill; the test needs more items";

  const auto resumed = test::run_cli("sweep " + quoted(study) + " --rungs " + rungs);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(count_rows(study), total);
  expect_same_responses(study, twin);
}

TEST(Sweep, SecondSweepIsLockedOut) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path study = make_study(dir.path(), 16);

  {
    const StudyLock held(study, "test", StudyLock::Mode::kFailIfBusy);
    const auto blocked = test::run_cli("sweep " + quoted(study) + " --threads 1");
    EXPECT_EQ(blocked.exit_code, 1);
    EXPECT_NE(blocked.err.find("locked by test pid"), std::string::npos) << blocked.err;
    EXPECT_EQ(count_rows(study), 0u);
  }

  // Two sweeps started together: one waits for the other, then finds every
  // row stored; the table has no duplicate (rung, item) pair.
  const std::vector<std::string> arguments = {"sweep", study.string(), "--rungs",
                                              "reference-rerun", "--threads", "1", "--wait"};
  const pid_t first = spawn_cli(arguments, dir.path() / "first.log");
  const pid_t second = spawn_cli(arguments, dir.path() / "second.log");
  EXPECT_EQ(wait_exit_code(first), 0) << read_file(dir.path() / "first.log");
  EXPECT_EQ(wait_exit_code(second), 0) << read_file(dir.path() / "second.log");

  const auto rows = ResultsStore::open_readonly(StudyLayout{study}.results_db()).responses();
  std::set<std::pair<std::string, std::string>> keys;
  for (const auto& row : rows) {
    EXPECT_TRUE(keys.emplace(row.rung, row.item_id).second) << row.rung << " " << row.item_id;
  }
  EXPECT_EQ(rows.size(), 2 * battery_families(study) * 16);
}

TEST(Sweep, RejectsStoreOfOtherBattery) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path study = make_study(dir.path(), 16);
  { ResultsStore::open(StudyLayout{study}.results_db(), "another-battery"); }

  const auto result = test::run_cli("sweep " + quoted(study) + " --rung Q8_0 --limit 1");

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("another-battery"), std::string::npos) << result.err;
  EXPECT_EQ(count_rows(study), 0u);
}

TEST(Sweep, RejectsRungWithChangedSha256) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path study = make_study(dir.path(), 16);
  const auto manifest = read_ladder_manifest(StudyLayout{study}.ladder_manifest());
  const fs::path rung_file = study / manifest.rungs.at(0).file;
  fs::permissions(rung_file, fs::perms::owner_write, fs::perm_options::add);
  std::string bytes = read_file(rung_file);
  bytes.back() = static_cast<char>(bytes.back() ^ 1);
  write_file_atomically(rung_file, bytes);

  const auto result = test::run_cli("sweep " + quoted(study) + " --limit 1");

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(manifest.rungs.at(0).name), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("sha256"), std::string::npos) << result.err;
  EXPECT_EQ(count_rows(study), 0u);
}

TEST(Sweep, RejectsOtherSettingsWithoutForce) {
  QA_REQUIRE_SHARED_MODEL(kModel);
  test::ScopedTempDir dir;
  const fs::path study = make_study(dir.path(), 16);
  const std::string family =
      " --family " + load_battery(StudyLayout{study}.battery_dir()).manifest.families[0].family;
  const auto first = test::run_cli("sweep " + quoted(study) + family +
                                   " --rung reference-rerun --threads 1");
  ASSERT_EQ(first.exit_code, 0) << first.err;

  const auto other = test::run_cli("sweep " + quoted(study) + family + " --rung F16 --threads 2");
  EXPECT_EQ(other.exit_code, 2);
  EXPECT_NE(other.err.find("threads 1 -> 2"), std::string::npos) << other.err;

  const auto forced =
      test::run_cli("sweep " + quoted(study) + family + " --rung F16 --threads 2 --force");
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
}

}  // namespace
}  // namespace qa
