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
  std::size_t point = 0;                            ///< the point's index in its sweep (0 for a single run)
  /// A quiet point of a sweep that is itself not quiet: a long stage (a bnn training) still reports its steps,
  /// where the sweep's progress line would otherwise stand still.
  bool stage_lines = false;
};

class OutputFolder;
/// Columns of a results row, in order: (header, cell).
using ResultRow = std::vector<std::pair<std::string, std::string>>;
/// Write a point's results.csv (docs/results.md): `point`, `status`, `seed`, then the workload's own columns
/// (parameters, results with a standard error `<rate>_se` or the counts beside every estimated rate, `wall_s`),
/// then `error`. Every workload writes its row through this, so a single run's results.csv has the schema of a
/// sweep's (which adds the swept keys after `status`).
void write_results(const OutputFolder& out, const Scenario& s, const RunOptions& opt, const ResultRow& row);
/// The binomial standard error sqrt(p(1-p)/n) of a fraction p over n independent units (0 when n = 0).
double binomial_se(double p, double n);
/// A boolean cell: "true" or "false" (the one spelling in every memcarlo table and manifest).
inline const char* bool_cell(bool b) { return b ? "true" : "false"; }

/// Work units a point reports through its progress counter, and their name (work_unit), from its workload.
double point_work(const Scenario& s);
const char* work_unit(const Scenario& s);

struct RunHooks;
class Progress;
/// The hooks of a point's run: the backend's threads, the Ctrl-C flag, and progress counted into the sweep's
/// counter (opt.progress) or else into this run's own display.
RunHooks point_hooks(const Backend& backend, const RunOptions& opt, Progress& own);

/// What a run reports at the end: a table a person reads (label, value) and the folder.
struct RunSummary {
  std::vector<std::pair<std::string, std::string>> rows;
  std::string out_dir;
  double wall_seconds = 0;
  bool skipped = false;  ///< the folder already held this scenario's finished results
};

/// Thrown when Ctrl-C or SIGTERM stops a run; what() says what was kept.
struct Interrupted : std::runtime_error {
  explicit Interrupted(const std::string& kept = "nothing was half-written") : std::runtime_error(kept) {}
};

/// Runs one point: refuses (InputError) what would not fit in memory before anything is written, opens the
/// output folder (skipping a finished one), and lets the point's workload run.
RunSummary run_scenario(const Scenario& s, const Backend& backend, const RunOptions& opt);

/// Host memory this machine has available (MemAvailable), in bytes; 0 when unknown.
double available_memory_bytes();
/// Throws InputError naming the scenario file and the workload's key when the point's memory estimate exceeds
/// 90 % of `available` bytes (say how many units would fit); does nothing when either is unknown.
void check_memory(const Scenario& s, double available);
/// "12.3 GB", "456 MB" for messages.
std::string bytes_text(double bytes);

/// The manifest every run writes last (DESIGN.md decision 7): provenance, scenario, backend, seed, wall time,
/// event counts and the files it describes; complete = true marks the folder finished.
nlohmann::ordered_json run_manifest(const Scenario& s, const Backend& backend, double wall_seconds,
                                    std::uint64_t sets, std::uint64_t resets, std::uint64_t reads,
                                    const std::vector<std::string>& files);

}  // namespace mc
