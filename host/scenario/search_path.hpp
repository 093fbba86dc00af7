// Where memcarlo looks for device presets, data files and its other shipped files (docs/installing.md):
//   1. the scenario's folder (data files: relative to the scenario file; presets by name: devices/<name>.yaml or
//      configs/devices/<name>.yaml in the scenario's folder or any folder above it);
//   2. the folders of MC_DATA_PATH (data) or MC_PRESET_PATH (presets by name), colon-separated, in order;
//   3. memcarlo's shipped files: the installed share folder (<prefix>/share/memcarlo, found from the binary's
//      own location, so a moved installation works) or, for a binary run from its build tree, the source tree.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace mc {

/// The folder holding memcarlo's shipped configs/, data/ and tools/: the installed share folder of an installed
/// binary, the source tree of a binary in its build tree, else the configured install folder if it exists;
/// empty when there is none.
const std::filesystem::path& shipped_root();

/// Describes shipped_root() for messages and `memcarlo devices`: the folder and which kind it is.
std::string shipped_root_description();

/// The folders listed in a colon-separated environment variable, in order (empty entries skipped).
std::vector<std::filesystem::path> path_list_from_env(const char* variable);

/// A shipped file by its path inside the source tree (e.g. "tools/baselines/endurance_numpy.py"); throws
/// std::runtime_error naming where it looked when it is missing.
std::string shipped_file(const std::string& relative);

/// A relative path made usable under a search folder: leading "./" and "../" parts dropped
/// ("../../data/iris.csv" -> "data/iris.csv").
std::filesystem::path without_leading_parents(const std::filesystem::path& p);

}  // namespace mc
