// Helpers for the end-to-end tests of the pipeline stages: the binary
// started in the background, the store's row count while it runs, and a
// row-by-row comparison of two studies' responses tables.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/paths.h"

namespace qa {

using test::quoted;

// Rows in the study's store; 0 while the store or its schema does not exist
// yet, because a command started in the background may still be creating it.
size_t count_rows(const std::filesystem::path& study);

// Starts the binary with arguments in the background, stdout and stderr to log.
pid_t spawn_cli(const std::vector<std::string>& arguments, const std::filesystem::path& log);

// Waits for a child; returns its exit status, or 128 + signal.
int wait_exit_code(pid_t pid);

// Compares two studies' responses tables row by row: same keys, equal
// outputs and verdicts, log-probabilities within 1e-6. Time and run ids may
// differ.
void expect_same_responses(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace qa
