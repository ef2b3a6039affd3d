#include "analysis/transfer_report.h"

#include "analysis/study_analysis.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "analysis/transfer_chart.h"
#include "common/csv.h"
#include "common/error.h"
#include "common/files.h"
#include "common/log.h"

namespace qa {

namespace {

const char* const kPairsFile = "transfer_pairs.csv";
const char* const kFamiliesFile = "transfer_families.csv";
const char* const kHeadlineFile = "headline.csv";
const char* const kMarkdownFile = "TRANSFER.md";
const char* const kHtmlFile = "TRANSFER.html";

const char* const kRankRule =
    "death rank: position of the death rung in the model's own ladder (highest precision "
    "first); a family that never dies ranks after every rung";
const char* const kPermutationRule =
    "permutation p: two-sided, (1 + #{|tau_perm| >= |tau_b|}) / (permutations + 1), the second "
    "model's ranks shuffled by Fisher-Yates driven by SplitMix64(seed)";
const char* const kJaccardRule =
    "jaccard: |degraded on both| / |degraded on either| over the families usable on both "
    "models; 1 when neither has a degraded family at that rung";
const char* const kSafeRule =
    "safe at a rung: no family usable on both models dies at that rung or at a "
    "higher-precision one";

std::string fixed(double value, int digits) {
  if (std::isnan(value)) {
    return "undefined";
  }
  return fmt::format("{:.{}f}", value, digits);
}

std::string optional_count(const std::optional<int>& count) {
  return count ? std::to_string(*count) : "";
}

std::string yes_no(const std::optional<bool>& value, const std::string& missing) {
  if (!value) {
    return missing;
  }
  return *value ? "yes" : "no";
}

std::string joined(const std::set<std::string>& items) {
  return fmt::format("{}", fmt::join(items, ";"));
}

// "held", "failed", or why the claim does not apply, for "safe on `from`".
std::string claim_outcome(const std::optional<bool>& safe_from, const std::optional<bool>& safe_to) {
  if (!safe_from) {
    return "rung not analysed";
  }
  if (!*safe_from) {
    return "no claim (not safe)";
  }
  if (!safe_to) {
    return "cannot check (rung not analysed on the other model)";
  }
  return *safe_to ? "held" : "failed";
}

// A document rendered both as Markdown and as HTML, so the two stay equal.
struct Block {
  enum class Kind { kHeading, kParagraph, kList, kTable, kHtmlOnly } kind;
  std::string text;                               // heading or paragraph text, or raw HTML
  std::vector<std::string> items;                 // list items or table header
  std::vector<std::vector<std::string>> rows;     // table rows
};

std::string escape_html(const std::string& text) {
  std::string escaped;
  for (char ch : text) {
    switch (ch) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      default:
        escaped += ch;
    }
  }
  return escaped;
}

std::string escape_markdown_cell(const std::string& text) {
  std::string escaped;
  for (char ch : text) {
    if (ch == '|') {
      escaped += "\\|";
    } else if (ch == '\n') {
      escaped += ' ';
    } else {
      escaped += ch;
    }
  }
  return escaped;
}

std::string render_markdown(const std::string& title, const std::vector<Block>& blocks) {
  std::string out = "# " + title + "\n\n";
  for (const auto& block : blocks) {
    switch (block.kind) {
      case Block::Kind::kHeading:
        out += "## " + block.text + "\n\n";
        break;
      case Block::Kind::kParagraph:
        out += block.text + "\n\n";
        break;
      case Block::Kind::kList:
        for (const auto& item : block.items) {
          out += "- " + item + "\n";
        }
        out += "\n";
        break;
      case Block::Kind::kTable: {
        std::vector<std::string> header;
        for (const auto& cell : block.items) {
          header.push_back(escape_markdown_cell(cell));
        }
        out += fmt::format("| {} |\n", fmt::join(header, " | "));
        out += "|";
        for (size_t i = 0; i < header.size(); ++i) {
          out += "---|";
        }
        out += "\n";
        for (const auto& row : block.rows) {
          std::vector<std::string> cells;
          for (const auto& cell : row) {
            cells.push_back(escape_markdown_cell(cell));
          }
          out += fmt::format("| {} |\n", fmt::join(cells, " | "));
        }
        out += "\n";
        break;
      }
      case Block::Kind::kHtmlOnly:
        break;
    }
  }
  return out;
}

std::string render_html(const std::string& title, const std::vector<Block>& blocks) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
      escape_html(title) +
      "</title>\n<style>\nbody{font-family:sans-serif;max-width:72em;margin:2em auto;"
      "padding:0 1em;color:#222}\ntable{border-collapse:collapse;margin:1em 0}\n"
      "th,td{border:1px solid #bbb;padding:0.3em 0.6em;text-align:left}\n"
      "th{background:#f2f2f2}\n.chart svg{max-width:100%;height:auto}\n</style>\n</head>\n<body>\n";
  out += "<h1>" + escape_html(title) + "</h1>\n";
  for (const auto& block : blocks) {
    switch (block.kind) {
      case Block::Kind::kHeading:
        out += "<h2>" + escape_html(block.text) + "</h2>\n";
        break;
      case Block::Kind::kParagraph:
        out += "<p>" + escape_html(block.text) + "</p>\n";
        break;
      case Block::Kind::kList:
        out += "<ul>\n";
        for (const auto& item : block.items) {
          out += "<li>" + escape_html(item) + "</li>\n";
        }
        out += "</ul>\n";
        break;
      case Block::Kind::kTable:
        out += "<table>\n<tr>";
        for (const auto& cell : block.items) {
          out += "<th>" + escape_html(cell) + "</th>";
        }
        out += "</tr>\n";
        for (const auto& row : block.rows) {
          out += "<tr>";
          for (const auto& cell : row) {
            out += "<td>" + escape_html(cell) + "</td>";
          }
          out += "</tr>\n";
        }
        out += "</table>\n";
        break;
      case Block::Kind::kHtmlOnly:
        out += block.text + "\n";
        break;
    }
  }
  out += "</body>\n</html>\n";
  return out;
}

