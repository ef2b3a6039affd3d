#include "report/report_writer.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"
#include "report/plots.h"
#include "report/report_content.h"

namespace qa::report {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

// Refuses to overwrite a report folder unless it was written from the
// analysis now in analysis/ (same fingerprint) or force is set.
void check_report_folder(const fs::path& report_dir, const std::string& fingerprint, bool force) {
  if (force || !fs::exists(report_dir) || fs::is_empty(report_dir)) {
    return;
  }
  const fs::path stamp = report_dir / kReportStampFile;
  std::string written_from = "unknown (no report.json)";
  if (fs::exists(stamp)) {
    try {
      written_from = nlohmann::json::parse(read_file(stamp)).value("analysis_fingerprint", "");
    } catch (const nlohmann::json::exception&) {
      written_from = "unknown (report.json is invalid)";
    }
  }
  if (written_from == fingerprint) {
    return;
  }
  throw Error(fmt::format("{} contains a report of another analysis (analysis fingerprint {}, the "
                          "analysis now is {}); rerun with --force to overwrite it",
                          report_dir.string(), written_from, fingerprint),
              kExitBadInput);
}

bool is_token_char(unsigned char ch) {
  return std::isalnum(ch) || ch == '_' || ch == '.' || ch == '-' || ch == '+' || ch == '%';
}

// The tokens of a line that the check compares: every token holding a digit
// (numbers, rung names such as Q4_K_M, hashes) and every known rung or
// family name. A trailing full stop belongs to the sentence, not the token.
std::vector<std::string> tracked_tokens(const std::string& line,
                                        const std::set<std::string>& names) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < line.size()) {
    if (!is_token_char(static_cast<unsigned char>(line[i]))) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < line.size() && is_token_char(static_cast<unsigned char>(line[end]))) {
      ++end;
    }
    std::string token = line.substr(i, end - i);
    while (!token.empty() && token.back() == '.') {
      token.pop_back();
    }
    const bool has_digit = std::any_of(token.begin(), token.end(),
                                       [](unsigned char ch) { return std::isdigit(ch); });
    if (has_digit || names.count(token) > 0) {
      tokens.push_back(token);
    }
    i = end;
  }
  return tokens;
}

std::string join_tokens(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& token : tokens) {
    out += (out.empty() ? "" : " ") + token;
  }
  return out.empty() ? "(none)" : out;
}

// The text printed at a claim's position, up to the next space or '|'.
std::string text_at(const std::string& line, size_t column) {
  if (column == 0 || column > line.size()) {
    return "(nothing: the line is shorter)";
  }
  const size_t start = column - 1;
  size_t end = start;
  while (end < line.size() && line[end] != ' ' && line[end] != '|') {
    ++end;
  }
  if (end == start) {
    return fmt::format("another value (column {} now starts '{}')", column,
                       line.substr(start, 12));
  }
  return line.substr(start, end - start);
}

// Whether `value` is printed at byte offset `start` as a whole token:
// "0.73" must not match the start of "0.735" or the end of "10.73".
bool token_at(const std::string& line, size_t start, const std::string& value) {
  if (start > line.size() || line.compare(start, value.size(), value) != 0) {
    return false;
  }
  const size_t after = start + value.size();
  const bool ends = after >= line.size() || !is_token_char(static_cast<unsigned char>(line[after]));
  const bool begins = start == 0 || !is_token_char(static_cast<unsigned char>(line[start - 1]));
  return ends && begins;
}

// Whether the claimed value is on its line: at its column, or elsewhere on
// the line when an edit of another value on that line shifted it. An edit
// that leaves an equal value elsewhere on the line is caught by the token
// comparison of the whole line.
bool printed_on_line(const std::string& line, size_t column, const std::string& value) {
  if (column > 0 && token_at(line, column - 1, value)) {
    return true;
  }
  for (size_t at = line.find(value); at != std::string::npos; at = line.find(value, at + 1)) {
    if (token_at(line, at, value)) {
      return true;
    }
  }
  return false;
}

std::string describe_cell(const CellRef& cell) {
  return fmt::format("{} [{}] {}", cell.source,
                     cell.key.empty() ? "single row" : row_key_to_string(cell.key), cell.column);
}

