#include "report/report_content.h"

#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "common/error.h"
#include "common/log.h"
#include "report/plots.h"

namespace qa::report {

namespace {

constexpr const char* kDash = "–";
// Prompts carry k-shot examples; the report shows only their last lines.
constexpr size_t kPromptTailBytes = 600;

Span lit(const std::string& text) { return Span{text, std::nullopt, ""}; }

// Quotes table cells as spans that remember their cell; a missing or empty
// cell prints a dash and registers no claim.
class Quoter {
 public:
  explicit Quoter(const SourceTables& tables) : tables_(tables) {}

  Span operator()(const std::string& source, const RowKey& key, const std::string& column,
                  ValueFormat format = ValueFormat::kText) const {
    const auto cell = tables_.find_cell(source, key, column);
    if (!cell) {
      return lit(kDash);
    }
    const auto printed = format_cell(*cell, format);
    if (!printed) {
      return lit(kDash);
    }
    return Span{*printed, CellRef{source, key, column, format}, *cell};
  }

  Text text(const std::string& source, const RowKey& key, const std::string& column,
            ValueFormat format = ValueFormat::kText) const {
    return Text{(*this)(source, key, column, format)};
  }

  bool has(const std::string& source, const RowKey& key, const std::string& column) const {
    const auto cell = tables_.find_cell(source, key, column);
    return cell && !cell->empty();
  }

 private:
  const SourceTables& tables_;
};

bool is_true_cell(const std::optional<std::string>& cell) {
  return cell && (*cell == "true" || *cell == "1" || *cell == "yes");
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    out += (i == 0 ? "" : separator) + parts[i];
  }
  return out;
}

size_t ladder_index(const ReportInputs& inputs, const std::string& rung) {
  const auto found = std::find(inputs.ladder_rungs.begin(), inputs.ladder_rungs.end(), rung);
  return static_cast<size_t>(found - inputs.ladder_rungs.begin());
}

// Families that calibration.csv or settings.json marks as not usable, with
// the reason settings.json gives.
std::vector<std::string> excluded_families(const ReportInputs& inputs) {
  std::vector<std::string> families;
  const std::string prefix = "excluded_families.";
  for (const auto& column : inputs.tables.table(kSettingsJson).header) {
    if (column.rfind(prefix, 0) == 0) {
      families.push_back(column.substr(prefix.size()));
    }
  }
  return families;
}

// Indexes 0, 1, ... of settings.json's noise_floor array.
std::vector<std::string> noise_floor_indexes(const ReportInputs& inputs) {
  std::vector<std::string> indexes;
  for (size_t i = 0;; ++i) {
    const std::string column = fmt::format("noise_floor.{}.rung", i);
    if (!inputs.tables.find_cell(kSettingsJson, {}, column)) {
      break;
    }
    indexes.push_back(std::to_string(i));
  }
  return indexes;
}

Text noise_floor_text(const Quoter& quote, const std::string& index) {
  const std::string prefix = "noise_floor." + index + ".";
  return Text{quote(kSettingsJson, {}, prefix + "rung"),
              lit(": "),
              quote(kSettingsJson, {}, prefix + "flips", ValueFormat::kInteger),
              lit(" of "),
              quote(kSettingsJson, {}, prefix + "n", ValueFormat::kInteger),
              lit(" items flipped (flip rate "),
              quote(kSettingsJson, {}, prefix + "flip_rate", ValueFormat::kPercent1),
              lit(")")};
}

std::vector<Text> limitation_items(const ReportInputs& inputs, const Quoter& quote) {
  std::vector<Text> items;
  items.push_back(plain(
      "The probe battery measures narrow, generated capabilities. A family that survives here "
      "can still degrade on other prompts, other tasks or longer contexts."));
  items.push_back(Text{
      lit("A family without a significant loss is not shown to be lossless: the verdict needs a "
          "Holm-adjusted p below α = "),
      quote(kSettingsJson, {}, "alpha"),
      lit(" and a net loss of at least δ = "),
      quote(kSettingsJson, {}, "delta"),
      lit(", so smaller losses, or losses on few items, go undetected.")});
  const auto noise = noise_floor_indexes(inputs);
  if (noise.empty()) {
    items.push_back(plain(
        "This study has no noise-floor rung (the reference evaluated twice, or F16 against an "
        "F32 or BF16 input), so the flips that evaluation settings alone cause are not measured."));
  } else {
    for (const auto& index : noise) {
      Text text = plain("Flips also happen without quantization, noise floor ");
      for (auto& span : noise_floor_text(quote, index)) {
        text.push_back(std::move(span));
      }
      text.push_back(lit(". Losses near this rate are not evidence of damage."));
      items.push_back(std::move(text));
    }
  }
  items.push_back(plain(
      "Results hold for this model file, this llama.cpp build, greedy decoding and the prompt "
      "format of this study. Other settings change logits and can move single items."));
  items.push_back(plain(
      "Only families with a usable reference baseline enter the death order; excluded families "
      "say nothing about quantization."));
  for (const auto& family : excluded_families(inputs)) {
    items.push_back(Text{lit("Excluded family " + family + ": "),
                         quote(kSettingsJson, {}, "excluded_families." + family)});
  }
  return items;
}

std::string prompt_tail(const std::string& prompt) {
  if (prompt.size() <= kPromptTailBytes) {
    return prompt;
  }
  // Cut at a line start, so no UTF-8 sequence or example is split.
  size_t cut = prompt.find('\n', prompt.size() - kPromptTailBytes);
  if (cut == std::string::npos || cut + 1 >= prompt.size()) {
    cut = prompt.rfind('\n', prompt.size() - 2);
  }
  if (cut == std::string::npos) {
    return prompt;
  }
  return "[... earlier lines of the prompt omitted ...]\n" + prompt.substr(cut + 1);
}

class ReportBuilder {
 public:
  ReportBuilder(const ReportInputs& inputs, const std::vector<FailureSection>& failures)
      : inputs_(inputs), failures_(failures), quote_(inputs.tables), deaths_(read_deaths(inputs)) {}

