// A report document as blocks (headings, paragraphs, lists, tables,
// figures, code), rendered once to Markdown and once to HTML, so both forms
// carry the same content. Values quoted from tables are spans that remember
// their cell; rendering Markdown turns them into claims with line numbers.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "report/claims.h"

namespace qa::report {

struct Span {
  std::string text;
  std::optional<CellRef> cell;  // set when text is a value quoted from a table
  std::string cell_value;       // the raw cell, kept for CLAIM_CHECK.csv
};

// A line of inline content: literal text and quoted values.
using Text = std::vector<Span>;

Text plain(const std::string& text);
std::string text_to_string(const Text& text);

struct Block {
  enum class Kind { kHeading, kParagraph, kBullets, kTable, kFigure, kCode };

  Kind kind = Kind::kParagraph;
  int level = 2;           // heading level
  Text text;               // heading, paragraph, figure caption
  std::vector<Text> items; // bullet items
  std::vector<Text> header;
  std::vector<std::vector<Text>> rows;
  std::string figure;      // plot base name under plots/, e.g. "accuracy_grid"
  std::string code;        // verbatim text of a code block
};

// Collects blocks; the Text helpers append to the block being built.
class Document {
 public:
  explicit Document(std::string file_name, std::string title);

  const std::string& file_name() const { return file_name_; }
  const std::string& title() const { return title_; }
  const std::vector<Block>& blocks() const { return blocks_; }

  void heading(int level, Text text);
  void paragraph(Text text);
  void bullets(std::vector<Text> items);
  void table(std::vector<Text> header, std::vector<std::vector<Text>> rows);
  void figure(const std::string& plot_name, Text caption);
  void code(std::string text);

 private:
  std::string file_name_;
  std::string title_;
  std::vector<Block> blocks_;
};

struct RenderedMarkdown {
  std::string content;
  std::vector<Claim> claims;
};

// Markdown with one claim per quoted value: file name, line, byte column and
// the printed text. Figures link plots/NAME.png.
RenderedMarkdown render_markdown(const Document& document);

// A self-contained HTML page: the SVG plots under plots_dir are inlined, the
// style sheet and the table-sorting script are inline, nothing is fetched.
std::string render_html(const Document& document, const std::filesystem::path& plots_dir);

}  // namespace qa::report
