#include <gtest/gtest.h>

#include "common/csv.h"
#include "common/error.h"
#include "common/files.h"
#include "support/paths.h"

namespace qa {
namespace {

TEST(Csv, RoundTripsQuotedFields) {
  CsvWriter writer({"family", "note"});
  writer.add_comment("alpha=0.05");
  writer.add_row({"arithmetic", "plain"});
  writer.add_row({"copying", "has, comma and \"quotes\"\nand a line break"});

  const CsvTable table = parse_csv(writer.str(), "memory");

  ASSERT_EQ(table.comments.size(), 1u);
  EXPECT_EQ(table.comments[0], "alpha=0.05");
  ASSERT_EQ(table.rows.size(), 2u);
  EXPECT_EQ(table.rows[1][1], "has, comma and \"quotes\"\nand a line break");
  EXPECT_EQ(table.row_lines[0], 3u);
  EXPECT_EQ(table.row_lines[1], 4u);
}

TEST(Csv, RejectsRowOfWrongWidth) {
  EXPECT_THROW(parse_csv("a,b\n1,2,3\n", "bad.csv"), Error);
  CsvWriter writer({"a", "b"});
  EXPECT_THROW(writer.add_row({"1"}), Error);
}

TEST(Csv, MissingColumnNamesIt) {
  const CsvTable table = parse_csv("a,b\n1,2\n", "t.csv");
  try {
    table.column("c", "t.csv");
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("'c'"), std::string::npos);
  }
}

TEST(Csv, FormatDoubleRoundTrips) {
  const double value = 0.1 + 0.2;
  EXPECT_EQ(std::stod(format_double(value)), value);
  EXPECT_EQ(format_double(0.5), "0.5");
}

TEST(Files, AtomicWriteAndSha256) {
  test::ScopedTempDir dir;
  const auto path = dir.path() / "sub" / "file.txt";
  write_file_atomically(path, "abc");

  EXPECT_EQ(read_file(path), "abc");
  // sha256("abc") from FIPS 180-2, appendix B.1.
  EXPECT_EQ(sha256_file(path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_bytes("abc"), sha256_file(path));

  int leftovers = 0;
  for (const auto& entry : fs::directory_iterator(path.parent_path())) {
    leftovers += entry.path().filename() != "file.txt";
  }
  EXPECT_EQ(leftovers, 0);
}

TEST(Files, TempGuardRemovesUncommittedFile) {
  test::ScopedTempDir dir;
  fs::path temp;
  {
    TempFileGuard guard(dir.path() / "out.gguf");
    temp = guard.temp_path();
    write_file_atomically(temp, "partial");
    ASSERT_TRUE(fs::exists(temp));
  }
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_FALSE(fs::exists(dir.path() / "out.gguf"));
}

}  // namespace
}  // namespace qa
