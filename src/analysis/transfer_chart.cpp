#include "analysis/transfer_chart.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include <fmt/core.h>

#include "common/error.h"
#include "common/files.h"

extern char** environ;

namespace qa {

namespace {

// A scratch folder for the gnuplot script and its output, removed on scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            fmt::format("qa-transfer-chart-{}-{}", ::getpid(), counter++);
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// gnuplot single-quoted strings take every character literally except the
// quote itself, which is doubled.
std::string gnuplot_quote(const std::string& text) {
  std::string quoted = "'";
  for (char ch : text) {
    quoted += ch;
    if (ch == '\'') {
      quoted += '\'';
    }
  }
  return quoted + "'";
}

// Families usable on every model, in the first model's death order (then by name).
std::vector<std::string> chart_families(const TransferResult& result) {
  std::vector<std::string> families;
  for (const auto& row : result.families) {
    if (row.agreement.rfind("n/a", 0) != 0) {
      families.push_back(row.family);
    }
  }
  const StudyAnalysis& first = result.studies.front();
  auto rank = [&](const std::string& family) {
    const FamilyDeath& death = first.deaths.at(family);
    return death.death_rung ? first.rung_position(*death.death_rung)
                            : static_cast<int>(first.ladder_rungs.size());
  };
  std::stable_sort(families.begin(), families.end(),
                   [&](const std::string& x, const std::string& y) { return rank(x) < rank(y); });
  return families;
}

std::string chart_script(const TransferResult& result, const fs::path& svg_path) {
  const std::vector<std::string> families = chart_families(result);
  const size_t panels = result.studies.size();
  const int width = static_cast<int>(360 * panels + 120);
  const int height = static_cast<int>(std::max<size_t>(300, 130 + 28 * families.size()));

  std::string script;
  script += fmt::format(
      "set terminal svg size {},{} noenhanced font 'sans,11' background rgb 'white'\n", width,
      height);
  script += fmt::format("set output {}\n", gnuplot_quote(svg_path.string()));
  script += "set style fill solid 0.7 border -1\n";
  script += "set grid xtics lc rgb '#dddddd'\n";
  script += "unset key\n";
  script += "set bmargin 6\n";
  script += fmt::format("set multiplot layout 1,{} title {}\n", panels,
                        gnuplot_quote("Death rung per family (bar ends at the death rung)"));

  // Vertical axis: one tic per family, the first model's earliest death on top.
  std::string ytics;
  for (size_t i = 0; i < families.size(); ++i) {
    ytics += fmt::format("{}{} {}", i == 0 ? "" : ", ", gnuplot_quote(families[i]),
                         families.size() - 1 - i);
  }
  script += fmt::format("set ytics ({})\n", ytics.empty() ? "'none' 0" : ytics);
  script += fmt::format("set yrange [-0.6:{}]\n", std::max<double>(0.6, families.size() - 0.4));

  for (size_t s = 0; s < panels; ++s) {
    const StudyAnalysis& study = result.studies[s];
    std::string xtics;
    for (size_t r = 0; r < study.ladder_rungs.size(); ++r) {
      xtics += fmt::format("{} {}, ", gnuplot_quote(study.ladder_rungs[r]), r);
    }
    xtics += fmt::format("'survives' {}", study.ladder_rungs.size());
    script += fmt::format("set title {}\n", gnuplot_quote(result.labels[s]));
    script += fmt::format("set xtics ({}) rotate by -40\n", xtics);
    script += fmt::format("set xrange [-0.6:{}]\n", study.ladder_rungs.size() + 0.6);

    // Data: y position, death rank, colour (red: dies, green: survives); a
    // box from x = -0.5 to the death rank.
    script += fmt::format("$deaths{} << EOD\n", s);
    for (size_t i = 0; i < families.size(); ++i) {
      const FamilyDeath& death = study.deaths.at(families[i]);
      const size_t rank = death.death_rung
                              ? static_cast<size_t>(study.rung_position(*death.death_rung))
                              : study.ladder_rungs.size();
      script += fmt::format("{} {} {}\n", families.size() - 1 - i, rank,
                            death.death_rung ? "0xc0392b" : "0x27ae60");
    }
    script += "EOD\n";
    if (families.empty()) {
      script += "plot 1/0\n";
    } else {
      script += fmt::format(
          "plot $deaths{} using (($2 - 0.5) / 2):1:(($2 + 0.5) / 2):(0.32):3 with boxxyerror "
          "lc rgb variable\n",
          s);
    }
  }
  script += "unset multiplot\n";
  return script;
}

}  // namespace

std::string render_death_order_chart_svg(const TransferResult& result) {
  ScratchDir scratch;
  const fs::path script_path = scratch.path() / "chart.gp";
  const fs::path svg_path = scratch.path() / "chart.svg";
  const fs::path log_path = scratch.path() / "gnuplot.log";
  write_file_atomically(script_path, chart_script(result, svg_path));

  // gnuplot runs without a shell; its output goes to a log for the error message.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const std::string program = "gnuplot";
  const std::string script_argument = script_path.string();
  char* argv[] = {const_cast<char*>(program.c_str()), const_cast<char*>(script_argument.c_str()),
                  nullptr};
  pid_t pid = 0;
  const int spawn_error = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    throw Error(fmt::format("cannot run gnuplot ({}): install gnuplot-nox and retry",
                            std::strerror(spawn_error)),
                kExitFailure);
  }

  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      throw Error(fmt::format("waiting for gnuplot failed: {}", std::strerror(errno)),
                  kExitFailure);
    }
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !fs::exists(svg_path)) {
    const std::string log = fs::exists(log_path) ? read_file(log_path) : "";
    throw Error(fmt::format("gnuplot failed to draw the death-order chart: {}", log),
                kExitFailure);
  }

  const std::string svg = read_file(svg_path);
  const size_t start = svg.find("<svg");
  if (start == std::string::npos) {
    throw Error("gnuplot wrote no <svg> element for the death-order chart", kExitFailure);
  }
  return svg.substr(start);
}

}  // namespace qa
