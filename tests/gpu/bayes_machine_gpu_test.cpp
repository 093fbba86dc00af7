// bayes_machine CPU vs CUDA (ctest label gpu): the same MC_HD code on integer data and Philox, so outcomes must
// be identical bit for bit. Skips when no GPU answers; fails instead when MC_REQUIRE_GPU=1.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "../support/bayes_fixtures.hpp"
#if defined(MC_HAVE_CUDA)
#include "common/gpu_info.hpp"
#endif

namespace {

using namespace mc;

TEST(BayesGpu, CudaEqualsCpuBitForBit) {
#if defined(MC_HAVE_CUDA)
  const std::vector<GpuInfo> gpus = cuda_devices();
  if (gpus.empty()) {
    const char* e = std::getenv("MC_REQUIRE_GPU");
    if (e && std::string(e) == "1") FAIL() << "MC_REQUIRE_GPU=1 but no CUDA device answers";
    GTEST_SKIP() << "no CUDA device answers (set MC_REQUIRE_GPU=1 to make this a failure)";
  }
  const LfsrTables t = build_lfsr_tables(default_taps(8), 8);
  for (int g = 0; g < 2; ++g)
    for (int sh = 0; sh < 4; ++sh) {
      if (g == 1 && sh > 0) continue;
      BayesMachineParams p = mc::test::bayes_params(6, 9, 8, 1000, t, static_cast<BayesGenerator>(g), static_cast<LfsrSharing>(sh));
      p.checkpoints = 2;
      p.checkpoint[0] = 100, p.checkpoint[1] = 1000;
      p.early_stop = 4;
      p.seu_rate = 1e-6;
      p.seu_targets = kSeuLfsr | kSeuCounters | kSeuWords;
      const std::uint64_t n = 3000;
      const std::vector<std::uint16_t> w = mc::test::spread_words(static_cast<int>(n) * 54, 8, 9, 230);
      std::vector<BayesOutcome> cpu(n), gpu(n);
      bayes_machine_cpu(p, w.data(), 54, 100, n, cpu.data(), RunHooks{});
      bayes_machine_cuda(gpus.front().index, p, w.data(), 54, 100, n, gpu.data(), RunHooks{});
      for (std::uint64_t k = 0; k < n; ++k) ASSERT_TRUE(mc::test::same_outcome(cpu[k], gpu[k], 6, 2)) << "gen " << g << " sharing " << sh << " inference " << k;
    }
#else
  GTEST_SKIP() << "built without CUDA";
#endif
}

}  // namespace
