// Backend invariance of the endurance, lifetime and write-verify drivers: the CPU backend must give bit-identical
// tallies for any thread count and any split of the device range (counter-based RNG, fixed-order reductions,
// DESIGN.md decision 2); the CUDA backend must agree with the CPU within Monte Carlo error.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "endurance/driver.hpp"
#include "../support/model_fixtures.hpp"

namespace {

using mc::test::endurance_params;
using mc::test::test_model;
using mc::test::write_verify_params;

using mc::test::busy_model;
using mc::test::hooks_with;
using mc::test::interval;

void expect_same_counts(const mc::IntervalTally& a, const mc::IntervalTally& b) {
  EXPECT_EQ(a.errors_1t1r, b.errors_1t1r);
  EXPECT_EQ(a.errors_2t2r, b.errors_2t2r);
  EXPECT_EQ(a.stuck_lrs, b.stuck_lrs);
  EXPECT_EQ(a.stuck_hrs, b.stuck_hrs);
  EXPECT_EQ(a.unformed, b.unformed);
  EXPECT_EQ(a.lrs.count, b.lrs.count);
  EXPECT_EQ(a.hrs.count, b.hrs.count);
  EXPECT_TRUE(a.lrs.hist == b.lrs.hist) << "LRS histograms differ";
  EXPECT_TRUE(a.hrs.hist == b.hrs.hist) << "HRS histograms differ";
}

void expect_bit_identical(const mc::IntervalTally& a, const mc::IntervalTally& b) {
  expect_same_counts(a, b);
  EXPECT_EQ(a.read_energy, b.read_energy);
  EXPECT_EQ(a.lrs.sum, b.lrs.sum);
  EXPECT_EQ(a.lrs.sum_sq, b.lrs.sum_sq);
  EXPECT_EQ(a.hrs.sum, b.hrs.sum);
  EXPECT_EQ(a.hrs.sum_sq, b.hrs.sum_sq);
}

// ------------------------------------------------------------------------------------------- CPU backend

TEST(CpuBackend, EnduranceThreadCountInvariance) {
  // 5 003 pairs from pair 3 (a partial last tile), cycles [100, 400): read noise, d2d, closure, worn-out and
  // unformed devices all present. One, two and three threads: every count, sum and histogram bin equal (==).
  const mc::EnduranceParams p = endurance_params(busy_model(), 20.0f, 12.0f, 424242u);
  const mc::IntervalTally t1 = interval(p, 3, 5006, 100, 400, 1);
  const mc::IntervalTally t2 = interval(p, 3, 5006, 100, 400, 2);
  const mc::IntervalTally t3 = interval(p, 3, 5006, 100, 400, 3);
  ASSERT_GT(t1.stuck_lrs, 0u);
  ASSERT_GT(t1.stuck_hrs, 0u);
  ASSERT_GT(t1.unformed, 0u);
  ASSERT_GT(t1.errors_1t1r, 0u);
  ASSERT_GT(t1.errors_2t2r, 0u);
  expect_bit_identical(t1, t2);
  expect_bit_identical(t1, t3);
  expect_bit_identical(t1, interval(p, 3, 5006, 100, 400, 2));  // rerun
}

TEST(CpuBackend, EnduranceThreadCountInvarianceOtherLaws) {
  // The other template instantiations: Laplace reads with a table σ law, and no read noise with a power law.
  mc::DeviceModel m = busy_model();
  m.read_noise = mc::ReadNoise::kLaplace;
  m.sigma_law = mc::SigmaLaw::kTable;
  m.sigma_table.n = 3;
  m.sigma_table.x[0] = 1, m.sigma_table.x[1] = 30, m.sigma_table.x[2] = 300;
  m.sigma_table.y[0] = 0.5f, m.sigma_table.y[1] = 5, m.sigma_table.y[2] = 20;
  const mc::EnduranceParams p = endurance_params(m, 20.0f, 12.0f, 7u);
  expect_bit_identical(interval(p, 0, 3001, 250, 350, 1), interval(p, 0, 3001, 250, 350, 2));
  m.read_noise = mc::ReadNoise::kNone;
  m.sigma_law = mc::SigmaLaw::kPower;
  m.sigma_a = 0.8f;
  m.sigma_p = 0.6f;
  const mc::EnduranceParams q = endurance_params(m, 20.0f, 12.0f, 8u);
  expect_bit_identical(interval(q, 0, 3001, 250, 350, 1), interval(q, 0, 3001, 250, 350, 2));
}

TEST(CpuBackend, EnduranceRangeSplitInvariance) {
  // Splitting the pair range (at a point that is not a tile boundary) must not change any device's draws:
  // counts and histograms equal, sums equal up to the order of double additions (1e-12 relative).
  const mc::EnduranceParams p = endurance_params(busy_model(), 20.0f, 12.0f, 99u);
  const mc::IntervalTally whole = interval(p, 10, 4010, 200, 330, 2);
  mc::IntervalTally split = interval(p, 10, 1337, 200, 330, 2);
  split.merge(interval(p, 1337, 4010, 200, 330, 1));
  expect_same_counts(whole, split);
  EXPECT_NEAR(whole.lrs.sum, split.lrs.sum, 1e-12 * whole.lrs.sum);
  EXPECT_NEAR(whole.hrs.sum_sq, split.hrs.sum_sq, 1e-12 * whole.hrs.sum_sq);
  EXPECT_NEAR(whole.read_energy, split.read_energy, 1e-12 * whole.read_energy);
}

TEST(CpuBackend, EnduranceRangeSplitAcross2To32Devices) {
  // Pairs [2^31 − 100, 2^31 + 156): device indices cross 2^32 inside one 256-pair tile. The same devices run
  // as two calls split at pair 2^31 (device 2^32) must give the same counts and histograms: every device's
  // cycle draws come from its own 64-bit index, however the range is tiled.
  const mc::EnduranceParams p = endurance_params(busy_model(), 20.0f, 12.0f, 31u);
  const std::uint64_t mid = 1ull << 31;
  const mc::IntervalTally whole = interval(p, mid - 100, mid + 156, 250, 260, 2);
  mc::IntervalTally split = interval(p, mid - 100, mid, 250, 260, 2);
  split.merge(interval(p, mid, mid + 156, 250, 260, 2));
  expect_same_counts(whole, split);
  EXPECT_NEAR(whole.lrs.sum, split.lrs.sum, 1e-9 * whole.lrs.sum)
      << "LRS snapshot sums differ: devices past 2^32 drew another device's cycle stream";
}

TEST(CpuBackend, LifetimeHistogramThreadCountInvariance) {
  const mc::EnduranceParams p = endurance_params(busy_model(), 20.0f, 12.0f, 5u);
  std::vector<std::uint64_t> h1, h2, hs;
  mc::lifetime_histogram_cpu(p, 17, 300017, h1, hooks_with(1));
  mc::lifetime_histogram_cpu(p, 17, 300017, h2, hooks_with(2));
  EXPECT_TRUE(h1 == h2);
  std::uint64_t total = 0;
  for (auto c : h1) total += c;
  EXPECT_EQ(total, 300000u);
  // And split ranges add up bin for bin.
  std::vector<std::uint64_t> a, b;
  mc::lifetime_histogram_cpu(p, 17, 100000, a, hooks_with(2));
  mc::lifetime_histogram_cpu(p, 100000, 300017, b, hooks_with(1));
  for (int i = 0; i < mc::kLifeBins; ++i) EXPECT_EQ(a[i] + b[i], h1[i]) << "bin " << i;
}

void expect_same_outcomes(const std::vector<mc::WriteVerifyOutcome>& a, const std::vector<mc::WriteVerifyOutcome>& b) {
  ASSERT_EQ(a.size(), b.size());
  std::uint64_t diff = 0;
  std::size_t first = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const bool same = a[i].set_pulses == b[i].set_pulses && a[i].reset_pulses == b[i].reset_pulses &&
                      a[i].reads == b[i].reads && a[i].g_final == b[i].g_final && a[i].energy == b[i].energy &&
                      a[i].converged == b[i].converged;
    if (!same && diff++ == 0) first = i;
  }
  EXPECT_EQ(diff, 0u) << "first differing device at offset " << first;
}

