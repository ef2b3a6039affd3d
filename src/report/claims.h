// Claims: every value a report quotes from a table, with where it appears
// and which cell it comes from. The renderer registers a claim for each
// quoted value while it writes a file; CLAIM_CHECK.csv lists them, and
// `report --check` re-derives each one from its cell.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report/source_tables.h"

namespace qa::report {

// The printed form of a cell. The printed text is a pure function of the
// cell, so the check can print the cell again and compare.
enum class ValueFormat {
  kText,       // the cell as it is (names, verdicts, hashes)
  kInteger,    // rounded to a whole number
  kFixed2,     // two decimals
  kFixed3,     // three decimals
  kPValue,     // four decimals, or scientific notation below 0.0001
  kPercent1,   // fraction printed as a percentage with one decimal, "73.1%"
  kMebibytes,  // a byte count printed in MiB with two decimals
};

std::string format_name(ValueFormat format);
// Throws qa::Error naming the text when it is not a format name.
ValueFormat format_from_name(const std::string& name);

// Prints a cell in a format. Returns nullopt when the cell is empty, or not a
// number where the format needs one, and the renderer then prints a dash
// without a claim.
std::optional<std::string> format_cell(const std::string& cell, ValueFormat format);

struct CellRef {
  std::string source;  // path relative to the study folder
  RowKey key;
  std::string column;
  ValueFormat format = ValueFormat::kText;
};

struct Claim {
  std::string file;  // relative to the report folder, e.g. "REPORT.md"
  size_t line = 0;   // 1-based
  size_t column = 0; // 1-based byte offset of the value in the line
  std::string value; // as printed
  CellRef cell;
  std::string cell_value;  // the raw cell when the file was written
};

inline constexpr const char* kClaimCheckFile = "CLAIM_CHECK.csv";

// CLAIM_CHECK.csv: one row per claim with a `match` column that is "true"
// when the printed value equals the cell printed again.
std::string claims_to_csv(const std::vector<Claim>& claims);
std::vector<Claim> claims_from_csv(const CsvTable& table, const std::string& source);

}  // namespace qa::report
