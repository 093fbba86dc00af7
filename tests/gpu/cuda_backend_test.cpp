// CPU-vs-CUDA agreement (ctest label gpu): the CUDA backend must agree with the CPU reference within Monte
// Carlo error. Skips when no GPU answers; fails instead when MC_REQUIRE_GPU=1 (set it on a GPU machine).
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "endurance/driver.hpp"
#include "scenario/scenario.hpp"
#include "workloads/mcmc/mcmc.hpp"
#include "../support/gpu_fixtures.hpp"
#include "../support/model_fixtures.hpp"
#include "build_info.h"

namespace {

using mc::test::endurance_params;
using mc::test::test_model;
using mc::test::write_verify_params;

using mc::test::busy_model;
using mc::test::hooks_with;
using mc::test::interval;

// ------------------------------------------------------------------------------------------ CUDA backend

using mc::test::gpu_required;

#if defined(MC_HAVE_CUDA)

/// |a − b| within k standard errors of the difference of two independent counts (SE² ≈ a + b, Poisson).
::testing::AssertionResult CountsAgree(const char* what, double a, double b, double k) {
  const double se = std::sqrt(std::max(a + b, 1.0));
  if (std::fabs(a - b) <= k * se) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << ": CPU " << a << " vs CUDA " << b << " = " << (a - b) / se
                                       << " SE (limit " << k << ")";
}

/// Two sample means within k SE of their difference, SE² = var_a/n_a + var_b/n_b.
::testing::AssertionResult MeansAgree(const char* what, const mc::StateTally& a, const mc::StateTally& b, double k) {
  const double na = static_cast<double>(a.count), nb = static_cast<double>(b.count);
  const double ma = a.sum / na, mb = b.sum / nb;
  const double va = a.sum_sq / na - ma * ma, vb = b.sum_sq / nb - mb * mb;
  const double se = std::sqrt(va / na + vb / nb);
  if (std::fabs(ma - mb) <= k * se) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << what << " mean: CPU " << ma << " vs CUDA " << mb << " = " << (ma - mb) / se
                                       << " SE (limit " << k << ")";
}

TEST(CudaBackend, EnduranceMatchesCpu) {
  MC_GPU_OR_SKIP(gpu);
  // Error and stuck counts within 5 SE of their difference; LRS and HRS checkpoint means within 4 SE.
  const mc::EnduranceParams p = endurance_params(busy_model(), 20.0f, 12.0f, 2718u);
  const mc::IntervalTally cpu = interval(p, 0, 50000, 100, 400, 0);
  mc::IntervalTally gpu_t;
  mc::endurance_interval_cuda(gpu, p, 0, 50000, 100, 400, gpu_t, mc::RunHooks{});
  EXPECT_EQ(cpu.lrs.count, gpu_t.lrs.count);
  EXPECT_EQ(cpu.hrs.count, gpu_t.hrs.count);
  EXPECT_TRUE(CountsAgree("1T1R errors", cpu.errors_1t1r, gpu_t.errors_1t1r, 5));
  EXPECT_TRUE(CountsAgree("2T2R errors", cpu.errors_2t2r, gpu_t.errors_2t2r, 5));
  EXPECT_TRUE(CountsAgree("stuck LRS", cpu.stuck_lrs, gpu_t.stuck_lrs, 5));
  EXPECT_TRUE(CountsAgree("stuck HRS", cpu.stuck_hrs, gpu_t.stuck_hrs, 5));
  EXPECT_TRUE(CountsAgree("unformed", cpu.unformed, gpu_t.unformed, 5));
  EXPECT_TRUE(MeansAgree("LRS", cpu.lrs, gpu_t.lrs, 4));
  EXPECT_TRUE(MeansAgree("HRS", cpu.hrs, gpu_t.hrs, 4));
  // Read energy: a sum over 6e7 reads, correlated within a device (d2d, stuck states), so no simple SE; its
  // relative MC error is of order 1e-4, and both backends evaluate the same draws: within 1e-3 relative.
  EXPECT_NEAR(cpu.read_energy, gpu_t.read_energy, 1e-3 * cpu.read_energy);
  std::uint64_t hl = 0, hh = 0;
  for (int b = 0; b < mc::kHistBins; ++b) hl += gpu_t.lrs.hist[b], hh += gpu_t.hrs.hist[b];
  EXPECT_EQ(hl, gpu_t.lrs.count);
  EXPECT_EQ(hh, gpu_t.hrs.count);
}

TEST(CudaBackend, LifetimeHistogramMatchesCpu) {
  MC_GPU_OR_SKIP(gpu);
  // CDF at every 10th bin edge within 5 SE of the difference of two binomial fractions.
  const mc::EnduranceParams p = endurance_params(busy_model(), 20.0f, 12.0f, 6u);
  const std::uint64_t n = 1000000;
  std::vector<std::uint64_t> hc, hg;
  mc::lifetime_histogram_cpu(p, 0, n, hc, mc::RunHooks{});
  mc::lifetime_histogram_cuda(gpu, p, 0, n, hg, mc::RunHooks{});
  ASSERT_EQ(hg.size(), hc.size());
  double cc = 0, cg = 0;
  for (int b = 0; b < mc::kLifeBins; ++b) {
    cc += hc[b], cg += hg[b];
    if (b % 10 != 9) continue;
    const double fc = cc / n, fg = cg / n, f = 0.5 * (fc + fg);
    const double se = std::sqrt(2 * f * (1 - f) / n);
    EXPECT_LE(std::fabs(fc - fg), 5 * se) << "lifetime CDF at bin " << b + 1 << ": CPU " << fc << " vs CUDA " << fg;
  }
  EXPECT_EQ(cg, static_cast<double>(n));
}

TEST(CudaBackend, ForcedBatchesAndLaunchesEqualOneBatch) {
  // Test limits force 12 batches of 256 pairs (the last one partial) and launches of 2,048 cycles that resume
  // from the per-pair accumulators: integer counts and histograms equal the one-batch run exactly, sums to
  // rounding; lifetimes and write-verify outcomes per device exactly.
  MC_GPU_OR_SKIP(gpu);
  const mc::EnduranceParams p = endurance_params(busy_model(), 20.0f, 12.0f, 99u);
  mc::IntervalTally whole, parts;
  mc::endurance_interval_cuda(gpu, p, 0, 3000, 100, 5000, whole, mc::RunHooks{});
  mc::set_cuda_test_limits({256, 2048});
  std::atomic<std::uint64_t> progress{0};
  mc::RunHooks hooks;
  hooks.progress = &progress;
  mc::endurance_interval_cuda(gpu, p, 0, 3000, 100, 5000, parts, hooks);
  std::vector<std::uint64_t> life_whole(mc::kLifeBins, 0), life_parts(mc::kLifeBins, 0);
  mc::lifetime_histogram_cuda(gpu, p, 0, 5000, life_parts, mc::RunHooks{});
  const mc::WriteVerifyParams w = write_verify_params(busy_model(), 50.0f, 0.05f, 200, mc::PulseLaw::kRetry, 4u);
  std::vector<mc::WriteVerifyOutcome> wv_whole, wv_parts;
  mc::write_verify_cuda(gpu, w, 0, 3000, wv_parts, mc::RunHooks{});
  mc::set_cuda_test_limits({});
  mc::lifetime_histogram_cuda(gpu, p, 0, 5000, life_whole, mc::RunHooks{});
  mc::write_verify_cuda(gpu, w, 0, 3000, wv_whole, mc::RunHooks{});
  EXPECT_EQ(progress.load(), 2u * 3000u * 4900u);
  EXPECT_EQ(whole.errors_1t1r, parts.errors_1t1r);
  EXPECT_EQ(whole.errors_2t2r, parts.errors_2t2r);
  EXPECT_EQ(whole.stuck_lrs, parts.stuck_lrs);
  EXPECT_EQ(whole.stuck_hrs, parts.stuck_hrs);
  EXPECT_EQ(whole.unformed, parts.unformed);
  EXPECT_EQ(whole.lrs.hist, parts.lrs.hist);
  EXPECT_EQ(whole.hrs.hist, parts.hrs.hist);
  EXPECT_NEAR(whole.lrs.sum, parts.lrs.sum, 1e-9 * whole.lrs.sum);
  EXPECT_NEAR(whole.read_energy, parts.read_energy, 1e-9 * whole.read_energy);
  EXPECT_EQ(life_whole, life_parts);
  ASSERT_EQ(wv_whole.size(), wv_parts.size());
  for (std::size_t i = 0; i < wv_whole.size(); ++i) {
    ASSERT_EQ(wv_whole[i].set_pulses, wv_parts[i].set_pulses) << "device " << i;
    ASSERT_EQ(wv_whole[i].converged, wv_parts[i].converged) << "device " << i;
  }
  // And the CPU reference agrees with the many-batch run within Monte Carlo error.
  const mc::IntervalTally cpu = interval(p, 0, 3000, 100, 5000, 0);
  EXPECT_TRUE(CountsAgree("2T2R errors", cpu.errors_2t2r, parts.errors_2t2r, 5));
  EXPECT_TRUE(MeansAgree("LRS", cpu.lrs, parts.lrs, 4));
}

TEST(CudaBackend, WriteVerifyMatchesCpu) {
  MC_GPU_OR_SKIP(gpu);
  // Mean SET pulses within 4 SE; converged counts within 5 SE.
  const mc::WriteVerifyParams p = write_verify_params(busy_model(), 50.0f, 0.05f, 200, mc::PulseLaw::kRetry, 4u);
  const std::uint64_t n = 200000;
  std::vector<mc::WriteVerifyOutcome> oc, og;
  mc::write_verify_cpu(p, 0, n, oc, mc::RunHooks{});
  mc::write_verify_cuda(gpu, p, 0, n, og, mc::RunHooks{});
  ASSERT_EQ(og.size(), n);
  double sc = 0, sc2 = 0, sg = 0, sg2 = 0, conv_c = 0, conv_g = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    sc += oc[i].set_pulses, sc2 += double(oc[i].set_pulses) * oc[i].set_pulses, conv_c += oc[i].converged;
    sg += og[i].set_pulses, sg2 += double(og[i].set_pulses) * og[i].set_pulses, conv_g += og[i].converged;
  }
  const double mc_ = sc / n, mg = sg / n;
  const double se = std::sqrt((sc2 / n - mc_ * mc_) / n + (sg2 / n - mg * mg) / n);
  EXPECT_LE(std::fabs(mc_ - mg), 4 * se) << "mean SET pulses: CPU " << mc_ << " vs CUDA " << mg << " = "
                                         << (mc_ - mg) / se << " SE (limit 4)";
  EXPECT_TRUE(CountsAgree("non-converged", n - conv_c, n - conv_g, 5));
}

