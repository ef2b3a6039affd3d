#include "pipeline/model_registry.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include <fmt/core.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/files.h"
#include "pipeline/model_source.h"
#include "pipeline/models_json.h"  // generated at configure time from models.json

namespace qa {

namespace {

using nlohmann::json;

const std::set<std::string> kEntryFields = {
    "key",    "family",            "display_name", "precision", "source",
    "sha256", "use_chat_template", "notes",        "path"};

bool is_comment_field(const std::string& name) { return !name.empty() && name.front() == '_'; }

bool is_valid_key(const std::string& key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](unsigned char ch) {
    return std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
  });
}

bool is_sha256(const std::string& text) {
  return text.size() == 64 && std::all_of(text.begin(), text.end(), [](unsigned char ch) {
           return std::isdigit(ch) || (ch >= 'a' && ch <= 'f');
         });
}

std::string string_field(const json& entry, const char* name, const std::string& where) {
  const json& value = entry.at(name);
  if (!value.is_string()) {
    throw Error(fmt::format("{}: field '{}' must be a string", where, name));
  }
  return value.get<std::string>();
}

fs::path expand_path(const std::string& text, const fs::path& base_dir) {
  fs::path path = text;
  if (text.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    if (home != nullptr) {
      path = fs::path(home) / text.substr(2);
    }
  }
  if (path.is_relative()) {
    path = base_dir / path;
  }
  return path.lexically_normal();
}

// One parsed entry plus the fields it set, so a local entry overrides only those.
struct ParsedEntry {
  ModelEntry entry;
  std::set<std::string> fields;
};

ParsedEntry parse_entry(const json& item, const std::string& source, const fs::path& base_dir,
                        size_t index) {
  if (!item.is_object()) {
    throw Error(fmt::format("{}: models[{}] must be an object", source, index));
  }
  if (!item.contains("key") || !item["key"].is_string()) {
    throw Error(fmt::format("{}: models[{}] has no string field 'key'", source, index));
  }
  ParsedEntry parsed;
  ModelEntry& entry = parsed.entry;
  entry.key = item["key"].get<std::string>();
  const std::string where = fmt::format("{}: model '{}'", source, entry.key);
  if (!is_valid_key(entry.key)) {
    throw Error(fmt::format("{}: invalid key; use letters, digits, '_', '-' or '.'", where));
  }

  for (const auto& [name, value] : item.items()) {
    if (is_comment_field(name)) {
      continue;
    }
    if (!kEntryFields.contains(name)) {
      throw Error(fmt::format("{}: unknown field '{}' (known: {}; fields starting with '_' are "
                              "comments)",
                              where, name, fmt::join(kEntryFields, ", ")));
    }
    parsed.fields.insert(name);
  }

  if (parsed.fields.contains("family")) entry.family = string_field(item, "family", where);
  if (parsed.fields.contains("display_name")) {
    entry.display_name = string_field(item, "display_name", where);
  }
  if (parsed.fields.contains("precision")) {
    entry.precision = string_field(item, "precision", where);
  }
  if (parsed.fields.contains("notes")) entry.notes = string_field(item, "notes", where);
  if (parsed.fields.contains("use_chat_template")) {
    if (!item["use_chat_template"].is_boolean()) {
      throw Error(fmt::format("{}: field 'use_chat_template' must be true or false", where));
    }
    entry.use_chat_template = item["use_chat_template"].get<bool>();
  }
  if (parsed.fields.contains("source")) {
    const json& source_field = item["source"];
    if (!source_field.is_object() || !source_field.contains("hf_repo") ||
        !source_field.contains("hf_file")) {
      throw Error(fmt::format("{}: 'source' must be an object with hf_repo and hf_file", where));
    }
    entry.hf_repo = string_field(source_field, "hf_repo", where + " source");
    entry.hf_file = string_field(source_field, "hf_file", where + " source");
    if (std::count(entry.hf_repo.begin(), entry.hf_repo.end(), '/') != 1) {
      throw Error(fmt::format("{}: hf_repo '{}' must be OWNER/NAME", where, entry.hf_repo));
    }
  }
  if (parsed.fields.contains("sha256") && !item["sha256"].is_null()) {
    const std::string sha256 = string_field(item, "sha256", where);
    if (!is_sha256(sha256)) {
      throw Error(fmt::format("{}: sha256 '{}' is not 64 lowercase hex digits (or null)", where,
                              sha256));
    }
    entry.sha256 = sha256;
  }
  if (parsed.fields.contains("path")) {
    entry.path = expand_path(string_field(item, "path", where), base_dir);
  }
  entry.origin = source;
  return parsed;
}

