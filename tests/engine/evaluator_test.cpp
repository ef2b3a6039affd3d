// Evaluator tests on real llama.cpp models: the shared stories260K model (a
// TinyStories Llama, so "Once upon a" -> " time" is the obvious choice) and a
// tiny fixture model written by write_tiny_model.
#include "engine/evaluator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/files.h"
#include "direct_scoring.h"
#include "gguf/tiny_model_writer.h"
#include "support/paths.h"

namespace qa {
namespace {

const char* const kStoriesModel = "stories260K.gguf";
const char* const kGgufV1Model = "tinyllamas-stories-260k-f32.gguf";

std::filesystem::path stories_path() { return test::shared_models_dir() / kStoriesModel; }

ProbeItem make_choice(const std::string& id, const std::string& prompt,
                      std::vector<std::string> choices, int answer_index) {
  ProbeItem item;
  item.id = id;
  item.family = "test-choice";
  item.level = 1;
  item.kind = ItemKind::kChoice;
  item.prompt = prompt;
  item.choices = std::move(choices);
  item.answer_index = answer_index;
  return item;
}

ProbeItem make_generate(const std::string& id, const std::string& prompt, const std::string& answer,
                        int max_tokens, std::vector<std::string> stop = {"\n"}) {
  ProbeItem item;
  item.id = id;
  item.family = "test-generate";
  item.level = 2;
  item.kind = ItemKind::kGenerate;
  item.prompt = prompt;
  item.answer = answer;
  item.scorer = "exact";
  item.max_tokens = max_tokens;
  item.stop = std::move(stop);
  return item;
}

// Story openings whose continuations a TinyStories model ranks clearly.
std::vector<ProbeItem> story_choice_items() {
  return {
      make_choice("once", "Once upon a", {" time", " banana", " computer"}, 0),
      make_choice("lily", "One day, a little girl named Lily went to the",
                  {" park", " of", " very"}, 0),
      make_choice("happy", "Tom was very", {" happy", " the", " and then the"}, 0),
      make_choice("wrong-answer", "Once upon a", {" banana", " time"}, 0),
      make_choice("long-choices", "The cat sat on the",
                  {" mat and looked at the bird", " big red ball", " tree"}, 1),
      make_choice("merge", "Once upon a ", {"time", "dog"}, 0),
  };
}

std::vector<ProbeItem> story_generate_items() {
  return {
      make_generate("gen-once", "Once upon a", " time", 12, {"."}),
      make_generate("gen-lily", "Lily and Tom went to the", " park", 6),
      make_generate("gen-short", "One day, a", " little", 3, {}),
      // A multi-token reference answer is scored inline in the prompt's
      // sequence before generation continues there.
      make_generate("gen-long-answer", "Once upon a", " time, there was a little girl", 8, {"."}),
  };
}

EvalSettings small_settings() {
  EvalSettings settings;
  settings.threads = 1;
  settings.n_ctx = 1024;
  settings.n_batch = 256;
  settings.n_ubatch = 256;
  settings.n_parallel = 8;
  return settings;
}

void expect_rows_identical(const std::vector<ResponseRow>& a, const std::vector<ResponseRow>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].item_id);
    EXPECT_EQ(a[i].item_id, b[i].item_id);
    EXPECT_EQ(a[i].output, b[i].output);
    EXPECT_EQ(a[i].correct, b[i].correct);
    EXPECT_EQ(a[i].predicted_index, b[i].predicted_index);
    EXPECT_EQ(a[i].predicted_index_norm, b[i].predicted_index_norm);
    // Bit-identical log-probabilities, not merely close ones.
    EXPECT_EQ(a[i].ref_logprob, b[i].ref_logprob);
    if (!std::isnan(a[i].margin) || !std::isnan(b[i].margin)) {
      EXPECT_EQ(a[i].margin, b[i].margin);
    }
    EXPECT_EQ(a[i].n_tokens, b[i].n_tokens);
  }
}

TEST(Evaluator, ChoiceObviousAnswers) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  Evaluator evaluator(stories_path(), small_settings());
  const std::vector<ProbeItem> items = story_choice_items();
  const std::vector<ResponseRow> rows = evaluator.evaluate(items);

  ASSERT_EQ(rows.size(), items.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].item_id, items[i].id);
    EXPECT_EQ(rows[i].kind, "choice");
    EXPECT_EQ(rows[i].family, "test-choice");
    EXPECT_GT(rows[i].n_tokens, 0);
    EXPECT_LT(rows[i].ref_logprob, 0.0);
  }

  EXPECT_EQ(rows[0].predicted_index, 0);
  EXPECT_TRUE(rows[0].correct);
  EXPECT_EQ(rows[0].output, " time");
  EXPECT_GT(rows[0].margin, 0.0);

  // The item marks " banana" as the answer, so the model's " time" is wrong
  // and the margin negative.
  EXPECT_EQ(rows[3].predicted_index, 1);
  EXPECT_FALSE(rows[3].correct);
  EXPECT_EQ(rows[3].output, " time");
  EXPECT_LT(rows[3].margin, 0.0);
}

