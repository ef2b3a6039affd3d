#include "store/results_store.h"

#include <chrono>

#include <fmt/chrono.h>
#include <fmt/core.h>

#include "common/error.h"
#include "store/sqlite_handle.h"

namespace qa {

namespace {

constexpr int kSchemaVersion = 1;

// Milliseconds a connection waits for another connection's lock before
// SQLITE_BUSY. Long, because a sweep commits one batch while an analysis or
// export may be reading.
constexpr int kBusyTimeoutMs = 60'000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS models(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL UNIQUE,
  file_type TEXT NOT NULL,
  n_params INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS rungs(
  id INTEGER PRIMARY KEY,
  model_id INTEGER NOT NULL REFERENCES models(id),
  name TEXT NOT NULL,
  ftype TEXT NOT NULL,
  file TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bits_per_weight REAL,
  identical_to TEXT,
  UNIQUE(model_id, name));
CREATE TABLE IF NOT EXISTS runs(
  id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  threads INTEGER NOT NULL,
  n_ctx INTEGER NOT NULL,
  n_batch INTEGER NOT NULL,
  n_ubatch INTEGER NOT NULL,
  n_parallel INTEGER NOT NULL,
  prompt_format TEXT NOT NULL,
  chat INTEGER NOT NULL,
  llama_cpp_commit TEXT NOT NULL,
  battery_hash TEXT NOT NULL,
  tool_version TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS responses(
  rung TEXT NOT NULL,
  item_id TEXT NOT NULL,
  battery_hash TEXT NOT NULL,
  family TEXT NOT NULL,
  level INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK(kind IN ('generate', 'choice')),
  run_id INTEGER NOT NULL,
  output TEXT NOT NULL,
  correct INTEGER NOT NULL,
  correct_norm INTEGER NOT NULL,
  predicted_index INTEGER NOT NULL,
  predicted_index_norm INTEGER NOT NULL,
  ref_logprob REAL,
  margin REAL,
  n_tokens INTEGER NOT NULL,
  ms REAL NOT NULL,
  PRIMARY KEY(rung, item_id, battery_hash));
)sql";

constexpr const char* kResponseColumns =
    "rung, item_id, battery_hash, family, level, kind, run_id, output, correct, correct_norm, "
    "predicted_index, predicted_index_norm, ref_logprob, margin, n_tokens, ms";

std::optional<std::string> read_meta(sqlite::Database& db, const std::string& key) {
  sqlite::Statement select(db, "SELECT value FROM meta WHERE key = ?");
  select.bind(1, std::string_view(key));
  if (!select.step()) {
    return std::nullopt;
  }
  return select.column_text(0);
}

void write_meta(sqlite::Database& db, const std::string& key, const std::string& value) {
  sqlite::Statement insert(
      db, "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = ?");
  insert.bind(1, std::string_view(key));
  insert.bind(2, std::string_view(value));
  insert.bind(3, std::string_view(value));
  insert.step();
}

ResponseRow read_response(const sqlite::Statement& select) {
  ResponseRow row;
  row.rung = select.column_text(0);
  row.item_id = select.column_text(1);
  row.battery_hash = select.column_text(2);
  row.family = select.column_text(3);
  row.level = static_cast<int>(select.column_int(4));
  row.kind = select.column_text(5);
  row.run_id = select.column_int(6);
  row.output = select.column_text(7);
  row.correct = select.column_int(8) != 0;
  row.correct_norm = select.column_int(9) != 0;
  row.predicted_index = static_cast<int>(select.column_int(10));
  row.predicted_index_norm = static_cast<int>(select.column_int(11));
  row.ref_logprob = select.column_double(12);
  row.margin = select.column_double(13);
  row.n_tokens = static_cast<int>(select.column_int(14));
  row.ms = select.column_double(15);
  return row;
}

std::string utc_now_iso8601() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
}

}  // namespace

struct ResultsStore::Impl {
  Impl(const std::filesystem::path& path, int flags) : db(path, flags) {}

  sqlite::Database db;
  std::string battery_hash;
  // Model that upsert_rung attaches rungs to; set by upsert_model.
  std::optional<long long> model_id;
};

ResultsStore::ResultsStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ResultsStore::ResultsStore(ResultsStore&&) noexcept = default;
ResultsStore& ResultsStore::operator=(ResultsStore&&) noexcept = default;
ResultsStore::~ResultsStore() = default;

