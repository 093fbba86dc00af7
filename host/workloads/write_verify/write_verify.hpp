// Workload `write_verify`: program devices to a target conductance by pulse-read-verify (docs/physics.md §5).
#pragma once
#include <cstdint>
#include <vector>

#include "endurance/driver.hpp"
#include "scenario/scenario.hpp"
#include "workloads/backend.hpp"
#include "workloads/workload.hpp"

namespace mc {

struct WriteVerifySpec {
  std::uint64_t devices = 0;
  float target = 0, tolerance = 0, start_fraction = 0, step = 0;
  std::uint32_t max_pulses = 0;
  PulseLaw law = PulseLaw::kRetry;
};

/// The kernel parameters of a write_verify scenario.
WriteVerifyParams write_verify_params(const Scenario& s);

// The workload's parts: run.cpp and compare.cpp (workload.cpp ties them together).
RunSummary run_write_verify(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out);
void compare_write_verify(const Manifest& ref, const Manifest& test, std::vector<CompareRow>& rows);

}  // namespace mc
