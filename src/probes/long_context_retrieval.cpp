// long_context_retrieval (control): kv_retrieval over a long list, the key
// among 40, 80, 150, 250 or 400 pairs at levels 1 to 5, queried from the
// first quarter of the list. Zero-shot, to keep prompts within a few
// thousand tokens.
#include "probes/key_value_pairs.h"

namespace qa::probes {

namespace {

Example make_example(Rng& rng, int level, int /*target_index*/) {
  static const int pair_counts[] = {40, 80, 150, 250, 400};
  const int pairs = pair_counts[level - 1];
  const core::KeyValueQuestion question = core::make_key_value_question(rng, pairs, 0, pairs / 4);

  Example example;
  example.question = question.text;
  example.answer = question.value;
  example.max_tokens = 6;
  example.meta = {{"pairs", pairs}, {"position", question.query_position}};
  return example;
}

}  // namespace

FamilyGenerator make_long_context_retrieval_family() {
  FamilyGenerator generator;
  generator.info = core::generate_family_info(
      "long_context_retrieval", "exact", "control: a key among many pairs over a long context");
  generator.info.control = true;
  generator.instruction = "Find the value of the key.\n";
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
