// The model registry: built-in models.json, local overrides, the template,
// and resolving keys to files.
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>

#include "common/error.h"
#include "common/files.h"
#include "pipeline/model_registry.h"
#include "support/paths.h"

namespace qa {
namespace {

const char* const kStoriesSha256 =
    "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d";

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected qa::Error";
  return "";
}

TEST(RegistryBuiltIn, EqualsSourceModelsJson) {
  const fs::path source = fs::path(QA_SOURCE_DIR) / "models.json";
  const ModelRegistry from_file =
      ModelRegistry::parse(read_file(source), source.string(), source.parent_path());
  const ModelRegistry built_in = ModelRegistry::built_in();

  ASSERT_EQ(built_in.entries().size(), from_file.entries().size());
  for (size_t i = 0; i < built_in.entries().size(); ++i) {
    EXPECT_EQ(built_in.entries()[i].key, from_file.entries()[i].key);
    EXPECT_EQ(built_in.entries()[i].hf_file, from_file.entries()[i].hf_file);
    EXPECT_EQ(built_in.entries()[i].sha256, from_file.entries()[i].sha256);
    EXPECT_EQ(built_in.entries()[i].notes, from_file.entries()[i].notes);
  }
}

TEST(RegistryBuiltIn, ShipsRequiredModels) {
  const ModelRegistry registry = ModelRegistry::built_in();

  const ModelEntry& stories = registry.find("stories260k");
  EXPECT_EQ(stories.hf_repo, "ggml-org/tiny-llamas");
  EXPECT_EQ(stories.hf_file, "stories260K.gguf");
  EXPECT_EQ(stories.precision, "F32");
  EXPECT_EQ(stories.sha256, kStoriesSha256);
  EXPECT_FALSE(stories.use_chat_template);
  EXPECT_EQ(hf_source_of(stories), "hf:ggml-org/tiny-llamas/stories260K.gguf");

  const ModelEntry& qwen = registry.find("qwen2_5_3b");
  EXPECT_EQ(qwen.precision, "F16");
  EXPECT_EQ(qwen.display_name, "Qwen2.5-3B-Instruct");
  EXPECT_TRUE(qwen.use_chat_template);
  EXPECT_FALSE(qwen.hf_repo.empty());

  const ModelEntry& smollm = registry.find("smollm2_1_7b");
  EXPECT_EQ(smollm.precision, "F16");
  EXPECT_EQ(smollm.display_name, "SmolLM2-1.7B-Instruct");
  EXPECT_TRUE(smollm.use_chat_template);
}

TEST(RegistryBuiltIn, UnknownKeyListsKnownKeys) {
  const std::string message = error_of([] { ModelRegistry::built_in().find("llama9"); });
  EXPECT_NE(message.find("'llama9'"), std::string::npos);
  EXPECT_NE(message.find("stories260k"), std::string::npos);
}

TEST(RegistryBuiltIn, CachePathFollowsSource) {
  const ModelRegistry registry = ModelRegistry::built_in();
  const ModelEntry& stories = registry.find("stories260k");
  EXPECT_EQ(expected_model_path(stories, "/cache"),
            fs::path("/cache/ggml-org/tiny-llamas/stories260K.gguf"));
}

TEST(RegistryLocal, TemplateParsesAsIs) {
  test::ScopedTempDir dir;
  const fs::path local = dir.path() / "models.local.json";
  write_file_atomically(local, local_registry_template());

  ModelRegistry registry = ModelRegistry::built_in();
  registry.merge_local_file(local);

  const ModelEntry& stories = registry.find("stories260k");
  ASSERT_TRUE(stories.path.has_value());
  EXPECT_EQ(stories.path->filename(), "stories260K.gguf");
  EXPECT_TRUE(stories.path->is_absolute());
  EXPECT_EQ(stories.sha256, kStoriesSha256) << "fields the local entry does not set are kept";

  const ModelEntry& added = registry.find("my_model_f16");
  EXPECT_EQ(added.path, dir.path() / "models" / "my-model-f16.gguf");
  EXPECT_FALSE(added.sha256.has_value());
}

TEST(RegistryLocal, EditedTemplateResolvesSharedModel) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir dir;
  std::string text = local_registry_template();
  const std::string placeholder = "~/models/stories260K.gguf";
  ASSERT_NE(text.find(placeholder), std::string::npos);
  text.replace(text.find(placeholder), placeholder.size(),
               (test::shared_models_dir() / "stories260K.gguf").string());
  const fs::path local = dir.path() / "models.local.json";
  write_file_atomically(local, text);

  const ModelRegistry registry = load_model_registry(local);
  const ModelResolution resolution = resolve_model(registry.find("stories260k"), "/unused", true);
  EXPECT_TRUE(resolution.exists);
  EXPECT_EQ(resolution.actual_sha256, kStoriesSha256);
  EXPECT_EQ(resolution.sha256_matches, true);
  EXPECT_EQ(resolve_model_argument("", "stories260k", local),
            test::shared_models_dir() / "stories260K.gguf");
}

