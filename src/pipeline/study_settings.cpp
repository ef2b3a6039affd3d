#include "pipeline/study_settings.h"

#include <thread>

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"

namespace qa {

namespace {

using nlohmann::json;

json eval_to_json(const EvalSettings& eval) {
  return {{"threads", eval.threads},   {"n_ctx", eval.n_ctx},
          {"n_batch", eval.n_batch},   {"n_ubatch", eval.n_ubatch},
          {"n_parallel", eval.n_parallel}, {"chat", eval.chat}};
}

EvalSettings eval_from_json(const json& object) {
  EvalSettings eval;
  object.at("threads").get_to(eval.threads);
  object.at("n_ctx").get_to(eval.n_ctx);
  object.at("n_batch").get_to(eval.n_batch);
  object.at("n_ubatch").get_to(eval.n_ubatch);
  object.at("n_parallel").get_to(eval.n_parallel);
  object.at("chat").get_to(eval.chat);
  return eval;
}

int hardware_threads() {
  const unsigned count = std::thread::hardware_concurrency();
  return count == 0 ? 1 : static_cast<int>(count);
}

}  // namespace

StudySettings read_study_settings(const StudyLayout& layout) {
  StudySettings settings;
  const fs::path path = layout.study_json();
  if (!fs::exists(path)) {
    return settings;
  }

  try {
    const json object = json::parse(read_file(path));
    if (object.contains("model") && !object["model"].is_null()) {
      StudyModel model;
      object["model"].at("path").get_to(model.path);
      model.sha256 = object["model"].value("sha256", "");
      settings.model = model;
    }
    if (object.contains("settings") && !object["settings"].is_null()) {
      settings.eval = eval_from_json(object["settings"]);
    }
    settings.llama_cpp_commit = object.value("llama_cpp_commit", "");
  } catch (const json::exception& error) {
    throw Error(fmt::format("{} is not a valid study file: {}; fix or delete it", path.string(),
                            error.what()));
  }
  return settings;
}

void write_study_settings(const StudyLayout& layout, const StudySettings& settings) {
  json object = json::object();
  object["model"] = settings.model ? json{{"path", settings.model->path},
                                          {"sha256", settings.model->sha256}}
                                   : json();
  object["settings"] = settings.eval ? eval_to_json(*settings.eval) : json();
  object["llama_cpp_commit"] = settings.llama_cpp_commit;
  write_file_atomically(layout.study_json(), object.dump(2) + "\n");
}

EvalSettings fix_eval_settings(const StudyLayout& layout, const EvalOverrides& overrides,
                               bool force) {
  StudySettings study = read_study_settings(layout);

  if (!study.eval) {
    EvalSettings eval;
    eval.threads = overrides.threads.value_or(hardware_threads());
    eval.chat = overrides.chat;
    study.eval = eval;
    study.llama_cpp_commit = kLlamaCommit;
    write_study_settings(layout, study);
    log_info("fixed the study's evaluation settings in {}: threads {}, n_ctx {}, n_batch {}, "
             "n_ubatch {}, n_parallel {}, prompt format {}",
             layout.study_json().string(), eval.threads, eval.n_ctx, eval.n_batch, eval.n_ubatch,
             eval.n_parallel, eval.prompt_format());
    return eval;
  }

  EvalSettings eval = *study.eval;
  std::vector<std::string> differences;
  if (overrides.threads && *overrides.threads != eval.threads) {
    differences.push_back(fmt::format("threads {} -> {}", eval.threads, *overrides.threads));
  }
  if (overrides.chat && !eval.chat) {
    differences.push_back("prompt format completion -> chat");
  }
  if (!study.llama_cpp_commit.empty() && study.llama_cpp_commit != kLlamaCommit) {
    differences.push_back(
        fmt::format("llama.cpp commit {} -> {}", study.llama_cpp_commit, kLlamaCommit));
  }
  if (differences.empty()) {
    return eval;
  }

  if (!force) {
    throw Error(fmt::format("{} fixes the study's evaluation settings, and this run differs: {}. "
                            "Rerun without those options, or pass --force to evaluate with other "
                            "settings anyway (its rows would be paired with rows evaluated under "
                            "the fixed settings)",
                            layout.study_json().string(), fmt::join(differences, ", ")));
  }
  log_warn("evaluating with settings that differ from {} (--force): {}",
           layout.study_json().string(), fmt::join(differences, ", "));
  if (overrides.threads) {
    eval.threads = *overrides.threads;
  }
  eval.chat = eval.chat || overrides.chat;
  return eval;
}

RunSettings make_run_settings(const EvalSettings& eval, const std::string& battery_hash) {
  RunSettings run;
  run.threads = eval.threads;
  run.n_ctx = eval.n_ctx;
  run.n_batch = eval.n_batch;
  run.n_ubatch = eval.n_ubatch;
  run.n_parallel = eval.n_parallel;
  run.prompt_format = eval.prompt_format();
  run.llama_cpp_commit = kLlamaCommit;
  run.battery_hash = battery_hash;
  run.tool_version = kToolVersion;
  return run;
}

std::vector<std::string> run_settings_differences(const RunSettings& first,
                                                  const RunSettings& current) {
  std::vector<std::string> differences;
  const auto compare = [&](const char* name, const auto& a, const auto& b) {
    if (a != b) {
      differences.push_back(fmt::format("{} {} -> {}", name, a, b));
    }
  };
  compare("threads", first.threads, current.threads);
  compare("n_ctx", first.n_ctx, current.n_ctx);
  compare("n_batch", first.n_batch, current.n_batch);
  compare("n_ubatch", first.n_ubatch, current.n_ubatch);
  compare("n_parallel", first.n_parallel, current.n_parallel);
  compare("prompt format", first.prompt_format, current.prompt_format);
  compare("llama.cpp commit", first.llama_cpp_commit, current.llama_cpp_commit);
  return differences;
}

void check_store_settings(const ResultsStore& store, const RunSettings& current, bool force) {
  const auto first = store.first_run_settings();
  if (!first) {
    return;
  }
  const auto differences = run_settings_differences(*first, current);
  if (differences.empty()) {
    return;
  }
  if (!force) {
    throw Error(fmt::format("results store {} was written with other evaluation settings: {}. "
                            "Use the study's settings, or pass --force to mix them anyway",
                            store.path().string(), fmt::join(differences, ", ")));
  }
  log_warn("results store {} was written with other evaluation settings (--force): {}",
           store.path().string(), fmt::join(differences, ", "));
}

}  // namespace qa