TEST(CpuBackend, WriteVerifyThreadCountInvariance) {
  for (mc::PulseLaw law : {mc::PulseLaw::kRetry, mc::PulseLaw::kIncremental}) {
    const mc::WriteVerifyParams p = write_verify_params(busy_model(), 50.0f, 0.03f, 100, law, 3u);
    std::vector<mc::WriteVerifyOutcome> o1, o2, part;
    mc::write_verify_cpu(p, 1000, 31000, o1, hooks_with(1));
    mc::write_verify_cpu(p, 1000, 31000, o2, hooks_with(2));
    expect_same_outcomes(o1, o2);
    // A sub-range reproduces the same devices.
    mc::write_verify_cpu(p, 11000, 12000, part, hooks_with(2));
    expect_same_outcomes(part, std::vector<mc::WriteVerifyOutcome>(o1.begin() + 10000, o1.begin() + 11000));
  }
}

TEST(CpuBackend, EmptyIntervalThrows) {
  const mc::EnduranceParams p = endurance_params(busy_model(), 20.0f, 12.0f, 1u);
  mc::IntervalTally t;
  EXPECT_THROW(mc::endurance_interval_cpu(p, 0, 10, 5, 5, t, mc::RunHooks{}), std::invalid_argument);
  EXPECT_THROW(mc::endurance_interval_cpu(p, 10, 10, 0, 5, t, mc::RunHooks{}), std::invalid_argument);
}

}  // namespace
