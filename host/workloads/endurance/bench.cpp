// `memcarlo bench endurance`: write events per second of the endurance kernel, against the NumPy baseline of
// the same device model (tools/baselines/endurance_numpy.py).
#include <algorithm>
#include <cstdio>
#include <fmt/format.h>

#include "io/progress.hpp"
#include "workloads/bench.hpp"
#include "workloads/endurance/endurance.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"
#include "build_info.h"

namespace mc {

int bench_endurance(const BenchArgs& args) {
  const std::uint64_t devices = args.get("devices", 1000000), cycles = args.get("cycles", 1000);
  const std::uint64_t baseline_cycles = args.get("baseline-cycles", 0);
  if (devices < 2 || devices % 2) throw InputError("--devices: expected an even number >= 2");
  if (cycles < 1) throw InputError("--cycles: expected >= 1");
  const Scenario s = bench_scenario(fmt::format("workload: endurance\ndevice: {{preset: hfo2_1t1r}}\nendurance: {{devices: {}, cycles: {}}}\n", devices, cycles));
  const Backend backend = choose_backend(args.backend, args.threads);
  const EnduranceParams p = endurance_params(s);
  RunHooks hooks;
  hooks.threads = args.threads;
  hooks.cancel = &cancel_flag();
  // Warm-up (page faults, GPU context), then the timed run.
  {
    IntervalTally warm;
    endurance_interval(backend, p, std::min<std::uint64_t>(devices / 2, 4096), 0, 8, warm, hooks);
  }
  IntervalTally t;
  const double t0 = now_seconds();
  endurance_interval(backend, p, devices / 2, 0, cycles, t, hooks);
  const double dt = now_seconds() - t0;
  if (cancel_flag().load()) throw Interrupted();
  const double rate = 2.0 * devices * cycles / dt;
  std::printf("machine: %s\nbuild: %s\n", backend.device.c_str(), MC_BUILD_FLAGS);
  std::printf("memcarlo %s: %.3g s for %.3g write events\n", backend.name.c_str(), dt, 2.0 * devices * cycles);
  if (args.baseline) {
    const std::uint64_t bc = baseline_cycles > 0 ? std::min(cycles, baseline_cycles) : cycles;
    print_baseline("endurance_numpy.py", fmt::format("--devices {} --cycles {} --seed 1", devices, bc), "write-events/s",
                   fmt::format("{} devices, {} cycles", devices, bc), rate);
  }
  std::printf("endurance: %.3g write-events/s (%s, %llu devices, %llu cycles, peak %ld MB)\n", rate, backend.name.c_str(),
              static_cast<unsigned long long>(devices), static_cast<unsigned long long>(cycles), peak_rss_mb());
  return 0;
}

}  // namespace mc
