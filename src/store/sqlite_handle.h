// Thin RAII wrappers over the SQLite C API for the results store: a
// connection, a prepared statement and a transaction. Every failure throws
// qa::Error with SQLite's message and the database path.
#pragma once

#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace qa::sqlite {

class Database {
 public:
  // Opens path with the given SQLITE_OPEN_* flags.
  Database(const std::filesystem::path& path, int flags);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* get() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

  // Runs one or more statements that return no rows.
  void execute(std::string_view sql);
  // Throws qa::Error naming the database when result is not SQLITE_OK/ROW/DONE.
  void check(int result, std::string_view action) const;

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

class Statement {
 public:
  Statement(Database& database, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binders take 1-based parameter indexes, as sqlite3_bind_* does.
  void bind(int index, std::string_view text);
  void bind(int index, long long value);
  void bind(int index, int value) { bind(index, static_cast<long long>(value)); }
  // NaN is stored as NULL.
  void bind(int index, double value);
  void bind_null(int index);
  void bind_optional(int index, const std::optional<std::string>& text);

  // Steps once; returns true while a row is available.
  bool step();
  // Resets the statement and clears its bindings for the next use.
  void reset();

  std::string column_text(int index) const;
  long long column_int(int index) const;
  // NULL reads as NaN.
  double column_double(int index) const;
  bool column_is_null(int index) const;

 private:
  Database& database_;
  sqlite3_stmt* statement_ = nullptr;
};

// BEGIN IMMEDIATE on construction, ROLLBACK on destruction unless commit()
// ran. IMMEDIATE takes the write lock up front, so two writers wait on the
// busy timeout instead of failing half way through a batch.
class Transaction {
 public:
  explicit Transaction(Database& database);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& database_;
  bool done_ = false;
};

}  // namespace qa::sqlite
