// Writes the responses table out as CSV or as JSONL in the per-sample layout
// of lm-evaluation-harness's --log_samples, for tools that read that format.
#pragma once

#include <string>
#include <vector>

#include "probes/item.h"
#include "store/response.h"

namespace qa {

// One CSV row per response, with the responses table's columns. NaN values
// (margin of generate items) are written as empty fields.
std::string responses_to_csv(const std::vector<ResponseRow>& rows);

// One JSON object per line and response, following lm-evaluation-harness
// --log_samples where it fits: doc_id (the item's index in its family's
// battery file), doc, target, arguments, resps, filtered_resps, filter,
// metrics, doc_hash, prompt_hash, target_hash and the metric values
// (exact_match for generate items, acc and acc_norm for choice items). Fields
// lm-eval has no place for (rung, family, margin, reference log-prob, tokens,
// time) go under "quant_autopsy". `battery` is the frozen battery the rows
// were evaluated on. Throws qa::Error when a row's item is not in it.
//
// NOTE: lm-eval stores one (log-likelihood, is_greedy) pair per choice in
// `resps`; the store keeps only the prediction and the margin, so `resps`
// and `filtered_resps` of choice items hold the predicted index instead.
std::string responses_to_jsonl(const std::vector<ResponseRow>& rows,
                               const std::vector<ProbeItem>& battery);

}  // namespace qa
