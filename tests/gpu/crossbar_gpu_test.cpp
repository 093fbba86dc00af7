// The ideal crossbar MVM of many chips on the GPU against the CPU driver (kernels/circuit/driver.hpp): the same
// MC_HD code in double, so every output current must agree to rounding. Skips without a GPU (fails with
// MC_REQUIRE_GPU=1).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "circuit/driver.hpp"
#include "support/gpu_fixtures.hpp"

namespace mc {
namespace {

#if defined(MC_HAVE_CUDA)
TEST(CrossbarGpu, IdealMvmOfManyChipsMatchesTheCpu) {
  MC_GPU_OR_SKIP(gpu);
  const int rows = 17, cols = 20, n_inputs = 680;
  const std::uint64_t chips = 300;
  const size_t n = static_cast<size_t>(rows) * cols;
  std::vector<float> G(chips * n);
  for (size_t k = 0; k < G.size(); ++k) G[k] = 10.0f + 90.0f * static_cast<float>((k * 37) % 101) / 100.0f;
  std::vector<double> V(static_cast<size_t>(n_inputs) * rows);
  for (size_t k = 0; k < V.size(); ++k) V[k] = (k * 31) % 3 == 0 ? -0.2 : 0.2;
  std::vector<double> cpu(chips * n_inputs * cols), gpu_out(cpu.size(), -1.0);
  ideal_mvm_chips_cpu(G.data(), rows, cols, chips, V.data(), n_inputs, cpu.data(), 0);
  ideal_mvm_chips_cuda(gpu, G.data(), rows, cols, chips, V.data(), n_inputs, gpu_out.data());
  for (size_t k = 0; k < cpu.size(); ++k) ASSERT_NEAR(gpu_out[k], cpu[k], 1e-12 * (1.0 + std::fabs(cpu[k]))) << "output " << k;
}
TEST(CrossbarGpu, BandedNodalSolveOfManyChipsMatchesTheCpu) {
  // The transfer matrices of 300 paper-sized chips (20x20, 400 ohm contacts, 1 ohm wire segments) and of a few
  // 128x128 chips, one GPU thread per chip on interleaved bands, against the CPU running the same MC_HD code.
  MC_GPU_OR_SKIP(gpu);
  for (const auto& [g, chips] : {std::pair{CrossbarGeometry{20, 20, 1.0, 1.0, 400.0, 400.0, true}, std::uint64_t{300}},
                                 std::pair{CrossbarGeometry{128, 128, 0.5, 0.5, 400.0, 400.0, true}, std::uint64_t{4}}}) {
    const size_t n = static_cast<size_t>(g.rows) * g.cols, t = static_cast<size_t>(g.rows) * g.cols;
    std::vector<float> G(chips * n);
    for (size_t k = 0; k < G.size(); ++k) G[k] = 10.0f + 90.0f * static_cast<float>((k * 37) % 101) / 100.0f;
    std::vector<double> cpu(chips * t), gpu_out(chips * t, -1.0);
    band_transfer_chips_cpu(g, G.data(), chips, cpu.data(), 0);
    band_transfer_chips_cuda(gpu, g, G.data(), chips, gpu_out.data());
    for (size_t k = 0; k < cpu.size(); ++k) ASSERT_NEAR(gpu_out[k], cpu[k], 1e-11 * (1.0 + std::fabs(cpu[k]))) << g.rows << " entry " << k;
  }
}
#else
TEST(CrossbarGpu, NotCompiled) {
  if (test::gpu_required()) FAIL() << "MC_REQUIRE_GPU=1 but this build has no CUDA backend";
  GTEST_SKIP() << "built without CUDA";
}
#endif

}  // namespace
}  // namespace mc