// Tolerance between log-probabilities of differently batched evaluations.
// llama.cpp's CPU flash attention (commit 80fb11a, ggml-cpu/ops.cpp) takes a
// tiled kernel with F32 sums when a micro-batch has enough query tokens and
// otherwise a per-row kernel that accumulates V in F16. So the batch size
// changes results by up to about 6e-4 of a sum in these tests (0.026 nats on
// a 16-token sum of -43).
double batching_tolerance(double log_prob) { return 1e-2 + 2e-3 * std::abs(log_prob); }

// A margin is the difference of two sums, each with its own batching error.
double margin_tolerance(const ResponseRow& row) {
  return batching_tolerance(row.ref_logprob) + batching_tolerance(row.ref_logprob - row.margin);
}

TEST(Evaluator, ChoiceSumsMatchDirectComputation) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  Evaluator evaluator(stories_path(), small_settings());
  test::DirectScorer direct(stories_path());

  // One item per call, so the item's cells are laid out as in the direct
  // single-sequence evaluation.
  const std::vector<ProbeItem> items = story_choice_items();
  std::vector<ResponseRow> rows;
  for (const ProbeItem& item : items) {
    rows.push_back(evaluator.evaluate(std::span(&item, 1)).at(0));
  }

  for (size_t i = 0; i < items.size(); ++i) {
    SCOPED_TRACE(items[i].id);
    std::vector<double> sums;
    for (const std::string& choice : items[i].choices) {
      sums.push_back(direct.continuation_log_prob(items[i].prompt, choice));
    }
    EXPECT_NEAR(rows[i].ref_logprob, sums[items[i].answer_index], 1e-4);

    double best_wrong = -INFINITY;
    for (size_t c = 0; c < sums.size(); ++c) {
      if (static_cast<int>(c) != items[i].answer_index) {
        best_wrong = std::max(best_wrong, sums[c]);
      }
    }
    EXPECT_NEAR(rows[i].margin, sums[items[i].answer_index] - best_wrong, 2e-4);

    // The normalised prediction divides by the choice's length in bytes.
    size_t best_norm = 0;
    for (size_t c = 1; c < sums.size(); ++c) {
      if (sums[c] / items[i].choices[c].size() >
          sums[best_norm] / items[i].choices[best_norm].size()) {
        best_norm = c;
      }
    }
    EXPECT_EQ(rows[i].predicted_index_norm, static_cast<int>(best_norm));
    EXPECT_EQ(rows[i].correct_norm, static_cast<int>(best_norm) == items[i].answer_index);
  }
}

TEST(Evaluator, BatchedEqualsOneAtATime) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  std::vector<ProbeItem> items = story_choice_items();
  for (const ProbeItem& item : story_generate_items()) {
    items.push_back(item);
  }

  Evaluator batched(stories_path(), small_settings());
  const std::vector<ResponseRow> together = batched.evaluate(items);

  // A small n_batch splits prompts over several llama_decode calls.
  EvalSettings tiny_batch = small_settings();
  tiny_batch.n_batch = 4;
  tiny_batch.n_ubatch = 4;
  tiny_batch.n_parallel = 4;
  Evaluator single(stories_path(), tiny_batch);
  for (size_t i = 0; i < items.size(); ++i) {
    SCOPED_TRACE(items[i].id);
    const std::vector<ResponseRow> alone = single.evaluate(std::span(&items[i], 1));
    ASSERT_EQ(alone.size(), 1u);
    EXPECT_NEAR(alone[0].ref_logprob, together[i].ref_logprob,
                batching_tolerance(together[i].ref_logprob));
    EXPECT_EQ(alone[0].output, together[i].output);
    EXPECT_EQ(alone[0].predicted_index, together[i].predicted_index);
    EXPECT_EQ(alone[0].n_tokens, together[i].n_tokens);
    if (items[i].kind == ItemKind::kChoice) {
      EXPECT_NEAR(alone[0].margin, together[i].margin, margin_tolerance(together[i]));
    }
  }
}

