#include "store/export.h"

#include <cmath>
#include <map>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/csv.h"
#include "common/error.h"
#include "common/files.h"

namespace qa {

namespace {

using nlohmann::json;

std::string format_optional_double(double value) {
  return std::isnan(value) ? std::string() : format_double(value);
}

// An item and its 0-based position among the items of its family.
struct IndexedItem {
  const ProbeItem* item = nullptr;
  size_t doc_id = 0;
};

std::map<std::string, IndexedItem> index_battery(const std::vector<ProbeItem>& battery) {
  std::map<std::string, IndexedItem> index;
  std::map<std::string, size_t> next_doc_id;
  for (const auto& item : battery) {
    index[item.id] = IndexedItem{&item, next_doc_id[item.family]++};
  }
  return index;
}

json item_document(const ProbeItem& item) {
  json doc = {{"id", item.id},
              {"family", item.family},
              {"level", item.level},
              {"kind", item.kind == ItemKind::kChoice ? "choice" : "generate"},
              {"prompt", item.prompt}};
  if (item.kind == ItemKind::kChoice) {
    doc["choices"] = item.choices;
    doc["answer_index"] = item.answer_index;
  } else {
    doc["answer"] = item.answer;
    doc["scorer"] = item.scorer;
    doc["max_tokens"] = item.max_tokens;
    doc["stop"] = item.stop;
  }
  if (!item.meta.empty()) {
    doc["meta"] = item.meta;
  }
  return doc;
}

// lm-eval's request arguments: one gen_args_N entry per request, with the
// context as arg_0 and the continuation (choice) or generation settings as arg_1.
json item_arguments(const ProbeItem& item) {
  json arguments = json::object();
  if (item.kind == ItemKind::kChoice) {
    for (size_t i = 0; i < item.choices.size(); ++i) {
      arguments[fmt::format("gen_args_{}", i)] = {{"arg_0", item.prompt},
                                                 {"arg_1", item.choices[i]}};
    }
  } else {
    arguments["gen_args_0"] = {
        {"arg_0", item.prompt},
        {"arg_1", {{"until", item.stop}, {"max_gen_toks", item.max_tokens}, {"do_sample", false}}}};
  }
  return arguments;
}

json sample_line(const ResponseRow& row, const IndexedItem& indexed) {
  const ProbeItem& item = *indexed.item;
  const bool choice = item.kind == ItemKind::kChoice;
  const json doc = item_document(item);
  const json target = choice ? json(item.answer_index) : json(item.answer);

  json sample = {{"doc_id", indexed.doc_id},
                 {"doc", doc},
                 {"target", target},
                 {"arguments", item_arguments(item)},
                 {"filter", "none"},
                 {"doc_hash", sha256_bytes(doc.dump())},
                 {"prompt_hash", sha256_bytes(item.prompt)},
                 {"target_hash", sha256_bytes(choice ? std::to_string(item.answer_index)
                                                     : item.answer)}};
  if (choice) {
    sample["resps"] = json::array({json::array({row.predicted_index})});
    sample["filtered_resps"] = json::array({row.predicted_index});
    sample["metrics"] = {"acc", "acc_norm"};
    sample["acc"] = row.correct ? 1.0 : 0.0;
    sample["acc_norm"] = row.correct_norm ? 1.0 : 0.0;
  } else {
    sample["resps"] = json::array({json::array({row.output})});
    sample["filtered_resps"] = json::array({row.output});
    sample["metrics"] = {"exact_match"};
    sample["exact_match"] = row.correct ? 1.0 : 0.0;
  }

  // nlohmann::json writes NaN as null.
  sample["quant_autopsy"] = {{"rung", row.rung},
                             {"item_id", row.item_id},
                             {"family", row.family},
                             {"battery_hash", row.battery_hash},
                             {"run_id", row.run_id},
                             {"output", row.output},
                             {"predicted_index", row.predicted_index},
                             {"predicted_index_norm", row.predicted_index_norm},
                             {"ref_logprob", row.ref_logprob},
                             {"margin", row.margin},
                             {"n_tokens", row.n_tokens},
                             {"ms", row.ms}};
  return sample;
}

}  // namespace

std::string responses_to_csv(const std::vector<ResponseRow>& rows) {
  CsvWriter writer({"rung", "item_id", "battery_hash", "family", "level", "kind", "run_id",
                    "output", "correct", "correct_norm", "predicted_index",
                    "predicted_index_norm", "ref_logprob", "margin", "n_tokens", "ms"});
  for (const auto& row : rows) {
    writer.add_row({row.rung, row.item_id, row.battery_hash, row.family,
                    std::to_string(row.level), row.kind, std::to_string(row.run_id), row.output,
                    row.correct ? "1" : "0", row.correct_norm ? "1" : "0",
                    std::to_string(row.predicted_index), std::to_string(row.predicted_index_norm),
                    format_optional_double(row.ref_logprob), format_optional_double(row.margin),
                    std::to_string(row.n_tokens), format_double(row.ms)});
  }
  return writer.str();
}

std::string responses_to_jsonl(const std::vector<ResponseRow>& rows,
                               const std::vector<ProbeItem>& battery) {
  const auto index = index_battery(battery);
  std::string out;
  for (const auto& row : rows) {
    const auto found = index.find(row.item_id);
    if (found == index.end()) {
      throw Error(fmt::format("response ({}, {}) names an item that is not in the study's "
                              "battery; the store and battery do not match",
                              row.rung, row.item_id));
    }
    out += sample_line(row, found->second).dump(-1, ' ', false, json::error_handler_t::replace);
    out += '\n';
  }
  return out;
}

}  // namespace qa
