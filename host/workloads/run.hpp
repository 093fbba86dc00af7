// Running a scenario: pick the workload, run it on a backend, write the output folder.
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

/// Work units a point reports through its progress counter, and their name (work_unit): device-cycles for
/// endurance, devices for write_verify, chain-steps for mcmc, inferences for bayes_machine.
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

// Workloads (host/workloads/<name>.cpp): run into an output folder that run_scenario has opened and found
// unfinished.
class OutputFolder;
RunSummary run_endurance(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out);
RunSummary run_write_verify(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out);
RunSummary run_mcmc(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out);
RunSummary run_bayes_machine(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out);

/// The bayes_machine kernel parameters of a spec (host/workloads/bayes_machine.cpp; tables may be null for philox).
struct BayesMachineParams;
struct RunHooks;
struct BayesMachineSpec;
struct BayesOutcome;
struct LfsrTables;
BayesMachineParams bayes_machine_params(const BayesMachineSpec& b, int classes, int observations, std::uint32_t seed,
                                        const LfsrTables* tables);
/// Inferences [first, first + n) of the bayes_machine on the chosen backend (shared by the workload and the bench).
/// cell_count: entries of p.cells (storage.reread: cycle with device errors), 0 otherwise.
void bayes_machine_infer(const Backend& backend, const BayesMachineParams& p, const std::uint16_t* words, std::uint64_t stride,
                         std::uint64_t first, std::uint64_t n, BayesOutcome* out, const RunHooks& hooks, std::uint64_t cell_count = 0);

/// One interval of the endurance workload on the chosen backend (shared by the workload and the bench).
struct IntervalTally;
struct EnduranceParams;
struct RunHooks;
void endurance_interval(const Backend& b, const EnduranceParams& p, std::uint64_t pairs, std::uint64_t c0, std::uint64_t c1,
                        IntervalTally& out, const RunHooks& hooks);

}  // namespace mc