/// Posterior means and sds of every weight over the chains' last states, per backend.
std::vector<std::pair<double, double>> mcmc_moments(const mc::Backend& b, const mc::McmcProblem& pb, int chains, std::uint64_t steps) {
  auto ch = mc::make_mcmc_chains(b, pb, chains, false, mc::RunHooks{});
  ch->init();
  ch->steps(0, steps);
  const mc::McmcState& st = ch->state();
  std::vector<std::pair<double, double>> m(pb.params.params, {0.0, 0.0});
  std::vector<float> w(pb.params.params);
  for (int c = 0; c < chains; ++c) {
    mc::chain_weights(pb, st, c, w.data());
    for (int p = 0; p < pb.params.params; ++p) m[p].first += w[p], m[p].second += double(w[p]) * w[p];
  }
  for (auto& [s, s2] : m) s /= chains, s2 = std::sqrt(s2 / chains - s * s);
  return m;
}

TEST(CudaBackend, McmcChainsMatchCpu) {
  MC_GPU_OR_SKIP(gpu);
  // Independent chains' final states are independent posterior draws on both backends (the draws are the same
  // integers, the likelihood sums round differently): means within 4 SE, for the cached and the noisy path.
  for (const char* noise : {"none", "gaussian"}) {
    const std::string text = std::string("workload: mcmc\ndevice: {preset: hfo2_1t1r, read: {noise: ") + noise +
                             "}}\nmcmc: {task: csv, data: data/breast_cancer.csv, chains: 2048, iterations: 100, thin: 5}\n";
    const mc::McmcProblem pb = mc::make_mcmc_problem(mc::parse_scenario(text, std::string(MC_SOURCE_DIR) + "/configs/x.yaml"));
    mc::Backend cpu, cuda;
    cuda.kind = mc::Backend::kCuda, cuda.gpu = gpu;
    const auto a = mcmc_moments(cpu, pb, 2048, 1500), b = mcmc_moments(cuda, pb, 2048, 1500);
    for (int p = 0; p < pb.params.params; ++p) {
      const double se = std::sqrt((a[p].second * a[p].second + b[p].second * b[p].second) / 2048);
      EXPECT_LE(std::fabs(a[p].first - b[p].first), 4 * se) << noise << " " << pb.param_names[p] << ": CPU " << a[p].first
                                                          << " vs CUDA " << b[p].first;
    }
  }
}

