// A run's output folder (DESIGN.md decision 7): files written atomically (temp + rename), a manifest, and
// refusal to mix outputs of different scenarios in one folder.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace mc {

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
  /// Prepare `dir`; throws InputError if it holds a manifest of another scenario (a different fingerprint).
  /// Returns with complete() true when a finished run of the same scenario is already there.
  OutputFolder(std::string dir, const std::string& fingerprint);
  bool complete() const { return complete_; }
  const std::string& dir() const { return dir_; }
  std::string path(const std::string& file) const { return dir_ + "/" + file; }
  void write(const std::string& file, const std::string& content) const { atomic_write(path(file), content); }

 private:
  std::string dir_;
  bool complete_ = false;
};

/// The facts every manifest records: version, git revision, build flags, host, time.
nlohmann::ordered_json provenance();

}  // namespace mc
