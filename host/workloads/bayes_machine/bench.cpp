// `memcarlo bench bayes_machine`: bit-ops per second of the machine, against the NumPy baseline of the same
// machine (tools/baselines/bayes_machine_numpy.py).
#include <algorithm>
#include <cstdio>
#include <fmt/format.h>

#include "common/rng.hpp"
#include "common/streams.hpp"
#include "io/progress.hpp"
#include "workloads/bayes_machine/bayes_machine.hpp"
#include "workloads/bench.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"
#include "build_info.h"

namespace mc {

/// bayes_machine: a 10-class x 16-observation x 255-cycle machine (B = 8, per-block LFSRs with random phases),
/// random likelihood words per inference, many inferences in parallel. One bit-op = one observation's bit for
/// one class for one cycle, random-number generation included; every counted bit is computed.
int bench_bayes_machine(const BenchArgs& args) {
  const std::uint64_t inferences = args.get("inferences", 1000000), baseline_inferences = args.get("baseline-inferences", 0);
  const int threads = args.threads;
  if (inferences < 1) throw InputError("--inferences: expected >= 1");
  const int C = 10, O = 16, B = 8;
  const std::uint64_t T = 255;
  const std::string text = "workload: bayes_machine\nbayes_machine: {bits: 8, cycles: 255, generator: lfsr}\n";
  const Scenario s = bench_scenario(text);
  const Backend backend = choose_backend(args.backend, threads);
  const LfsrTables tables = build_lfsr_tables(s.spec_as<BayesMachineSpec>().lfsr_taps, B);
  BayesMachineParams p = bayes_machine_params(s.spec_as<BayesMachineSpec>(), C, O, 1, &tables);
  p.checkpoints = 1;  // the machine's decision after T cycles (no accuracy-vs-cycles curve)
  p.checkpoint[0] = T;
  RunHooks hooks;
  hooks.threads = threads;
  hooks.cancel = &cancel_flag();
  BayesMachineEngine engine(backend, p, 0);
  const std::uint64_t batch = std::min<std::uint64_t>(inferences, std::max<std::uint64_t>(1 << 16, engine.batch(sizeof(BayesOutcome) + 2 * C * O)));
  std::vector<std::uint16_t> words(batch * C * O);
  for (std::size_t k = 0; k < words.size(); ++k) {
    const U32x4 r = philox(RngKey{1, stream::kTest}, k, 0, 0);
    words[k] = static_cast<std::uint16_t>(1 + (r.v[0] % 255));
  }
  std::vector<BayesOutcome> out(batch);
  engine.infer(p, words.data(), C * O, 0, std::min<std::uint64_t>(batch, 4096), out.data(), hooks);  // warm-up
  std::uint64_t checksum = 0;
  const double t0 = now_seconds();
  for (std::uint64_t n0 = 0; n0 < inferences; n0 += batch) {
    const std::uint64_t m = std::min(batch, inferences - n0);
    engine.infer(p, words.data(), C * O, n0, m, out.data(), hooks);
    for (std::uint64_t k = 0; k < m; ++k) checksum += out[k].counts[0] + static_cast<std::uint64_t>(out[k].decision[p.checkpoints - 1]);
  }
  const double dt = now_seconds() - t0;
  if (cancel_flag().load()) throw Interrupted();
  const double bit_ops = static_cast<double>(inferences) * C * O * T;
  const double rate = bit_ops / dt;
  std::printf("machine: %s\nbuild: %s\n", backend.device.c_str(), MC_BUILD_FLAGS);
  std::printf("memcarlo %s: %.3g s for %.3g bit-ops (%llu inferences, checksum %llu)\n", backend.name.c_str(), dt, bit_ops,
              static_cast<unsigned long long>(inferences), static_cast<unsigned long long>(checksum));
  std::printf("inferences/s: %.4g (%d classes x %d observations x %llu cycles)\n", inferences / dt, C, O, static_cast<unsigned long long>(T));
  if (args.baseline) {
    const std::uint64_t bn = baseline_inferences > 0 ? std::min(inferences, baseline_inferences) : std::min<std::uint64_t>(inferences, 20000);
    const double brate = print_baseline("bayes_machine_numpy.py",
                                        fmt::format("--classes {} --observations {} --cycles {} --bits {} --inferences {} --seed 1", C, O, T, B, bn),
                                        "bit-ops/s", fmt::format("{} inferences", bn), rate);
    if (brate > 0) std::printf("numpy baseline inferences/s: %.4g\n", brate / (static_cast<double>(C) * O * T));
  }
  std::printf("bayes_machine: %.3g bit-ops/s (%s, %d classes, %d observations, %llu cycles, %llu inferences, peak %ld MB)\n", rate,
              backend.name.c_str(), C, O, static_cast<unsigned long long>(T), static_cast<unsigned long long>(inferences), peak_rss_mb());
  return 0;
}

}  // namespace mc
