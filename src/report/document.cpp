#include "report/document.h"

#include <algorithm>

#include <fmt/core.h>

#include "common/files.h"

namespace qa::report {

Text plain(const std::string& text) { return Text{Span{text, std::nullopt, ""}}; }

std::string text_to_string(const Text& text) {
  std::string out;
  for (const auto& span : text) {
    out += span.text;
  }
  return out;
}

Document::Document(std::string file_name, std::string title)
    : file_name_(std::move(file_name)), title_(std::move(title)) {}

void Document::heading(int level, Text text) {
  Block block;
  block.kind = Block::Kind::kHeading;
  block.level = level;
  block.text = std::move(text);
  blocks_.push_back(std::move(block));
}

void Document::paragraph(Text text) {
  Block block;
  block.kind = Block::Kind::kParagraph;
  block.text = std::move(text);
  blocks_.push_back(std::move(block));
}

void Document::bullets(std::vector<Text> items) {
  Block block;
  block.kind = Block::Kind::kBullets;
  block.items = std::move(items);
  blocks_.push_back(std::move(block));
}

void Document::table(std::vector<Text> header, std::vector<std::vector<Text>> rows) {
  Block block;
  block.kind = Block::Kind::kTable;
  block.header = std::move(header);
  block.rows = std::move(rows);
  blocks_.push_back(std::move(block));
}

void Document::figure(const std::string& plot_name, Text caption) {
  Block block;
  block.kind = Block::Kind::kFigure;
  block.figure = plot_name;
  block.text = std::move(caption);
  blocks_.push_back(std::move(block));
}

void Document::code(std::string text) {
  Block block;
  block.kind = Block::Kind::kCode;
  block.code = std::move(text);
  blocks_.push_back(std::move(block));
}

namespace {

// Builds Markdown line by line and records the position of each quoted value.
class MarkdownWriter {
 public:
  explicit MarkdownWriter(std::string file_name) : file_name_(std::move(file_name)) {}

  void literal(std::string_view text) { line_.append(text); }

  // Quoted values are written as they are; literal text inside table cells
  // has '|' escaped and line breaks flattened so the table stays one row.
  void text(const Text& text, bool in_table) {
    for (const auto& span : text) {
      if (span.cell) {
        Claim claim;
        claim.file = file_name_;
        claim.line = line_number_;
        claim.column = line_.size() + 1;
        claim.value = span.text;
        claim.cell = *span.cell;
        claim.cell_value = span.cell_value;
        claims_.push_back(std::move(claim));
        line_ += span.text;
        continue;
      }
      for (char ch : span.text) {
        if (ch == '\n' || ch == '\r') {
          line_ += in_table ? ' ' : ch;
        } else if (ch == '|' && in_table) {
          line_ += "\\|";
        } else {
          line_ += ch;
        }
      }
    }
  }

  void end_line() {
    content_ += line_;
    content_ += '\n';
    line_.clear();
    ++line_number_;
  }

  // Verbatim text that may span lines (code blocks); holds no claims.
  void verbatim_lines(const std::string& text) {
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) {
        end = text.size();
      }
      line_ = text.substr(start, end - start);
      line_.erase(std::remove(line_.begin(), line_.end(), '\r'), line_.end());
      end_line();
      start = end + 1;
    }
  }

  RenderedMarkdown finish() { return RenderedMarkdown{std::move(content_), std::move(claims_)}; }

 private:
  std::string file_name_;
  std::string content_;
  std::string line_;
  size_t line_number_ = 1;
  std::vector<Claim> claims_;
};

