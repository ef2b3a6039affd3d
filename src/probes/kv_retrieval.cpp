// kv_retrieval: the value of one key in a list of key=value pairs. Levels 1
// to 5 list 3, 5, 8, 12 and 16 pairs; from level 3 the queried pair sits in
// the first half, far from the question.
#include "probes/key_value_pairs.h"

namespace qa::probes {

namespace {

Example make_example(Rng& rng, int level, int /*target_index*/) {
  static const int pair_counts[] = {3, 5, 8, 12, 16};
  const int pairs = pair_counts[level - 1];
  const int last = level >= 3 ? pairs / 2 - 1 : pairs - 1;
  const core::KeyValueQuestion question = core::make_key_value_question(rng, pairs, 0, last);

  Example example;
  example.question = question.text;
  example.answer = question.value;
  example.max_tokens = 6;
  example.meta = {{"pairs", pairs}, {"position", question.query_position}};
  return example;
}

}  // namespace

FamilyGenerator make_kv_retrieval_family() {
  FamilyGenerator generator;
  generator.info = core::generate_family_info("kv_retrieval", "exact",
                                              "value for a key in a list of key=value pairs");
  generator.shots = 2;
  generator.make_example = make_example;
  return generator;
}

}  // namespace qa::probes
