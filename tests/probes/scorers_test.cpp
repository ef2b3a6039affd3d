#include "probes/scorers.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace qa {
namespace {

TEST(ExactScorer, TrimsWhitespaceOnly) {
  EXPECT_TRUE(score_output("exact", "tac", "tac"));
  EXPECT_TRUE(score_output("exact", "  tac\n", "tac"));
  EXPECT_TRUE(score_output("exact", "\t2, 5, 9 \r\n", "2, 5, 9"));
  EXPECT_FALSE(score_output("exact", "Tac", "tac"));
  EXPECT_FALSE(score_output("exact", "tac.", "tac"));
  EXPECT_FALSE(score_output("exact", "ta c", "tac"));
  EXPECT_FALSE(score_output("exact", "2,5,9", "2, 5, 9"));
  EXPECT_FALSE(score_output("exact", "", "tac"));
  EXPECT_FALSE(score_output("exact", "tact", "tac"));
}

TEST(NumberScorer, TakesFirstNumber) {
  EXPECT_TRUE(score_output("number", " 68", "68"));
  EXPECT_TRUE(score_output("number", "68 apples and 3 pears", "68"));
  EXPECT_TRUE(score_output("number", "The answer is 68.", "68"));
  EXPECT_TRUE(score_output("number", "-29", "-29"));
  EXPECT_TRUE(score_output("number", "x=-29", "-29"));
  EXPECT_TRUE(score_output("number", "12.0", "12"));
  EXPECT_TRUE(score_output("number", "0012", "12"));
  EXPECT_TRUE(score_output("number", "-0", "0"));
}

TEST(NumberScorer, RejectsNearMisses) {
  EXPECT_FALSE(score_output("number", "3 then 68", "68"));
  EXPECT_FALSE(score_output("number", "29", "-29"));
  EXPECT_FALSE(score_output("number", "- 29", "-29"));
  EXPECT_FALSE(score_output("number", "680", "68"));
  EXPECT_FALSE(score_output("number", "6.8", "68"));
  EXPECT_FALSE(score_output("number", "12.5", "12"));
  EXPECT_FALSE(score_output("number", "no number", "68"));
  EXPECT_FALSE(score_output("number", "", "0"));
}

TEST(NumberScorer, RejectsNonNumericAnswer) {
  EXPECT_THROW(score_output("number", "5", "five"), Error);
  EXPECT_THROW(score_output("number", "5", "5 apples"), Error);
}

TEST(JsonKeysScorer, ComparesKeysAndValues) {
  const char* answer = R"({"age":7,"name":"tom"})";
  EXPECT_TRUE(score_output("json_keys", R"({"name": "tom", "age": 7})", answer));
  EXPECT_TRUE(score_output("json_keys", R"(Here: {"age":7,"name":"tom"} done)", answer));
  EXPECT_TRUE(score_output("json_keys", R"({"age":7,"name":"tom"} {"x":1})", answer));
  EXPECT_TRUE(score_output("json_keys", R"({"box":{"a":1,"b":"x"}})", R"({"box":{"b":"x","a":1}})"));
  EXPECT_TRUE(score_output("json_keys", R"({"name":"a}b"})", R"({"name":"a}b"})"));
}

TEST(JsonKeysScorer, RejectsNearMisses) {
  const char* answer = R"({"age":7,"name":"tom"})";
  EXPECT_FALSE(score_output("json_keys", R"({"age":"7","name":"tom"})", answer));
  EXPECT_FALSE(score_output("json_keys", R"({"age":7,"name":"Tom"})", answer));
  EXPECT_FALSE(score_output("json_keys", R"({"age":7})", answer));
  EXPECT_FALSE(score_output("json_keys", R"({"age":7,"name":"tom","pet":"cat"})", answer));
  EXPECT_FALSE(score_output("json_keys", R"({"age":7,"name":"tom")", answer));
  EXPECT_FALSE(score_output("json_keys", R"({age:7,name:"tom"})", answer));
  EXPECT_FALSE(score_output("json_keys", "no json here", answer));
  EXPECT_FALSE(score_output("json_keys", R"({"box":{"a":1}})", R"({"box":{"a":1,"b":"x"}})"));
}

TEST(JsonKeysScorer, RejectsNonObjectAnswer) {
  EXPECT_THROW(score_output("json_keys", "{}", "[1, 2]"), Error);
  EXPECT_THROW(score_output("json_keys", "{}", "not json"), Error);
}

TEST(ScorerNames, UnknownNameRejected) {
  EXPECT_THROW(score_output("regex", "a", "a"), Error);
  EXPECT_THROW(score_output("", "a", "a"), Error);
  EXPECT_TRUE(is_known_scorer("exact"));
  EXPECT_TRUE(is_known_scorer("number"));
  EXPECT_TRUE(is_known_scorer("json_keys"));
  EXPECT_FALSE(is_known_scorer("Exact"));
}

}  // namespace
}  // namespace qa
