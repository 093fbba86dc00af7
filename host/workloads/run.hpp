// Running a scenario: open its output folder, let its workload run on a backend, write the manifest.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "scenario/scenario.hpp"
#include "workloads/backend.hpp"

namespace mc {

struct RunOptions {
  std::string out_dir;
  bool quiet = false;
  std::atomic<std::uint64_t>* progress = nullptr;  ///< when set (a sweep), work is counted here, not shown
};

/// Work units a point reports through its progress counter, and their name (work_unit), from its workload.
std::uint64_t point_work(const Scenario& s);
const char* work_unit(const Scenario& s);

/// What a run reports at the end: a table a person reads (label, value) and the folder.
struct RunSummary {
  std::vector<std::pair<std::string, std::string>> rows;
  std::string out_dir;
  double wall_seconds = 0;
  bool skipped = false;  ///< the folder already held this scenario's finished results
};

/// Thrown when Ctrl-C stops a run; nothing was written.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

RunSummary run_scenario(const Scenario& s, const Backend& backend, const RunOptions& opt);

/// The manifest every run writes last (DESIGN.md decision 7): provenance, scenario, backend, seed, wall time,
/// event counts and the files it describes; complete = true marks the folder finished.
nlohmann::ordered_json run_manifest(const Scenario& s, const Backend& backend, double wall_seconds,
                                    std::uint64_t sets, std::uint64_t resets, std::uint64_t reads,
                                    const std::vector<std::string>& files);

}  // namespace mc
