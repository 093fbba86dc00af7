// Internal to scenario resolution, shared by host/scenario and every workload's resolve(): the scenario's
// given keys by path, read against the schema into typed values with file:line:column errors, and every value
// read recorded (in internal units) for the manifest.
#pragma once
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "device/rram.hpp"
#include "scenario/error.hpp"
#include "scenario/schema.hpp"

namespace mc {

struct YamlEntry {
  YAML::Node node;
  SourceMark mark;
};
using YamlEntries = std::map<std::string, YamlEntry>;

class Resolver {
 public:
  Resolver(YamlEntries entries, std::string file) : e_(std::move(entries)), file_(std::move(file)) {}

  /// The scenario file (messages, relative paths).
  const std::string& file() const { return file_; }
  bool has(const std::string& path) const { return e_.count(path) != 0; }
  /// Where the key was given, or the file alone when it was not.
  SourceMark mark(const std::string& path) const;

  /// A number or integer key (default when not given), checked against its range.
  double number(const std::string& path);
  /// An enum key (checked against its choices, with "did you mean") or a string key.
  std::string choice(const std::string& path);
  /// A table key; n = 0 when not given.
  Table table(const std::string& path);
  /// An integer-list key; empty when not given.
  std::vector<std::uint64_t> int_list(const std::string& path);
  /// A string key naming a data file: "" when not given; else the file relative to the scenario file, then under
  /// each folder of $MC_DATA_PATH, then under memcarlo's shipped files (scenario/search_path.hpp; there without
  /// leading ../ parts, then by file name). A file found nowhere is an InputError at the key: "no such data file
  /// '<path beside the scenario>' (nor under MC_DATA_PATH or <shipped folder>)".
  std::string data_file(const std::string& path);
  /// The same for a key naming a folder of data files (Fashion-MNIST's IDX files): "no such data folder ...".
  std::string data_folder(const std::string& path);

  nlohmann::ordered_json take_resolved() { return std::move(resolved_); }
  /// Every data file or folder data_file() and data_folder() found: (the path as given, where it was found); `memcarlo submit` snapshots them.
  const std::vector<std::pair<std::string, std::string>>& data_files() const { return data_files_; }

 private:
  std::string find_data(const std::string& path, bool folder);
  double quantity(Dimension d, const std::string& text, const SourceMark& where, const std::string& key) const;
  double scalar_value(const KeySpec& k, const std::string& text, const SourceMark& where, const std::string& key_override = "") const;

  YamlEntries e_;
  std::string file_;
  nlohmann::ordered_json resolved_;
  std::vector<std::pair<std::string, std::string>> data_files_;
};

/// "%.10g": numbers in messages.
std::string fmt_num(double v);

/// A given <block>.checkpoints list: increasing, none beyond <block>.cycles; the cycle count is appended when
/// the list does not end there.
void check_checkpoints(Resolver& r, const std::string& block, std::uint64_t cycles, std::vector<std::uint64_t>& checkpoints);

}  // namespace mc
