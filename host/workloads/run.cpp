#include "workloads/run.hpp"

#include "endurance/driver.hpp"

namespace mc {

RunSummary run_scenario(const Scenario& s, const Backend& backend, const RunOptions& opt) {
  if (s.workload == "endurance") return run_endurance(s, backend, opt);
  return run_write_verify(s, backend, opt);
}

void endurance_interval(const Backend& b, const EnduranceParams& p, std::uint64_t pairs, std::uint64_t c0, std::uint64_t c1,
                        IntervalTally& out, const RunHooks& hooks) {
#if defined(MC_HAVE_CUDA)
  if (b.kind == Backend::kCuda) return endurance_interval_cuda(b.gpu, p, 0, pairs, c0, c1, out, hooks);
#endif
  endurance_interval_cpu(p, 0, pairs, c0, c1, out, hooks);
}

}  // namespace mc