TEST(RegistryLocal, LocalFieldsWinAndKeysAdd) {
  test::ScopedTempDir dir;
  const fs::path model = dir.path() / "weights" / "qwen.gguf";
  write_file_atomically(model, "not really a model");
  const fs::path local = dir.path() / "models.local.json";
  write_file_atomically(local, R"({"_comment": "test", "models": [
    {"key": "qwen2_5_3b", "path": "weights/qwen.gguf", "sha256": ")" +
                                   sha256_bytes("other bytes") + R"("},
    {"key": "mine", "path": "weights/qwen.gguf", "_why": "ignored"}]})");

  const ModelRegistry registry = load_model_registry(local);
  const ModelEntry& qwen = registry.find("qwen2_5_3b");
  EXPECT_EQ(qwen.path, model);
  EXPECT_EQ(qwen.display_name, "Qwen2.5-3B-Instruct");
  EXPECT_NE(qwen.origin.find("models.local.json"), std::string::npos);

  const ModelResolution resolution = resolve_model(qwen, "/unused", true);
  EXPECT_TRUE(resolution.exists);
  EXPECT_EQ(resolution.sha256_matches, false) << "the recorded sha256 is of other bytes";

  const ModelEntry& mine = registry.find("mine");
  EXPECT_EQ(mine.display_name, "mine");
  const ModelResolution unhashed = resolve_model(mine, "/unused", true);
  EXPECT_EQ(unhashed.actual_sha256, sha256_bytes("not really a model"));
  EXPECT_FALSE(unhashed.sha256_matches.has_value());
}

TEST(RegistryLocal, RejectsInvalidEntries) {
  test::ScopedTempDir dir;
  const fs::path local = dir.path() / "models.local.json";
  const auto message_for = [&](const std::string& text) {
    write_file_atomically(local, text);
    return error_of([&] { load_model_registry(local); });
  };

  EXPECT_NE(message_for(R"({"models": [{"key": "x", "pth": "a.gguf"}]})").find("'pth'"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"models": [{"key": "new_one"}]})").find("needs a 'path' or a 'source'"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"models": [{"key": "x", "path": "a", "sha256": "abc"}]})")
                .find("64 lowercase hex"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"models": [{"key": "a b", "path": "a"}]})").find("invalid key"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"models": [{"key": "x", "path": "a"}, {"key": "x", "path": "b"}]})")
                .find("appears twice"),
            std::string::npos);
  EXPECT_NE(message_for("{not json").find("invalid JSON"), std::string::npos);
  EXPECT_NE(error_of([&] { load_model_registry(dir.path() / "absent.json"); })
                .find("models template"),
            std::string::npos);
}

TEST(ResolveModelArgument, PathKeyAndErrors) {
  test::ScopedTempDir dir;
  EXPECT_EQ(resolve_model_argument("/some/model.gguf", "", ""), fs::path("/some/model.gguf"));
  EXPECT_NE(error_of([] { resolve_model_argument("/m.gguf", "stories260k", ""); })
                .find("pass one"),
            std::string::npos);
  EXPECT_NE(error_of([] { resolve_model_argument("", "", ""); }).find("--model-key"),
            std::string::npos);

  const fs::path local = dir.path() / "models.local.json";
  write_file_atomically(local, R"({"models": [
    {"key": "stories260k", "path": "missing/stories260K.gguf"}]})");
  const std::string missing = error_of([&] { resolve_model_argument("", "stories260k", local); });
  EXPECT_NE(missing.find("missing/stories260K.gguf"), std::string::npos);
  EXPECT_NE(missing.find("ggml-org/tiny-llamas"), std::string::npos);
}

TEST(FindLocalRegistry, ExplicitThenBesideStudy) {
  test::ScopedTempDir dir;
  EXPECT_EQ(find_local_registry("/x/reg.json", dir.path() / "study"), fs::path("/x/reg.json"));

  const fs::path study = dir.path() / "study";
  fs::create_directories(study);
  write_file_atomically(dir.path() / "models.local.json", R"({"models": []})");
  EXPECT_EQ(find_local_registry("", study), dir.path() / "models.local.json");
}

TEST(ModelsCommand, TemplateThenResolve) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  if (!fs::exists(QA_BINARY)) {
    GTEST_SKIP() << "skipped: " << QA_BINARY << " is not built (build quant-autopsy first)";
  }
  test::ScopedTempDir dir;
  const test::CommandResult printed = test::run_cli("models template");
  ASSERT_EQ(printed.exit_code, 0) << printed.err;

  std::string text = printed.out;
  const std::string placeholder = "~/models/stories260K.gguf";
  ASSERT_NE(text.find(placeholder), std::string::npos);
  text.replace(text.find(placeholder), placeholder.size(),
               (test::shared_models_dir() / "stories260K.gguf").string());
  const fs::path local = dir.path() / "models.local.json";
  write_file_atomically(local, text);

  const test::CommandResult resolved =
      test::run_cli("models --registry '" + local.string() + "' resolve stories260k");
  EXPECT_EQ(resolved.exit_code, 0) << resolved.err;
  EXPECT_NE(resolved.out.find("exists:   yes"), std::string::npos) << resolved.out;
  EXPECT_NE(resolved.out.find("verified: yes"), std::string::npos) << resolved.out;

  const test::CommandResult missing =
      test::run_cli("models --registry '" + local.string() + "' resolve my_model_f16");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("exists:   no"), std::string::npos) << missing.out;

  const test::CommandResult list = test::run_cli("models list");
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("qwen2_5_3b"), std::string::npos);
  EXPECT_NE(list.out.find("smollm2_1_7b"), std::string::npos);
}

}  // namespace
}  // namespace qa
