#include <gtest/gtest.h>

#include <fmt/core.h>

#include <map>
#include <set>

#include "common/error.h"
#include "probes/battery.h"

namespace qa {
namespace {

std::vector<FamilyInfo> every_family() {
  std::vector<FamilyInfo> families = battery_families("core", true);
  for (const auto& family : battery_families("small", false)) {
    families.push_back(family);
  }
  return families;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

TEST(BatteryCatalogue, FamiliesAndChance) {
  EXPECT_EQ(battery_families("core", false).size(), 12u);
  EXPECT_EQ(battery_families("core", true).size(), 13u);
  EXPECT_GE(battery_families("small", false).size(), 8u);
  EXPECT_THROW(battery_info("large"), Error);
  EXPECT_THROW(family_info("nope"), Error);
  for (const auto& family : every_family()) {
    if (family.kind == ItemKind::kChoice) {
      EXPECT_DOUBLE_EQ(family.chance_accuracy, 1.0 / family.num_choices) << family.name;
    } else {
      EXPECT_EQ(family.chance_accuracy, 0.0) << family.name;
      EXPECT_FALSE(family.scorer.empty()) << family.name;
    }
    EXPECT_EQ(family.min_level, 1);
    EXPECT_EQ(family.max_level, 5);
  }
  EXPECT_TRUE(family_info("long_context_retrieval").control);
}

TEST(FamilyGeneration, SameSeedSameItems) {
  for (const auto& family : every_family()) {
    const auto first = generate_family_items(family.name, 2, 11, 30);
    const auto second = generate_family_items(family.name, 2, 11, 30);
    const auto other = generate_family_items(family.name, 2, 12, 30);
    ASSERT_EQ(first.size(), 30u);
    bool all_same_as_other = true;
    for (size_t i = 0; i < first.size(); ++i) {
      EXPECT_EQ(item_to_json_line(first[i]), item_to_json_line(second[i])) << family.name;
      all_same_as_other = all_same_as_other && first[i].prompt == other[i].prompt;
    }
    EXPECT_FALSE(all_same_as_other) << family.name << " ignores the seed";
  }
}

// Every family at every level: ids, distinct prompts, balanced answer
// positions, schema round trip, and no test question reused as a shot.
TEST(FamilyGeneration, ItemsAreWellFormed) {
  for (const auto& family : every_family()) {
    for (int level = 1; level <= 5; ++level) {
      SCOPED_TRACE(family.name + " level " + std::to_string(level));
      const auto items = generate_family_items(family.name, level, 1, 100);
      ASSERT_EQ(items.size(), 100u);
      std::set<std::string> prompts;
      std::set<std::string> questions;
      std::set<std::string> shot_lines;
      std::map<int, int> positions;
      for (size_t i = 0; i < items.size(); ++i) {
        const ProbeItem& item = items[i];
        EXPECT_EQ(item.id, fmt::format("{}-L{}-{:04d}", family.name, level, i));
        EXPECT_EQ(item.level, level);
        EXPECT_EQ(item.kind, family.kind);
        EXPECT_TRUE(prompts.insert(item.prompt).second) << "duplicate prompt " << item.prompt;
        const ProbeItem parsed =
            item_from_json(nlohmann::json::parse(item_to_json_line(item)), "round trip");
        EXPECT_EQ(item_to_json_line(parsed), item_to_json_line(item));
        if (item.kind == ItemKind::kChoice) {
          ASSERT_EQ(static_cast<int>(item.choices.size()), family.num_choices);
          ++positions[item.answer_index];
          for (const auto& choice : item.choices) {
            EXPECT_EQ(choice.front(), ' ') << "choice without leading space: " << choice;
          }
        } else {
          EXPECT_EQ(item.scorer, family.scorer);
          EXPECT_EQ(item.stop, std::vector<std::string>{"\n"});
          EXPECT_EQ(item.answer.find('\n'), std::string::npos);
        }
        // Shots are whole lines before the question, which is the last line.
        const std::vector<std::string> lines = split_lines(item.prompt);
        questions.insert(lines.back());
        for (size_t j = 0; j + 1 < lines.size(); ++j) {
          shot_lines.insert(lines[j]);
        }
      }
      if (family.kind == ItemKind::kChoice) {
        for (int position = 0; position < family.num_choices; ++position) {
          EXPECT_EQ(positions[position], 100 / family.num_choices) << "position " << position;
        }
      }
      for (const auto& question : questions) {
        for (const auto& shot : shot_lines) {
          EXPECT_NE(shot.rfind(question + " ", 0), 0u)
              << "test question reused as a shot: " << question;
        }
      }
    }
  }
}

TEST(FamilyGeneration, RejectsBadArguments) {
  EXPECT_THROW(generate_family_items("arithmetic", 0, 1, 10), Error);
  EXPECT_THROW(generate_family_items("arithmetic", 6, 1, 10), Error);
  EXPECT_THROW(generate_family_items("arithmetic", 1, 1, 0), Error);
  EXPECT_THROW(generate_family_items("unknown_family", 1, 1, 10), Error);
  // More distinct items than a family can make: the message gives the maximum.
  try {
    generate_family_items("story_place_recall", 1, 1, 5000);
    FAIL() << "no capacity error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("request at most"), std::string::npos);
  }
}

}  // namespace
}  // namespace qa