TEST(Evaluator, ManyScoredTokensPerBatch) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);

  // Six items with three long choices each request about 270 logits rows
  // at once, more than the engine allows per llama_decode call (128), so
  // the scheduler must spread them over several calls.
  const std::string sentence = " and then the little dog ran to the park to play with the ball";
  std::vector<ProbeItem> items;
  for (int i = 0; i < 6; ++i) {
    const std::string prompt = "Once upon a time, a girl" + std::string(i, '!');
    items.push_back(make_choice("long-" + std::to_string(i), prompt,
                                {sentence, " went home" + sentence, " saw a cat" + sentence},
                                i % 3));
  }

  EvalSettings settings = small_settings();
  settings.n_batch = 1024;
  settings.n_ubatch = 512;
  Evaluator batched(stories_path(), settings);
  const std::vector<ResponseRow> together = batched.evaluate(items);

  Evaluator single(stories_path(), small_settings());
  for (size_t i = 0; i < items.size(); ++i) {
    SCOPED_TRACE(items[i].id);
    const std::vector<ResponseRow> alone = single.evaluate(std::span(&items[i], 1));
    EXPECT_NEAR(alone[0].ref_logprob, together[i].ref_logprob,
                batching_tolerance(together[i].ref_logprob));
    EXPECT_NEAR(alone[0].margin, together[i].margin, margin_tolerance(together[i]));
    EXPECT_EQ(alone[0].n_tokens, together[i].n_tokens);
  }
}

TEST(Evaluator, GenerateStopsAndScores) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  Evaluator evaluator(stories_path(), small_settings());
  test::DirectScorer direct(stories_path());

  const std::vector<ProbeItem> items = story_generate_items();
  const std::vector<ResponseRow> rows = evaluator.evaluate(items);

  ASSERT_EQ(rows.size(), items.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(items[i].id);
    EXPECT_EQ(rows[i].kind, "generate");
    EXPECT_EQ(rows[i].predicted_index, -1);
    EXPECT_TRUE(std::isnan(rows[i].margin));
    const double direct_log_prob = direct.continuation_log_prob(items[i].prompt, items[i].answer);
    EXPECT_NEAR(rows[i].ref_logprob, direct_log_prob, batching_tolerance(direct_log_prob));
    const std::vector<ResponseRow> alone = evaluator.evaluate(std::span(&items[i], 1));
    EXPECT_NEAR(alone[0].ref_logprob, direct_log_prob, 1e-4);
    for (const std::string& stop : items[i].stop) {
      EXPECT_EQ(rows[i].output.find(stop), std::string::npos);
    }
  }

  // Greedy decoding continues "Once upon a" with " time".
  EXPECT_EQ(rows[0].output.rfind(" time", 0), 0u) << rows[0].output;

  // Each output is the single-sequence greedy continuation of max_tokens
  // tokens, cut before the first stop string.
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(items[i].id);
    std::string expected = evaluator.complete(items[i].prompt, items[i].max_tokens);
    for (const std::string& stop : items[i].stop) {
      expected = expected.substr(0, expected.find(stop));
    }
    EXPECT_EQ(rows[i].output, expected);
  }
}

TEST(Evaluator, GenerateCorrectFromScorer) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  Evaluator evaluator(stories_path(), small_settings());
  const std::string greedy = evaluator.complete("Once upon a", 1);
  ASSERT_FALSE(greedy.empty());

  const std::vector<ProbeItem> items = {
      make_generate("right", "Once upon a", greedy, 1),
      make_generate("wrong", "Once upon a", " spaceship", 1),
  };
  const std::vector<ResponseRow> rows = evaluator.evaluate(items);
  EXPECT_TRUE(rows[0].correct) << rows[0].output;
  EXPECT_TRUE(rows[0].correct_norm);
  EXPECT_FALSE(rows[1].correct) << rows[1].output;
  EXPECT_GT(rows[0].ref_logprob, rows[1].ref_logprob);
}

TEST(Evaluator, ChunksDeterministicAcrossCallsAndInstances) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  std::vector<ProbeItem> chunk_a = story_choice_items();
  std::vector<ProbeItem> chunk_b = story_generate_items();
  chunk_b.push_back(story_choice_items()[1]);
  chunk_b.push_back(make_choice("extra", "The sun was", {" shining", " table"}, 0));

  Evaluator first(stories_path(), small_settings());
  const std::vector<ResponseRow> a_first = first.evaluate(chunk_a);
  const std::vector<ResponseRow> b_after_a = first.evaluate(chunk_b);
  const std::vector<ResponseRow> a_again = first.evaluate(chunk_a);

  Evaluator second(stories_path(), small_settings());
  const std::vector<ResponseRow> b_first = second.evaluate(chunk_b);
  const std::vector<ResponseRow> a_after_b = second.evaluate(chunk_a);

  expect_rows_identical(a_first, a_again);
  expect_rows_identical(b_after_a, b_first);
  expect_rows_identical(a_first, a_after_b);
}