  std::vector<Document> build() {
    std::vector<Document> documents;
    documents.push_back(report());
    documents.push_back(abstract());
    documents.push_back(claims_and_caveats());
    documents.push_back(reproducibility());
    documents.push_back(limitations());
    documents.push_back(results_index());
    return documents;
  }

 private:
  const std::string& model() const { return inputs_.model; }

  std::string study_argument() const { return "STUDY"; }

  std::vector<const FamilyDeathRow*> dying() const {
    std::vector<const FamilyDeathRow*> rows;
    for (const auto& death : deaths_) {
      if (!death.death_rung.empty()) {
        rows.push_back(&death);
      }
    }
    return rows;
  }

  // The ladder index of the highest-precision death, or nullopt when no
  // usable family dies.
  std::optional<size_t> earliest_death() const {
    std::optional<size_t> earliest;
    for (const auto* death : dying()) {
      const size_t index = ladder_index(inputs_, death->death_rung);
      if (!earliest || index < *earliest) {
        earliest = index;
      }
    }
    return earliest;
  }

  Span death_rung_span(const std::string& family) const {
    return quote_(kDeathOrderCsv, {{"family", family}}, "death_rung");
  }

  // "safe to ship down to R" for the families in the death order.
  void recommendation(Document& doc) const {
    if (deaths_.empty()) {
      doc.paragraph(plain("No family has a usable reference baseline, so this study supports no "
                          "recommendation. The calibration table shows why; change the levels or "
                          "the battery and rerun."));
      return;
    }
    const std::string lowest = inputs_.ladder_rungs.empty() ? kDash : inputs_.ladder_rungs.back();
    const auto earliest = earliest_death();
    if (!earliest) {
      doc.paragraph(plain("For every usable family this model is safe to ship down to " + lowest +
                          ", the lowest rung tested: no family is degraded at any rung. Per "
                          "family:"));
    } else if (*earliest == 0 || *earliest >= inputs_.ladder_rungs.size()) {
      doc.paragraph(plain("No quantized rung of this model is safe for every usable family: "
                          "at least one family is already degraded at " +
                          inputs_.ladder_rungs.front() + ", the highest-precision rung tested. "
                          "Per family:"));
    } else {
      doc.paragraph(plain("For every usable family this model is safe to ship down to " +
                          inputs_.ladder_rungs[*earliest - 1] + ". Per family:"));
    }

    std::vector<Text> items;
    for (const auto& death : deaths_) {
      if (death.death_rung.empty()) {
        items.push_back(plain(death.family + ": no degradation down to " + lowest + "."));
        continue;
      }
      const size_t index = ladder_index(inputs_, death.death_rung);
      Text item{lit(death.family + ": dies at "), death_rung_span(death.family),
                lit(death.persistent ? " and stays degraded at every lower rung"
                                     : " but recovers at a lower rung (transient)")};
      item.push_back(lit(index > 0 && index < inputs_.ladder_rungs.size()
                             ? "; safe down to " + inputs_.ladder_rungs[index - 1] + "."
                             : "; no quantized rung is safe for it."));
      items.push_back(std::move(item));
    }
    doc.bullets(std::move(items));
    doc.paragraph(Text{lit("A death needs a Holm-adjusted exact McNemar p below α = "),
                       quote_(kSettingsJson, {}, "alpha"),
                       lit(", more losses than gains, and a net loss of at least δ = "),
                       quote_(kSettingsJson, {}, "delta"),
                       lit(". Families outside the death order had no usable baseline.")});
  }

  void headline(Document& doc) const {
    const RowKey key = {{"model", model()}};
    doc.table({plain("model"), plain("degraded at Q4_K_M"), plain("degraded at Q3_K_M"),
               plain("degraded at Q2_K"), plain("conclusion")},
              {{quote_.text(kHeadlineCsv, key, "model"),
                quote_.text(kHeadlineCsv, key, "q4_degraded", ValueFormat::kInteger),
                quote_.text(kHeadlineCsv, key, "q3_degraded", ValueFormat::kInteger),
                quote_.text(kHeadlineCsv, key, "q2_degraded", ValueFormat::kInteger),
                quote_.text(kHeadlineCsv, key, "conclusion")}});
    std::vector<Text> notes;
    for (const auto& comment : inputs_.tables.table(kHeadlineCsv).comments) {
      notes.push_back(plain(comment));
    }
    if (!notes.empty()) {
      doc.paragraph(plain("Notes from headline.csv:"));
      doc.bullets(std::move(notes));
    }
  }

