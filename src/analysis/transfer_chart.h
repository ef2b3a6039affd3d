// The side-by-side death-order chart of TRANSFER.html, drawn by gnuplot.
#pragma once

#include <string>

#include "analysis/transfer.h"

namespace qa {

// Runs gnuplot (found on PATH) on a generated script and returns the SVG
// document without its XML prolog, ready to inline into HTML. One panel per
// model: the families usable on every model on the vertical axis, in the
// first model's death order, and a bar reaching each family's death rung on
// that model's own ladder ("survives" past the last rung). Throws qa::Error
// when gnuplot is missing or fails, with its error output.
std::string render_death_order_chart_svg(const TransferResult& result);

}  // namespace qa
