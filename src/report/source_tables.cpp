#include "report/source_tables.h"

#include <fmt/core.h>

#include "common/error.h"

namespace qa::report {

std::string row_key_to_string(const RowKey& key) {
  std::string text;
  for (const auto& [column, value] : key) {
    if (!text.empty()) {
      text += ';';
    }
    text += column + "=" + value;
  }
  return text;
}

RowKey row_key_from_string(const std::string& text) {
  RowKey key;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    const std::string part = text.substr(start, end - start);
    const size_t equals = part.find('=');
    if (equals == std::string::npos) {
      throw Error(fmt::format("invalid row key '{}': expected COLUMN=VALUE parts joined by ';'",
                              text));
    }
    key.emplace_back(part.substr(0, equals), part.substr(equals + 1));
    start = end + 1;
  }
  return key;
}

void SourceTables::add(const std::string& source, CsvTable table) {
  tables_[source] = std::move(table);
}

bool SourceTables::has(const std::string& source) const { return tables_.count(source) > 0; }

const CsvTable& SourceTables::table(const std::string& source) const {
  const auto found = tables_.find(source);
  if (found == tables_.end()) {
    throw Error(fmt::format("report source '{}' is not loaded", source), kExitFailure);
  }
  return found->second;
}

std::optional<std::string> SourceTables::find_cell(const std::string& source, const RowKey& key,
                                                   const std::string& column) const {
  const auto found = tables_.find(source);
  if (found == tables_.end()) {
    return std::nullopt;
  }
  const CsvTable& table = found->second;

  auto column_index = [&table](const std::string& name) -> std::optional<size_t> {
    for (size_t i = 0; i < table.header.size(); ++i) {
      if (table.header[i] == name) {
        return i;
      }
    }
    return std::nullopt;
  };
  const auto value_index = column_index(column);
  if (!value_index) {
    return std::nullopt;
  }

  std::vector<std::pair<size_t, std::string>> key_indexes;
  for (const auto& [name, value] : key) {
    const auto index = column_index(name);
    if (!index) {
      return std::nullopt;
    }
    key_indexes.emplace_back(*index, value);
  }

  std::optional<std::string> cell;
  for (const auto& row : table.rows) {
    bool matches = true;
    for (const auto& [index, value] : key_indexes) {
      if (row[index] != value) {
        matches = false;
        break;
      }
    }
    if (!matches) {
      continue;
    }
    if (cell) {
      throw Error(fmt::format("{}: row key '{}' matches more than one row", source,
                              row_key_to_string(key)),
                  kExitFailure);
    }
    cell = row[*value_index];
  }
  return cell;
}

namespace {

void flatten_into(const nlohmann::json& value, const std::string& prefix,
                  std::vector<std::string>& header, std::vector<std::string>& row) {
  if (value.is_object()) {
    for (const auto& [name, child] : value.items()) {
      flatten_into(child, prefix.empty() ? name : prefix + "." + name, header, row);
    }
    return;
  }
  if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      const std::string index = std::to_string(i);
      flatten_into(value[i], prefix.empty() ? index : prefix + "." + index, header, row);
    }
    return;
  }
  header.push_back(prefix);
  if (value.is_string()) {
    row.push_back(value.get<std::string>());
  } else if (value.is_number_float()) {
    row.push_back(format_double(value.get<double>()));
  } else if (value.is_null()) {
    row.push_back("");
  } else {
    row.push_back(value.dump());
  }
}

}  // namespace

CsvTable flatten_json_object(const nlohmann::json& object) {
  CsvTable table;
  std::vector<std::string> row;
  flatten_into(object, "", table.header, row);
  table.rows.push_back(std::move(row));
  table.row_lines.push_back(1);
  return table;
}

}  // namespace qa::report