std::vector<ParsedEntry> parse_document(std::string_view text, const std::string& source,
                                        const fs::path& base_dir) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception& error) {
    throw Error(fmt::format("{}: invalid JSON ({})", source, error.what()));
  }
  if (!document.is_object() || !document.contains("models") || !document["models"].is_array()) {
    throw Error(fmt::format("{}: expected an object with a 'models' array", source));
  }
  const int version = document.value("schema_version", 1);
  if (version != 1) {
    throw Error(fmt::format("{}: schema_version {} is not supported (expected 1)", source,
                            version));
  }
  for (const auto& [name, value] : document.items()) {
    if (!is_comment_field(name) && name != "models" && name != "schema_version") {
      throw Error(fmt::format("{}: unknown top-level field '{}'", source, name));
    }
  }

  std::vector<ParsedEntry> entries;
  std::set<std::string> keys;
  for (size_t i = 0; i < document["models"].size(); ++i) {
    ParsedEntry parsed = parse_entry(document["models"][i], source, base_dir, i);
    if (!keys.insert(parsed.entry.key).second) {
      throw Error(fmt::format("{}: key '{}' appears twice", source, parsed.entry.key));
    }
    entries.push_back(std::move(parsed));
  }
  return entries;
}

void override_fields(ModelEntry& target, const ParsedEntry& local) {
  const ModelEntry& source = local.entry;
  if (local.fields.contains("family")) target.family = source.family;
  if (local.fields.contains("display_name")) target.display_name = source.display_name;
  if (local.fields.contains("precision")) target.precision = source.precision;
  if (local.fields.contains("notes")) target.notes = source.notes;
  if (local.fields.contains("use_chat_template")) {
    target.use_chat_template = source.use_chat_template;
  }
  if (local.fields.contains("source")) {
    target.hf_repo = source.hf_repo;
    target.hf_file = source.hf_file;
  }
  if (local.fields.contains("sha256")) target.sha256 = source.sha256;
  if (local.fields.contains("path")) target.path = source.path;
  target.origin = fmt::format("{} + {}", target.origin, source.origin);
}

}  // namespace

ModelRegistry ModelRegistry::built_in() {
  return parse(kBuiltInModelsJson, "built-in models.json", fs::current_path());
}

ModelRegistry ModelRegistry::parse(std::string_view json, const std::string& source,
                                   const fs::path& base_dir) {
  ModelRegistry registry;
  for (auto& parsed : parse_document(json, source, base_dir)) {
    if (parsed.entry.hf_repo.empty() && !parsed.entry.path) {
      throw Error(fmt::format("{}: model '{}' needs a 'path' or a 'source'", source,
                              parsed.entry.key));
    }
    if (parsed.entry.display_name.empty()) {
      parsed.entry.display_name = parsed.entry.key;
    }
    registry.entries_.push_back(std::move(parsed.entry));
  }
  return registry;
}

void ModelRegistry::merge_local_file(const fs::path& local_file) {
  if (!fs::exists(local_file)) {
    throw Error(fmt::format("local model registry {} not found; write one with `quant-autopsy "
                            "models template > models.local.json`",
                            local_file.string()));
  }
  const fs::path absolute = fs::absolute(local_file);
  for (const auto& parsed :
       parse_document(read_file(absolute), absolute.string(), absolute.parent_path())) {
    auto existing = std::find_if(entries_.begin(), entries_.end(), [&](const ModelEntry& entry) {
      return entry.key == parsed.entry.key;
    });
    if (existing != entries_.end()) {
      override_fields(*existing, parsed);
      continue;
    }
    ModelEntry added = parsed.entry;
    if (added.hf_repo.empty() && !added.path) {
      throw Error(fmt::format("{}: new model '{}' needs a 'path' or a 'source'",
                              absolute.string(), added.key));
    }
    if (added.display_name.empty()) {
      added.display_name = added.key;
    }
    entries_.push_back(std::move(added));
  }
}

const ModelEntry& ModelRegistry::find(const std::string& key) const {
  for (const auto& entry : entries_) {
    if (entry.key == key) {
      return entry;
    }
  }
  std::vector<std::string> keys;
  for (const auto& entry : entries_) {
    keys.push_back(entry.key);
  }
  throw Error(fmt::format("unknown model key '{}'; known keys: {} (see `quant-autopsy models "
                          "list`, or add it to models.local.json)",
                          key, fmt::join(keys, ", ")));
}