Block heading(std::string text) { return {Block::Kind::kHeading, std::move(text), {}, {}}; }
Block paragraph(std::string text) { return {Block::Kind::kParagraph, std::move(text), {}, {}}; }
Block bullet_list(std::vector<std::string> items) {
  return {Block::Kind::kList, "", std::move(items), {}};
}
Block table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows) {
  return {Block::Kind::kTable, "", std::move(header), std::move(rows)};
}

std::string pair_name(const TransferResult& result, const PairTransfer& pair) {
  return fmt::format("{} vs {}", result.labels[pair.a], result.labels[pair.b]);
}

std::vector<std::string> caveats(const TransferResult& result) {
  std::vector<std::string> items;
  items.push_back(
      "Tokenizers usually differ between model families: the same prompt becomes different "
      "tokens, so only each model's paired flips against its own reference are compared, never "
      "raw accuracies or log-probabilities across models.");

  for (const auto& pair : result.pairs) {
    std::vector<std::string> only_one;
    for (const auto& row : result.families) {
      const bool usable_a = row.usable[pair.a].value_or(false);
      const bool usable_b = row.usable[pair.b].value_or(false);
      if (usable_a != usable_b) {
        only_one.push_back(fmt::format("{} (usable on {} only)", row.family,
                                       usable_a ? result.labels[pair.a] : result.labels[pair.b]));
      }
    }
    items.push_back(fmt::format(
        "Baselines, {}: {} families are usable on both and enter the comparison.{}",
        pair_name(result, pair), pair.common_families.size(),
        only_one.empty() ? std::string(" No family is usable on one model only.")
                         : fmt::format(" Excluded: {}.", fmt::join(only_one, ", "))));

    // Among k! equally likely orderings, the observed one and its reverse are
    // the only ones as extreme as a perfect tau-b, so p >= 2 / k! (more with ties).
    const size_t k = pair.common_families.size();
    if (k >= 2 && k <= 6) {
      double arrangements = 1;
      for (size_t i = 2; i <= k; ++i) {
        arrangements *= static_cast<double>(i);
      }
      items.push_back(fmt::format(
          "Sample size, {}: with {} families there are only {} orderings, so the smallest "
          "possible two-sided p value of tau-b is {:.4f} (larger with ties).",
          pair_name(result, pair), k, arrangements, 2.0 / arrangements));
    }
  }

  for (size_t i = 0; i < result.studies.size(); ++i) {
    const StudyAnalysis& study = result.studies[i];
    int smallest = std::numeric_limits<int>::max();
    int largest = 0;
    for (const auto& [family, baseline] : study.baselines) {
      if (baseline.usable) {
        smallest = std::min(smallest, baseline.n);
        largest = std::max(largest, baseline.n);
      }
    }
    if (largest > 0) {
      const std::string items_per_family =
          smallest == largest ? std::to_string(largest)
                              : fmt::format("{} to {}", smallest, largest);
      items.push_back(fmt::format(
          "Sample size, {}: {} items per usable family at calibration; a family that never "
          "dies may only have too few items to show a loss.",
          result.labels[i], items_per_family));
    }
    std::vector<std::string> not_analysed;
    for (const auto& rung : study.ladder_rungs) {
      if (std::find(study.analysed_rungs.begin(), study.analysed_rungs.end(), rung) ==
          study.analysed_rungs.end()) {
        not_analysed.push_back(rung);
      }
    }
    if (!not_analysed.empty()) {
      items.push_back(fmt::format(
          "Rungs, {}: {} are on the ladder but were not analysed (a targeted sweep), so a family "
          "whose death rung is the first analysed rung may have died earlier.",
          result.labels[i], fmt::join(not_analysed, ", ")));
    }
  }
  items.push_back(
      "Death ranks are positions in each model's own ladder; two ladders with different rungs "
      "are compared by order only.");
  return items;
}

