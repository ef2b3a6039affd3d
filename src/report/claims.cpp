#include "report/claims.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/core.h>

#include "common/error.h"

namespace qa::report {

namespace {

struct FormatName {
  ValueFormat format;
  const char* name;
};

constexpr FormatName kFormatNames[] = {
    {ValueFormat::kText, "text"},         {ValueFormat::kInteger, "integer"},
    {ValueFormat::kFixed2, "fixed2"},     {ValueFormat::kFixed3, "fixed3"},
    {ValueFormat::kPValue, "p_value"},    {ValueFormat::kPercent1, "percent1"},
    {ValueFormat::kMebibytes, "mebibytes"},
};

std::optional<double> parse_number(const std::string& cell) {
  if (cell.empty()) {
    return std::nullopt;
  }
  errno = 0;
  char* end = nullptr;
  const double value = std::strtod(cell.c_str(), &end);
  if (errno != 0 || end != cell.c_str() + cell.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// Avoids printing "-0.000" for a tiny negative value.
double clear_negative_zero(double value, double scale) {
  return std::round(value * scale) == 0 ? 0.0 : value;
}

}  // namespace

std::string format_name(ValueFormat format) {
  for (const auto& entry : kFormatNames) {
    if (entry.format == format) {
      return entry.name;
    }
  }
  return "text";
}

ValueFormat format_from_name(const std::string& name) {
  for (const auto& entry : kFormatNames) {
    if (name == entry.name) {
      return entry.format;
    }
  }
  throw Error(fmt::format("unknown value format '{}' in {}", name, kClaimCheckFile),
              kExitFailure);
}

std::optional<std::string> format_cell(const std::string& cell, ValueFormat format) {
  if (format == ValueFormat::kText) {
    if (cell.empty()) {
      return std::nullopt;
    }
    return cell;
  }

  const auto number = parse_number(cell);
  if (!number) {
    return std::nullopt;
  }
  const double value = *number;
  switch (format) {
    case ValueFormat::kInteger:
      return fmt::format("{:.0f}", clear_negative_zero(value, 1));
    case ValueFormat::kFixed2:
      return fmt::format("{:.2f}", clear_negative_zero(value, 1e2));
    case ValueFormat::kFixed3:
      return fmt::format("{:.3f}", clear_negative_zero(value, 1e3));
    case ValueFormat::kPValue:
      if (value != 0 && std::fabs(value) < 1e-4) {
        return fmt::format("{:.1e}", value);
      }
      return fmt::format("{:.4f}", value);
    case ValueFormat::kPercent1:
      return fmt::format("{:.1f}%", clear_negative_zero(value * 100, 10));
    case ValueFormat::kMebibytes:
      return fmt::format("{:.2f}", value / (1024.0 * 1024.0));
    case ValueFormat::kText:
      break;
  }
  return cell;
}

std::string claims_to_csv(const std::vector<Claim>& claims) {
  CsvWriter writer({"file", "line", "column", "value", "source", "row_key", "source_column",
                    "format", "cell_value", "match"});
  writer.add_comment("Every value quoted in the report text and the table cell it comes from.");
  writer.add_comment("`quant-autopsy report STUDY --check` re-derives each value from its cell.");
  for (const auto& claim : claims) {
    const auto expected = format_cell(claim.cell_value, claim.cell.format);
    const bool match = expected && *expected == claim.value;
    writer.add_row({claim.file, std::to_string(claim.line), std::to_string(claim.column),
                    claim.value, claim.cell.source, row_key_to_string(claim.cell.key),
                    claim.cell.column, format_name(claim.cell.format), claim.cell_value,
                    match ? "true" : "false"});
  }
  return writer.str();
}

std::vector<Claim> claims_from_csv(const CsvTable& table, const std::string& source) {
  const size_t file = table.column("file", source);
  const size_t line = table.column("line", source);
  const size_t column = table.column("column", source);
  const size_t value = table.column("value", source);
  const size_t cell_source = table.column("source", source);
  const size_t row_key = table.column("row_key", source);
  const size_t source_column = table.column("source_column", source);
  const size_t format = table.column("format", source);
  const size_t cell_value = table.column("cell_value", source);

  std::vector<Claim> claims;
  for (size_t i = 0; i < table.rows.size(); ++i) {
    const auto& row = table.rows[i];
    Claim claim;
    claim.file = row[file];
    try {
      claim.line = std::stoul(row[line]);
      claim.column = std::stoul(row[column]);
    } catch (const std::exception&) {
      throw Error(fmt::format("{}:{}: invalid line or column number", source, table.row_lines[i]),
                  kExitFailure);
    }
    claim.value = row[value];
    claim.cell.source = row[cell_source];
    claim.cell.key = row_key_from_string(row[row_key]);
    claim.cell.column = row[source_column];
    claim.cell.format = format_from_name(row[format]);
    claim.cell_value = row[cell_value];
    claims.push_back(std::move(claim));
  }
  return claims;
}

}  // namespace qa::report