// A fence longer than any run of backticks inside the code, so model output
// holding ``` cannot close the block early.
std::string code_fence(const std::string& code) {
  size_t longest = 0;
  size_t run = 0;
  for (char ch : code) {
    run = ch == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

void render_block_markdown(const Block& block, MarkdownWriter& out) {
  switch (block.kind) {
    case Block::Kind::kHeading:
      out.literal(std::string(block.level, '#') + " ");
      out.text(block.text, false);
      out.end_line();
      break;
    case Block::Kind::kParagraph:
      out.text(block.text, false);
      out.end_line();
      break;
    case Block::Kind::kBullets:
      for (const auto& item : block.items) {
        out.literal("- ");
        out.text(item, false);
        out.end_line();
      }
      break;
    case Block::Kind::kTable: {
      out.literal("|");
      for (const auto& cell : block.header) {
        out.literal(" ");
        out.text(cell, true);
        out.literal(" |");
      }
      out.end_line();
      out.literal("|");
      for (size_t i = 0; i < block.header.size(); ++i) {
        out.literal("---|");
      }
      out.end_line();
      for (const auto& row : block.rows) {
        out.literal("|");
        for (const auto& cell : row) {
          out.literal(" ");
          out.text(cell, true);
          out.literal(" |");
        }
        out.end_line();
      }
      break;
    }
    case Block::Kind::kFigure:
      out.literal("![");
      out.text(block.text, true);
      out.literal(fmt::format("](plots/{}.png)", block.figure));
      out.end_line();
      out.end_line();
      out.literal(fmt::format("*Figure ({0}.png, {0}.svg):* ", block.figure));
      out.text(block.text, false);
      out.end_line();
      break;
    case Block::Kind::kCode: {
      const std::string fence = code_fence(block.code);
      out.literal(fence + "text");
      out.end_line();
      out.verbatim_lines(block.code);
      out.literal(fence);
      out.end_line();
      break;
    }
  }
  out.end_line();
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

// Literal text with Markdown code spans (`...`) turned into <code>, so
// commands read the same in both forms; an unpaired backtick stays as is.
std::string literal_html(const std::string& text) {
  if (std::count(text.begin(), text.end(), '`') % 2 != 0) {
    return escape_html(text);
  }
  std::string out;
  bool in_code = false;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '`') {
      continue;
    }
    out += escape_html(std::string_view(text).substr(start, i - start));
    if (i < text.size()) {
      out += in_code ? "</code>" : "<code>";
      in_code = !in_code;
    }
    start = i + 1;
  }
  return out;
}

std::string text_html(const Text& text) {
  std::string out;
  for (const auto& span : text) {
    if (span.cell) {
      out += "<span class=\"v\">" + escape_html(span.text) + "</span>";
    } else {
      out += literal_html(span.text);
    }
  }
  return out;
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
}

// gnuplot's SVG with its XML prologue removed and every id prefixed by the
// plot name, because several plots on one page would otherwise share ids
// such as "gnuplot_canvas" and their references would cross plots.
std::string inline_svg(const std::string& svg, const std::string& plot_name) {
  const size_t start = svg.find("<svg");
  std::string body = start == std::string::npos ? svg : svg.substr(start);
  const std::string prefix = plot_name + "-";
  for (const char* quote : {"'", "\""}) {
    replace_all(body, std::string("id=") + quote, std::string("id=") + quote + prefix);
    replace_all(body, std::string("href=") + quote + "#",
                std::string("href=") + quote + "#" + prefix);
  }
  replace_all(body, "url(#", "url(#" + prefix);
  return body;
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;overflow-wrap:anywhere;
margin:0 auto;padding:1rem;max-width:62rem;color:#1b1b1b;background:#fff}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #ddd}
.table-wrap{overflow-x:auto;margin:1rem 0}
table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;white-space:nowrap}
th{background:#f2f2f2;cursor:pointer}
figure{margin:1rem 0}figure svg{width:100%;height:auto;display:block}
figcaption{font-size:.9rem;color:#444}
code{background:#f2f2f2;padding:0 .2rem}
pre{background:#f6f6f6;padding:.5rem;overflow-x:auto;white-space:pre-wrap;font-size:.85rem}
.v{font-variant-numeric:tabular-nums}
)";

// Sorts a table by the clicked column: numerically when both cells start
// with a number, as text otherwise; a second click reverses the order.
constexpr const char* kSortScript = R"(
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.dataset.ascending !== "1";
    th.dataset.ascending = ascending ? "1" : "0";
    var rows = Array.from(body.rows);
    rows.sort(function (x, y) {
      var a = x.cells[index].textContent, b = y.cells[index].textContent;
      var na = parseFloat(a), nb = parseFloat(b);
      var order = (!isNaN(na) && !isNaN(nb)) ? na - nb : a.localeCompare(b);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
)";

void render_block_html(const Block& block, const std::filesystem::path& plots_dir,
                       std::string& out) {
  switch (block.kind) {
    case Block::Kind::kHeading:
      out += fmt::format("<h{0}>{1}</h{0}>\n", block.level, text_html(block.text));
      break;
    case Block::Kind::kParagraph:
      out += "<p>" + text_html(block.text) + "</p>\n";
      break;
    case Block::Kind::kBullets:
      out += "<ul>\n";
      for (const auto& item : block.items) {
        out += "<li>" + text_html(item) + "</li>\n";
      }
      out += "</ul>\n";
      break;
    case Block::Kind::kTable:
      out += "<div class=\"table-wrap\"><table class=\"sortable\">\n<thead><tr>";
      for (const auto& cell : block.header) {
        out += "<th>" + text_html(cell) + "</th>";
      }
      out += "</tr></thead>\n<tbody>\n";
      for (const auto& row : block.rows) {
        out += "<tr>";
        for (const auto& cell : row) {
          out += "<td>" + text_html(cell) + "</td>";
        }
        out += "</tr>\n";
      }
      out += "</tbody></table></div>\n";
      break;
    case Block::Kind::kFigure: {
      const auto svg_path = plots_dir / (block.figure + ".svg");
      out += "<figure>\n";
      if (std::filesystem::exists(svg_path)) {
        out += inline_svg(read_file(svg_path), block.figure);
      } else {
        out += "<p>plot missing: plots/" + escape_html(block.figure) + ".svg</p>";
      }
      out += "\n<figcaption>" + text_html(block.text) + "</figcaption>\n</figure>\n";
      break;
    }
    case Block::Kind::kCode:
      out += "<pre>" + escape_html(block.code) + "</pre>\n";
      break;
  }
}

}  // namespace

RenderedMarkdown render_markdown(const Document& document) {
  MarkdownWriter out(document.file_name());
  out.literal("# " + document.title());
  out.end_line();
  out.end_line();
  for (const auto& block : document.blocks()) {
    render_block_markdown(block, out);
  }
  return out.finish();
}

std::string render_html(const Document& document, const std::filesystem::path& plots_dir) {
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + escape_html(document.title()) + "</title>\n";
  out += std::string("<style>") + kStyle + "</style>\n</head>\n<body>\n";
  out += "<h1>" + escape_html(document.title()) + "</h1>\n";
  for (const auto& block : document.blocks()) {
    render_block_html(block, plots_dir, out);
  }
  out += std::string("<script>") + kSortScript + "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace qa::report
