// Reading a run folder's manifest.json back (resume, status, merge, submit, compare all go through this one
// reader; each caller words its own message for a folder that has none or an unreadable one).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace mc {

struct Manifest {
  enum class State { kAbsent, kUnreadable, kOk };
  std::string dir;   ///< the folder
  std::string path;  ///< dir/manifest.json
  State state = State::kAbsent;
  nlohmann::json json;  ///< the JSON object when ok
  std::string error;    ///< why it is unreadable (not JSON, or JSON but not an object)

  bool ok() const { return state == State::kOk; }
  /// "complete": true (a finished run); false when absent or not a boolean.
  bool complete() const;
  /// A string field, "" when absent or not a string.
  std::string text(const char* key) const;
  std::string fingerprint() const { return text("fingerprint"); }
  /// Complete, and every file of its "files" list is a regular file in the folder (none deleted since).
  bool complete_with_files() const;
  std::string workload() const { return text("workload"); }
};

/// Read dir/manifest.json; never throws for a missing or broken file (see Manifest::state).
Manifest read_manifest(const std::string& dir);

}  // namespace mc