// Whether every token that differs is the expected value of a claim that
// already failed on this line.
bool explained_by_claims(const std::vector<std::string>& expected,
                         const std::vector<std::string>& actual,
                         const std::set<std::string>& failed_values) {
  if (failed_values.empty() || expected.size() != actual.size()) {
    return false;
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    if (expected[i] != actual[i] && failed_values.count(expected[i]) == 0) {
      return false;
    }
  }
  return true;
}

void check_claims(const ReportInputs& inputs, const fs::path& report_dir,
                  std::map<std::string, std::vector<std::string>>& file_lines,
                  CheckResult& result,
                  std::map<std::pair<std::string, size_t>, std::set<std::string>>& failures) {
  const fs::path claims_path = report_dir / kClaimCheckFile;
  const std::string claims_name = std::string("report/") + kClaimCheckFile;
  if (!fs::exists(claims_path)) {
    result.mismatches.push_back({claims_name, 0, "missing; run `quant-autopsy report STUDY`"});
    return;
  }
  const auto claims = claims_from_csv(read_csv(claims_path), claims_path.string());

  for (const auto& claim : claims) {
    ++result.claims_checked;
    const std::string file = "report/" + claim.file;
    const auto cell = inputs.tables.find_cell(claim.cell.source, claim.cell.key, claim.cell.column);
    if (!cell) {
      result.mismatches.push_back(
          {file, claim.line,
           fmt::format("source cell {} not found (the report printed {})",
                       describe_cell(claim.cell), claim.value)});
      continue;
    }
    const auto expected = format_cell(*cell, claim.cell.format);
    const std::string expected_text = expected.value_or("(empty cell)");

    const auto lines = file_lines.find(claim.file);
    if (lines == file_lines.end()) {
      continue;  // the missing file is reported once by the caller
    }
    if (claim.line == 0 || claim.line > lines->second.size()) {
      result.mismatches.push_back(
          {file, claim.line,
           fmt::format("line not found; expected {} from {}", expected_text,
                       describe_cell(claim.cell))});
      continue;
    }
    const std::string& line = lines->second[claim.line - 1];
    if (!expected || !printed_on_line(line, claim.column, *expected)) {
      result.mismatches.push_back(
          {file, claim.line,
           fmt::format("expected {} from {}, found {}", expected_text, describe_cell(claim.cell),
                       text_at(line, claim.column))});
      failures[{file, claim.line}].insert(expected_text);
    }
  }
}

}  // namespace

std::string CheckMismatch::to_string() const {
  if (line == 0) {
    return fmt::format("{}: {}", file, message);
  }
  return fmt::format("{}:{}: {}", file, line, message);
}

ReportSummary write_report(const fs::path& study, const ReportOptions& options) {
  const ReportInputs inputs = load_report_inputs(study);
  if (const size_t removed = remove_stale_study_temp_files(study); removed > 0) {
    log_info("report: removed {} temporary files left by an interrupted run", removed);
  }
  const fs::path report_dir = inputs.layout.report_dir();
  const std::string fingerprint = analysis_fingerprint(inputs.layout);
  check_report_folder(report_dir, fingerprint, options.force);
  find_gnuplot();

  ReportSummary summary;
  summary.report_dir = report_dir;
  const fs::path plots_dir = report_dir / "plots";
  render_plots(inputs, plots_dir);

  const auto failures = collect_failure_sections(inputs);
  const auto documents = build_report_documents(inputs, failures);
  std::vector<Claim> claims;
  for (const auto& document : documents) {
    auto rendered = render_markdown(document);
    write_file_atomically(report_dir / document.file_name(), rendered.content);
    claims.insert(claims.end(), rendered.claims.begin(), rendered.claims.end());
    ++summary.files;
  }
  write_file_atomically(report_dir / kReportHtml, render_html(documents.front(), plots_dir));
  write_file_atomically(report_dir / kClaimCheckFile, claims_to_csv(claims));
  summary.files += 2;
  summary.claims = claims.size();

  const nlohmann::json stamp = {{"analysis_fingerprint", fingerprint},
                                {"tool_version", kToolVersion},
                                {"llama_cpp_commit", kLlamaCommit},
                                {"claims", claims.size()}};
  write_file_atomically(report_dir / kReportStampFile, stamp.dump(2) + "\n");
  ++summary.files;
  log_info("report: wrote {} files and {} claims to {}", summary.files, summary.claims,
           report_dir.string());
  return summary;
}

