#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "common/error.h"
#include "common/files.h"
#include "probes/battery.h"
#include "support/paths.h"

namespace qa {
namespace {

using test::ScopedTempDir;

std::vector<std::string> read_lines(const fs::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

void write_lines(const fs::path& path, const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) {
    text += line + "\n";
  }
  write_file_atomically(path, text);
}

bool has_problem(const std::vector<ValidationProblem>& problems, const std::string& file_suffix,
                 int line, const std::string& message_part) {
  for (const auto& problem : problems) {
    const bool file_matches = problem.file.size() >= file_suffix.size() &&
                              problem.file.compare(problem.file.size() - file_suffix.size(),
                                                   file_suffix.size(), file_suffix) == 0;
    if (file_matches && problem.line == line &&
        problem.message.find(message_part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

TEST(BatteryBuild, CoreIsDeterministic) {
  ScopedTempDir temp;
  const BatteryManifest first = write_battery(temp.path() / "a", BatteryBuildOptions{});
  const BatteryManifest second = write_battery(temp.path() / "b", BatteryBuildOptions{});

  EXPECT_EQ(first.battery_hash, second.battery_hash);
  ASSERT_EQ(first.families.size(), 12u);
  for (const auto& family : first.families) {
    EXPECT_EQ(family.item_count, 100) << family.family;
    EXPECT_EQ(family.levels, std::vector<int>{3}) << family.family;
    EXPECT_EQ(read_file(temp.path() / "a" / family.file), read_file(temp.path() / "b" / family.file))
        << family.file;
  }
  EXPECT_EQ(read_file(temp.path() / "a" / "manifest.json"),
            read_file(temp.path() / "b" / "manifest.json"));
}

TEST(BatteryBuild, OtherSeedGivesOtherHash) {
  ScopedTempDir temp;
  BatteryBuildOptions options;
  const BatteryManifest seed_one = write_battery(temp.path() / "a", options);
  options.seed = 2;
  const BatteryManifest seed_two = write_battery(temp.path() / "b", options);
  EXPECT_NE(seed_one.battery_hash, seed_two.battery_hash);
  for (size_t i = 0; i < seed_one.families.size(); ++i) {
    EXPECT_NE(seed_one.families[i].sha256, seed_two.families[i].sha256)
        << seed_one.families[i].family;
  }
}

// Pinned hashes: a change in any generator's output for seed 1 must come
// with a new kGeneratorVersion, and then these values are updated.
TEST(BatteryBuild, PinnedHashesForSeedOne) {
  ScopedTempDir temp;
  BatteryBuildOptions options;
  EXPECT_EQ(std::string(kGeneratorVersion), "1");
  EXPECT_EQ(write_battery(temp.path() / "core", options).battery_hash,
            "08152c3233f04587fa9387aebdaf8163f096b8801f9144b167077182611f1cd8");
  options.battery = "small";
  EXPECT_EQ(write_battery(temp.path() / "small", options).battery_hash,
            "778e41d65270ec891b0f0e4924096eafadb2db712f95fcfa63a8f0a5b737d842");
}

TEST(BatteryBuild, SmallHasAtLeastEightChoiceFamilies) {
  ScopedTempDir temp;
  BatteryBuildOptions options;
  options.battery = "small";
  const BatteryManifest manifest = write_battery(temp.path(), options);
  EXPECT_GE(manifest.families.size(), 8u);
  for (const auto& family : manifest.families) {
    EXPECT_EQ(family.kind, ItemKind::kChoice) << family.family;
  }
  EXPECT_TRUE(validate_battery(temp.path()).empty());
}

TEST(BatteryBuild, LevelsAllAndControls) {
  ScopedTempDir temp;
  BatteryBuildOptions options;
  options.all_levels = true;
  options.items_per_family = 10;
  options.include_controls = true;
  const BatteryManifest manifest = write_battery(temp.path(), options);
  ASSERT_EQ(manifest.families.size(), 13u);
  EXPECT_EQ(manifest.families.back().family, "long_context_retrieval");
  for (const auto& family : manifest.families) {
    EXPECT_EQ(family.levels, (std::vector<int>{1, 2, 3, 4, 5})) << family.family;
    EXPECT_EQ(family.item_count, 50) << family.family;
  }
  const Battery battery = load_battery(temp.path());
  EXPECT_EQ(battery.items.size(), 13u * 50u);
}

TEST(BatteryBuild, PerFamilyLevels) {
  ScopedTempDir temp;
  const BatteryManifest manifest =
      write_battery(temp.path(), "small", 7, 40, {{"story_pronoun", 1}, {"story_emotion", 5}},
                    false, false);
  for (const auto& family : manifest.families) {
    const int expected = family.family == "story_pronoun" ? 1
                         : family.family == "story_emotion" ? 5
                                                            : kDefaultLevel;
    EXPECT_EQ(family.levels, std::vector<int>{expected}) << family.family;
    EXPECT_EQ(family.item_count, 40);
  }
  EXPECT_THROW(write_battery(temp.path() / "x", "small", 7, 40, {{"arithmetic", 1}}, false, false),
               Error);
}

TEST(BatteryBuild, RefusesOtherBatteryWithoutForce) {
  ScopedTempDir temp;
  BatteryBuildOptions options;
  options.battery = "small";
  write_battery(temp.path(), options);
  // The same build again is allowed: it writes identical files.
  EXPECT_NO_THROW(write_battery(temp.path(), options));

  options.seed = 9;
  EXPECT_THROW(write_battery(temp.path(), options), Error);
  options.battery = "core";
  options.force = true;
  const BatteryManifest replaced = write_battery(temp.path(), options);
  EXPECT_EQ(load_battery(temp.path()).manifest.battery_hash, replaced.battery_hash);
  // Files of the old small battery are gone.
  EXPECT_FALSE(fs::exists(temp.path() / "story_pronoun.jsonl"));
}

TEST(BatteryValidate, ReportsCorruptedLineWithNumber) {
  ScopedTempDir temp;
  write_battery(temp.path(), BatteryBuildOptions{});
  const fs::path file = temp.path() / "arithmetic.jsonl";
  std::vector<std::string> lines = read_lines(file);
  lines[41] = lines[41].substr(0, lines[41].size() / 2);  // truncated JSON on line 42
  write_lines(file, lines);

  const std::vector<ValidationProblem> problems = validate_battery(temp.path());
  EXPECT_TRUE(has_problem(problems, "arithmetic.jsonl", 42, "invalid JSON"));
  EXPECT_TRUE(has_problem(problems, "arithmetic.jsonl", 0, "sha256"));
  try {
    load_battery(temp.path());
    FAIL() << "load_battery accepted a corrupted battery";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("arithmetic.jsonl line 42"), std::string::npos)
        << error.what();
  }
}

TEST(BatteryValidate, ReportsSchemaProblems) {
  ScopedTempDir temp;
  BatteryBuildOptions options;
  options.battery = "small";
  write_battery(temp.path(), options);
  const fs::path file = temp.path() / "story_pronoun.jsonl";
  std::vector<std::string> lines = read_lines(file);

  nlohmann::json bad_index = nlohmann::json::parse(lines[4]);
  bad_index["answer_index"] = 2;
  lines[4] = bad_index.dump();
  lines[9] = lines[8];  // duplicate id and prompt on line 10
  nlohmann::json no_prompt = nlohmann::json::parse(lines[19]);
  no_prompt.erase("prompt");
  lines[19] = no_prompt.dump();
  write_lines(file, lines);

  const std::vector<ValidationProblem> problems = validate_battery(temp.path());
  EXPECT_TRUE(has_problem(problems, "story_pronoun.jsonl", 5, "answer_index 2 is out of range"));
  EXPECT_TRUE(has_problem(problems, "story_pronoun.jsonl", 10, "duplicate id"));
  EXPECT_TRUE(has_problem(problems, "story_pronoun.jsonl", 10, "duplicate prompt"));
  EXPECT_TRUE(has_problem(problems, "story_pronoun.jsonl", 20, "missing field 'prompt'"));
}

TEST(BatteryValidate, ReportsManifestHashMismatch) {
  ScopedTempDir temp;
  BatteryBuildOptions options;
  options.battery = "small";
  options.items_per_family = 20;
  write_battery(temp.path(), options);
  nlohmann::json manifest = nlohmann::json::parse(read_file(temp.path() / "manifest.json"));
  manifest["families"][0]["items"] = 19;
  write_file_atomically(temp.path() / "manifest.json", manifest.dump(2));

  const std::vector<ValidationProblem> problems = validate_battery(temp.path());
  EXPECT_TRUE(has_problem(problems, "manifest.json", 0, "battery_hash"));
  EXPECT_TRUE(has_problem(problems, "story_set_phrase.jsonl", 0, "20 lines"));
}

TEST(BatteryValidate, MissingManifest) {
  ScopedTempDir temp;
  const auto problems = validate_battery(temp.path());
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("not found"), std::string::npos);
  EXPECT_THROW(load_battery(temp.path()), Error);
}

TEST(BatteryAdd, AddsUserFamilyAndChangesHash) {
  ScopedTempDir temp;
  BatteryBuildOptions options;
  options.battery = "small";
  options.items_per_family = 10;
  const BatteryManifest before = write_battery(temp.path() / "battery", options);

  const fs::path user_file = temp.path() / "mine.jsonl";
  write_lines(user_file,
              {R"({"id":"my_math-L1-0","family":"my_math","level":1,"kind":"generate","prompt":"2 + 2 =","answer":"4","scorer":"number","max_tokens":4})",
               R"({"id":"my_math-L2-1","family":"my_math","level":2,"kind":"choice","prompt":"Is 3 odd?","choices":[" yes"," no"],"answer_index":0})"});
  EXPECT_THROW(add_user_family(temp.path() / "battery", user_file), Error);  // mixed kinds

  write_lines(user_file,
              {R"({"id":"my_math-L1-0","family":"my_math","level":1,"kind":"generate","prompt":"2 + 2 =","answer":"4","scorer":"number","max_tokens":4})",
               R"({"id":"my_math-L2-1","family":"my_math","level":2,"kind":"generate","prompt":"3 x 3 =","answer":"9","scorer":"number","max_tokens":4,"stop":["\n","."]})"});
  const BatteryManifest after = add_user_family(temp.path() / "battery", user_file);
  EXPECT_NE(after.battery_hash, before.battery_hash);
  EXPECT_EQ(after.families.back().family, "my_math");
  EXPECT_EQ(after.families.back().levels, (std::vector<int>{1, 2}));
  EXPECT_TRUE(after.families.back().user_added);

  const Battery battery = load_battery(temp.path() / "battery");
  const auto items = battery.family_items("my_math");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].stop, (std::vector<std::string>{"\n", "."}));
  // Adding the same family twice is rejected.
  EXPECT_THROW(add_user_family(temp.path() / "battery", user_file), Error);
}

TEST(BatteryAdd, RejectsInvalidLineWithNumber) {
  ScopedTempDir temp;
  BatteryBuildOptions options;
  options.battery = "small";
  options.items_per_family = 10;
  write_battery(temp.path() / "battery", options);
  const fs::path user_file = temp.path() / "mine.jsonl";
  write_lines(user_file,
              {R"({"id":"quiz-L1-0","family":"quiz","level":1,"kind":"generate","prompt":"a","answer":"b","scorer":"exact","max_tokens":4})",
               R"({"id":"quiz-L1-1","family":"quiz","level":1,"kind":"generate","prompt":"c","answer":"d","scorer":"fuzzy","max_tokens":4})"});
  try {
    add_user_family(temp.path() / "battery", user_file);
    FAIL() << "an unknown scorer was accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("mine.jsonl line 2"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("fuzzy"), std::string::npos) << error.what();
  }
}

TEST(ProbesCli, ValidateNamesFileAndLine) {
  ScopedTempDir temp;
  const std::string dir = (temp.path() / "battery").string();
  const auto built = test::run_cli("probes build --battery small --items 20 --out '" + dir + "'");
  ASSERT_EQ(built.exit_code, 0) << built.err;
  EXPECT_EQ(test::run_cli("probes validate '" + dir + "'").exit_code, 0);

  const fs::path file = temp.path() / "battery" / "story_verb_form.jsonl";
  std::vector<std::string> lines = read_lines(file);
  lines[6] = "{\"id\": ";
  write_lines(file, lines);
  const auto result = test::run_cli("probes validate '" + dir + "'");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("story_verb_form.jsonl line 7: invalid JSON"), std::string::npos)
      << result.out;