  void setup(Document& doc) const {
    std::vector<Text> items;
    const std::string first_family = inputs_.families.empty() ? "" : inputs_.families.front();
    items.push_back(Text{lit("Model: "), quote_(kSummaryCsv,
                                                {{"rung", kReferenceRung}, {"family", first_family}},
                                                "model")});
    if (inputs_.ladder) {
      const RowKey reference = {{"name", kReferenceRung}};
      const std::string& file_type = inputs_.ladder->reference.file_type;
      items.push_back(Text{lit("Reference file: "), quote_(kLadderManifestJson, reference, "file"),
                           lit(" (" + (file_type.empty() ? "" : file_type + ", ")),
                           quote_(kLadderManifestJson, reference, "size_bytes",
                                  ValueFormat::kMebibytes),
                           lit(" MiB, "),
                           quote_(kLadderManifestJson, reference, "bits_per_weight",
                                  ValueFormat::kFixed2),
                           lit(" bits per weight)")});
      items.push_back(Text{lit("Reference sha256: "),
                           quote_(kLadderManifestJson, reference, "sha256")});
      items.push_back(plain("llama.cpp commit of the ladder: " + inputs_.ladder->llama_cpp_commit));
    }

    items.push_back(plain(std::string("Report written by quant-autopsy ") + kToolVersion +
                          " built against llama.cpp " + kLlamaCommit));
    items.push_back(Text{lit("Battery hash: "), quote_(kSettingsJson, {}, "battery_hash")});
    items.push_back(Text{lit("α (significance level, Holm-adjusted): "),
                         quote_(kSettingsJson, {}, "alpha")});
    items.push_back(Text{lit("δ (minimum net loss of a degraded rung): "),
                         quote_(kSettingsJson, {}, "delta")});
    items.push_back(Text{lit("Bootstrap resamples: "),
                         quote_(kSettingsJson, {}, "bootstrap_resamples", ValueFormat::kInteger),
                         lit(", seed "), quote_(kSettingsJson, {}, "seed")});
    if (quote_.has(kSettingsJson, {}, "holm_family_size")) {
      items.push_back(Text{lit("Tests in the Holm correction: "),
                           quote_(kSettingsJson, {}, "holm_family_size", ValueFormat::kInteger)});
    }

    if (inputs_.tables.has(kStoreRunSource)) {
      const RowKey run = {};
      items.push_back(Text{lit("Evaluation: threads "), quote_(kStoreRunSource, run, "threads"),
                           lit(", n_ctx "), quote_(kStoreRunSource, run, "n_ctx"),
                           lit(", n_batch "), quote_(kStoreRunSource, run, "n_batch"),
                           lit(", n_ubatch "), quote_(kStoreRunSource, run, "n_ubatch"),
                           lit(", n_parallel "), quote_(kStoreRunSource, run, "n_parallel"),
                           lit(", prompt format "), quote_(kStoreRunSource, run, "prompt_format")});
    }

    const auto noise = noise_floor_indexes(inputs_);
    if (noise.empty()) {
      items.push_back(plain("Noise floor: not measured (no reference-rerun or F16 rung)."));
    }
    for (const auto& index : noise) {
      Text text = plain("Noise floor: ");
      for (auto& span : noise_floor_text(quote_, index)) {
        text.push_back(std::move(span));
      }
      items.push_back(std::move(text));
    }
    doc.bullets(std::move(items));
    if (quote_.has(kSettingsJson, {}, "death_definition")) {
      doc.paragraph(Text{lit("Death definition: "),
                         quote_(kSettingsJson, {}, "death_definition")});
    }
  }

  void ladder(Document& doc) const {
    if (!inputs_.ladder) {
      doc.paragraph(plain("ladder/manifest.json not found: the rung sizes and fallbacks are "
                          "unknown. Run `quant-autopsy ladder` to record them."));
      return;
    }
    std::vector<std::vector<Text>> rows;
    for (const auto& name : column_values(inputs_.tables.table(kLadderManifestJson), "name")) {
      const RowKey key = {{"name", name}};
      rows.push_back({quote_.text(kLadderManifestJson, key, "name"),
                      quote_.text(kLadderManifestJson, key, "size_bytes", ValueFormat::kMebibytes),
                      quote_.text(kLadderManifestJson, key, "bits_per_weight", ValueFormat::kFixed2),
                      quote_.text(kLadderManifestJson, key, "n_fallback", ValueFormat::kInteger),
                      quote_.text(kLadderManifestJson, key, "identical_to"),
                      quote_.text(kLadderManifestJson, key, "status")});
    }
    doc.table({plain("rung"), plain("size (MiB)"), plain("bits per weight"),
               plain("fallback tensors"), plain("identical to"), plain("status")},
              std::move(rows));
    for (const auto& rung : inputs_.ladder->rungs) {
      if (rung.fallbacks.empty()) {
        continue;
      }
      std::map<std::string, int> kinds;
      for (const auto& fallback : rung.fallbacks) {
        ++kinds[fallback.requested_type + " -> " + fallback.actual_type];
      }
      std::vector<std::string> parts;
      for (const auto& [kind, count] : kinds) {
        parts.push_back(fmt::format("{} ({} tensor{})", kind, count, count == 1 ? "" : "s"));
      }
      doc.paragraph(plain("Fallbacks in " + rung.name + ": " + join(parts, ", ") + "."));
    }
  }

