// `memcarlo bench mcmc`: chain-steps per second of the sampler, against the NumPy baseline of the same sampler
// (tools/baselines/mcmc_numpy.py).
#include <algorithm>
#include <cstdio>
#include <fmt/format.h>

#include "io/progress.hpp"
#include "workloads/bench.hpp"
#include "workloads/mcmc/mcmc.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"
#include "build_info.h"

namespace mc {

/// `memcarlo bench mcmc`: Bayesian logistic regression of the breast cancer data, device proposals with the
/// Hastings correction, `chains` chains; the cached-logit path (read noise off, one device per step) against
/// the NumPy baseline of the same sampler, and the full re-evaluation for reference.
int bench_mcmc(const BenchArgs& args) {
  const std::uint64_t chains = args.get("chains", 4096), steps = args.get("steps", 200);
  const int threads = args.threads;
  if (chains < 1 || chains > 10000000) throw InputError("--chains: expected 1 .. 10000000");
  if (steps < 1) throw InputError("--steps: expected >= 1");
  const std::string text = fmt::format(
      "workload: mcmc\ndevice: {{preset: hfo2_1t1r, read: {{noise: none}}}}\n"
      "mcmc: {{task: csv, data: data/breast_cancer.csv, chains: {}, iterations: 1000, thin: 10}}\n", chains);
  const Scenario s = bench_scenario(text);
  const Backend backend = choose_backend(args.backend, threads);
  const McmcProblem pb = make_mcmc_problem(s);
  RunHooks hooks;
  hooks.threads = threads;
  hooks.cancel = &cancel_flag();
  std::printf("machine: %s\nbuild: %s\n", backend.device.c_str(), MC_BUILD_FLAGS);
  std::printf("problem: breast cancer logistic regression, %d training rows, %d weights, %d devices per chain\n", pb.n_train,
              pb.params.params, pb.params.devices);
  double rates[2] = {0, 0};
  for (int full = 1; full >= 0; --full) {
    const std::uint64_t n = full ? std::max<std::uint64_t>(1, steps / 10) : steps;
    std::unique_ptr<McmcChains> ch = make_mcmc_chains(backend, pb, static_cast<int>(chains), full, hooks);
    ch->init();
    ch->steps(0, 2);  // warm-up
    const double t0 = now_seconds();
    ch->steps(2, 2 + n);
    ch->state();
    const double dt = now_seconds() - t0;
    if (cancel_flag().load()) throw Interrupted();
    rates[full] = static_cast<double>(chains) * n / dt;
    std::printf("memcarlo %s (%s): %.3g chain-steps/s (%llu steps in %.3g s)\n", backend.name.c_str(),
                full ? "full re-evaluation" : "cached logits", rates[full], static_cast<unsigned long long>(n), dt);
  }
  if (args.baseline) {
    const std::uint64_t bsteps = std::min<std::uint64_t>(steps, 200);
    print_baseline("mcmc_numpy.py", fmt::format("--chains {} --steps {} --seed 1", chains, bsteps), "chain-steps/s",
                   fmt::format("{} chains, {} steps, cached logits", chains, bsteps), rates[0]);
  }
  std::printf("mcmc: %.3g chain-steps/s (%s, %llu chains, logistic regression breast_cancer, cached logits, peak %ld MB)\n", rates[0],
              backend.name.c_str(), static_cast<unsigned long long>(chains), peak_rss_mb());
  return 0;
}

}  // namespace mc
