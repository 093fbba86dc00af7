// A scenario file parsed, validated and resolved: the fields every workload shares (name, seed, device model,
// the resolved keys for manifests) and the workload's own spec, a type only that workload knows
// (host/workloads/<name>/). Sweeps live in scenario/sweep.hpp.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <any>
#include <stdexcept>

#include "device/rram.hpp"
#include "scenario/error.hpp"

namespace mc {

struct Scenario {
  std::string file;      ///< as given
  std::string name;
  std::string workload;  ///< a registered workload's name (host/workloads/registry.cpp)
  std::uint32_t seed = 1;
  std::string preset;    ///< "" when none
  std::string preset_file;  ///< the preset file found (scenario/search_path.hpp), "" when none
  DeviceModel device{};
  std::any spec;         ///< the workload's own resolved keys (its spec type)
  nlohmann::ordered_json resolved;  ///< every key → resolved value (internal units), for manifests
  /// The files it reads besides itself: (the path or preset name as given, where it was found); the preset first.
  std::vector<std::pair<std::string, std::string>> inputs;

  /// The workload's spec as its type T; a logic error when the scenario is of another workload.
  template <class T>
  const T& spec_as() const {
    if (const T* p = std::any_cast<T>(&spec)) return *p;
    throw std::logic_error("scenario of workload '" + workload + "' has no spec of the requested type");
  }
  template <class T>
  T& spec_as() {
    if (T* p = std::any_cast<T>(&spec)) return *p;
    throw std::logic_error("scenario of workload '" + workload + "' has no spec of the requested type");
  }
  /// Stable fingerprint of the resolved scenario (without its name), to refuse mixing outputs in one folder.
  std::string fingerprint() const;
};

/// Parse and validate a scenario file; throws InputError naming file:line:column and key on any mistake.
Scenario load_scenario(const std::string& path);
/// Same, from text (for tests); `file` is used in messages and to resolve relative preset paths.
Scenario parse_scenario(const std::string& text, const std::string& file);

/// Log-spaced checkpoints from 1 to cycles with `per_decade` per decade (always including cycles).
std::vector<std::uint64_t> log_checkpoints(std::uint64_t cycles, int per_decade);

}  // namespace mc