ResultsStore ResultsStore::open(const std::filesystem::path& path,
                                const std::string& battery_hash) {
  auto impl = std::make_unique<Impl>(
      path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX);
  auto& db = impl->db;
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);

  // WAL lets readers work while a sweep writes; synchronous=NORMAL keeps every
  // committed transaction across a process kill (only power loss can drop the
  // last commits, and never leaves a partial one).
  db.execute("PRAGMA journal_mode=WAL");
  db.execute("PRAGMA synchronous=NORMAL");
  db.execute("PRAGMA foreign_keys=ON");

  sqlite::Transaction transaction(db);
  db.execute(kSchema);

  const auto version = read_meta(db, "schema_version");
  if (!version) {
    write_meta(db, "schema_version", std::to_string(kSchemaVersion));
  } else if (*version != std::to_string(kSchemaVersion)) {
    throw Error(fmt::format("results store {} has schema version {}, this build reads version {}; "
                            "use a quant-autopsy build that matches it or start a new study",
                            path.string(), *version, kSchemaVersion));
  }

  const auto stored_hash = read_meta(db, "battery_hash");
  if (stored_hash && !battery_hash.empty() && *stored_hash != battery_hash) {
    throw Error(fmt::format(
        "results store {} belongs to battery {}, but the study's battery is {}; results of "
        "different batteries cannot be paired. Restore the battery the store was written for, "
        "or move the store aside to start the sweep again",
        path.string(), *stored_hash, battery_hash));
  }
  if (!stored_hash && !battery_hash.empty()) {
    write_meta(db, "battery_hash", battery_hash);
  }
  transaction.commit();

  impl->battery_hash = stored_hash.value_or(battery_hash);
  return ResultsStore(std::move(impl));
}

ResultsStore ResultsStore::open_readonly(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw Error(fmt::format("results store {} not found; run 'quant-autopsy calibrate' and "
                            "'quant-autopsy sweep' on the study first",
                            path.string()));
  }
  auto impl = std::make_unique<Impl>(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX);
  sqlite3_busy_timeout(impl->db.get(), kBusyTimeoutMs);

  const auto stored_hash = read_meta(impl->db, "battery_hash");
  impl->battery_hash = stored_hash.value_or("");
  return ResultsStore(std::move(impl));
}

std::string ResultsStore::battery_hash() const { return impl_->battery_hash; }

const std::filesystem::path& ResultsStore::path() const { return impl_->db.path(); }

void ResultsStore::upsert_model(const std::string& name, const std::string& path,
                                const std::string& sha256, const std::string& file_type,
                                unsigned long long n_params) {
  auto& db = impl_->db;
  sqlite::Transaction transaction(db);
  sqlite::Statement insert(db,
                           "INSERT INTO models(name, path, sha256, file_type, n_params) "
                           "VALUES(?, ?, ?, ?, ?) ON CONFLICT(sha256) DO UPDATE SET "
                           "name = excluded.name, path = excluded.path, "
                           "file_type = excluded.file_type, n_params = excluded.n_params");
  insert.bind(1, std::string_view(name));
  insert.bind(2, std::string_view(path));
  insert.bind(3, std::string_view(sha256));
  insert.bind(4, std::string_view(file_type));
  insert.bind(5, static_cast<long long>(n_params));
  insert.step();

  sqlite::Statement select(db, "SELECT id FROM models WHERE sha256 = ?");
  select.bind(1, std::string_view(sha256));
  select.step();
  impl_->model_id = select.column_int(0);
  transaction.commit();
}

void ResultsStore::upsert_rung(const RungRecord& rung) {
  if (!impl_->model_id) {
    throw Error(fmt::format("results store {}: rung '{}' recorded before its model; call "
                            "upsert_model first",
                            path().string(), rung.name),
                kExitFailure);
  }
  auto& db = impl_->db;
  sqlite::Transaction transaction(db);
  sqlite::Statement insert(
      db,
      "INSERT INTO rungs(model_id, name, ftype, file, sha256, bits_per_weight, identical_to) "
      "VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(model_id, name) DO UPDATE SET "
      "ftype = excluded.ftype, file = excluded.file, sha256 = excluded.sha256, "
      "bits_per_weight = excluded.bits_per_weight, identical_to = excluded.identical_to");
  insert.bind(1, *impl_->model_id);
  insert.bind(2, std::string_view(rung.name));
  insert.bind(3, std::string_view(rung.ftype));
  insert.bind(4, std::string_view(rung.file));
  insert.bind(5, std::string_view(rung.sha256));
  insert.bind(6, rung.bits_per_weight);
  insert.bind_optional(7, rung.identical_to);
  insert.step();
  transaction.commit();
}