  void calibration(Document& doc) const {
    const CsvTable& table = inputs_.tables.table(kCalibrationCsv);
    const auto families = column_values(table, "family");
    const auto levels = column_values(table, "level");
    std::vector<std::vector<Text>> rows;
    for (size_t i = 0; i < families.size(); ++i) {
      const RowKey key = {{"family", families[i]}, {"level", levels.at(i)}};
      rows.push_back({quote_.text(kCalibrationCsv, key, "family"),
                      quote_.text(kCalibrationCsv, key, "level"),
                      quote_.text(kCalibrationCsv, key, "n", ValueFormat::kInteger),
                      quote_.text(kCalibrationCsv, key, "accuracy", ValueFormat::kFixed3),
                      quote_.text(kCalibrationCsv, key, "usable"),
                      quote_.text(kCalibrationCsv, key, "reason")});
    }
    doc.table({plain("family"), plain("level"), plain("items"), plain("reference accuracy"),
               plain("usable"), plain("reason")},
              std::move(rows));
    doc.figure("baseline_calibration", plain(caption("baseline_calibration")));
  }

  void accuracy_grid(Document& doc) const {
    std::vector<Text> header{plain("family"), plain("items")};
    for (const auto& rung : inputs_.rungs) {
      header.push_back(plain(rung));
    }
    std::vector<std::vector<Text>> rows;
    for (const auto& family : inputs_.families) {
      std::vector<Text> row{plain(family),
                            quote_.text(kSummaryCsv, {{"family", family}, {"rung", kReferenceRung}},
                                        "n", ValueFormat::kInteger)};
      for (const auto& rung : inputs_.rungs) {
        row.push_back(quote_.text(kSummaryCsv, {{"family", family}, {"rung", rung}}, "accuracy",
                                  ValueFormat::kFixed3));
      }
      rows.push_back(std::move(row));
    }
    doc.paragraph(plain("Accuracy (fraction of items correct) per family and rung; summary.csv "
                        "also gives each cell's Wilson 95% interval."));
    doc.table(std::move(header), std::move(rows));
    doc.figure("accuracy_grid", plain(caption("accuracy_grid")));
    doc.figure("retention_curves", plain(caption("retention_curves")));
  }

  void paired(Document& doc) const {
    std::vector<std::vector<Text>> rows;
    for (const auto& family : inputs_.families) {
      for (const auto& rung : inputs_.rungs) {
        const RowKey key = {{"family", family}, {"rung", rung}};
        if (rung == kReferenceRung || !quote_.has(kFlipTableCsv, key, "n")) {
          continue;
        }
        rows.push_back({plain(family), plain(rung),
                        quote_.text(kFlipTableCsv, key, "n", ValueFormat::kInteger),
                        quote_.text(kFlipTableCsv, key, "ref_correct_quant_wrong",
                                    ValueFormat::kInteger),
                        quote_.text(kFlipTableCsv, key, "ref_wrong_quant_correct",
                                    ValueFormat::kInteger),
                        quote_.text(kFlipTableCsv, key, "net_loss", ValueFormat::kFixed3),
                        quote_.text(kFlipTableCsv, key, "retention", ValueFormat::kFixed3),
                        quote_.text(kSignificanceCsv, key, "p_value", ValueFormat::kPValue),
                        quote_.text(kSignificanceCsv, key, "p_holm", ValueFormat::kPValue),
                        quote_.text(kSignificanceCsv, key, "degraded")});
      }
    }
    doc.paragraph(plain("Per item, each rung is paired with the reference: lost (b) = reference "
                        "correct and rung wrong, gained (c) = reference wrong and rung correct. "
                        "Net loss = (b - c) / n; retention = share of reference-correct items "
                        "still correct. p is the exact two-sided McNemar test; Holm adjusts it "
                        "over all (family, rung) tests of the model. Noise-floor rungs are tested "
                        "but left out of the correction and the verdict."));
    doc.table({plain("family"), plain("rung"), plain("items"), plain("lost (b)"),
               plain("gained (c)"), plain("net loss"), plain("retention"), plain("p"),
               plain("p (Holm)"), plain("degraded")},
              std::move(rows));
    doc.figure("net_loss_heatmap", plain(caption("net_loss_heatmap")));
  }

  void death_order(Document& doc) const {
    std::vector<std::vector<Text>> rows;
    for (const auto& death : deaths_) {
      const RowKey key = {{"family", death.family}};
      rows.push_back({quote_.text(kDeathOrderCsv, key, "rank", ValueFormat::kInteger),
                      quote_.text(kDeathOrderCsv, key, "family"),
                      quote_.text(kDeathOrderCsv, key, "death_rung"),
                      quote_.text(kDeathOrderCsv, key, "death_bits_per_weight",
                                  ValueFormat::kFixed2),
                      quote_.text(kDeathOrderCsv, key, "persistent"),
                      quote_.text(kPersistenceCsv, key, "degraded_rungs"),
                      quote_.text(kPersistenceCsv, key, "recovered_rungs")});
    }
    doc.paragraph(plain("The death rung of a family is the highest-precision rung at which it is "
                        "degraded; the death is persistent when every lower rung is degraded "
                        "too. Families that never die rank last."));
    doc.table({plain("rank"), plain("family"), plain("death rung"),
               plain("bits per weight"), plain("persistent"), plain("degraded rungs"),
               plain("recovered rungs")},
              std::move(rows));
    const auto excluded = excluded_families(inputs_);
    if (!excluded.empty()) {
      std::vector<Text> items;
      for (const auto& family : excluded) {
        items.push_back(Text{lit(family + ": "),
                             quote_(kSettingsJson, {}, "excluded_families." + family)});
      }
      doc.paragraph(plain("Not in the death order (no usable reference baseline):"));
      doc.bullets(std::move(items));
    }
    doc.figure("death_persistence", plain(caption("death_persistence")));
  }