TEST(CudaBackend, McmcModelPastDefaultSharedMemoryMatchesCpu) {
  MC_GPU_OR_SKIP(gpu);
  // A 64-48-10 perceptron on digits: 3,610 weights in differential pairs, 2P + D floats = 57.8 KB per chain, past
  // the 48 KB a kernel gets without opting in. Independent chains' states after a few steps agree within 4 SE.
  const std::string text =
      "workload: mcmc\ndevice: {preset: hfo2_1t1r, read: {noise: none}}\n"
      "mcmc: {task: csv, data: data/digits.csv, model: mlp, hidden: 48, chains: 128, iterations: 100, thin: 5}\n";
  const mc::McmcProblem pb = mc::make_mcmc_problem(mc::parse_scenario(text, std::string(MC_SOURCE_DIR) + "/configs/x.yaml"));
  ASSERT_GT(sizeof(float) * (2 * pb.params.params + pb.params.devices), 48u * 1024u);
  mc::Backend cpu, cuda;
  cuda.kind = mc::Backend::kCuda, cuda.gpu = gpu;
  const auto a = mcmc_moments(cpu, pb, 128, 10), b = mcmc_moments(cuda, pb, 128, 10);
  int checked = 0;
  for (int p = 0; p < pb.params.params; p += 37, ++checked) {
    const double se = std::sqrt((a[p].second * a[p].second + b[p].second * b[p].second) / 128);
    EXPECT_LE(std::fabs(a[p].first - b[p].first), 4 * se + 1e-6) << pb.param_names[p] << ": CPU " << a[p].first << " vs CUDA " << b[p].first;
  }
  EXPECT_GT(checked, 50);
}

#else

TEST(CudaBackend, NotCompiled) {
  if (gpu_required()) FAIL() << "MC_REQUIRE_GPU=1 but this build has no CUDA backend (MC_HAVE_CUDA undefined)";
  GTEST_SKIP() << "CUDA backend not compiled in (MC_HAVE_CUDA undefined)";
}

#endif

}  // namespace
