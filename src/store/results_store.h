// The results store: STUDY/results.sqlite (schema in store/response.h).
//
// Contract:
// - One response row per (rung, item_id, battery_hash); inserting a row that
//   exists is a no-op, so a resumed sweep never duplicates rows.
// - Rows are written in one transaction per batch; a kill at any moment
//   leaves only whole batches.
// - The store belongs to one battery: opening it for writing with another
//   battery hash throws qa::Error (kExitBadInput) naming both hashes.
// - WAL mode with a busy timeout, so readers never block the writer.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/response.h"

namespace qa {

struct RunSettings {
  int threads = 0;
  int n_ctx = 0;
  int n_batch = 0;
  int n_ubatch = 0;
  int n_parallel = 0;
  std::string prompt_format;  // "completion" or "chat"
  std::string llama_cpp_commit;
  std::string battery_hash;
  std::string tool_version;
};

struct RungRecord {
  std::string name;
  std::string ftype;
  std::string file;
  std::string sha256;
  double bits_per_weight = 0;
  std::optional<std::string> identical_to;
};

class ResultsStore {
 public:
  // Opens or creates the store. With battery_hash non-empty, the store is
  // bound to that battery (recorded on first open, checked afterwards).
  static ResultsStore open(const std::filesystem::path& path, const std::string& battery_hash);
  // Opens an existing store for reading; throws when it does not exist.
  static ResultsStore open_readonly(const std::filesystem::path& path);

  ResultsStore(ResultsStore&&) noexcept;
  ResultsStore& operator=(ResultsStore&&) noexcept;
  ~ResultsStore();

  std::string battery_hash() const;

  // Records the model, a rung and a run; returns the run id.
  void upsert_model(const std::string& name, const std::string& path, const std::string& sha256,
                    const std::string& file_type, unsigned long long n_params);
  void upsert_rung(const RungRecord& rung);
  long long begin_run(const RunSettings& settings);
  // The settings of the first run, which every later run must match.
  std::optional<RunSettings> first_run_settings() const;

  // Inserts rows in one transaction; existing keys are left unchanged.
  void insert_responses(const std::vector<ResponseRow>& rows);

  // Item ids already stored for a rung (resume).
  std::set<std::string> stored_item_ids(const std::string& rung) const;
  // Number of rows, of one rung or (empty) of all rungs.
  size_t count_responses(const std::string& rung = "") const;
  // Rung names that have at least one row, sorted.
  std::vector<std::string> stored_rungs() const;
  // Path of the SQLite file.
  const std::filesystem::path& path() const;

  // All rows, optionally of one rung, ordered by rung then item_id.
  std::vector<ResponseRow> responses(const std::string& rung = "") const;
  std::vector<RungRecord> rungs() const;

 private:
  struct Impl;
  explicit ResultsStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace qa