  void fragility(Document& doc) const {
    const CsvTable& table = inputs_.tables.table(kFragilityCsv);
    const auto families = column_values(table, "family");
    if (!families.empty()) {
      doc.paragraph(Text{lit("Formula: "),
                         quote_(kFragilityCsv, {{"family", families.front()}}, "formula")});
    }
    std::vector<std::pair<double, std::string>> order;
    const auto values = column_values(table, "fragility");
    for (size_t i = 0; i < families.size(); ++i) {
      double value = 0;
      try {
        value = std::stod(values[i]);
      } catch (const std::exception&) {
        value = -1e300;  // unparsable cells sort last
      }
      order.emplace_back(value, families[i]);
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& x, const auto& y) { return x.first > y.first; });
    std::vector<std::vector<Text>> rows;
    for (const auto& [value, family] : order) {
      const RowKey key = {{"family", family}};
      rows.push_back({quote_.text(kFragilityCsv, key, "family"),
                      quote_.text(kFragilityCsv, key, "fragility", ValueFormat::kFixed3),
                      quote_.text(kFragilityCsv, key, "death_bits_per_weight",
                                  ValueFormat::kFixed2)});
    }
    doc.table({plain("family"), plain("fragility index"), plain("death bits per weight")},
              std::move(rows));
    doc.figure("fragility", plain(caption("fragility")));
  }

  void margins(Document& doc) const {
    const CsvTable& table = inputs_.tables.table(kMarginCsv);
    const auto families = column_values(table, "family");
    const auto rungs = column_values(table, "rung");
    const auto bins = column_values(table, "margin_bin");
    std::vector<std::vector<Text>> rows;
    for (const auto* death : dying()) {
      for (size_t i = 0; i < families.size(); ++i) {
        if (families[i] != death->family || rungs[i] != death->death_rung) {
          continue;
        }
        const RowKey key = {{"family", families[i]}, {"rung", rungs[i]}, {"margin_bin", bins[i]}};
        rows.push_back({plain(families[i]), plain(rungs[i]), plain(bins[i]),
                        quote_.text(kMarginCsv, key, "n", ValueFormat::kInteger),
                        quote_.text(kMarginCsv, key, "losses", ValueFormat::kInteger),
                        quote_.text(kMarginCsv, key, "gains", ValueFormat::kInteger)});
      }
    }
    if (rows.empty()) {
      doc.paragraph(plain("No family dies, so no split is shown here; flips_by_margin.csv holds "
                          "the split for every family and rung."));
      return;
    }
    doc.paragraph(plain("Flips at each dying family's death rung, split by how confident the "
                        "reference was (Q1 least confident). Losses concentrated in Q1 suggest "
                        "items the reference barely knew; losses in Q4 are confident knowledge "
                        "lost."));
    doc.table({plain("family"), plain("rung"), plain("confidence bin"), plain("items"),
               plain("losses"), plain("gains")},
              std::move(rows));
  }

  void sampled_failures(Document& doc) const {
    if (failures_.empty()) {
      doc.paragraph(plain("No family dies, so no failures are sampled."));
      return;
    }
    for (const auto& section : failures_) {
      doc.heading(3, plain(section.family + " at " + section.rung));
      const RowKey key = {{"family", section.family}, {"rung", section.rung}};
      doc.paragraph(Text{
          quote_(kFlipTableCsv, key, "ref_correct_quant_wrong", ValueFormat::kInteger),
          lit(" of "), quote_(kFlipTableCsv, key, "n", ValueFormat::kInteger),
          lit(" items are correct on the reference and wrong at " + section.rung +
              ". `quant-autopsy failures " + study_argument() + " --family " + section.family +
              " --rung " + section.rung + " --mode ref_correct_quant_wrong` prints more.")});
      if (!section.sampling) {
        doc.paragraph(plain("No sample: " + section.unavailable));
        continue;
      }
      for (const auto& sample : section.sampling->samples) {
        doc.code(fmt::format("item: {} (level {})\nprompt:\n{}\nexpected: {}\nreference output: "
                             "{}\n{} output: {}",
                             sample.item_id, sample.level, prompt_tail(sample.prompt),
                             sample.expected, sample.reference_output, section.rung,
                             sample.rung_output));
      }
    }
  }

  std::string caption(const std::string& plot) const {
    for (const auto& info : plot_infos()) {
      if (info.name == plot) {
        return info.caption;
      }
    }
    return plot;
  }

