// The baseline of the engine's items/s: the same items scored one HTTP
// request at a time against llama-server on 127.0.0.1, as evaluation
// harnesses drive GGUF models.
//
// The pinned llama-server returns no prompt log-probabilities (its completion
// endpoint rejects "echo"), so a choice is scored token by token. Each scored
// token costs one /completion request: the prompt goes as token ids up to that
// token, with n_predict 1 and a logit bias that makes the greedy sampler pick
// the target token. With n_probs 1 and post_sampling_probs false the server
// returns the target's log-probability under the raw logits. Prompt caching
// stays on, so each request evaluates only the tokens after the cached prefix.
//
// A generate item is one request: greedy, n_predict max_tokens and the
// item's stop strings. The engine also computes the reference answer's
// log-probability, but the baseline does not request it, which favours the
// baseline.
#include <curl/curl.h>
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/files.h"
#include "engine/item_plan.h"
#include "engine/llama_text.h"
#include "probes/scorers.h"
#include "workload.h"

namespace {

using nlohmann::json;

size_t append_body(char* data, size_t size, size_t count, void* user_data) {
  static_cast<std::string*>(user_data)->append(data, size * count);
  return size * count;
}

// One keep-alive connection to the server's /completion endpoint.
class CompletionClient {
 public:
  explicit CompletionClient(int port)
      : url_(fmt::format("http://127.0.0.1:{}/completion", port)), curl_(curl_easy_init()) {
    if (curl_ == nullptr) {
      throw qa::Error("curl_easy_init failed", qa::kExitFailure);
    }
    headers_ = curl_slist_append(nullptr, "Content-Type: application/json");
  }

  ~CompletionClient() {
    curl_slist_free_all(headers_);
    curl_easy_cleanup(curl_);
  }

  struct Reply {
    long status = 0;
    std::string body;
  };

  // Sends one request; throws qa::Error only when no HTTP reply arrives.
  Reply post_for_reply(const json& request) {
    const std::string body = request.dump();
    Reply reply;
    curl_easy_setopt(curl_, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT, 600L);

    const CURLcode code = curl_easy_perform(curl_);
    if (code != CURLE_OK) {
      throw qa::Error(fmt::format("POST {} failed: {}", url_, curl_easy_strerror(code)),
                      qa::kExitFailure);
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    requests_ += 1;
    return reply;
  }

  // Sends one request and parses the reply; throws qa::Error unless HTTP 200.
  json post(const json& request) {
    const Reply reply = post_for_reply(request);
    if (reply.status != 200) {
      throw qa::Error(fmt::format("POST {} failed with HTTP {}: {}", url_, reply.status,
                                  reply.body.substr(0, 300)),
                      qa::kExitFailure);
    }
    return json::parse(reply.body);
  }

  size_t requests() const { return requests_; }

 private:
  std::string url_;
  CURL* curl_;
  curl_slist* headers_ = nullptr;
  size_t requests_ = 0;
};

// Log-probability of tokens[target] given tokens[0, target).
double forced_token_log_prob(CompletionClient& client, const std::vector<llama_token>& tokens,
                             size_t target) {
  const json request = {
      {"prompt", std::vector<llama_token>(tokens.begin(), tokens.begin() + target)},
      {"n_predict", 1},
      {"temperature", 0},
      {"n_probs", 1},
      {"post_sampling_probs", false},
      {"logit_bias", json::array({json::array({tokens[target], 1000})})},
      {"cache_prompt", true}};
  const json response = client.post(request);
  const json& probability = response.at("completion_probabilities").at(0);
  if (probability.at("id").get<llama_token>() != tokens[target]) {
    throw qa::Error(
        "llama-server sampled another token than the forced one; the logit bias "
        "did not apply",
        qa::kExitFailure);
  }
  return probability.at("logprob").get<double>();
}

json score_item(CompletionClient& client, const llama_vocab* vocab, const qa::ProbeItem& item) {
  const qa::engine::ItemPlan plan = qa::engine::plan_item(vocab, item, item.prompt, false);

  if (item.kind == qa::ItemKind::kGenerate) {
    std::vector<llama_token> prompt = plan.shared;
    prompt.insert(prompt.end(), plan.branches[0].tokens.begin(), plan.branches[0].tokens.end());
    const json request = {{"prompt", prompt},
                          {"n_predict", item.max_tokens},
                          {"temperature", 0},
                          {"stop", item.stop},
                          {"cache_prompt", true}};
    const CompletionClient::Reply reply = client.post_for_reply(request);

    // llama-server parses every output as chat content and answers HTTP 500
    // when the text does not fit, for example when a random-weight model
    // emits a lone byte token (invalid UTF-8). The request's work is done by
    // then, so the item counts as evaluated, with no output.
    if (reply.status == 500 &&
        reply.body.find("does not match the expected") != std::string::npos) {
      return {{"id", item.id},
              {"kind", "generate"},
              {"server_rejected_output", true},
              {"correct", false}};
    }
    if (reply.status != 200) {
      throw qa::Error(fmt::format("llama-server failed on item {} with HTTP {}: {}", item.id,
                                  reply.status, reply.body.substr(0, 300)),
                      qa::kExitFailure);
    }
    const std::string output = json::parse(reply.body).at("content").get<std::string>();
    return {{"id", item.id},
            {"kind", "generate"},
            {"output", output},
            {"correct", qa::score_output(item.scorer, output, item.answer)}};
  }

  // Choice: each branch's full token list is the shared prefix plus its tokens.
  std::vector<double> sums;
  for (const qa::engine::BranchPlan& branch : plan.branches) {
    std::vector<llama_token> full = plan.shared;
    full.insert(full.end(), branch.tokens.begin(), branch.tokens.end());
    double sum = 0;
    for (size_t j = plan.shared.size() + branch.score_from; j < full.size(); ++j) {
      sum += forced_token_log_prob(client, full, j);
    }
    sums.push_back(sum);
  }
  size_t best = 0;
  for (size_t c = 1; c < sums.size(); ++c) {
    if (sums[c] > sums[best]) {
      best = c;
    }
  }
  return {{"id", item.id},
          {"kind", "choice"},
          {"output", item.choices[best]},
          {"predicted_index", best},
          {"correct", static_cast<int>(best) == item.answer_index},
          {"ref_logprob", sums[item.answer_index]}};
}

// Agreement with the engine's rows: same predicted choice or output, and the
// largest difference of the correct choice's log-probability.
json compare_rows(const std::vector<json>& server_rows, const std::string& engine_rows_path) {
  std::map<std::string, json> engine_rows;
  const std::string text = qa::read_file(engine_rows_path);
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const json row = json::parse(text.substr(start, end - start));
    engine_rows[row.at("id").get<std::string>()] = row;
    start = end == std::string::npos ? text.size() : end + 1;
  }

