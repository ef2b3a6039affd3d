// --model-key on the commands that take a model: the registry resolves the
// key to a file, and an unknown key or a missing file is a clear error.
#include <gtest/gtest.h>

#include <string>

#include "common/files.h"
#include "support/paths.h"

namespace qa {
namespace {

// A local registry that points the built-in stories260k key at the shared copy.
fs::path write_local_registry(const fs::path& dir) {
  const fs::path registry = dir / "models.local.json";
  const std::string model = (test::shared_models_dir() / "stories260K.gguf").string();
  write_file_atomically(registry, R"({"schema_version": 1, "models": [{"key": "stories260k", "path": ")" +
                                      model + R"("}]})");
  return registry;
}

TEST(ModelKey, InspectResolvesRegistryKey) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir dir;
  const fs::path registry = write_local_registry(dir.path());

  const test::CommandResult result =
      test::run_cli("inspect --model-key stories260k --registry '" + registry.string() + "'");

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("292,800"), std::string::npos) << result.out;
}

TEST(ModelKey, UnknownKeyListsKnownKeys) {
  const test::CommandResult result = test::run_cli("inspect --model-key no_such_model");

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("no_such_model"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("stories260k"), std::string::npos) << result.err;
}

TEST(ModelKey, LadderWithoutModelOrKeyFails) {
  test::ScopedTempDir dir;
  const test::CommandResult result = test::run_cli("ladder --out '" + (dir.path() / "s").string() + "'");

  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--model-key"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(dir.path() / "s" / "ladder" / "manifest.json"));
}

TEST(ModelKey, LadderBuildsFromRegistryKey) {
  QA_REQUIRE_SHARED_MODEL("stories260K.gguf");
  test::ScopedTempDir dir;
  const fs::path registry = write_local_registry(dir.path());

  const test::CommandResult result =
      test::run_cli("ladder --model-key stories260k --registry '" + registry.string() +
                    "' --rungs Q8_0 --threads 1 --out '" + (dir.path() / "s").string() + "'");

  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(fs::exists(dir.path() / "s" / "ladder" / "manifest.json"));
}

}  // namespace
}  // namespace qa