  Document report() const {
    Document doc(kReportMarkdown, "Quant Autopsy report: " + model());

    doc.paragraph(plain(
        "Each quantized rung of this model is compared with the full-precision reference item "
        "by item on the same probe battery. Every number below is read from a file in analysis/ "
        "or ladder/; CLAIM_CHECK.csv lists each one with its source cell, and `quant-autopsy "
        "report STUDY --check` verifies them."));

    doc.heading(2, plain("Recommendation"));
    recommendation(doc);
    doc.heading(2, plain("Headline"));
    headline(doc);
    doc.heading(2, plain("Setup"));
    setup(doc);
    doc.heading(2, plain("Ladder"));
    ladder(doc);
    doc.heading(2, plain("Baseline calibration"));
    calibration(doc);
    doc.heading(2, plain("Accuracy grid"));
    accuracy_grid(doc);
    doc.heading(2, plain("Paired flips and significance"));
    paired(doc);
    doc.heading(2, plain("Death order and persistence"));
    death_order(doc);
    doc.heading(2, plain("Fragility ranking"));
    fragility(doc);
    doc.heading(2, plain("Flips by reference confidence"));
    margins(doc);
    doc.heading(2, plain("Sampled failures"));
    sampled_failures(doc);
    doc.heading(2, plain("Limitations"));
    doc.bullets(limitation_items(inputs_, quote_));

    return doc;
  }

  Document abstract() const {
    Document doc(kAbstractFile, "Abstract: " + model());
    const RowKey headline_key = {{"model", model()}};
    Text text{lit("We quantized " + model() + " to " + std::to_string(inputs_.ladder_rungs.size()) +
                  " rungs (" + join(inputs_.ladder_rungs, ", ") +
                  ") and evaluated every rung on the probe battery "),
              quote_(kSettingsJson, {}, "battery_hash"),
              lit(", pairing each item with the full-precision reference. A family counts as "
                  "degraded at a rung when its Holm-adjusted exact McNemar p is below α = "),
              quote_(kSettingsJson, {}, "alpha"),
              lit(", it loses more items than it gains, and its net loss is at least δ = "),
              quote_(kSettingsJson, {}, "delta"),
              lit(". Degraded families at Q4_K_M: "),
              quote_(kHeadlineCsv, headline_key, "q4_degraded", ValueFormat::kInteger),
              lit(", at Q3_K_M: "),
              quote_(kHeadlineCsv, headline_key, "q3_degraded", ValueFormat::kInteger),
              lit(", at Q2_K: "),
              quote_(kHeadlineCsv, headline_key, "q2_degraded", ValueFormat::kInteger),
              lit(" ("),
              quote_(kHeadlineCsv, headline_key, "conclusion"),
              lit(").")};
    const auto dies = dying();
    if (!dies.empty()) {
      const auto* first = dies.front();
      text.push_back(lit(" The first family to die is " + first->family + ", at "));
      text.push_back(death_rung_span(first->family));
      text.push_back(lit("."));
    } else if (!deaths_.empty()) {
      text.push_back(lit(" No usable family is degraded at any rung tested."));
    }
    doc.paragraph(std::move(text));
    doc.paragraph(plain("REPORT.md gives the recommendation, the tables, the plots and sampled "
                        "failures."));
    return doc;
  }

  Document claims_and_caveats() const {
    Document doc(kClaimsFile, "Claims and caveats: " + model());
    doc.heading(2, plain("What the data supports"));
    std::vector<Text> supported;
    for (const auto& family : inputs_.families) {
      for (const auto& rung : inputs_.ladder_rungs) {
        const RowKey key = {{"family", family}, {"rung", rung}};
        if (!is_true_cell(inputs_.tables.find_cell(kSignificanceCsv, key, "degraded"))) {
          continue;
        }
        supported.push_back(Text{
            lit(family + " is degraded at " + rung + ": it lost "),
            quote_(kFlipTableCsv, key, "ref_correct_quant_wrong", ValueFormat::kInteger),
            lit(" and gained "),
            quote_(kFlipTableCsv, key, "ref_wrong_quant_correct", ValueFormat::kInteger),
            lit(" of "), quote_(kFlipTableCsv, key, "n", ValueFormat::kInteger),
            lit(" items (net loss "), quote_(kFlipTableCsv, key, "net_loss", ValueFormat::kFixed3),
            lit(", Holm-adjusted p "),
            quote_(kSignificanceCsv, key, "p_holm", ValueFormat::kPValue), lit(").")});
      }
    }
    for (const auto* death : dying()) {
      supported.push_back(Text{lit(death->family + " dies at "), death_rung_span(death->family),
                               lit(death->persistent ? ", and the death persists at every lower "
                                                       "rung."
                                                     : ", but the death is transient: it "
                                                       "recovers at a lower rung.")});
    }
    if (supported.empty()) {
      supported.push_back(plain("No family is degraded at any rung: no loss passes the "
                                "significance and size thresholds."));
    }
    doc.bullets(std::move(supported));

    doc.heading(2, plain("What the data does not support"));
    std::vector<Text> unsupported;
    for (const auto& death : deaths_) {
      if (death.death_rung.empty()) {
        unsupported.push_back(Text{
            lit(death.family + " shows no significant loss, which does not prove it loses "
                "nothing: losses below δ = "),
            quote_(kSettingsJson, {}, "delta"), lit(" or on few items go undetected.")});
      }
    }
    for (const auto& family : excluded_families(inputs_)) {
      unsupported.push_back(Text{lit("Nothing is claimed about " + family +
                                     ", whose reference baseline is not usable: "),
                                 quote_(kSettingsJson, {}, "excluded_families." + family)});
    }
    unsupported.push_back(plain(
        "The death order is measured on this model only; whether it transfers to another model "
        "needs that model's study and `quant-autopsy transfer`."));
    unsupported.push_back(plain(
        "Accuracy on generated probes is not accuracy on a user's task; the families are narrow "
        "stand-ins for capabilities."));
    doc.bullets(std::move(unsupported));
    return doc;
  }

