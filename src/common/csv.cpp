#include "common/csv.h"

#include <charconv>
#include <cmath>

#include <fmt/core.h>

#include "common/error.h"

namespace qa {

namespace {

bool needs_quotes(std::string_view field) {
  return field.find_first_of(",\"\r\n") != std::string_view::npos;
}

void append_field(std::string& out, std::string_view field) {
  if (!needs_quotes(field)) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char ch : field) {
    if (ch == '"') {
      out.push_back('"');
    }
    out.push_back(ch);
  }
  out.push_back('"');
}

void append_row(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) {
      out.push_back(',');
    }
    append_field(out, fields[i]);
  }
  out.push_back('\n');
}

}  // namespace

CsvWriter::CsvWriter(std::vector<std::string> header) : header_(std::move(header)) {}

void CsvWriter::add_comment(std::string_view comment) { comments_.emplace_back(comment); }

void CsvWriter::add_row(const std::vector<std::string>& fields) {
  if (fields.size() != header_.size()) {
    throw Error(fmt::format("CSV row has {} fields but the header has {}", fields.size(),
                            header_.size()),
                kExitFailure);
  }
  append_row(body_, fields);
}

std::string CsvWriter::str() const {
  std::string out;
  for (const auto& comment : comments_) {
    out += "# " + comment + "\n";
  }
  append_row(out, header_);
  out += body_;
  return out;
}

size_t CsvTable::column(std::string_view name, std::string_view source) const {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) {
      return i;
    }
  }
  throw Error(fmt::format("{}: missing column '{}'", source.empty() ? "CSV" : source, name));
}

CsvTable parse_csv(std::string_view text, std::string_view source) {
  CsvTable table;
  size_t pos = 0;
  size_t line = 1;

  // Comment lines come before the header.
  while (pos < text.size() && text[pos] == '#') {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view comment = text.substr(pos + 1, end - pos - 1);
    if (!comment.empty() && comment.front() == ' ') {
      comment.remove_prefix(1);
    }
    table.comments.emplace_back(comment);
    pos = end + 1;
    ++line;
  }

  bool have_header = false;
  while (pos < text.size()) {
    std::vector<std::string> fields;
    std::string field;
    const size_t start_line = line;
    bool in_quotes = false;
    bool row_done = false;
    while (pos < text.size() && !row_done) {
      const char ch = text[pos++];
      if (in_quotes) {
        if (ch == '"') {
          if (pos < text.size() && text[pos] == '"') {
            field.push_back('"');
            ++pos;
          } else {
            in_quotes = false;
          }
        } else {
          if (ch == '\n') {
            ++line;
          }
          field.push_back(ch);
        }
      } else if (ch == '"') {
        in_quotes = true;
      } else if (ch == ',') {
        fields.push_back(std::move(field));
        field.clear();
      } else if (ch == '\n') {
        ++line;
        row_done = true;
      } else if (ch != '\r') {
        field.push_back(ch);
      }
    }
    if (in_quotes) {
      throw Error(fmt::format("{}:{}: unterminated quoted field", source, start_line));
    }
    fields.push_back(std::move(field));

    if (!have_header) {
      table.header = std::move(fields);
      have_header = true;
      continue;
    }
    if (fields.size() != table.header.size()) {
      throw Error(fmt::format("{}:{}: row has {} fields, header has {}", source, start_line,
                              fields.size(), table.header.size()));
    }
    table.rows.push_back(std::move(fields));
    table.row_lines.push_back(start_line);
  }

  if (!have_header) {
    throw Error(fmt::format("{}: empty CSV file (no header)", source));
  }
  return table;
}

CsvTable read_csv(const fs::path& path) { return parse_csv(read_file(path), path.string()); }

std::string format_double(double value) {
  if (std::isnan(value)) {
    return "nan";
  }
  if (std::isinf(value)) {
    return value > 0 ? "inf" : "-inf";
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

}  // namespace qa
