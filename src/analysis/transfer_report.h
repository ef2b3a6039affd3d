// The files `quant-autopsy transfer` writes into its output folder:
// transfer_pairs.csv, transfer_families.csv, headline.csv, TRANSFER.md and
// TRANSFER.html (with the gnuplot death-order chart inlined as SVG).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/transfer.h"

namespace qa {

namespace fs = std::filesystem;

std::string transfer_pairs_csv(const TransferResult& result);
std::string transfer_families_csv(const TransferResult& result);
std::string transfer_headline_csv(const TransferResult& result);
std::string transfer_markdown(const TransferResult& result);
// chart_svg is inlined as it is; pass render_death_order_chart_svg's output.
std::string transfer_html(const TransferResult& result, const std::string& chart_svg);

// Loads each study, compares them and writes the five files into out_dir,
// each through write_file_atomically after all of them were computed, so a
// failure (bad study, gnuplot error) leaves no new file behind. Throws
// qa::Error when out_dir already contains transfer outputs and force is false.
TransferResult run_transfer(const std::vector<fs::path>& studies, const fs::path& out_dir,
                            const TransferOptions& options, bool force);

}  // namespace qa
