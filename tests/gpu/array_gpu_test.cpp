// Arrays on the GPU against the CPU: the same chips. Stuck devices are decided by exact uniform comparisons and
// must agree exactly; conductances and pulse counts may differ where float contraction moves a read across a
// band edge, so they must agree on all but a few devices. Skips without a GPU (fails with MC_REQUIRE_GPU=1).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "array/driver.hpp"
#include "support/array_fixtures.hpp"
#include "support/gpu_fixtures.hpp"

namespace mc {
namespace {

#if defined(MC_HAVE_CUDA)
TEST(ArrayGpu, ProgramsTheSameChipsAsTheCpu) {
  MC_GPU_OR_SKIP(gpu);
  ArrayParams p = test::tio2_params();
  p.disturb_fraction = 0.05f;
  const int rows = 17, cols = 20, chips = 500;
  const size_t n = static_cast<size_t>(rows) * cols;
  std::vector<float> target(n);
  for (size_t k = 0; k < n; ++k) target[k] = 10.0f + 90.0f * ((k * 37) % 101) / 100.0f;
  std::vector<float> gc(chips * n), gg(chips * n);
  std::vector<std::uint8_t> sc(chips * n), sg(chips * n);
  std::vector<ArrayCounts> cc(chips), cg(chips);
  program_chips_cpu(p, target.data(), rows, cols, 0, chips, gc.data(), sc.data(), cc.data(), 0);
  program_chips_cuda(gpu, p, target.data(), rows, cols, 0, chips, gg.data(), sg.data(), cg.data());
  EXPECT_EQ(sc, sg);
  size_t differ = 0;
  for (size_t k = 0; k < gc.size(); ++k) differ += std::fabs(gc[k] - gg[k]) > 1e-4f * std::fabs(gc[k]);
  EXPECT_LE(differ, gc.size() / 1000) << differ << " of " << gc.size() << " devices differ";
  std::uint64_t pc = 0, pg = 0;
  for (int c = 0; c < chips; ++c) pc += cc[c].set_pulses, pg += cg[c].set_pulses;
  EXPECT_NEAR(static_cast<double>(pg), static_cast<double>(pc), 1e-3 * pc);
}
#else
TEST(ArrayGpu, NotCompiled) {
  if (test::gpu_required()) FAIL() << "MC_REQUIRE_GPU=1 but this build has no CUDA backend";
  GTEST_SKIP() << "built without CUDA";
}
#endif

}  // namespace
}  // namespace mc
