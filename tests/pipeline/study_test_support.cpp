#include "pipeline/study_test_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>

#include "common/error.h"
#include "common/study.h"
#include "store/results_store.h"

extern char** environ;

namespace qa {

namespace fs = std::filesystem;

// Rows in the study's store; 0 while the store or its schema does not exist
// yet, because a sweep started in the background may still be creating it.
size_t count_rows(const fs::path& study) {
  const fs::path db = StudyLayout{study}.results_db();
  if (!fs::exists(db)) {
    return 0;
  }
  try {
    return ResultsStore::open_readonly(db).count_responses();
  } catch (const Error&) {
    return 0;
  }
}

// Starts the binary with arguments in the background, output to log.
pid_t spawn_cli(const std::vector<std::string>& arguments, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);

  std::vector<std::string> all{QA_BINARY};
  all.insert(all.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& argument : all) {
    argv.push_back(argument.data());
  }
  argv.push_back(nullptr);

  pid_t pid = -1;
  const int result = posix_spawn(&pid, QA_BINARY, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  EXPECT_EQ(result, 0);
  return pid;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Compares two responses tables row by row: same keys, equal outputs and
// verdicts, log-probabilities within 1e-6. Time and run ids may differ.
void expect_same_responses(const fs::path& a, const fs::path& b) {
  const auto rows_a = ResultsStore::open_readonly(StudyLayout{a}.results_db()).responses();
  const auto rows_b = ResultsStore::open_readonly(StudyLayout{b}.results_db()).responses();
  ASSERT_EQ(rows_a.size(), rows_b.size());

  const auto close = [](double x, double y) {
    return (std::isnan(x) && std::isnan(y)) || std::abs(x - y) <= 1e-6;
  };
  for (size_t i = 0; i < rows_a.size(); ++i) {
    const auto& x = rows_a[i];
    const auto& y = rows_b[i];
    const std::string where = x.rung + " " + x.item_id;
    ASSERT_EQ(x.rung, y.rung) << where;
    ASSERT_EQ(x.item_id, y.item_id) << where;
    EXPECT_EQ(x.output, y.output) << where;
    EXPECT_EQ(x.correct, y.correct) << where;
    EXPECT_EQ(x.correct_norm, y.correct_norm) << where;
    EXPECT_EQ(x.predicted_index, y.predicted_index) << where;
    EXPECT_EQ(x.predicted_index_norm, y.predicted_index_norm) << where;
    EXPECT_EQ(x.n_tokens, y.n_tokens) << where;
    EXPECT_TRUE(close(x.ref_logprob, y.ref_logprob)) << where << ": " << x.ref_logprob << " vs "
                                                     << y.ref_logprob;
    EXPECT_TRUE(close(x.margin, y.margin)) << where << ": " << x.margin << " vs " << y.margin;
  }
}

}  // namespace qa
