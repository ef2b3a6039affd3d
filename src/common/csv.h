// CSV as RFC 4180 describes it: comma separated, fields quoted when they hold
// a comma, quote or line break, quotes doubled inside quoted fields. Lines
// starting with '#' before the header are comments (analysis settings).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/files.h"

namespace qa {

// Builds a CSV document in memory; write it with write_file_atomically.
class CsvWriter {
 public:
  explicit CsvWriter(std::vector<std::string> header);

  void add_comment(std::string_view comment);
  // Throws qa::Error when the row's width differs from the header's.
  void add_row(const std::vector<std::string>& fields);

  std::string str() const;

 private:
  std::vector<std::string> comments_;
  std::vector<std::string> header_;
  std::string body_;
};

// A parsed CSV file: header, rows, and the comment lines without their '#'.
struct CsvTable {
  std::vector<std::string> comments;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  // 1-based line number in the file where each row starts, for messages.
  std::vector<size_t> row_lines;

  // Index of a column; throws qa::Error naming `source` when it is missing.
  size_t column(std::string_view name, std::string_view source = "") const;
};

CsvTable parse_csv(std::string_view text, std::string_view source);
CsvTable read_csv(const fs::path& path);

// Formats a double with up to 17 significant digits, shortest round-trip form,
// so values re-read from a CSV equal the values written.
std::string format_double(double value);

}  // namespace qa
