// The tables a report quotes from, keyed by their path relative to the study
// folder ("analysis/summary.csv", "analysis/settings.json",
// "ladder/manifest.json"). JSON sources are flattened into tables so that
// every quoted value, whatever its file, is one cell: a source, a row key
// and a column.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/csv.h"

namespace qa::report {

// Column = value pairs that select exactly one row of a table.
using RowKey = std::vector<std::pair<std::string, std::string>>;

// "family=arithmetic;rung=Q4_K_M"; the empty key selects a one-row table.
// NOTE: values are not escaped, so a family or rung name containing ';' or
// '=' does not survive the round trip through CLAIM_CHECK.csv.
std::string row_key_to_string(const RowKey& key);
// Inverse of row_key_to_string. Throws qa::Error on a part without '='.
RowKey row_key_from_string(const std::string& text);

class SourceTables {
 public:
  void add(const std::string& source, CsvTable table);
  bool has(const std::string& source) const;
  const CsvTable& table(const std::string& source) const;  // throws when absent

  // The cell at (source, key, column), or nullopt when the source, the row
  // or the column does not exist. Throws qa::Error when the key matches more
  // than one row, because a claim must name one cell.
  std::optional<std::string> find_cell(const std::string& source, const RowKey& key,
                                       const std::string& column) const;

 private:
  std::map<std::string, CsvTable> tables_;
};

// A one-row table whose columns are the scalar fields of a JSON object,
// nested keys and array indexes joined with '.' ("noise_floor.0.flip_rate").
CsvTable flatten_json_object(const nlohmann::json& object);

}  // namespace qa::report
