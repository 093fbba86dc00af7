// Workload `endurance`: N devices × M SET/RESET cycles with statistics at checkpoints (docs/physics.md §1).
#pragma once
#include <cstdint>
#include <vector>

#include "endurance/driver.hpp"
#include "scenario/scenario.hpp"
#include "workloads/backend.hpp"
#include "workloads/workload.hpp"

namespace mc {

struct EnduranceSpec {
  std::uint64_t devices = 0;
  std::uint64_t cycles = 0;
  std::vector<std::uint64_t> checkpoints;  ///< increasing, the last equal to cycles
  std::vector<std::uint64_t> ber_estimate_cycles;  ///< cycles of the quadrature BER estimate (empty: off)
  float compliance = 0;                    ///< µA
  float read_threshold = 0;                ///< µS
};

/// The kernel parameters of an endurance scenario.
EnduranceParams endurance_params(const Scenario& s);

/// One interval of the endurance workload on the chosen backend (shared by the workload and the bench).
void endurance_interval(const Backend& b, const EnduranceParams& p, std::uint64_t pairs, std::uint64_t c0, std::uint64_t c1,
                        IntervalTally& out, const RunHooks& hooks);

// The workload's parts, one file each: run.cpp, compare.cpp, bench.cpp (workload.cpp ties them together).
RunSummary run_endurance(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out);
void compare_endurance(const Manifest& ref, const Manifest& test, std::vector<CompareRow>& rows);
int bench_endurance(const BenchArgs& args);

}  // namespace mc
