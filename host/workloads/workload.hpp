// A workload is one unit, registered once (host/workloads/registry.cpp): its scenario keys, how they resolve
// into its own spec, its work units, what `validate` prints, how it runs, how two runs of it are compared,
// its benchmark and its plot script. Code outside a workload's folder talks to this interface only and never
// branches on a workload's name (a test greps the source tree for that). See docs/adding-a-workload.md.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "scenario/schema.hpp"

namespace mc {

struct Scenario;
struct Backend;
struct RunOptions;
struct RunSummary;
struct CompareRow;
struct Manifest;
class OutputFolder;
class Resolver;

using TableRows = std::vector<std::pair<std::string, std::string>>;

/// One option of a workload's benchmark (`memcarlo bench <name> --<option> N`): a count with a default.
struct BenchOption {
  std::string name;  ///< without the dashes, e.g. "chains"
  std::uint64_t default_value;
  std::string help;
};

/// Memory a point needs on the host, beyond a small constant: `bytes` in all, growing with the count under
/// `key` at `per_unit` bytes each (so an error can say how many fit). bytes = 0: bounded (batched) or small.
struct MemoryNeed {
  double bytes = 0;
  std::string key;
  double per_unit = 0;
};

/// What `memcarlo bench` passes to a workload's benchmark: the common options and the workload's own counts.
struct BenchArgs {
  std::string backend = "auto";
  int threads = 0;
  bool baseline = true;
  std::map<std::string, std::uint64_t> values;  ///< every option the command line gave, by name

  /// The option's value when given, else `fallback` (the workload's default).
  std::uint64_t get(const std::string& name, std::uint64_t fallback) const {
    const auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
};

class Workload {
 public:
  virtual ~Workload() = default;

  /// The value of the scenario's `workload:` key, and its keys' section name.
  virtual const char* name() const = 0;
  /// A short phrase for the reference docs and `--help` ("SET/RESET cycling with checkpoints").
  virtual const char* description() const = 0;
  /// Its scenario keys, every path under "<name>.", in documentation order.
  virtual std::vector<KeySpec> keys() const = 0;
  /// Resolve its keys (and cross-key rules against s.device) into s's spec; throws InputError on a mistake.
  virtual void resolve(Resolver& r, Scenario& s) const = 0;

  /// The unit a point's progress counts in ("device-cycles"), and how many of them the point does.
  virtual const char* work_unit() const = 0;
  virtual double work(const Scenario& s) const = 0;  /// double: sizes a user may ask for overflow 64 bits
  /// Host memory of a point (checked before anything runs, printed by `validate`).
  virtual MemoryNeed memory(const Scenario&) const { return {}; }
  /// The lines `memcarlo validate` prints for the first point (`total_work`: work of every point).
  virtual void describe(const Scenario& first, double total_work, bool sweep, TableRows& rows) const = 0;

  /// Run one point into an output folder that has been opened and found unfinished; returns the summary table.
  virtual RunSummary run(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out) const = 0;

  /// Compare two finished output folders of one point of this workload: append one row per statistical check
  /// (see host/compare/compare.hpp for the tests and thresholds). Throws InputError when they are not comparable.
  virtual void compare(const Manifest& ref, const Manifest& test, std::vector<CompareRow>& rows) const = 0;

  /// Its benchmark's options (empty: the workload has no benchmark) and the benchmark itself (exit status).
  virtual std::vector<BenchOption> bench_options() const { return {}; }
  virtual int bench(const BenchArgs& args) const;

  /// Its plot script, relative to the project root ("tools/plot_endurance.py"), run as `script OUTPUT_FOLDER`.
  virtual const char* plot_script() const = 0;
};

/// Every registered workload, in documentation order.
const std::vector<const Workload*>& workloads();
/// The workload of that name, or nullptr.
const Workload* find_workload(const std::string& name);
/// The registered names, in order.
std::vector<std::string> workload_names();
/// The workload of a resolved scenario.
const Workload& workload_of(const Scenario& s);

}  // namespace mc