ModelRegistry load_model_registry(const fs::path& local_registry) {
  ModelRegistry registry = ModelRegistry::built_in();
  if (!local_registry.empty()) {
    registry.merge_local_file(local_registry);
  }
  return registry;
}

fs::path find_local_registry(const fs::path& explicit_path, const fs::path& study_dir) {
  if (!explicit_path.empty()) {
    return explicit_path;
  }
  if (!study_dir.empty()) {
    const fs::path beside =
        fs::absolute(study_dir).lexically_normal().parent_path() / "models.local.json";
    if (fs::exists(beside)) {
      return beside;
    }
  }
  if (fs::exists("models.local.json")) {
    return fs::absolute("models.local.json");
  }
  return {};
}

std::string hf_source_of(const ModelEntry& entry) {
  if (entry.hf_repo.empty() || entry.hf_file.empty()) {
    return "";
  }
  return fmt::format("hf:{}/{}", entry.hf_repo, entry.hf_file);
}

fs::path expected_model_path(const ModelEntry& entry, const fs::path& cache_dir) {
  if (entry.path) {
    return *entry.path;
  }
  const std::string source = hf_source_of(entry);
  if (source.empty()) {
    throw Error(fmt::format("model '{}' has neither a local path nor a Hugging Face source",
                            entry.key));
  }
  return cached_model_path(parse_hf_source(source), cache_dir);
}

ModelResolution resolve_model(const ModelEntry& entry, const fs::path& cache_dir,
                              bool check_sha256) {
  ModelResolution resolution;
  resolution.path = expected_model_path(entry, cache_dir);
  resolution.exists = fs::is_regular_file(resolution.path);
  if (resolution.exists && check_sha256) {
    resolution.actual_sha256 = sha256_file(resolution.path);
    if (entry.sha256) {
      resolution.sha256_matches = *resolution.actual_sha256 == *entry.sha256;
    }
  }
  return resolution;
}

fs::path resolve_model_argument(const fs::path& model_path, const std::string& key,
                                const fs::path& registry_path) {
  if (!model_path.empty() && !key.empty()) {
    throw Error(fmt::format("both a model path ({}) and --model-key {} were given; pass one",
                            model_path.string(), key));
  }
  if (!model_path.empty()) {
    return model_path;
  }
  if (key.empty()) {
    throw Error("no model given: pass MODEL.gguf or --model-key KEY (see `quant-autopsy models "
                "list`)");
  }

  const ModelRegistry registry = load_model_registry(registry_path);
  const ModelEntry& entry = registry.find(key);
  const fs::path path = expected_model_path(entry, default_model_cache_dir());
  if (fs::is_regular_file(path)) {
    return path;
  }
  if (entry.hf_repo.empty()) {
    throw Error(fmt::format("model '{}': file {} not found; fix its path in {}", key,
                            path.string(), entry.origin));
  }
  throw Error(fmt::format(
      "model '{}': file {} not found; download {} from Hugging Face repository {} to that path, "
      "or set \"path\" for '{}' in a models.local.json (`quant-autopsy models template`)",
      key, path.string(), entry.hf_file, entry.hf_repo, key));
}

std::string local_registry_template() {
  return R"template({
  "_comment": [
    "Local model registry for quant-autopsy. Save it as models.local.json in the",
    "folder that holds your study folders (or in the current folder), or pass",
    "--registry FILE. JSON has no comments, so every field whose name starts",
    "with '_' is ignored. An entry whose key is built in overrides only the",
    "fields it sets (local entries win); a new key adds a model and needs a",
    "path or a source. Relative paths are relative to this file's folder and",
    "'~/' is your home folder. Check an entry with",
    "`quant-autopsy models --registry models.local.json resolve KEY`."
  ],
  "schema_version": 1,
  "models": [
    {
      "_comment": "Use a copy of a built-in model that you already have: edit the path.",
      "key": "stories260k",
      "path": "~/models/stories260K.gguf"
    },
    {
      "_comment": "Add a model of your own. sha256 may stay null; models resolve prints the file's hash so you can record it.",
      "key": "my_model_f16",
      "family": "llama",
      "display_name": "My model (F16)",
      "precision": "F16",
      "path": "models/my-model-f16.gguf",
      "sha256": null,
      "use_chat_template": false,
      "notes": "Where this file came from and how it was converted."
    }
  ]
}
)template";
}

}  // namespace qa
