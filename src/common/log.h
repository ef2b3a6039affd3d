// Progress and diagnostic lines on stderr, so that stdout carries only a
// command's result (tables, JSON). Each line starts with the level.
#pragma once

#include <fmt/core.h>

#include <cstdio>
#include <utility>

namespace qa {

template <typename... Args>
void log_info(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stderr, "{}\n", fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void log_warn(fmt::format_string<Args...> format, Args&&... args) {
  fmt::print(stderr, "warning: {}\n", fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace qa