  size_t same = 0;
  size_t compared = 0;
  double max_logprob_difference = 0;
  for (const json& row : server_rows) {
    const auto found = engine_rows.find(row.at("id").get<std::string>());
    if (found == engine_rows.end() || !row.contains("output")) {
      continue;
    }
    compared += 1;
    same += row.at("output") == found->second.at("output") ? 1 : 0;
    if (row.contains("ref_logprob") && found->second.at("ref_logprob").is_number()) {
      max_logprob_difference =
          std::max(max_logprob_difference, std::abs(row.at("ref_logprob").get<double>() -
                                                    found->second.at("ref_logprob").get<double>()));
    }
  }
  return {{"compared", compared},
          {"same_output", same},
          {"max_ref_logprob_difference", max_logprob_difference}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Items/s of scoring items one request at a time against llama-server"};
  std::string model;
  int port = 0;
  std::string compare_path;
  qa::bench::WorkloadOptions workload;

  app.add_option("--model", model, "the GGUF model the server runs (its vocabulary tokenizes)")
      ->required();
  app.add_option("--port", port, "port of llama-server on 127.0.0.1")->required();
  app.add_option("--compare", compare_path, "engine rows (JSONL) to check agreement with");
  qa::bench::add_workload_options(app, workload);
  CLI11_PARSE(app, argc, argv);

  try {
    const std::vector<qa::ProbeItem> items = qa::bench::build_workload(workload);

    llama_backend_init();
    llama_model_params params = llama_model_default_params();
    params.vocab_only = true;
    llama_model* vocab_model = llama_model_load_from_file(model.c_str(), params);
    if (vocab_model == nullptr) {
      throw qa::Error(fmt::format("cannot load the vocabulary of {}", model));
    }
    const llama_vocab* vocab = llama_model_get_vocab(vocab_model);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    json summary;
    {
      CompletionClient client(port);
      std::vector<json> rows;
      size_t correct = 0;
      size_t rejected = 0;
      const auto start = std::chrono::steady_clock::now();
      for (const qa::ProbeItem& item : items) {
        rows.push_back(score_item(client, vocab, item));
        correct += rows.back().at("correct").get<bool>() ? 1 : 0;
        rejected += rows.back().contains("server_rejected_output") ? 1 : 0;
      }
      const double wall_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

      summary = {{"items", rows.size()},
                 {"correct", correct},
                 {"requests", client.requests()},
                 {"server_rejected_outputs", rejected},
                 {"wall_seconds", wall_seconds},
                 {"items_per_second", static_cast<double>(rows.size()) / wall_seconds}};
      if (!compare_path.empty()) {
        summary["agreement"] = compare_rows(rows, compare_path);
      }
    }
    curl_global_cleanup();
    llama_model_free(vocab_model);
    fmt::print("{}\n", summary.dump());
  } catch (const qa::Error& error) {
    fmt::print(stderr, "error: {}\n", error.what());
    return error.exit_code();
  } catch (const nlohmann::json::exception& error) {
    fmt::print(stderr, "error: unexpected llama-server response: {}\n", error.what());
    return qa::kExitFailure;
  }
  return 0;
}