std::vector<Block> document(const TransferResult& result) {
  std::vector<Block> blocks;

  std::vector<std::vector<std::string>> study_rows;
  for (size_t i = 0; i < result.studies.size(); ++i) {
    const StudyAnalysis& study = result.studies[i];
    study_rows.push_back({result.labels[i], study.root.string(),
                          std::to_string(study.usable_families().size()),
                          fmt::format("{}", fmt::join(study.analysed_rungs, ", "))});
  }
  blocks.push_back(paragraph(fmt::format("Battery hash: {}. Permutations: {}, seed {}, alpha {}.",
                                         result.battery_hash, result.options.permutations,
                                         result.options.seed, result.options.alpha)));
  blocks.push_back(table({"model", "study", "usable families", "rungs analysed"}, study_rows));

  blocks.push_back(heading("Verdict"));
  blocks.push_back(paragraph(fmt::format("Verdict: {}. Reason: {}.", verdict_text(result.verdict),
                                         result.verdict_reason)));
  blocks.push_back(paragraph(fmt::format(
      "Rule: a pair does not hold when a \"safe at Q4_K_M / Q3_K_M\" finding on one model fails "
      "on the other, or when the death orders are significantly reversed; it holds when no such "
      "finding fails and tau-b > 0 with permutation p < {}; it cannot be decided with fewer "
      "than {} families usable on both, with an undefined tau-b, or with p >= {}. Over several "
      "pairs: does not hold if any pair does not, holds if every pair holds.",
      result.options.alpha, result.options.min_common_families, result.options.alpha)));

  blocks.push_back(heading("Headline"));
  std::vector<std::vector<std::string>> headline_rows;
  for (const auto& row : result.headline) {
    headline_rows.push_back({row.model, std::to_string(row.usable_families),
                             optional_count(row.degraded[0]), optional_count(row.degraded[1]),
                             optional_count(row.degraded[2]), row.conclusion});
  }
  blocks.push_back(table({"model", "usable families", "degraded at Q4_K_M", "degraded at Q3_K_M",
                          "degraded at Q2_K", "conclusion"},
                         headline_rows));
  blocks.push_back(paragraph(std::string(analysis::kHeadlineRule) +
                             ". Counts are over each model's own usable families; an empty "
                             "count means the rung was not analysed."));

  blocks.push_back(heading("Does \"safe at Q4_K_M / Q3_K_M\" transfer?"));
  blocks.push_back(paragraph(std::string(kSafeRule) + "."));
  for (const auto& pair : result.pairs) {
    const std::string& a = result.labels[pair.a];
    const std::string& b = result.labels[pair.b];
    std::vector<std::vector<std::string>> rows;
    for (const auto& claim : pair.safe_claims) {
      rows.push_back({claim.rung, yes_no(claim.safe_a, "not analysed"),
                      yes_no(claim.safe_b, "not analysed"),
                      claim_outcome(claim.safe_a, claim.safe_b),
                      claim_outcome(claim.safe_b, claim.safe_a)});
    }
    blocks.push_back(table({"rung", "safe on " + a, "safe on " + b,
                            "\"safe on " + a + "\" on " + b, "\"safe on " + b + "\" on " + a},
                           rows));
  }

  blocks.push_back(heading("Death-order agreement"));
  blocks.push_back(paragraph(std::string(kRankRule) + ". " + kPermutationRule + ". " +
                             kJaccardRule + "."));
  std::vector<std::vector<std::string>> pair_rows;
  for (const auto& pair : result.pairs) {
    pair_rows.push_back({pair_name(result, pair), std::to_string(pair.common_families.size()),
                         fixed(pair.kendall.tau_b, 3), fixed(pair.kendall.p_value, 4),
                         verdict_text(pair.verdict)});
  }
  blocks.push_back(
      table({"pair", "families usable on both", "Kendall tau-b", "permutation p", "verdict"},
            pair_rows));
  for (const auto& pair : result.pairs) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& rung : pair.rungs) {
      rows.push_back({rung.rung, joined(rung.degraded_a), joined(rung.degraded_b),
                      fixed(rung.jaccard, 3)});
    }
    blocks.push_back(paragraph("Degraded families at each rung analysed on both, " +
                               pair_name(result, pair) + ":"));
    blocks.push_back(table({"rung", "degraded on " + result.labels[pair.a],
                            "degraded on " + result.labels[pair.b], "Jaccard"},
                           rows));
  }

  blocks.push_back(heading("Per-family agreement"));
  std::vector<std::string> family_header = {"family"};
  for (const auto& label : result.labels) {
    family_header.push_back("death rung on " + label);
  }
  family_header.push_back("agree");
  std::vector<std::vector<std::string>> family_rows;
  for (const auto& row : result.families) {
    std::vector<std::string> cells = {row.family};
    for (size_t i = 0; i < row.death_rung.size(); ++i) {
      cells.push_back(row.death_rung[i].empty() ? "(no usable baseline)" : row.death_rung[i]);
    }
    cells.push_back(row.agreement);
    family_rows.push_back(cells);
  }
  blocks.push_back(table(family_header, family_rows));

  blocks.push_back(heading("Caveats"));
  blocks.push_back(bullet_list(caveats(result)));
  return blocks;
}

}  // namespace

