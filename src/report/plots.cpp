#include "report/plots.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cerrno>
#include <functional>
#include <map>
#include <optional>

#include <fmt/core.h>

#include "common/error.h"
#include "common/files.h"
#include "common/log.h"

extern char** environ;

namespace qa::report {

namespace {

constexpr const char* kNoData = "no data";

// A folder under the system temp folder, removed with everything in it.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "qa-report-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw Error(fmt::format("failed to create a temporary folder under {}",
                              fs::temp_directory_path().string()),
                  kExitFailure);
    }
    path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// A gnuplot single-quoted string; a quote inside is written twice.
std::string gnuplot_string(const std::string& text) {
  std::string out = "'";
  for (char ch : text) {
    out += ch;
    if (ch == '\'') {
      out += '\'';
    }
  }
  return out + "'";
}

// Tabs and line breaks would split a data field, so they become spaces.
std::string data_field(const std::string& text) {
  std::string out = text;
  std::replace_if(out.begin(), out.end(), [](char ch) { return ch == '\t' || ch == '\n' || ch == '\r'; }, ' ');
  return out;
}

std::optional<double> number(const std::optional<std::string>& cell) {
  if (!cell || cell->empty()) {
    return std::nullopt;
  }
  try {
    size_t used = 0;
    const double value = std::stod(*cell, &used);
    if (used != cell->size() || !std::isfinite(value)) {
      return std::nullopt;
    }
    return value;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool is_true(const std::optional<std::string>& cell) {
  return cell && (*cell == "true" || *cell == "1" || *cell == "yes");
}

// "set xtics ('A' 0, 'B' 1)" for category axes.
std::string category_tics(const std::string& axis, const std::vector<std::string>& labels) {
  std::string tics = "set " + axis + " (";
  for (size_t i = 0; i < labels.size(); ++i) {
    tics += fmt::format("{}{} {}", i == 0 ? "" : ", ", gnuplot_string(labels[i]), i);
  }
  return tics + ")\n";
}

struct PlotScript {
  std::string name;
  int height = 540;
  std::string body;  // settings and one plot command, data paths included
};

// The content of a plot without rows, so the file still exists and states the reason.
std::string empty_plot(const std::string& reason) {
  return fmt::format("set label 1 {} at graph 0.5, graph 0.5 center\n"
                     "plot [0:1] [0:1] NaN title {}\n",
                     gnuplot_string(reason), gnuplot_string(kNoData));
}

class PlotBuilder {
 public:
  PlotBuilder(const ReportInputs& inputs, const fs::path& data_dir)
      : inputs_(inputs), data_dir_(data_dir) {}

  std::optional<std::string> cell(const std::string& source, const RowKey& key,
                                  const std::string& column) const {
    return inputs_.tables.find_cell(source, key, column);
  }

  fs::path write_data(const std::string& name, const std::string& content) const {
    const fs::path path = data_dir_ / name;
    write_file_atomically(path, content);
    return path;
  }

  // Rungs compared with the reference (noise floor first), report order.
  std::vector<std::string> compared_rungs() const {
    std::vector<std::string> rungs;
    for (const auto& rung : inputs_.rungs) {
      if (rung != kReferenceRung) {
        rungs.push_back(rung);
      }
    }
    return rungs;
  }

  // A family x rung heatmap; `value` returns the colour value and its label.
  PlotScript heatmap(const std::string& name, const std::vector<std::string>& rungs,
                     const std::string& title, const std::string& colour_label,
                     const std::string& range_and_palette,
                     const std::function<std::optional<std::pair<double, std::string>>(
                         const std::string&, const std::string&)>& value) const {
    const auto& families = inputs_.families;
    std::string data;
    for (size_t y = 0; y < families.size(); ++y) {
      for (size_t x = 0; x < rungs.size(); ++x) {
        const auto entry = value(families[y], rungs[x]);
        if (entry) {
          data += fmt::format("{}\t{}\t{}\t{}\n", x, y, entry->first, data_field(entry->second));
        }
      }
    }

    PlotScript script;
    script.name = name;
    script.height = std::max(360, 160 + 34 * static_cast<int>(families.size()));
    script.body = fmt::format("set title {}\n", gnuplot_string(title));
    script.body += "set xlabel 'quantization rung (highest precision on the left)'\n";
    script.body += "set ylabel 'capability family'\n";
    script.body += fmt::format("set cblabel {}\n", gnuplot_string(colour_label));
    if (data.empty()) {
      script.body += empty_plot("no rows for this plot in the analysis");
      return script;
    }
    const fs::path path = write_data(name + ".tsv", data);
    script.body += range_and_palette;
    script.body += fmt::format("set xrange [-0.5:{}]\nset yrange [{}:-0.5]\n",
                               rungs.size() - 0.5, families.size() - 0.5);
    script.body += category_tics("xtics", rungs) + category_tics("ytics", families);
    script.body += "set xtics rotate by -30 left nomirror\nset ytics nomirror\nset key off\n"
                   "set bmargin 7\n";
    script.body += fmt::format(
        "plot {0} using 1:2:(0.5):(0.5):3 with boxxyerror fillstyle solid 1.0 noborder "
        "fillcolor palette notitle, {0} using 1:2:4 with labels font ',10' notitle\n",
        gnuplot_string(path.string()));
    return script;
  }

  PlotScript accuracy_grid() const {
    return heatmap(
        "accuracy_grid", inputs_.rungs, "Accuracy per capability family and rung",
        "accuracy (fraction of items correct)",
        "set cbrange [0:1]\nset palette defined (0 '#fff7ec', 0.5 '#c6dbef', 1 '#4f9bd0')\n",
        [this](const std::string& family, const std::string& rung)
            -> std::optional<std::pair<double, std::string>> {
          const auto accuracy = number(cell(kSummaryCsv, {{"family", family}, {"rung", rung}},
                                            "accuracy"));
          if (!accuracy) {
            return std::nullopt;
          }
          return std::make_pair(*accuracy, fmt::format("{:.2f}", *accuracy));
        });
  }

  PlotScript net_loss_heatmap() const {
    double largest = 0.05;
    for (const auto& family : inputs_.families) {
      for (const auto& rung : compared_rungs()) {
        const auto loss = number(cell(kFlipTableCsv, {{"family", family}, {"rung", rung}},
                                      "net_loss"));
        largest = std::max(largest, loss ? std::fabs(*loss) : 0.0);
      }
    }
    return heatmap(
        "net_loss_heatmap", compared_rungs(),
        "Net loss per family and rung (* = degraded: Holm p < alpha, b > c, net loss >= delta)",
        "net loss (b - c) / n, fraction of items",
        fmt::format("set cbrange [{0}:{1}]\n"
                    "set palette defined (-1 '#2166ac', 0 '#f7f7f7', 1 '#b2182b')\n",
                    -largest, largest),
        [this](const std::string& family, const std::string& rung)
            -> std::optional<std::pair<double, std::string>> {
          const RowKey key = {{"family", family}, {"rung", rung}};
          const auto loss = number(cell(kFlipTableCsv, key, "net_loss"));
          if (!loss) {
            return std::nullopt;
          }
          const bool degraded = is_true(cell(kSignificanceCsv, key, "degraded"));
          return std::make_pair(*loss, fmt::format("{:.2f}{}", *loss, degraded ? "*" : ""));
        });
  }

  PlotScript retention_curves() const {
    PlotScript script;
    script.name = "retention_curves";
    script.body =
        "set title 'Retention: share of reference-correct items still correct at each rung'\n"
        "set xlabel 'bits per weight (bpw), decreasing to the right'\n"
        "set ylabel 'retention (fraction of reference-correct items)'\n"
        "set key outside right top\nset grid\n";

    std::string data;
    std::vector<std::string> titles;
    for (const auto& family : inputs_.families) {
      std::string block;
      for (const auto& rung : inputs_.ladder_rungs) {
        const RowKey key = {{"family", family}, {"rung", rung}};
        const auto bits = number(cell(kSummaryCsv, key, "bits_per_weight"));
        const auto retention = number(cell(kFlipTableCsv, key, "retention"));
        if (bits && retention) {
          block += fmt::format("{}\t{}\n", *bits, *retention);
        }
      }
      if (!block.empty()) {
        data += (titles.empty() ? "" : "\n\n") + block;
        titles.push_back(family);
      }
    }
    if (titles.empty()) {
      script.body += empty_plot("no quantized rung has a retention value");
      return script;
    }

    const fs::path path = write_data("retention_curves.tsv", data);
    script.body += "set xrange [*:*] reverse\nset yrange [0:1.05]\n";
    std::string plot = "plot ";
    for (size_t i = 0; i < titles.size(); ++i) {
      plot += fmt::format("{}{} index {} using 1:2 with linespoints linewidth 2 title {}",
                          i == 0 ? "" : ", ", gnuplot_string(path.string()), i, gnuplot_string(titles[i]));
    }
    script.body += plot + "\n";
    return script;
  }

  PlotScript death_persistence() const {
    PlotScript script;
    script.name = "death_persistence";
    script.body =
        "set title 'Degraded rungs per family (death rung boxed)'\n"
        "set xlabel 'quantization rung (highest precision on the left)'\n"
        "set ylabel 'capability family (persistence of its death)'\n";

    const CsvTable& persistence = inputs_.tables.table(kPersistenceCsv);
    const auto families = column_values(persistence, "family");
    const auto death_rungs = column_values(persistence, "death_rung");
    const auto persistent = column_values(persistence, "persistent");
    const auto& rungs = inputs_.ladder_rungs;
    script.height = std::max(360, 160 + 34 * static_cast<int>(families.size()));
    if (families.empty() || rungs.empty()) {
      script.body += empty_plot("no usable family or no quantized rung");
      return script;
    }

    std::string data;
    std::vector<std::string> labels;
    for (size_t y = 0; y < families.size(); ++y) {
      const bool dies = std::find(rungs.begin(), rungs.end(), death_rungs[y]) != rungs.end();
      const std::string state = !dies ? "survives"
                                : persistent[y] == "true" ? "persistent"
                                                          : "transient";
      labels.push_back(families[y] + " (" + state + ")");
      for (size_t x = 0; x < rungs.size(); ++x) {
        const bool degraded = is_true(cell(kSignificanceCsv,
                                           {{"family", families[y]}, {"rung", rungs[x]}},
                                           "degraded"));
        data += fmt::format("{}\t{}\t{}\t{}\n", x, y, degraded ? 1 : 0,
                            rungs[x] == death_rungs[y] ? 1 : 0);
      }
    }
    const std::string path = gnuplot_string(write_data("death_persistence.tsv", data).string());
    script.body += fmt::format("set xrange [-0.5:{}]\nset yrange [{}:-0.5]\n", rungs.size() - 0.5,
                               families.size() - 0.5);
    script.body += category_tics("xtics", rungs) + category_tics("ytics", labels);
    script.body += "set xtics rotate by -30 left nomirror\nset ytics nomirror\n"
                   "set key outside right top\nset grid\nset bmargin 7\n";
    script.body += fmt::format(
        "plot {0} using 1:($3 == 1 ? $2 : 1/0) with points pointtype 7 pointsize 2 "
        "linecolor rgb '#b2182b' title 'degraded', "
        "{0} using 1:($3 == 0 ? $2 : 1/0) with points pointtype 6 pointsize 2 "
        "linecolor rgb '#888888' title 'not degraded', "
        "{0} using 1:($4 == 1 ? $2 : 1/0) with points pointtype 4 pointsize 3.5 "
        "linecolor rgb '#000000' title 'death rung'\n",
        path);
    return script;
  }

  PlotScript fragility() const {
    PlotScript script;
    script.name = "fragility";
    script.body =
        "set title 'Fragility index per family (higher = dies earlier and loses more)'\n"
        "set xlabel 'capability family'\n"
        "set ylabel 'fragility index (mean net loss + death-rung bits per weight)'\n";

    const CsvTable& table = inputs_.tables.table(kFragilityCsv);
    const auto families = column_values(table, "family");
    const auto values = column_values(table, "fragility");
    std::vector<std::pair<double, std::string>> bars;
    for (size_t i = 0; i < families.size(); ++i) {
      const auto value = number(values[i]);
      if (value) {
        bars.emplace_back(*value, families[i]);
      }
    }
    if (bars.empty()) {
      script.body += empty_plot("no usable family has a fragility index");
      return script;
    }
    std::stable_sort(bars.begin(), bars.end(),
                     [](const auto& x, const auto& y) { return x.first > y.first; });

    std::string data;
    for (size_t i = 0; i < bars.size(); ++i) {
      data += fmt::format("{}\t{}\t{}\n", i, data_field(bars[i].second), bars[i].first);
    }
    const std::string path = gnuplot_string(write_data("fragility.tsv", data).string());
    script.body += "set style fill solid 0.8 border -1\nset boxwidth 0.7\nset yrange [0:*]\n"
                   "set xtics rotate by -30 left nomirror\nset key outside right top\n"
                   "set grid ytics\nset bmargin 7\n";
    script.body += fmt::format("set xrange [-0.6:{}]\n", bars.size() - 0.4);
    script.body += fmt::format(
        "plot {} using 1:3:xtic(2) with boxes linecolor rgb '#4a74b4' title 'fragility index'\n",
        path);
    return script;
  }

  PlotScript baseline_calibration() const {
    PlotScript script;
    script.name = "baseline_calibration";
    script.body =
        "set title 'Reference accuracy per family and difficulty level (calibration)'\n"
        "set xlabel 'capability family and difficulty level'\n"
        "set ylabel 'reference accuracy (fraction of items correct)'\n";

    const CsvTable& table = inputs_.tables.table(kCalibrationCsv);
    const auto families = column_values(table, "family");
    const auto levels = column_values(table, "level");
    const auto accuracies = column_values(table, "accuracy");
    const auto usable = column_values(table, "usable");
    std::string data;
    for (size_t i = 0; i < families.size(); ++i) {
      const auto accuracy = number(accuracies[i]);
      if (!accuracy) {
        continue;
      }
      const std::string level = i < levels.size() ? levels[i] : "";
      data += fmt::format("{}\t{}\t{}\t{}\n", i, data_field(families[i] + " L" + level),
                          *accuracy, i < usable.size() && is_true(usable[i]) ? 1 : 0);
    }
    if (data.empty()) {
      script.body += empty_plot("calibration.csv has no accuracy values");
      return script;
    }
    const std::string path = gnuplot_string(write_data("baseline_calibration.tsv", data).string());
    script.body += "set style fill solid 0.8 border -1\nset boxwidth 0.7\nset yrange [0:1.05]\n"
                   "set xtics rotate by -30 left nomirror\nset key outside right top\n"
                   "set grid ytics\nset bmargin 7\n";
    script.body += fmt::format("set xrange [-0.6:{}]\n", families.size() - 0.4);
    script.body += fmt::format(
        "plot {0} using 1:($4 == 1 ? $3 : 1/0):xtic(2) with boxes linecolor rgb '#2c7fb8' "
        "title 'usable baseline', "
        "{0} using 1:($4 == 0 ? $3 : 1/0) with boxes linecolor rgb '#bbbbbb' "
        "title 'not usable'\n",
        path);
    return script;
  }

 private:
  const ReportInputs& inputs_;
  fs::path data_dir_;
};

// Runs gnuplot on a script file; its stderr goes to log_path.
int run_gnuplot(const fs::path& gnuplot, const fs::path& script, const fs::path& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::string program = gnuplot.string();
  std::string script_arg = script.string();
  char* argv[] = {program.data(), script_arg.data(), nullptr};

  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw Error(fmt::format("failed to start {}: error {}", program, spawned), kExitFailure);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw Error(fmt::format("failed to wait for {}", program), kExitFailure);
    }
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void draw(const fs::path& gnuplot, const PlotScript& plot, const fs::path& work_dir,
          const fs::path& plots_dir) {
  TempFileGuard svg(plots_dir / (plot.name + ".svg"));
  TempFileGuard png(plots_dir / (plot.name + ".png"));

  // noenhanced keeps underscores in names such as Q4_K_M literal; no
  // "mouse" option, because that makes the SVG load an external script.
  std::string script = "set encoding utf8\nset datafile separator '\\t'\n";
  script += fmt::format(
      "set terminal svg size 960,{} dynamic noenhanced font 'sans,12' background rgb 'white'\n",
      plot.height);
  script += fmt::format("set output {}\n", gnuplot_string(svg.temp_path().string()));
  script += plot.body;
  script += fmt::format(
      "set terminal pngcairo size 960,{} noenhanced font 'sans,10' background rgb 'white'\n",
      plot.height);
  script += fmt::format("set output {}\nreplot\nset output\n", gnuplot_string(png.temp_path().string()));

  const fs::path script_path = work_dir / (plot.name + ".gp");
  const fs::path log_path = work_dir / (plot.name + ".log");
  write_file_atomically(script_path, script);
  const int status = run_gnuplot(gnuplot, script_path, log_path);
  const std::string log = fs::exists(log_path) ? read_file(log_path) : "";
  if (status != 0 || !fs::exists(svg.temp_path()) || !fs::exists(png.temp_path()) ||
      fs::file_size(svg.temp_path()) == 0 || fs::file_size(png.temp_path()) == 0) {
    throw Error(fmt::format("gnuplot failed on plot {} (exit status {}): {}", plot.name, status,
                            log.empty() ? "no error output" : log),
                kExitFailure);
  }
  svg.commit();
  png.commit();
}

}  // namespace

const std::vector<PlotInfo>& plot_infos() {
  static const std::vector<PlotInfo> infos = {
      {"baseline_calibration",
       "Reference accuracy per family and level, coloured by whether the baseline is usable."},
      {"accuracy_grid", "Accuracy (fraction correct) per family and rung."},
      {"retention_curves",
       "Retention among reference-correct items against bits per weight, one line per family."},
      {"net_loss_heatmap",
       "Net loss (b - c) / n per family and rung; * marks a degraded cell."},
      {"death_persistence",
       "Degraded rungs per usable family; the box marks the death rung."},
      {"fragility", "Fragility index per usable family, highest first."},
  };
  return infos;
}

fs::path find_gnuplot() {
  const char* path_variable = std::getenv("PATH");
  std::string path_list = path_variable ? path_variable : "";
  size_t start = 0;
  while (start <= path_list.size()) {
    size_t end = path_list.find(':', start);
    if (end == std::string::npos) {
      end = path_list.size();
    }
    const std::string folder = path_list.substr(start, end - start);
    if (!folder.empty()) {
      const fs::path candidate = fs::path(folder) / "gnuplot";
      if (access(candidate.c_str(), X_OK) == 0) {
        return candidate;
      }
    }
    start = end + 1;
  }
  throw Error("gnuplot not found on PATH: the report draws its plots with gnuplot; install the "
              "Debian package gnuplot-nox (apt-get install gnuplot-nox) and rerun",
              kExitBadInput);
}

void render_plots(const ReportInputs& inputs, const fs::path& plots_dir) {
  const fs::path gnuplot = find_gnuplot();
  fs::create_directories(plots_dir);
  TempFolder work;
  PlotBuilder builder(inputs, work.path());

  const std::map<std::string, PlotScript> scripts = {
      {"baseline_calibration", builder.baseline_calibration()},
      {"accuracy_grid", builder.accuracy_grid()},
      {"retention_curves", builder.retention_curves()},
      {"net_loss_heatmap", builder.net_loss_heatmap()},
      {"death_persistence", builder.death_persistence()},
      {"fragility", builder.fragility()},
  };
  for (const auto& info : plot_infos()) {
    log_info("report: drawing plots/{}.svg and .png", info.name);
    draw(gnuplot, scripts.at(info.name), work.path(), plots_dir);
  }
}

}  // namespace qa::report