  Document reproducibility() const {
    Document doc(kReproducibilityFile, "Reproducibility: " + model());
    doc.heading(2, plain("Versions and hashes"));
    std::vector<Text> items;
    items.push_back(plain(std::string("quant-autopsy ") + kToolVersion + ", built against "
                          "llama.cpp commit " + kLlamaCommit));
    if (inputs_.ladder) {
      items.push_back(plain("llama.cpp commit recorded by the ladder: " +
                            inputs_.ladder->llama_cpp_commit));
    }
    items.push_back(Text{lit("Battery hash: "), quote_(kSettingsJson, {}, "battery_hash")});
    if (inputs_.battery_manifest) {
      items.push_back(Text{lit("Battery "), quote_(kBatteryManifestJson, {}, "battery"),
                           lit(", generator version "),
                           quote_(kBatteryManifestJson, {}, "generator_version"),
                           lit(", seed "), quote_(kBatteryManifestJson, {}, "seed")});
    }
    items.push_back(Text{lit("Analysis: α "), quote_(kSettingsJson, {}, "alpha"), lit(", δ "),
                         quote_(kSettingsJson, {}, "delta"), lit(", bootstrap resamples "),
                         quote_(kSettingsJson, {}, "bootstrap_resamples"), lit(", seed "),
                         quote_(kSettingsJson, {}, "seed")});
    if (inputs_.tables.has(kStoreRunSource)) {
      items.push_back(Text{lit("Evaluation: threads "), quote_(kStoreRunSource, {}, "threads"),
                           lit(", n_ctx "), quote_(kStoreRunSource, {}, "n_ctx"),
                           lit(", n_batch "), quote_(kStoreRunSource, {}, "n_batch"),
                           lit(", n_ubatch "), quote_(kStoreRunSource, {}, "n_ubatch"),
                           lit(", n_parallel "), quote_(kStoreRunSource, {}, "n_parallel"),
                           lit(", prompt format "),
                           quote_(kStoreRunSource, {}, "prompt_format")});
    }
    doc.bullets(std::move(items));

    if (inputs_.ladder) {
      std::vector<std::vector<Text>> rows;
      for (const auto& name : column_values(inputs_.tables.table(kLadderManifestJson), "name")) {
        const RowKey key = {{"name", name}};
        rows.push_back({quote_.text(kLadderManifestJson, key, "name"),
                        quote_.text(kLadderManifestJson, key, "file"),
                        quote_.text(kLadderManifestJson, key, "sha256")});
      }
      doc.heading(2, plain("Model files"));
      doc.table({plain("rung"), plain("file"), plain("sha256")}, std::move(rows));
    }

    doc.heading(2, plain("Commands"));
    doc.paragraph(plain("With the same model file, battery and llama.cpp build, these commands "
                        "redo the analysis and the report from the study folder:"));
    doc.code(fmt::format(
        "quant-autopsy analyze STUDY --alpha {} --delta {} --bootstrap {} --seed {}\n"
        "quant-autopsy report STUDY\n"
        "quant-autopsy report STUDY --check",
        cell_or(kSettingsJson, "alpha"), cell_or(kSettingsJson, "delta"),
        cell_or(kSettingsJson, "bootstrap_resamples"), cell_or(kSettingsJson, "seed")));
    doc.paragraph(plain("To redo the whole study from the reference file, `quant-autopsy run "
                        "MODEL.gguf --out STUDY` runs inspect, ladder, calibrate, sweep, analyze "
                        "and report in order; the hashes above must match the new ladder and "
                        "battery manifests."));
    return doc;
  }

  std::string cell_or(const std::string& source, const std::string& column) const {
    return inputs_.tables.find_cell(source, {}, column).value_or("?");
  }

  Document limitations() const {
    Document doc(kLimitationsFile, "Limitations: " + model());
    doc.bullets(limitation_items(inputs_, quote_));
    return doc;
  }