std::string transfer_pairs_csv(const TransferResult& result) {
  CsvWriter writer({"model_a", "model_b", "common_families", "families", "kendall_tau_b",
                    "permutation_p", "permutations", "seed", "rung", "degraded_a", "degraded_b",
                    "degraded_both", "jaccard", "degraded_families_a", "degraded_families_b",
                    "verdict"});
  writer.add_comment("battery_hash=" + result.battery_hash);
  writer.add_comment(
      "one row per pair of models and rung analysed on both; the pair's columns repeat on each "
      "of its rows (rung is empty when no rung was analysed on both)");
  writer.add_comment(kRankRule);
  writer.add_comment(kPermutationRule);
  writer.add_comment(
      "kendall_tau_b and permutation_p are nan when tau-b is undefined (every family has the "
      "same death rank on one model)");
  writer.add_comment(kJaccardRule);

  for (const auto& pair : result.pairs) {
    const std::vector<std::string> pair_fields = {
        result.labels[pair.a],
        result.labels[pair.b],
        std::to_string(pair.common_families.size()),
        fmt::format("{}", fmt::join(pair.common_families, ";")),
        format_double(pair.kendall.tau_b),
        format_double(pair.kendall.p_value),
        std::to_string(pair.kendall.permutations),
        std::to_string(pair.kendall.seed)};
    std::vector<RungAgreement> rungs = pair.rungs;
    if (rungs.empty()) {
      rungs.push_back({"", {}, {}, std::numeric_limits<double>::quiet_NaN()});
    }
    for (const auto& rung : rungs) {
      std::set<std::string> both;
      std::set_intersection(rung.degraded_a.begin(), rung.degraded_a.end(),
                            rung.degraded_b.begin(), rung.degraded_b.end(),
                            std::inserter(both, both.begin()));
      std::vector<std::string> fields = pair_fields;
      fields.push_back(rung.rung);
      fields.push_back(std::to_string(rung.degraded_a.size()));
      fields.push_back(std::to_string(rung.degraded_b.size()));
      fields.push_back(std::to_string(both.size()));
      fields.push_back(format_double(rung.jaccard));
      fields.push_back(joined(rung.degraded_a));
      fields.push_back(joined(rung.degraded_b));
      fields.push_back(verdict_text(pair.verdict));
      writer.add_row(fields);
    }
  }
  return writer.str();
}