  const auto refused = test::run_cli("probes build --battery small --seed 5 --out '" + dir + "'");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
}

TEST(ProbesCli, ValidateMissingFolderExitsTwo) {
  ScopedTempDir temp;
  const std::string dir = (temp.path() / "no-battery").string();

  const auto result = test::run_cli("probes validate '" + dir + "'");

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("no-battery"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("probes build"), std::string::npos) << result.err;
}

TEST(ProbesCli, ListAndShow) {
  const auto listed = test::run_cli("probes list");
  ASSERT_EQ(listed.exit_code, 0);
  EXPECT_NE(listed.out.find("story_pronoun"), std::string::npos);
  EXPECT_NE(listed.out.find("long_context_retrieval"), std::string::npos);

  ScopedTempDir temp;
  const std::string dir = (temp.path() / "battery").string();
  ASSERT_EQ(test::run_cli("probes build --items 5 --level 1 --out '" + dir + "'").exit_code, 0);
  const auto shown = test::run_cli("probes show '" + dir + "' --family arithmetic --n 2");
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_NE(shown.out.find("arithmetic-L1-0001"), std::string::npos) << shown.out;
  EXPECT_EQ(shown.out.find("arithmetic-L1-0002"), std::string::npos) << shown.out;
  EXPECT_NE(test::run_cli("probes show '" + dir + "' --family nope").exit_code, 0);
}

}  // namespace
}  // namespace qa