TEST(Evaluator, ThroughputCounters) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  Evaluator evaluator(stories_path(), small_settings());
  EXPECT_EQ(evaluator.tokens_evaluated(), 0u);

  size_t progress_calls = 0;
  size_t last_done = 0;
  const std::vector<ProbeItem> items = story_choice_items();
  const std::vector<ResponseRow> rows = evaluator.evaluate(items, [&](size_t done, size_t total) {
    ++progress_calls;
    EXPECT_GE(done, last_done);
    EXPECT_EQ(total, items.size());
    last_done = done;
  });

  EXPECT_GT(progress_calls, 0u);
  EXPECT_EQ(last_done, items.size());

  uint64_t row_tokens = 0;
  for (const ResponseRow& row : rows) {
    row_tokens += static_cast<uint64_t>(row.n_tokens);
    EXPECT_GE(row.ms, 0.0);
  }
  EXPECT_EQ(evaluator.tokens_evaluated(), row_tokens);
  EXPECT_GT(evaluator.decode_seconds(), 0.0);
}

TEST(Evaluator, CompleteContinuesStory) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  Evaluator evaluator(stories_path(), small_settings());
  const std::string text = evaluator.complete("Once upon a", 4);
  EXPECT_EQ(text.rfind(" time", 0), 0u) << text;
  EXPECT_EQ(evaluator.complete("Once upon a", 4), text);
  EXPECT_EQ(evaluator.complete("Once upon a", 0), "");
}

TEST(Evaluator, GgufV1ModelRejected) {
  QA_REQUIRE_SHARED_MODEL(kGgufV1Model);
  const std::filesystem::path path = test::shared_models_dir() / kGgufV1Model;
  try {
    Evaluator evaluator(path, small_settings());
    FAIL() << "a GGUF v1 file loaded";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(kGgufV1Model), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("GGUF v1"), std::string::npos) << error.what();
    EXPECT_EQ(error.exit_code(), kExitBadInput);
  }
}

TEST(Evaluator, UnloadableFilesRejected) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  test::ScopedTempDir folder;

  // A text file, and the first 4 KiB of a real model: llama.cpp's loader
  // rejects the second one after our header check passes.
  const std::filesystem::path text = folder.path() / "notes.gguf";
  write_file_atomically(text, "not a model\n");
  const std::string model_bytes = read_file(stories_path());
  const std::filesystem::path truncated = folder.path() / "truncated.gguf";
  write_file_atomically(truncated, std::string_view(model_bytes).substr(0, 4096));

  for (const std::filesystem::path& path : {text, truncated}) {
    SCOPED_TRACE(path.string());
    try {
      Evaluator evaluator(path, small_settings());
      FAIL() << "an unloadable file loaded";
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find(path.filename().string()), std::string::npos)
          << error.what();
      EXPECT_EQ(error.exit_code(), kExitBadInput);
    }
  }
}

TEST(Evaluator, MissingModelRejected) {
  test::ScopedTempDir folder;
  const std::filesystem::path path = folder.path() / "absent.gguf";
  try {
    Evaluator evaluator(path, small_settings());
    FAIL() << "a missing file loaded";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("absent.gguf"), std::string::npos) << error.what();
  }
}

TEST(Evaluator, ChatWithoutTemplateRejected) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  EvalSettings settings = small_settings();
  settings.chat = true;
  try {
    Evaluator evaluator(stories_path(), settings);
    FAIL() << "--chat worked on a model without a chat template";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("chat template"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find(kStoriesModel), std::string::npos) << error.what();
  }
}

