// A run's output folder (DESIGN.md decision 7): files written atomically (temp + rename), a manifest, and
// refusal to mix outputs of different scenarios in one folder.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mc {

struct Manifest;

/// Write `content` to `path` through a temporary file in the same folder and a rename.
void atomic_write(const std::string& path, const std::string& content);

/// A CSV table built in memory and written atomically.
class CsvTable {
 public:
  explicit CsvTable(std::vector<std::string> columns) : columns_(std::move(columns)) {}
  void add_row(const std::vector<std::string>& cells);
  std::string str() const;

 private:
  std::vector<std::string> columns_;
  std::string body_;
};

/// Shortest round-trip text of a number (%.9g), for CSV cells.
std::string cell(double v);

class OutputFolder {
 public:
  /// Prepare `dir`: take its lock (InputError naming the process and host that hold it: two runs never write one
  /// folder), remove temporary files a killed run left (*.tmp.<pid>), and throw InputError if it holds a manifest
  /// of another scenario (a different fingerprint). Returns with complete() true when a finished run of the same
  /// scenario is already there. The lock is held until the object is destroyed. With `other`, a manifest of another
  /// fingerprint is handed to it instead of refused: it throws to refuse (a sweep that grows accepts a folder of a
  /// subset of its points), or returns to accept (the folder then counts as unfinished).
  OutputFolder(std::string dir, const std::string& fingerprint, const std::function<void(const Manifest&)>& other = {});
  ~OutputFolder();
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;
  bool complete() const { return complete_; }
  const std::string& dir() const { return dir_; }
  std::string path(const std::string& file) const { return dir_ + "/" + file; }
  void write(const std::string& file, const std::string& content) const { atomic_write(path(file), content); }

 private:
  void check_contents(const std::string& fingerprint, const std::function<void(const Manifest&)>& other);
  std::string dir_;
  bool complete_ = false;
  int lock_fd_ = -1;
};

/// The lock file every output folder holds while a run writes it (hidden; merge and status ignore it).
constexpr const char* kLockFile = ".memcarlo.lock";
/// True for a run's leftovers that are not results: the lock file and temporary files (*.tmp.<pid>).
bool is_scratch_file(const std::string& filename);

/// The facts every manifest records: version, git revision, build flags, host, time.
nlohmann::ordered_json provenance();

}  // namespace mc
