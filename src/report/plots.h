// The report's plots, drawn by running gnuplot (Debian package gnuplot-nox)
// on a script and tab-separated data files written to a temporary folder.
// Each plot is written as NAME.svg (inlined in index.html) and NAME.png.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "report/report_inputs.h"

namespace qa::report {

struct PlotInfo {
  std::string name;     // file base name under plots/
  std::string caption;  // what it shows, with units
};

// The plots render_plots draws, in report order.
const std::vector<PlotInfo>& plot_infos();

// Path of the gnuplot executable on PATH. Throws qa::Error (kExitBadInput)
// naming the Debian package gnuplot-nox when it is missing.
std::filesystem::path find_gnuplot();

// Draws every plot into plots_dir (NAME.svg and NAME.png, each renamed into
// place only after gnuplot succeeded). Throws qa::Error with gnuplot's
// error output when a script fails.
void render_plots(const ReportInputs& inputs, const std::filesystem::path& plots_dir);

}  // namespace qa::report