  Document results_index() const {
    Document doc(kResultsIndexFile, "Results index: " + model());
    doc.paragraph(plain("Every artifact of this study, by path relative to the study folder. "
                        "`quant-autopsy report STUDY --check` fails when one is missing."));

    std::vector<std::vector<Text>> rows;
    auto add = [&rows](const std::string& path, const std::string& what) {
      rows.push_back({plain("`" + path + "`"), plain(what)});
    };
    add("report/REPORT.md", "the report: recommendation, tables, plots, sampled failures");
    add("report/index.html", "the same report as one self-contained HTML page");
    add("report/ABSTRACT.md", "one-paragraph abstract");
    add("report/CLAIMS_AND_CAVEATS.md", "what the data supports and what it does not");
    add("report/REPRODUCIBILITY.md", "versions, hashes and commands to redo the study");
    add("report/LIMITATIONS.md", "limits of the method and of this study");
    add("report/RESULTS_INDEX.md", "this index");
    add("report/CLAIM_CHECK.csv", "every quoted number with its source cell");
    add("report/report.json", "fingerprint of the analysis the report was written from");

    for (const auto& info : plot_infos()) {
      add("report/plots/" + info.name + ".svg", info.caption);
      add("report/plots/" + info.name + ".png", "the same plot as PNG");
    }

    add(kSummaryCsv, "accuracy with Wilson 95% interval per rung and family");
    add(kFlipTableCsv, "paired flip counts, net loss and retention per rung and family");
    add(kSignificanceCsv, "exact McNemar p, Holm-adjusted p, bootstrap interval, verdict");
    add(kDeathOrderCsv, "death rung and rank per usable family");
    add(kPersistenceCsv, "degraded and recovered rungs per usable family");
    add(kFragilityCsv, "fragility index and its formula per usable family");
    add(kMarginCsv, "flips split by the reference's confidence quartile");
    add(kHeadlineCsv, "degraded-family counts at Q4_K_M, Q3_K_M and Q2_K, and the conclusion");
    add(kCalibrationCsv, "reference accuracy per family and level, usable or not and why");
    add(kSettingsJson, "analysis settings, noise floor and excluded families");

    if (inputs_.ladder) {
      add(kLadderManifestJson, "rung files, sizes, sha256, bits per weight, fallbacks");
    }
    if (inputs_.battery_manifest) {
      add(kBatteryManifestJson, "probe battery files, item counts, hashes");
    }
    if (fs::exists(inputs_.layout.results_db())) {
      add("results.sqlite", "one response row per rung and item");
    }

    doc.table({plain("path"), plain("contents")}, std::move(rows));
    return doc;
  }

  const ReportInputs& inputs_;
  const std::vector<FailureSection>& failures_;
  Quoter quote_;
  std::vector<FamilyDeathRow> deaths_;
};

}  // namespace

std::vector<FamilyDeathRow> read_deaths(const ReportInputs& inputs) {
  const CsvTable& table = inputs.tables.table(kDeathOrderCsv);
  const size_t family = table.column("family", kDeathOrderCsv);
  const size_t death_rung = table.column("death_rung", kDeathOrderCsv);
  const size_t persistent = table.column("persistent", kDeathOrderCsv);
  std::vector<FamilyDeathRow> deaths;
  for (const auto& row : table.rows) {
    FamilyDeathRow death;
    death.family = row[family];
    const std::string& rung = row[death_rung];
    if (!rung.empty() && rung != "survives") {
      death.death_rung = rung;
    }
    death.persistent = row[persistent] == "true";
    deaths.push_back(std::move(death));
  }
  return deaths;
}

std::vector<FailureSection> collect_failure_sections(const ReportInputs& inputs) {
  std::vector<FamilyDeathRow> dying;
  for (const auto& death : read_deaths(inputs)) {
    if (!death.death_rung.empty()) {
      dying.push_back(death);
    }
  }
  if (dying.empty()) {
    return {};
  }

  std::optional<ResultsStore> store;
  std::optional<Battery> battery;
  std::string unavailable;
  try {
    if (!fs::exists(inputs.layout.results_db())) {
      throw Error(inputs.layout.results_db().string() + " not found");
    }
    store.emplace(ResultsStore::open_readonly(inputs.layout.results_db()));
    battery.emplace(load_battery(inputs.layout.battery_dir()));
  } catch (const Error& error) {
    unavailable = error.what();
    log_warn("report: sampled failures left out: {}", unavailable);
  }

  std::vector<FailureSection> sections;
  for (const auto& death : dying) {
    FailureSection section;
    section.family = death.family;
    section.rung = death.death_rung;
    section.unavailable = unavailable;
    if (unavailable.empty()) {
      FailureQuery query;
      query.family = death.family;
      query.rung = death.death_rung;
      query.mode = FlipMode::kRefCorrectQuantWrong;
      query.n = kFailuresPerFamily;
      query.seed = kFailureSeed;
      try {
        section.sampling = sample_failures(*store, *battery, query);
      } catch (const Error& error) {
        section.unavailable = error.what();
        log_warn("report: no failure sample for {} at {}: {}", death.family, death.death_rung,
                 section.unavailable);
      }
    }
    sections.push_back(std::move(section));
  }
  return sections;
}

std::vector<Document> build_report_documents(const ReportInputs& inputs,
                                             const std::vector<FailureSection>& failures) {
  return ReportBuilder(inputs, failures).build();
}

std::vector<std::string> parse_results_index(const std::string& markdown) {
  std::vector<std::string> paths;
  size_t start = 0;
  while (start < markdown.size()) {
    size_t end = markdown.find('\n', start);
    if (end == std::string::npos) {
      end = markdown.size();
    }
    const std::string line = markdown.substr(start, end - start);
    start = end + 1;
    if (line.rfind("| `", 0) != 0) {
      continue;
    }
    const size_t close = line.find('`', 3);
    if (close != std::string::npos) {
      paths.push_back(line.substr(3, close - 3));
    }
  }
  return paths;
}

}  // namespace qa::report