std::string transfer_families_csv(const TransferResult& result) {
  std::vector<std::string> header = {"family"};
  for (const auto& label : result.labels) {
    header.push_back(label + "_usable");
    header.push_back(label + "_death_rung");
  }
  header.push_back("agreement");
  CsvWriter writer(header);
  writer.add_comment("battery_hash=" + result.battery_hash);
  writer.add_comment(
      "MODEL_usable: calibration verdict (empty when the family is not in that study); "
      "MODEL_death_rung: rung, 'survives', or empty without a usable baseline; agreement: yes "
      "when the death rung is the same on every model");

  for (const auto& row : result.families) {
    std::vector<std::string> fields = {row.family};
    for (size_t i = 0; i < result.labels.size(); ++i) {
      std::string usable;  // empty: the family is not in that study's calibration.csv
      if (row.usable[i]) {
        usable = *row.usable[i] ? "true" : "false";
      }
      fields.push_back(usable);
      fields.push_back(row.death_rung[i]);
    }
    fields.push_back(row.agreement);
    writer.add_row(fields);
  }
  return writer.str();
}

std::string transfer_headline_csv(const TransferResult& result) {
  CsvWriter writer({"model", "study", "usable_families", "q4_degraded", "q3_degraded",
                    "q2_degraded", "conclusion"});
  writer.add_comment("battery_hash=" + result.battery_hash);
  writer.add_comment(
      "qN_degraded: families with a usable baseline marked degraded at Q4_K_M, Q3_K_M, Q2_K "
      "(empty when the rung was not analysed)");
  writer.add_comment(analysis::kHeadlineRule);
  for (size_t i = 0; i < result.headline.size(); ++i) {
    const HeadlineRow& row = result.headline[i];
    writer.add_row({row.model, result.studies[i].root.string(),
                    std::to_string(row.usable_families), optional_count(row.degraded[0]),
                    optional_count(row.degraded[1]), optional_count(row.degraded[2]),
                    row.conclusion});
  }
  return writer.str();
}

std::string transfer_markdown(const TransferResult& result) {
  return render_markdown("Cross-model transfer", document(result));
}

std::string transfer_html(const TransferResult& result, const std::string& chart_svg) {
  std::vector<Block> blocks = document(result);
  const auto agreement = std::find_if(blocks.begin(), blocks.end(), [](const Block& block) {
    return block.kind == Block::Kind::kHeading && block.text == "Per-family agreement";
  });
  std::vector<Block> chart = {
      heading("Death order side by side"),
      paragraph("Families usable on every model, in the first model's death order. Each bar "
                "ends at the family's death rung on that model's ladder."),
      {Block::Kind::kHtmlOnly, "<div class=\"chart\">\n" + chart_svg + "\n</div>", {}, {}}};
  blocks.insert(agreement, chart.begin(), chart.end());
  return render_html("Cross-model transfer", blocks);
}

TransferResult run_transfer(const std::vector<fs::path>& study_paths, const fs::path& out_dir,
                            const TransferOptions& options, bool force) {
  const std::vector<std::string> outputs = {kPairsFile, kFamiliesFile, kHeadlineFile,
                                            kMarkdownFile, kHtmlFile};
  if (!force) {
    for (const auto& name : outputs) {
      if (fs::exists(out_dir / name)) {
        throw Error(fmt::format("{} already exists: pass --force to replace the transfer "
                                "outputs in {}",
                                (out_dir / name).string(), out_dir.string()));
      }
    }
  }

  std::vector<StudyAnalysis> studies;
  for (const auto& path : study_paths) {
    log_info("transfer: reading {}", path.string());
    studies.push_back(load_study_analysis(path));
  }
  TransferResult result = compute_transfer(std::move(studies), options);

  // Everything is rendered before the first file is written.
  const std::vector<std::string> contents = {
      transfer_pairs_csv(result), transfer_families_csv(result), transfer_headline_csv(result),
      transfer_markdown(result), transfer_html(result, render_death_order_chart_svg(result))};
  for (size_t i = 0; i < outputs.size(); ++i) {
    write_file_atomically(out_dir / outputs[i], contents[i]);
  }
  log_info("transfer: wrote {} ({})", out_dir.string(), verdict_text(result.verdict));
  return result;
}

}  // namespace qa