CheckResult check_report(const fs::path& study) {
  const ReportInputs inputs = load_report_inputs(study);
  const fs::path report_dir = inputs.layout.report_dir();
  CheckResult result;

  // Render again from the current inputs: the text each file must contain now.
  const auto documents = build_report_documents(inputs, collect_failure_sections(inputs));
  std::map<std::string, std::vector<std::string>> file_lines;
  for (const auto& document : documents) {
    const fs::path path = report_dir / document.file_name();
    if (!fs::exists(path)) {
      result.mismatches.push_back({"report/" + document.file_name(), 0,
                                   "missing; run `quant-autopsy report STUDY`"});
      continue;
    }
    file_lines[document.file_name()] = split_lines(read_file(path));
    ++result.files_checked;
  }

  // Expected values of the claims that failed, per line, so the token
  // comparison below does not report the same edit a second time.
  std::map<std::pair<std::string, size_t>, std::set<std::string>> claimed_failures;
  check_claims(inputs, report_dir, file_lines, result, claimed_failures);

  std::set<std::string> names(inputs.families.begin(), inputs.families.end());
  names.insert(inputs.rungs.begin(), inputs.rungs.end());
  for (const auto& document : documents) {
    const auto found = file_lines.find(document.file_name());
    if (found == file_lines.end()) {
      continue;
    }
    const std::string file = "report/" + document.file_name();
    const auto expected_lines = split_lines(render_markdown(document).content);
    const auto& actual_lines = found->second;
    if (expected_lines.size() != actual_lines.size()) {
      result.mismatches.push_back(
          {file, 0, fmt::format("has {} lines, the rendering from the current analysis has {}",
                                actual_lines.size(), expected_lines.size())});
    }
    const size_t common = std::min(expected_lines.size(), actual_lines.size());
    for (size_t i = 0; i < common; ++i) {
      ++result.lines_checked;
      const auto expected = tracked_tokens(expected_lines[i], names);
      const auto actual = tracked_tokens(actual_lines[i], names);
      if (expected == actual ||
          explained_by_claims(expected, actual, claimed_failures[{file, i + 1}])) {
        continue;
      }
      result.mismatches.push_back(
          {file, i + 1,
           fmt::format("numbers and names differ from the analysis: expected {}, found {}",
                       join_tokens(expected), join_tokens(actual))});
    }
  }

  // index.html contains the same text as REPORT.md plus the inlined plots, so
  // it must equal a fresh rendering byte for byte.
  const fs::path html_path = report_dir / kReportHtml;
  if (fs::exists(html_path)) {
    const auto expected = split_lines(render_html(documents.front(), report_dir / "plots"));
    const auto actual = split_lines(read_file(html_path));
    for (size_t i = 0; i < std::max(expected.size(), actual.size()); ++i) {
      if (i < expected.size() && i < actual.size() && expected[i] == actual[i]) {
        continue;
      }
      result.mismatches.push_back(
          {std::string("report/") + kReportHtml, i + 1,
           "differs from the rendering of the current analysis and plots"});
      break;
    }
    ++result.files_checked;
  }

  const fs::path index_path = report_dir / kResultsIndexFile;
  if (fs::exists(index_path)) {
    for (const auto& listed : parse_results_index(read_file(index_path))) {
      if (!fs::exists(study / listed)) {
        result.mismatches.push_back({listed, 0, std::string("listed in report/") +
                                                    kResultsIndexFile + " but missing"});
      }
    }
  }

  std::stable_sort(result.mismatches.begin(), result.mismatches.end(),
                   [](const CheckMismatch& x, const CheckMismatch& y) {
                     return std::tie(x.file, x.line) < std::tie(y.file, y.line);
                   });
  return result;
}

}  // namespace qa::report
