#include "workloads/run.hpp"

#include "endurance/driver.hpp"
#include "io/output.hpp"

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
  if (s.workload == "endurance") return run_endurance(s, backend, opt, out);
  if (s.workload == "mcmc") return run_mcmc(s, backend, opt, out);
  if (s.workload == "bayes_machine") return run_bayes_machine(s, backend, opt, out);
  return run_write_verify(s, backend, opt, out);
}

const char* work_unit(const Scenario& s) {
  if (s.workload == "endurance") return "device-cycles";
  if (s.workload == "mcmc") return "chain-steps";
  if (s.workload == "bayes_machine") return "inferences";
  return "devices";
}

std::uint64_t point_work(const Scenario& s) {
  if (s.workload == "mcmc") return s.mcmc.chains * s.mcmc.iterations;
  if (s.workload == "bayes_machine") return s.bayes_machine.repeats * s.bayes_machine.samples;
  return s.workload == "endurance" ? s.endurance.devices * s.endurance.cycles : s.write_verify.devices;
}

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

void endurance_interval(const Backend& b, const EnduranceParams& p, std::uint64_t pairs, std::uint64_t c0, std::uint64_t c1,
                        IntervalTally& out, const RunHooks& hooks) {
#if defined(MC_HAVE_CUDA)
  if (b.kind == Backend::kCuda) return endurance_interval_cuda(b.gpu, p, 0, pairs, c0, c1, out, hooks);
#endif
  endurance_interval_cpu(p, 0, pairs, c0, c1, out, hooks);
}

}  // namespace mc
