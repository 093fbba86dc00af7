#include "workloads/run.hpp"

#include <cmath>
#include <fmt/format.h>
#include <fstream>

#include "endurance/driver.hpp"
#include "io/csv.hpp"
#include "io/output.hpp"
#include "io/progress.hpp"
#include "workloads/workload.hpp"

namespace mc {

RunHooks point_hooks(const Backend& backend, const RunOptions& opt, Progress& own) {
  RunHooks hooks;
  hooks.threads = backend.threads;
  hooks.cancel = &cancel_flag();
  hooks.progress = opt.progress ? opt.progress : &own.counter();
  return hooks;
}

double available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024.0;
  return 0;
}

std::string bytes_text(double bytes) {
  return bytes >= 1e9 ? fmt::format("{:.1f} GB", bytes / 1e9) : fmt::format("{:.0f} MB", std::max(1.0, bytes / 1e6));
}

void check_memory(const Scenario& s, double available) {
  const MemoryNeed need = workload_of(s).memory(s);
  if (!(need.bytes > 0) || !(available > 0) || need.bytes <= 0.9 * available) return;
  std::string fit;
  if (need.per_unit > 0) {
    fit = fmt::format(" (about {:.3g} fit at {:.3g} KB each)", std::floor(0.9 * available / need.per_unit), need.per_unit / 1e3);
  }
  throw InputError(SourceMark{s.file}, need.key,
                   "this point needs about " + bytes_text(need.bytes) + " of memory and " + bytes_text(available) +
                       " is available" + fit + "; lower " + need.key + " or split it over the points of a sweep");
}

RunSummary run_scenario(const Scenario& s, const Backend& backend, const RunOptions& opt) {
  check_memory(s, available_memory_bytes());  // before the folder exists: nothing is written
  const OutputFolder out(opt.out_dir, s.fingerprint());  // refuses a folder of another scenario
  if (out.complete()) {
    RunSummary skipped;
    skipped.out_dir = opt.out_dir;
    skipped.skipped = true;
    return skipped;
  }
  // An unfinished manifest first, so `memcarlo status` can tell what this folder is while the run goes on.
  nlohmann::ordered_json m = {{"scenario_name", s.name}, {"scenario_file", s.file}, {"fingerprint", s.fingerprint()},
                              {"workload", s.workload}, {"backend", backend.name}, {"complete", false}};
  out.write("manifest.json", m.dump(2) + "\n");
  return workload_of(s).run(s, backend, opt, out);
}

void write_results(const OutputFolder& out, const Scenario& s, const RunOptions& opt, const ResultRow& row) {
  std::vector<std::string> cols = {"point", "status", "seed"};
  std::vector<std::string> cells = {std::to_string(opt.point), "ok", std::to_string(s.seed)};
  for (const auto& [c, v] : row) {
    if (c == "point" || c == "status" || c == "seed" || c == "error") continue;  // the shared columns come from here
    cols.push_back(c);
    cells.push_back(csv_escape(v));
  }
  cols.push_back("error");
  cells.push_back("");
  CsvTable t(cols);
  t.add_row(cells);
  out.write("results.csv", t.str());
}

double binomial_se(double p, double n) { return n > 0 && p >= 0 && p <= 1 ? std::sqrt(p * (1 - p) / n) : 0.0; }

const char* work_unit(const Scenario& s) { return workload_of(s).work_unit(); }

double point_work(const Scenario& s) { return workload_of(s).work(s); }

nlohmann::ordered_json run_manifest(const Scenario& s, const Backend& backend, double wall_seconds, std::uint64_t sets,
                                    std::uint64_t resets, std::uint64_t reads, const std::vector<std::string>& files) {
  nlohmann::ordered_json m = provenance();
  m["scenario_name"] = s.name;
  m["scenario_file"] = s.file;
  m["fingerprint"] = s.fingerprint();
  m["workload"] = s.workload;
  m["backend"] = backend.name;
  m["device"] = backend.device;
  m["seeds"] = {s.seed};
  m["wall_seconds"] = wall_seconds;
  m["events"] = {{"set", sets}, {"reset", resets}, {"read", reads}};
  // Throughput in the workload's own work unit, the one its progress line shows (not write events: one unit per run).
  const double work = point_work(s);
  m["work"] = {{"unit", work_unit(s)}, {"per_second", work / wall_seconds}};
  if (work == std::floor(work) && work < 9e15) m["work"]["count"] = static_cast<std::uint64_t>(work);
  else m["work"]["count"] = work;
  m["files"] = files;
  m["scenario"] = s.resolved;
  m["complete"] = true;
  return m;
}

}  // namespace mc
