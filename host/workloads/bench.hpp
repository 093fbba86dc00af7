// What every workload's `memcarlo bench` shares: the scenario it benchmarks, the peak memory, and the NumPy
// baseline run side by side (tools/baselines/<script>).
#pragma once
#include <string>

#include "scenario/scenario.hpp"

namespace mc {

/// A benchmark's scenario from YAML text (paths resolve against the project's source folder).
Scenario bench_scenario(const std::string& yaml);

/// Peak resident memory of this process in MB.
long peak_rss_mb();

/// Runs a NumPy baseline (tools/baselines/<script> <args> --json, which prints one JSON object with "rate" and
/// "peak_mb") and prints its rate, `detail` and its ratio to ours; returns its rate, or 0 when it could not be run
/// (reported, not fatal).
double print_baseline(const std::string& script, const std::string& args, const char* unit, const std::string& detail, double rate);

}  // namespace mc
