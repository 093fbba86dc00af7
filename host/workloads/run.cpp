#include "workloads/run.hpp"

#include "io/output.hpp"
#include "workloads/workload.hpp"

namespace mc {

RunSummary run_scenario(const Scenario& s, const Backend& backend, const RunOptions& opt) {
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

const char* work_unit(const Scenario& s) { return workload_of(s).work_unit(); }

std::uint64_t point_work(const Scenario& s) { return workload_of(s).work(s); }

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
  m["write_events_per_second"] = static_cast<double>(sets + resets) / wall_seconds;
  m["files"] = files;
  m["scenario"] = s.resolved;
  m["complete"] = true;
  return m;
}

}  // namespace mc
