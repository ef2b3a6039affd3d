#include "store/sqlite_handle.h"

#include <limits>

#include <fmt/core.h>

#include "common/error.h"

namespace qa::sqlite {

namespace {

// Returns the next step for an error the user can fix, or an empty string.
std::string hint_for(int result, const std::filesystem::path& path) {
  if ((result & 0xff) == SQLITE_FULL) {
    return fmt::format("; free disk space in {} and rerun the command: committed rows are kept "
                       "and a sweep resumes where it stopped",
                       path.parent_path().empty() ? std::string(".") : path.parent_path().string());
  }
  return {};
}

}  // namespace

Database::Database(const std::filesystem::path& path, int flags) : path_(path) {
  const int result = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (result != SQLITE_OK) {
    const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(result);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(fmt::format("cannot open results store {}: {}", path.string(), message));
  }
  sqlite3_extended_result_codes(db_, 1);
}

Database::~Database() { sqlite3_close(db_); }

void Database::execute(std::string_view sql) {
  char* message = nullptr;
  const int result = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
  if (result != SQLITE_OK) {
    const std::string text = message != nullptr ? message : sqlite3_errstr(result);
    sqlite3_free(message);
    throw Error(fmt::format("results store {}: '{}' failed: {}{}", path_.string(), sql, text,
                            hint_for(result, path_)),
                kExitFailure);
  }
}

void Database::check(int result, std::string_view action) const {
  if (result == SQLITE_OK || result == SQLITE_ROW || result == SQLITE_DONE) {
    return;
  }
  throw Error(fmt::format("results store {}: {} failed: {}{}", path_.string(), action,
                          sqlite3_errmsg(db_), hint_for(result, path_)),
              kExitFailure);
}

Statement::Statement(Database& database, std::string_view sql) : database_(database) {
  database_.check(sqlite3_prepare_v2(database_.get(), sql.data(), static_cast<int>(sql.size()),
                                     &statement_, nullptr),
                  fmt::format("preparing '{}'", sql));
}

Statement::~Statement() { sqlite3_finalize(statement_); }

void Statement::bind(int index, std::string_view text) {
  database_.check(sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                                    SQLITE_TRANSIENT),
                  "binding text");
}

void Statement::bind(int index, long long value) {
  database_.check(sqlite3_bind_int64(statement_, index, value), "binding integer");
}

void Statement::bind(int index, double value) {
  if (std::isnan(value)) {
    bind_null(index);
    return;
  }
  database_.check(sqlite3_bind_double(statement_, index, value), "binding real");
}

void Statement::bind_null(int index) {
  database_.check(sqlite3_bind_null(statement_, index), "binding NULL");
}

void Statement::bind_optional(int index, const std::optional<std::string>& text) {
  if (text) {
    bind(index, std::string_view(*text));
  } else {
    bind_null(index);
  }
}

bool Statement::step() {
  const int result = sqlite3_step(statement_);
  database_.check(result, "step");
  return result == SQLITE_ROW;
}

void Statement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(statement_, index);
  if (text == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(statement_, index)));
}

long long Statement::column_int(int index) const { return sqlite3_column_int64(statement_, index); }

double Statement::column_double(int index) const {
  if (column_is_null(index)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return sqlite3_column_double(statement_, index);
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

Transaction::Transaction(Database& database) : database_(database) {
  database_.execute("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (!done_) {
    sqlite3_exec(database_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  database_.execute("COMMIT");
  done_ = true;
}

}  // namespace qa::sqlite
