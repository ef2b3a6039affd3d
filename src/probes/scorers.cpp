#include "probes/scorers.h"

#include <optional>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace qa {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The first number in text: an optional '-' directly before a digit run,
// optionally followed by '.' and more digits. Returned without a trailing '.'.
std::optional<std::string> first_number(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (!is_digit(text[i])) {
      continue;
    }
    size_t start = i;
    if (start > 0 && text[start - 1] == '-') {
      --start;
    }
    size_t end = i;
    while (end < text.size() && is_digit(text[end])) {
      ++end;
    }
    if (end + 1 < text.size() && text[end] == '.' && is_digit(text[end + 1])) {
      ++end;
      while (end < text.size() && is_digit(text[end])) {
        ++end;
      }
    }
    return std::string(text.substr(start, end - start));
  }
  return std::nullopt;
}

// Canonical form of a decimal number string: no leading zeros in the integer
// part, no trailing zeros in the fraction, no "-0". Compared as strings, so
// no floating point rounding is involved.
std::string canonical_number(const std::string& number) {
  bool negative = !number.empty() && number[0] == '-';
  std::string digits = negative ? number.substr(1) : number;
  std::string integer = digits;
  std::string fraction;
  const size_t dot = digits.find('.');
  if (dot != std::string::npos) {
    integer = digits.substr(0, dot);
    fraction = digits.substr(dot + 1);
  }
  while (integer.size() > 1 && integer[0] == '0') {
    integer.erase(0, 1);
  }
  while (!fraction.empty() && fraction.back() == '0') {
    fraction.pop_back();
  }
  if (integer == "0" && fraction.empty()) {
    negative = false;
  }
  return (negative ? "-" : "") + integer + (fraction.empty() ? "" : "." + fraction);
}

// The first balanced {...} in text, honouring JSON string quoting.
std::optional<std::string_view> first_json_object(std::string_view text) {
  const size_t start = text.find('{');
  if (start == std::string_view::npos) {
    return std::nullopt;
  }
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      return text.substr(start, i - start + 1);
    }
  }
  return std::nullopt;
}

bool score_exact(std::string_view output, std::string_view answer) {
  return trim_whitespace(output) == trim_whitespace(answer);
}

bool score_number(std::string_view output, std::string_view answer) {
  const std::optional<std::string> expected = first_number(answer);
  if (!expected || trim_whitespace(answer) != *expected) {
    throw Error(fmt::format("number scorer: reference answer '{}' is not a number; fix the "
                            "battery item",
                            answer),
                kExitBadInput);
  }
  const std::optional<std::string> found = first_number(output);
  return found && canonical_number(*found) == canonical_number(*expected);
}

bool score_json_keys(std::string_view output, std::string_view answer) {
  const nlohmann::json expected = nlohmann::json::parse(answer, nullptr, false);
  if (expected.is_discarded() || !expected.is_object()) {
    throw Error(fmt::format("json_keys scorer: reference answer '{}' is not a JSON object; fix "
                            "the battery item",
                            answer),
                kExitBadInput);
  }
  const std::optional<std::string_view> object_text = first_json_object(output);
  if (!object_text) {
    return false;
  }
  const nlohmann::json found = nlohmann::json::parse(*object_text, nullptr, false);
  return !found.is_discarded() && found == expected;
}

}  // namespace

const std::vector<std::string>& scorer_names() {
  static const std::vector<std::string> names = {"exact", "number", "json_keys"};
  return names;
}

bool is_known_scorer(std::string_view scorer) {
  for (const auto& name : scorer_names()) {
    if (name == scorer) {
      return true;
    }
  }
  return false;
}

std::string_view trim_whitespace(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_space(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

bool score_output(std::string_view scorer, std::string_view output, std::string_view answer) {
  if (scorer == "exact") {
    return score_exact(output, answer);
  }
  if (scorer == "number") {
    return score_number(output, answer);
  }
  if (scorer == "json_keys") {
    return score_json_keys(output, answer);
  }
  throw Error(fmt::format("unknown scorer '{}'; known scorers: exact, number, json_keys", scorer),
              kExitBadInput);
}

}  // namespace qa