TEST(Evaluator, OversizedItemsRejected) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  EvalSettings settings = small_settings();
  settings.n_parallel = 2;
  settings.n_ctx = 256;
  Evaluator evaluator(stories_path(), settings);

  // Single-token choices share the prompt's sequence, so only choices of
  // two or more tokens count against n_parallel.
  const std::vector<ProbeItem> single_tokens = {
      make_choice("single-tokens", "Once upon a", {" time", " dog", " cat"}, 0)};
  EXPECT_TRUE(evaluator.evaluate(single_tokens)[0].correct);

  // The first multi-token choice is scored inline in the prompt's sequence,
  // so four of them need three sequences.
  const std::vector<ProbeItem> many_choices = {
      make_choice("four-choices", "Once upon a",
                  {" time there was", " dog ran home", " cat sat down", " big red ball"}, 0)};
  try {
    evaluator.evaluate(many_choices);
    FAIL() << "an item with more choices than n_parallel was evaluated";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("four-choices"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("n_parallel"), std::string::npos) << error.what();
  }

  std::string long_prompt;
  for (int i = 0; i < 40; ++i) {
    long_prompt += "Once upon a time there was a dog. ";
  }
  const std::vector<ProbeItem> too_long = {make_choice("too-long", long_prompt, {" The"}, 0)};
  try {
    evaluator.evaluate(too_long);
    FAIL() << "an item larger than n_ctx was evaluated";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("too-long"), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find("n_ctx"), std::string::npos) << error.what();
  }

  // The evaluator stays usable after a rejected call.
  const std::vector<ProbeItem> fine = {make_choice("fine", "Once upon a", {" time", " dog"}, 0)};
  EXPECT_TRUE(evaluator.evaluate(fine)[0].correct);
}

TEST(Evaluator, MalformedItemsRejected) {
  QA_REQUIRE_SHARED_MODEL(kStoriesModel);
  Evaluator evaluator(stories_path(), small_settings());
  const std::vector<std::vector<ProbeItem>> cases = {
      {make_choice("no-choices", "Once upon a", {}, 0)},
      {make_choice("bad-index", "Once upon a", {" time"}, 3)},
      {make_choice("empty-choice", "Once upon a", {" time", ""}, 0)},
      {make_generate("no-answer", "Once upon a", "", 4)},
      {make_generate("zero-tokens", "Once upon a", " time", 0)},
  };
  for (const std::vector<ProbeItem>& items : cases) {
    SCOPED_TRACE(items[0].id);
    try {
      evaluator.evaluate(items);
      FAIL() << "a malformed item was evaluated";
    } catch (const Error& error) {
      EXPECT_NE(std::string(error.what()).find(items[0].id), std::string::npos) << error.what();
    }
  }
}

// The fixture model: random weights, a real SentencePiece vocabulary.
const std::filesystem::path& fixture_model() {
  static test::ScopedTempDir folder;
  static const std::filesystem::path path = [] {
    const std::filesystem::path model = folder.path() / "tiny-llama-f32.gguf";
    write_tiny_model(model, QA_VOCAB_SPM);
    return model;
  }();
  return path;
}

std::vector<ProbeItem> fixture_items() {
  return {
      make_choice("fx-a", "The capital of France is", {" Paris", " London", " Rome"}, 0),
      make_choice("fx-b", "2 + 2 =", {" 4", " 5"}, 0),
      make_generate("fx-c", "Count: one, two,", " three", 5, {","}),
      make_generate("fx-d", "Q: What colour is the sky?\nA:", " blue", 6),
  };
}

TEST(EvaluatorFixture, SumsMatchDirectComputation) {
  Evaluator evaluator(fixture_model(), small_settings());
  test::DirectScorer direct(fixture_model());
  const std::vector<ProbeItem> items = fixture_items();
  for (const ProbeItem& item : items) {
    SCOPED_TRACE(item.id);
    const std::vector<ResponseRow> rows = evaluator.evaluate(std::span(&item, 1));
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_TRUE(std::isfinite(rows[0].ref_logprob));
    EXPECT_NEAR(rows[0].ref_logprob,
                direct.continuation_log_prob(item.prompt, reference_text(item)), 1e-4);
  }
}

TEST(EvaluatorFixture, DeterministicAndBatchIndependent) {
  const std::vector<ProbeItem> items = fixture_items();
  Evaluator first(fixture_model(), small_settings());
  Evaluator second(fixture_model(), small_settings());
  const std::vector<ResponseRow> rows = first.evaluate(items);
  expect_rows_identical(rows, second.evaluate(items));
  expect_rows_identical(rows, first.evaluate(items));

  for (size_t i = 0; i < items.size(); ++i) {
    SCOPED_TRACE(items[i].id);
    const std::vector<ResponseRow> alone = second.evaluate(std::span(&items[i], 1));
    EXPECT_NEAR(alone[0].ref_logprob, rows[i].ref_logprob, batching_tolerance(rows[i].ref_logprob));
    EXPECT_EQ(alone[0].output, rows[i].output);
  }
}

}  // namespace
}  // namespace qa
