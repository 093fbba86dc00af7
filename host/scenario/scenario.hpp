// A scenario file parsed, validated and resolved into the plain parameter structs the kernels take.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "endurance/endurance.hpp"
#include "endurance/write_verify.hpp"
#include "scenario/error.hpp"

namespace mc {

struct EnduranceSpec {
  std::uint64_t devices = 0;
  std::uint64_t cycles = 0;
  std::vector<std::uint64_t> checkpoints;  ///< increasing, the last equal to cycles
  float compliance = 0;                    ///< µA
  float read_threshold = 0;                ///< µS
};

struct WriteVerifySpec {
  std::uint64_t devices = 0;
  float target = 0, tolerance = 0, start_fraction = 0, step = 0;
  std::uint32_t max_pulses = 0;
  PulseLaw law = PulseLaw::kRetry;
};

struct Scenario {
  std::string file;      ///< as given
  std::string name;
  std::string workload;  ///< "endurance" | "write_verify"
  std::uint32_t seed = 1;
  std::string preset;    ///< "" when none
  DeviceModel device{};
  EnduranceSpec endurance;
  WriteVerifySpec write_verify;
  nlohmann::ordered_json resolved;  ///< every key → resolved value (internal units), for manifests

  EnduranceParams endurance_params() const { return EnduranceParams{device, endurance.compliance, endurance.read_threshold, seed}; }
  WriteVerifyParams write_verify_params() const;
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
