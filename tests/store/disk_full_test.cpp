// A full disk during a store write: the error names the folder to free and
// states that a rerun resumes. SQLite's max_page_count simulates the full disk.
#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "store/sqlite_handle.h"
#include "support/paths.h"

namespace qa {
namespace {

TEST(SqliteDiskFull, ErrorSaysFreeSpaceAndResume) {
  test::ScopedTempDir dir;
  sqlite::Database database(dir.path() / "results.sqlite",
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  database.execute("CREATE TABLE rows(text TEXT NOT NULL)");
  database.execute("PRAGMA max_page_count = 3");

  try {
    database.execute("INSERT INTO rows VALUES (hex(randomblob(100000)))");
    FAIL() << "expected qa::Error for a full database";
  } catch (const Error& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("database or disk is full"), std::string::npos) << message;
    EXPECT_NE(message.find("free disk space in " + dir.path().string()), std::string::npos)
        << message;
    EXPECT_NE(message.find("resumes"), std::string::npos) << message;
  }
}

TEST(SqliteDiskFull, OtherErrorsHaveNoDiskHint) {
  test::ScopedTempDir dir;
  sqlite::Database database(dir.path() / "results.sqlite",
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  try {
    database.execute("INSERT INTO missing_table VALUES (1)");
    FAIL() << "expected qa::Error for a missing table";
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()).find("free disk space"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace qa
