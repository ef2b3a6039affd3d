// The small battery: story families for tiny models trained on simple
// English. Names start with "story_", which is how battery_infos() sorts
// them into the small battery.
#include "probes/family.h"

namespace qa::probes {

FamilyGenerator make_story_set_phrase_family();
FamilyGenerator make_story_name_recall_family();
FamilyGenerator make_story_pronoun_family();
FamilyGenerator make_story_object_recall_family();
FamilyGenerator make_story_color_recall_family();
FamilyGenerator make_story_place_recall_family();
FamilyGenerator make_story_emotion_family();
FamilyGenerator make_story_number_agreement_family();
FamilyGenerator make_story_verb_form_family();
FamilyGenerator make_story_next_word_family();

std::vector<FamilyGenerator> make_small_families() {
  return {make_story_set_phrase_family(),   make_story_name_recall_family(),
          make_story_pronoun_family(),      make_story_object_recall_family(),
          make_story_color_recall_family(), make_story_place_recall_family(),
          make_story_emotion_family(),      make_story_number_agreement_family(),
          make_story_verb_form_family(),    make_story_next_word_family()};
}

}  // namespace qa::probes
