// Battery catalogue and the framework that turns a family generator's
// examples into test items with k-shot prompts.
#include <set>

#include <fmt/core.h>

#include "common/error.h"
#include "probes/battery.h"
#include "probes/family.h"

namespace qa {

namespace probes {

namespace {

// Seed streams of one (family, level, seed): the test split, the few-shot
// split and the choice of shots for each test item.
enum Stream : uint64_t { kTestStream = 1, kFewShotStream = 2, kShotPickStream = 3 };

// Consecutive rejected examples after which a family counts as exhausted.
constexpr int kMaxConsecutiveRejects = 4000;

uint64_t stream_seed(const std::string& family, int level, uint64_t seed, Stream stream) {
  uint64_t mixed = mix_seed(seed, fnv1a_64(family));
  mixed = mix_seed(mixed, static_cast<uint64_t>(level));
  return mix_seed(mixed, stream);
}

// Correct-choice positions: each block of num_choices items holds every
// position once, in shuffled order.
std::vector<int> balanced_positions(Rng& rng, int count, int num_choices) {
  std::vector<int> positions;
  while (static_cast<int>(positions.size()) < count) {
    std::vector<int> block(num_choices);
    for (int i = 0; i < num_choices; ++i) {
      block[i] = i;
    }
    rng.shuffle(block);
    positions.insert(positions.end(), block.begin(), block.end());
  }
  positions.resize(count);
  return positions;
}

void check_example(const FamilyGenerator& generator, const Example& example) {
  if (generator.info.kind != ItemKind::kChoice) {
    return;
  }
  std::set<std::string> distinct(example.choices.begin(), example.choices.end());
  if (static_cast<int>(example.choices.size()) != generator.info.num_choices ||
      distinct.size() != example.choices.size()) {
    throw Error(fmt::format("generator bug: family {} made an example with {} choices ({} "
                            "distinct), expected {} distinct",
                            generator.info.name, example.choices.size(), distinct.size(),
                            generator.info.num_choices),
                kExitFailure);
  }
}

std::string shot_text(const FamilyGenerator& generator, const Example& shot) {
  if (generator.info.kind == ItemKind::kChoice) {
    return shot.question + shot.choices.at(shot.answer_index) + generator.shot_separator;
  }
  return shot.question + generator.answer_separator + shot.answer + generator.shot_separator;
}

[[noreturn]] void throw_exhausted(const FamilyGenerator& generator, int level, size_t made,
                                  int requested, const char* split) {
  throw Error(fmt::format("family {} at level {} can produce only {} distinct {} items, {} "
                          "requested; request at most {} items",
                          generator.info.name, level, made, split, requested, made));
}

}  // namespace

std::vector<std::string> place_choice(const std::string& correct,
                                      const std::vector<std::string>& distractors,
                                      int target_index) {
  std::vector<std::string> choices = distractors;
  choices.insert(choices.begin() + target_index, correct);
  return choices;
}

const std::vector<FamilyGenerator>& all_family_generators() {
  static const std::vector<FamilyGenerator> generators = [] {
    std::vector<FamilyGenerator> list = {
        make_arithmetic_family(),      make_char_manipulation_family(),
        make_counting_family(),        make_sorting_family(),
        make_kv_retrieval_family(),    make_copying_family(),
        make_format_json_family(),     make_syllogism_family(),
        make_comparison_family(),      make_sequence_completion_family(),
        make_world_facts_family(),     make_coreference_family(),
        make_long_context_retrieval_family()};
    for (auto& small : make_small_families()) {
      list.push_back(std::move(small));
    }
    for (auto& generator : list) {
      FamilyInfo& info = generator.info;
      info.chance_accuracy = info.kind == ItemKind::kChoice ? 1.0 / info.num_choices : 0.0;
    }
    return list;
  }();
  return generators;
}

const FamilyGenerator& find_generator(const std::string& family) {
  for (const auto& generator : all_family_generators()) {
    if (generator.info.name == family) {
      return generator;
    }
  }
  std::string known;
  for (const auto& generator : all_family_generators()) {
    known += (known.empty() ? "" : ", ") + generator.info.name;
  }
  throw Error(fmt::format("unknown probe family '{}'; known families: {}", family, known));
}

}  // namespace probes

const std::vector<BatteryInfo>& battery_infos() {
  static const std::vector<BatteryInfo> batteries = [] {
    BatteryInfo core{"core", "general and instruction-tuned models: reasoning, retrieval, format",
                     {}};
    BatteryInfo small{"small",
                      "small base models trained on simple English (TinyStories): story "
                      "continuations scored as choices",
                      {}};
    for (const auto& generator : probes::all_family_generators()) {
      const bool is_small = generator.info.name.rfind("story_", 0) == 0;
      (is_small ? small : core).families.push_back(generator.info);
    }
    return std::vector<BatteryInfo>{core, small};
  }();
  return batteries;
}

const BatteryInfo& battery_info(const std::string& battery) {
  for (const auto& info : battery_infos()) {
    if (info.name == battery) {
      return info;
    }
  }
  throw Error(fmt::format("unknown battery '{}'; known batteries: core, small", battery));
}

std::vector<FamilyInfo> battery_families(const std::string& battery, bool include_controls) {
  std::vector<FamilyInfo> families;
  for (const auto& family : battery_info(battery).families) {
    if (!family.control || include_controls) {
      families.push_back(family);
    }
  }
  return families;
}

const FamilyInfo& family_info(const std::string& family) {
  return probes::find_generator(family).info;
}

std::vector<ProbeItem> generate_family_items(const std::string& family, int level, uint64_t seed,
                                             int n_items) {
  using namespace probes;
  const FamilyGenerator& generator = find_generator(family);
  const FamilyInfo& info = generator.info;
  if (level < info.min_level || level > info.max_level) {
    throw Error(fmt::format("level {} is out of range for family {}: use {} to {}", level, family,
                            info.min_level, info.max_level));
  }
  if (n_items < 1) {
    throw Error(fmt::format("item count {} for family {} must be at least 1", n_items, family));
  }
  const bool is_choice = info.kind == ItemKind::kChoice;

  // Few-shot split: a pool of distinct examples, three per shot, that the
  // test split never repeats.
  std::vector<Example> pool;
  std::set<std::string> seen_questions;
  const int pool_size = generator.shots * 3;
  Rng few_rng(stream_seed(family, level, seed, kFewShotStream));
  const std::vector<int> pool_positions =
      is_choice ? balanced_positions(few_rng, pool_size, info.num_choices) : std::vector<int>{};
  for (int rejects = 0; static_cast<int>(pool.size()) < pool_size;) {
    const int target = is_choice ? pool_positions[pool.size()] : -1;
    Example example = generator.make_example(few_rng, level, target);
    check_example(generator, example);
    if (!seen_questions.insert(example.question).second) {
      if (++rejects > kMaxConsecutiveRejects) {
        throw_exhausted(generator, level, pool.size(), pool_size, "few-shot");
      }
      continue;
    }
    rejects = 0;
    pool.push_back(std::move(example));
  }

  // Test split with balanced answer positions and shots picked per item.
  Rng test_rng(stream_seed(family, level, seed, kTestStream));
  Rng shot_rng(stream_seed(family, level, seed, kShotPickStream));
  const std::vector<int> positions =
      is_choice ? balanced_positions(test_rng, n_items, info.num_choices) : std::vector<int>{};
  std::vector<int> pool_indices(pool.size());
  for (size_t i = 0; i < pool.size(); ++i) {
    pool_indices[i] = static_cast<int>(i);
  }

  std::vector<ProbeItem> items;
  items.reserve(n_items);
  for (int rejects = 0; static_cast<int>(items.size()) < n_items;) {
    const int target = is_choice ? positions[items.size()] : -1;
    Example example = generator.make_example(test_rng, level, target);
    check_example(generator, example);
    if (!seen_questions.insert(example.question).second) {
      if (++rejects > kMaxConsecutiveRejects) {
        throw_exhausted(generator, level, items.size(), n_items, "test");
      }
      continue;
    }
    rejects = 0;

    ProbeItem item;
    item.id = fmt::format("{}-L{}-{:04d}", family, level, items.size());
    item.family = family;
    item.level = level;
    item.kind = info.kind;
    item.prompt = generator.instruction;
    for (const int shot : shot_rng.sample(pool_indices, generator.shots)) {
      item.prompt += shot_text(generator, pool[shot]);
    }
    item.prompt += example.question;
    if (is_choice) {
      item.choices = std::move(example.choices);
      item.answer_index = example.answer_index;
    } else {
      item.answer = std::move(example.answer);
      item.scorer = info.scorer;
      item.max_tokens = example.max_tokens;
    }
    item.meta = std::move(example.meta);
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace qa