long long ResultsStore::begin_run(const RunSettings& settings) {
  auto& db = impl_->db;
  sqlite::Transaction transaction(db);
  sqlite::Statement insert(db,
                           "INSERT INTO runs(started_at, threads, n_ctx, n_batch, n_ubatch, "
                           "n_parallel, prompt_format, chat, llama_cpp_commit, battery_hash, "
                           "tool_version) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, std::string_view(utc_now_iso8601()));
  insert.bind(2, settings.threads);
  insert.bind(3, settings.n_ctx);
  insert.bind(4, settings.n_batch);
  insert.bind(5, settings.n_ubatch);
  insert.bind(6, settings.n_parallel);
  insert.bind(7, std::string_view(settings.prompt_format));
  insert.bind(8, settings.prompt_format == "chat" ? 1 : 0);
  insert.bind(9, std::string_view(settings.llama_cpp_commit));
  insert.bind(10, std::string_view(settings.battery_hash));
  insert.bind(11, std::string_view(settings.tool_version));
  insert.step();
  const long long run_id = sqlite3_last_insert_rowid(db.get());
  transaction.commit();
  return run_id;
}

std::optional<RunSettings> ResultsStore::first_run_settings() const {
  sqlite::Statement select(impl_->db,
                           "SELECT threads, n_ctx, n_batch, n_ubatch, n_parallel, prompt_format, "
                           "llama_cpp_commit, battery_hash, tool_version FROM runs "
                           "ORDER BY id LIMIT 1");
  if (!select.step()) {
    return std::nullopt;
  }
  RunSettings settings;
  settings.threads = static_cast<int>(select.column_int(0));
  settings.n_ctx = static_cast<int>(select.column_int(1));
  settings.n_batch = static_cast<int>(select.column_int(2));
  settings.n_ubatch = static_cast<int>(select.column_int(3));
  settings.n_parallel = static_cast<int>(select.column_int(4));
  settings.prompt_format = select.column_text(5);
  settings.llama_cpp_commit = select.column_text(6);
  settings.battery_hash = select.column_text(7);
  settings.tool_version = select.column_text(8);
  return settings;
}

void ResultsStore::insert_responses(const std::vector<ResponseRow>& rows) {
  if (rows.empty()) {
    return;
  }
  for (const auto& row : rows) {
    if (!impl_->battery_hash.empty() && row.battery_hash != impl_->battery_hash) {
      throw Error(fmt::format("results store {} belongs to battery {}, but row ({}, {}) carries "
                              "battery {}",
                              path().string(), impl_->battery_hash, row.rung, row.item_id,
                              row.battery_hash),
                  kExitFailure);
    }
  }

  auto& db = impl_->db;
  sqlite::Transaction transaction(db);
  // ON CONFLICT DO NOTHING skips only rows whose key exists; other constraint
  // failures (NOT NULL, CHECK) still raise, unlike INSERT OR IGNORE.
  sqlite::Statement insert(
      db, fmt::format("INSERT INTO responses({}) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                      "?, ?) ON CONFLICT(rung, item_id, battery_hash) DO NOTHING",
                      kResponseColumns));
  for (const auto& row : rows) {
    insert.bind(1, std::string_view(row.rung));
    insert.bind(2, std::string_view(row.item_id));
    insert.bind(3, std::string_view(row.battery_hash));
    insert.bind(4, std::string_view(row.family));
    insert.bind(5, row.level);
    insert.bind(6, std::string_view(row.kind));
    insert.bind(7, row.run_id);
    insert.bind(8, std::string_view(row.output));
    insert.bind(9, row.correct ? 1 : 0);
    insert.bind(10, row.correct_norm ? 1 : 0);
    insert.bind(11, row.predicted_index);
    insert.bind(12, row.predicted_index_norm);
    insert.bind(13, row.ref_logprob);
    insert.bind(14, row.margin);
    insert.bind(15, row.n_tokens);
    insert.bind(16, row.ms);
    insert.step();
    insert.reset();
  }
  transaction.commit();
}

std::set<std::string> ResultsStore::stored_item_ids(const std::string& rung) const {
  sqlite::Statement select(impl_->db, "SELECT item_id FROM responses WHERE rung = ?");
  select.bind(1, std::string_view(rung));
  std::set<std::string> ids;
  while (select.step()) {
    ids.insert(select.column_text(0));
  }
  return ids;
}

size_t ResultsStore::count_responses(const std::string& rung) const {
  const bool all = rung.empty();
  sqlite::Statement select(impl_->db, all ? "SELECT COUNT(*) FROM responses"
                                          : "SELECT COUNT(*) FROM responses WHERE rung = ?");
  if (!all) {
    select.bind(1, std::string_view(rung));
  }
  select.step();
  return static_cast<size_t>(select.column_int(0));
}

std::vector<std::string> ResultsStore::stored_rungs() const {
  sqlite::Statement select(impl_->db, "SELECT DISTINCT rung FROM responses ORDER BY rung");
  std::vector<std::string> names;
  while (select.step()) {
    names.push_back(select.column_text(0));
  }
  return names;
}

std::vector<ResponseRow> ResultsStore::responses(const std::string& rung) const {
  const bool all = rung.empty();
  sqlite::Statement select(
      impl_->db, fmt::format("SELECT {} FROM responses {} ORDER BY rung, item_id", kResponseColumns,
                             all ? "" : "WHERE rung = ?"));
  if (!all) {
    select.bind(1, std::string_view(rung));
  }
  std::vector<ResponseRow> rows;
  while (select.step()) {
    rows.push_back(read_response(select));
  }
  return rows;
}

std::vector<RungRecord> ResultsStore::rungs() const {
  sqlite::Statement select(impl_->db,
                           "SELECT name, ftype, file, sha256, bits_per_weight, identical_to "
                           "FROM rungs ORDER BY id");
  std::vector<RungRecord> records;
  while (select.step()) {
    RungRecord record;
    record.name = select.column_text(0);
    record.ftype = select.column_text(1);
    record.file = select.column_text(2);
    record.sha256 = select.column_text(3);
    record.bits_per_weight = select.column_double(4);
    if (!select.column_is_null(5)) {
      record.identical_to = select.column_text(5);
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace qa
