// Device functor math of kernels/device/rram.hpp and kernels/endurance/endurance.hpp checked by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "device/rram.hpp"
#include "endurance/endurance.hpp"
#include "../support/model_fixtures.hpp"

namespace {

using mc::test::ideal_model;
using mc::test::test_model;

constexpr float kTol = 2e-6f;  // relative: float math with the fastmath polynomials (3e-7 each)

::testing::AssertionResult RelNear(double got, double want, double rel = kTol) {
  if (std::fabs(got - want) <= rel * std::fabs(want) + 1e-12) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << got << ", want " << want << " (rel err "
                                       << std::fabs(got - want) / std::fabs(want) << " > " << rel << ")";
}

mc::Table make_table(std::initializer_list<std::pair<float, float>> pts) {
  mc::Table t{};
  for (const auto& [x, y] : pts) {
    t.x[t.n] = x;
    t.y[t.n] = y;
    ++t.n;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------- tables

TEST(Table, InterpolatesBetweenKnotsAndClampsOutside) {
  const mc::Table t = make_table({{10, 15}, {50, 60}, {100, 150}, {200, 280}});
  EXPECT_TRUE(RelNear(mc::table_eval(t, 30), 37.5));    // 15 + ½·45
  EXPECT_TRUE(RelNear(mc::table_eval(t, 75), 105));     // 60 + ½·90
  EXPECT_TRUE(RelNear(mc::table_eval(t, 190), 267));    // 150 + 0.9·130
  EXPECT_TRUE(RelNear(mc::table_eval(t, 10), 15));      // knots exactly
  EXPECT_TRUE(RelNear(mc::table_eval(t, 50), 60));
  EXPECT_TRUE(RelNear(mc::table_eval(t, 100), 150));
  EXPECT_TRUE(RelNear(mc::table_eval(t, 200), 280));
  EXPECT_EQ(mc::table_eval(t, 5), 15.0f);               // constant below the first point
  EXPECT_EQ(mc::table_eval(t, -1e9f), 15.0f);
  EXPECT_EQ(mc::table_eval(t, 500), 280.0f);            // and beyond the last
  EXPECT_EQ(mc::table_eval(t, 1e9f), 280.0f);
}

TEST(Table, SinglePointAndFullTable) {
  const mc::Table one = make_table({{3, 7}});
  EXPECT_EQ(mc::table_eval(one, 0), 7.0f);
  EXPECT_EQ(mc::table_eval(one, 100), 7.0f);
  mc::Table full{};
  full.n = mc::kMaxTable;
  for (int i = 0; i < mc::kMaxTable; ++i) full.x[i] = static_cast<float>(i), full.y[i] = static_cast<float>(i * i);
  EXPECT_TRUE(RelNear(mc::table_eval(full, 14.5f), 0.5 * (196 + 225)));  // the last segment is used
  EXPECT_EQ(mc::table_eval(full, 20.0f), 225.0f);
  for (int i = 0; i < mc::kMaxTable; ++i) EXPECT_TRUE(RelNear(mc::table_eval(full, i + 0.0f), i * i + 0.0)) << i;
}

TEST(Table, InverseOfIncreasingTable) {
  const mc::Table t = make_table({{10, 15}, {50, 60}, {100, 150}, {200, 280}});
  EXPECT_TRUE(RelNear(mc::table_inverse(t, 37.5f), 30));
  EXPECT_TRUE(RelNear(mc::table_inverse(t, 105.0f), 75));
  EXPECT_EQ(mc::table_inverse(t, 1.0f), 10.0f);
  EXPECT_EQ(mc::table_inverse(t, 1000.0f), 200.0f);
  for (float x = 10; x <= 200; x += 0.5f) EXPECT_TRUE(RelNear(mc::table_inverse(t, mc::table_eval(t, x)), x)) << x;
}

// ------------------------------------------------------------------------------------- median laws

TEST(MedianLaw, LinearAndInverse) {
  const mc::DeviceModel m = test_model();  // k = 1.5 µS/µA
  EXPECT_TRUE(RelNear(mc::lrs_median(m, 200), 300));
  EXPECT_TRUE(RelNear(mc::lrs_median(m, 20), 30));
  EXPECT_TRUE(RelNear(mc::compliance_for(m, 300), 200));
  for (float i = 0.5f; i < 500; i *= 1.37f) EXPECT_TRUE(RelNear(mc::compliance_for(m, mc::lrs_median(m, i)), i)) << i;
}

TEST(MedianLaw, PowerAndInverse) {
  mc::DeviceModel m = test_model();
  m.median_law = mc::MedianLaw::kPower;
  m.median_k = 2.0f;
  m.median_p = 0.8f;
  EXPECT_TRUE(RelNear(mc::lrs_median(m, 100), 2 * std::pow(100.0, 0.8), 1e-5));  // 79.62 µS
  EXPECT_TRUE(RelNear(mc::compliance_for(m, 2 * std::pow(100.0, 0.8)), 100, 1e-5));
  for (float i = 0.5f; i < 500; i *= 1.37f)
    EXPECT_TRUE(RelNear(mc::compliance_for(m, mc::lrs_median(m, i)), i, 1e-5)) << i;
}

TEST(MedianLaw, TableAndInverse) {
  mc::DeviceModel m = test_model();
  m.median_law = mc::MedianLaw::kTable;
  m.median_table = make_table({{10, 15}, {50, 60}, {100, 150}, {200, 280}});
  EXPECT_TRUE(RelNear(mc::lrs_median(m, 30), 37.5));
  EXPECT_TRUE(RelNear(mc::compliance_for(m, 37.5f), 30));
  EXPECT_EQ(mc::lrs_median(m, 1), 15.0f);
  EXPECT_EQ(mc::compliance_for(m, 1000), 200.0f);
  for (float i = 10; i <= 200; i += 3.25f) EXPECT_TRUE(RelNear(mc::compliance_for(m, mc::lrs_median(m, i)), i)) << i;
}

// -------------------------------------------------------------------------------------- sigma laws

TEST(SigmaLaw, EveryLawByHand) {
  mc::DeviceModel m = test_model();
  m.sigma_law = mc::SigmaLaw::kSqrt;
  m.sigma_a = 1.0f;
  EXPECT_TRUE(RelNear(mc::c2c_sigma(m, 100), 10));  // 10 % at 100 µS (docs/physics.md §1)
  m.sigma_a = 1.2f;
  EXPECT_TRUE(RelNear(mc::c2c_sigma(m, 49), 8.4));
  EXPECT_EQ(mc::c2c_sigma(m, 49), mc::c2c_sigma_of<mc::SigmaLaw::kSqrt>(m, 49));

  m.sigma_law = mc::SigmaLaw::kPower;
  m.sigma_a = 0.5f;
  m.sigma_p = 0.7f;
  EXPECT_TRUE(RelNear(mc::c2c_sigma(m, 100), 0.5 * std::pow(100.0, 0.7), 1e-5));  // 12.56 µS
  EXPECT_EQ(mc::c2c_sigma(m, 100), mc::c2c_sigma_of<mc::SigmaLaw::kPower>(m, 100));

  m.sigma_law = mc::SigmaLaw::kRelative;
  m.sigma_a = 0.1f;
  EXPECT_TRUE(RelNear(mc::c2c_sigma(m, 100), 10));
  EXPECT_TRUE(RelNear(mc::c2c_sigma(m, 3), 0.3));
  EXPECT_EQ(mc::c2c_sigma(m, 3), mc::c2c_sigma_of<mc::SigmaLaw::kRelative>(m, 3));

  m.sigma_law = mc::SigmaLaw::kTable;
  m.sigma_table = make_table({{10, 2}, {100, 8}, {1000, 40}});
  EXPECT_TRUE(RelNear(mc::c2c_sigma(m, 55), 5));      // 2 + ½·6
  EXPECT_TRUE(RelNear(mc::c2c_sigma(m, 550), 24));    // 8 + ½·32
  EXPECT_EQ(mc::c2c_sigma(m, 5), 2.0f);
  EXPECT_EQ(mc::c2c_sigma(m, 5000), 40.0f);
  EXPECT_EQ(mc::c2c_sigma(m, 55), mc::c2c_sigma_of<mc::SigmaLaw::kTable>(m, 55));
}

// ------------------------------------------------------------------------------------------- reads

TEST(ReadConductance, NoneGaussianLaplace) {
  mc::DeviceModel m = test_model();
  m.read_noise = mc::ReadNoise::kNone;
  EXPECT_EQ(mc::read_conductance(m, 42.0f, 3.0f, 0.9f), 42.0f);

  m.read_noise = mc::ReadNoise::kGaussian;  // 1 %
  EXPECT_TRUE(RelNear(mc::read_conductance(m, 50.0f, 2.0f, 0.9f), 51.0));
  EXPECT_TRUE(RelNear(mc::read_conductance(m, 50.0f, -1.0f, 0.1f), 49.5));

  m.read_noise = mc::ReadNoise::kLaplace;  // b(I) = 0.0141 + 0.0324 I − 0.0058 I², I = G·0.1 V, I clamped to [0.4, 4]
  const double ln2 = std::log(2.0);
  // G = 10 µS → I = 1 µA, b = 0.0407 µA; u = ¾ → +b·ln 2.
  EXPECT_TRUE(RelNear(mc::read_conductance(m, 10.0f, 0.0f, 0.75f), (1.0 + 0.0407 * ln2) / 0.1, 1e-5));
  // G = 100 µS → I = 10 µA, clamped to 4: b = 0.0141 + 0.1296 − 0.0928 = 0.0509; u = ¼ → −b·ln 2.
  EXPECT_TRUE(RelNear(mc::read_conductance(m, 100.0f, 0.0f, 0.25f), (10.0 - 0.0509 * ln2) / 0.1, 1e-5));
  // G = 1 µS → I = 0.1 µA, clamped to 0.4: b = 0.0141 + 0.01296 − 0.000928 = 0.026132.
  EXPECT_TRUE(RelNear(mc::read_conductance(m, 1.0f, 0.0f, 0.75f), (0.1 + 0.026132 * ln2) / 0.1, 1e-5));
  EXPECT_TRUE(RelNear(mc::read_conductance(m, 10.0f, 0.0f, 0.5f), 10.0, 1e-6));  // u = ½: no noise
  EXPECT_EQ(mc::read_conductance(m, 10.0f, 0.0f, 0.75f),
            (mc::read_conductance_of<mc::ReadNoise::kLaplace>(m, 10.0f, 0.0f, 0.75f)));
}

// ---------------------------------------------------------------------------------------- energies

TEST(Energy, ByHand) {
  const mc::DeviceModel m = test_model();
  EXPECT_TRUE(RelNear(mc::set_energy(m, 200), 300));  // 1.5 V × 200 µA × 1 µs = 300 pJ
  EXPECT_TRUE(RelNear(mc::reset_energy(m), 300));     // 2.5 V × 120 µA × 1 µs = 300 pJ
  EXPECT_TRUE(RelNear(mc::read_energy(m, 100), 0.1)); // (0.1 V)² × 100 µS × 100 ns = 0.1 pJ
  mc::DeviceModel e = m;
  e.pulse_width = 1e-7f;
  e.set_voltage = 1.25f;
  EXPECT_TRUE(RelNear(mc::set_energy(e, 200), 25));  // the "optimized energy" row of docs/physics.md §1
}

// ---------------------------------------------------------------------------------- programming

TEST(Program, SetAndResetByHand) {
  const mc::DeviceModel m = test_model();
  mc::DeviceDraw d{};
  d.lrs_scale = 1.1f;
  d.hrs_scale = 0.9f;
  // SET at 20 µA, wear ½, z = 1.5: med = 30·1.1·(1 − 0.3·½), σ = sqrt(med)·(1 + 1·½).
  const double med = 30 * 1.1 * (1 - 0.3 * 0.5);
  const double want = med + 1.5 * std::sqrt(med) * 1.5;
  EXPECT_TRUE(RelNear(mc::program_set(m, d, 20.0f, 0.5f, 1.5f), want));
  EXPECT_EQ(mc::program_set(m, d, 20.0f, 0.0f, -100.0f), m.g_min);  // clamped
  EXPECT_EQ(mc::program_set(m, d, 20.0f, 0.0f, 1e4f), m.g_max);
  EXPECT_TRUE(RelNear((mc::program_set_median<mc::SigmaLaw::kSqrt>(m, 33.0f, 0.5f, 1.5f)), want));
  // RESET, wear ½, z = −1: med = 2·0.9·(1 + 1·½), σ_ln = 0.6·(1 + ½).
  EXPECT_TRUE(RelNear(mc::program_reset(m, d, 0.5f, -1.0f), 2 * 0.9 * 1.5 * std::exp(-0.9)));
  EXPECT_TRUE(RelNear(mc::program_reset(m, d, 0.0f, 0.0f), 1.8));
  EXPECT_EQ(mc::program_reset(m, d, 0.0f, -20.0f), m.g_min);
}

TEST(Program, DrawDeviceFollowsItsPhiloxCalls) {
  const mc::DeviceModel m = test_model();
  const std::uint32_t seed = 99;
  for (std::uint64_t dev : {0ull, 1ull, 12345ull, (1ull << 32) + 7}) {
    const mc::DeviceDraw d = mc::draw_device(m, seed, dev, 20.0f);
    const mc::RngKey key{seed, mc::stream::kDeviceToDevice};
    const mc::U32x4 r = mc::philox(key, dev, 0, 0);
    const mc::U32x4 f = mc::philox(key, dev, 0, 1);
    float z1, z2;
    mc::box_muller(r.v[0], r.v[1], &z1, &z2);
    EXPECT_TRUE(RelNear(d.lrs_scale, std::exp(0.05 * z1)));
    EXPECT_TRUE(RelNear(d.hrs_scale, std::exp(0.3 * z2)));
    // Weibull inversion at the failure fraction v (47 bits of r.v[2] and f.v[2]): L = λ·(−ln(1 − v))^(1/k).
    const double v = (static_cast<double>((static_cast<std::uint64_t>(r.v[2]) << 15) | (f.v[2] & 0x7fffu)) + 0.5) * std::ldexp(1.0, -47);
    EXPECT_TRUE(RelNear(d.lifetime, 1e8 * std::pow(-std::log1p(-v), 1 / 1.5), 1e-5));
    EXPECT_EQ(d.stuck_lrs, mc::u01(r.v[3]) < 0.5f);
    EXPECT_EQ(d.formed, !(mc::u01(f.v[0]) < 0.01f));
    const double worn = d.stuck_lrs ? 30.0 * d.lrs_scale * 0.7 : 2.0 * d.hrs_scale * 2.0;
    if (d.formed) {
      EXPECT_TRUE(RelNear(d.stuck_g, worn)) << "device " << dev;
    }
    // Same device, same draw.
    const mc::DeviceDraw again = mc::draw_device(m, seed, dev, 20.0f);
    EXPECT_EQ(again.lifetime, d.lifetime);
    EXPECT_EQ(again.stuck_g, d.stuck_g);
  }
  mc::DeviceModel unformed = m;
  unformed.forming_failure_fraction = 1.0f;
  for (std::uint64_t dev = 0; dev < 100; ++dev) {
    const mc::DeviceDraw d = mc::draw_device(unformed, seed, dev, 20.0f);
    EXPECT_FALSE(d.formed);
    EXPECT_GE(d.stuck_g, 10.0f);
    EXPECT_LE(d.stuck_g, 100.0f);
    EXPECT_EQ(mc::cycle_device(unformed, d, 20.0f).stuck_after, 0.0f);  // stuck from the first cycle
  }
}

TEST(Program, DeviceCycleByHand) {
  // device_cycle = program_set_median / program_reset-like HRS / reads, from philox(kCycle, device, cycle, 0).
  mc::DeviceModel m = test_model();
  m.read_noise = mc::ReadNoise::kNone;
  const std::uint32_t seed = 5;
  const std::uint64_t dev = (3ull << 32) + 11;
  // lifetime 100 cycles, onset at half of it: wear starts at 50 and rises by 1/50 per cycle.
  const mc::CycleDevice c{30.0f, 2.0f, 50.0f, 0.02f, mc::c2c_sigma(m, 30.0f), 100.0f, 17.0f};
  for (std::uint64_t cycle : {0ull, 49ull, 74ull, 98ull, 99ull, 100ull, 5000ull}) {
    const mc::CycleReads r = mc::device_cycle<mc::SigmaLaw::kSqrt, mc::ReadNoise::kNone>(
        m, c, seed, static_cast<std::uint32_t>(dev), static_cast<std::uint32_t>(dev >> 32), cycle);
    const mc::F32x4 z = mc::normals(mc::philox(mc::RngKey{seed, mc::stream::kCycle}, dev, cycle, 0));
    const double t = cycle + 1.0;
    const double a = std::min(1.0, std::max(0.0, (t / 100 - 0.5) / 0.5));  // wear: 0 until half life, 1 at end
    if (t > 100) {  // stuck from cycle ⌈lifetime⌉ + 1 (1-based)
      EXPECT_EQ(r.lrs, 17.0f) << cycle;
      EXPECT_EQ(r.hrs, 17.0f) << cycle;
      continue;
    }
    const double med = 30 * (1 - 0.3 * a);
    const double lrs = std::min(1000.0, std::max(0.01, med + std::sqrt(med) * (1 + a) * z.v[0]));
    const double hrs = std::min(1000.0, std::max(0.01, 2 * (1 + a) * std::exp(0.6 * (1 + a) * z.v[1])));
    EXPECT_TRUE(RelNear(r.lrs, lrs, 1e-5)) << "cycle " << cycle;
    EXPECT_TRUE(RelNear(r.hrs, hrs, 1e-5)) << "cycle " << cycle;
  }
  // Gaussian reads use normals 2 and 3 of the same call.
  m.read_noise = mc::ReadNoise::kGaussian;
  mc::DeviceModel quiet = m;
  quiet.read_noise = mc::ReadNoise::kNone;
  const mc::CycleReads noisy = mc::device_cycle<mc::SigmaLaw::kSqrt, mc::ReadNoise::kGaussian>(m, c, seed, 11, 3, 7);
  const mc::CycleReads clean = mc::device_cycle<mc::SigmaLaw::kSqrt, mc::ReadNoise::kNone>(quiet, c, seed, 11, 3, 7);
  const mc::F32x4 z = mc::normals(mc::philox(mc::RngKey{seed, mc::stream::kCycle}, dev, 7, 0));
  EXPECT_TRUE(RelNear(noisy.lrs, clean.lrs * (1 + 0.01 * z.v[2])));
  EXPECT_TRUE(RelNear(noisy.hrs, clean.hrs * (1 + 0.01 * z.v[3])));
}

TEST(Program, CycleDeviceKeepsTheLoopFreeOfDivisionsAndRoots) {
  // cycle_device precomputes the wear ramp and the fresh σ: the ramp agrees with wear_at, and the SET before wear
  // that a GPU thread takes (program_set_fresh) equals program_set_median at wear 0 to the bit, for every σ law.
  mc::DeviceModel m = test_model();
  m.closure_onset = 0.7f;
  for (mc::SigmaLaw law : {mc::SigmaLaw::kSqrt, mc::SigmaLaw::kPower, mc::SigmaLaw::kRelative, mc::SigmaLaw::kTable}) {
    m.sigma_law = law;
    m.sigma_a = 0.8f, m.sigma_p = 0.6f;
    m.sigma_table = make_table({{10, 2}, {100, 8}, {1000, 40}});
    for (std::uint64_t dev = 0; dev < 200; ++dev) {
      const mc::DeviceDraw d = mc::draw_device(m, 9, dev, 35.0f);
      const mc::CycleDevice c = mc::cycle_device(m, d, 35.0f);
      EXPECT_EQ(c.lrs_sigma0, mc::c2c_sigma(m, c.lrs_med0));
      for (float t : {1.0f, 0.5f * d.lifetime, 0.71f * d.lifetime, 0.9f * d.lifetime, d.lifetime}) {
        const float w = mc::wear_at(m, t, d.lifetime);
        EXPECT_NEAR(mc::cycle_wear(c, t), w, 2e-6f * std::max(1.0f, t / d.lifetime)) << "device " << dev << " t " << t;
      }
      for (float z : {-3.1f, -0.4f, 0.0f, 0.77f, 2.5f}) {
        float fresh = 0, ramp = 0;
        switch (law) {
          case mc::SigmaLaw::kSqrt: ramp = mc::program_set_median<mc::SigmaLaw::kSqrt>(m, c.lrs_med0, 0.0f, z); break;
          case mc::SigmaLaw::kPower: ramp = mc::program_set_median<mc::SigmaLaw::kPower>(m, c.lrs_med0, 0.0f, z); break;
          case mc::SigmaLaw::kRelative: ramp = mc::program_set_median<mc::SigmaLaw::kRelative>(m, c.lrs_med0, 0.0f, z); break;
          default: ramp = mc::program_set_median<mc::SigmaLaw::kTable>(m, c.lrs_med0, 0.0f, z); break;
        }
        fresh = mc::program_set_fresh(m, c, z);
        ASSERT_EQ(fresh, ramp) << "law " << static_cast<int>(law) << " device " << dev << " z " << z;
      }
    }
  }
}

// --------------------------------------------------------------------------- classification, bins

TEST(Classify, LessThanAndErrorCounts) {
  EXPECT_EQ(mc::less_than(1.0f, 2.0f), 1.0f);
  EXPECT_EQ(mc::less_than(2.0f, 1.0f), 0.0f);
  EXPECT_EQ(mc::less_than(1.0f, 1.0f), 0.0f);
  EXPECT_EQ(mc::less_than(1.0f, std::nextafter(1.0f, 2.0f)), 1.0f);
  EXPECT_EQ(mc::less_than(1e-40f, 2e-40f), 1.0f);  // subnormals
  // 1T1R at threshold 10: LRS below is an error, HRS at or above is an error.
  EXPECT_EQ(mc::errors_1t1r({12, 5}, 10), 0.0f);
  EXPECT_EQ(mc::errors_1t1r({8, 5}, 10), 1.0f);
  EXPECT_EQ(mc::errors_1t1r({12, 10}, 10), 1.0f);
  EXPECT_EQ(mc::errors_1t1r({10, 9.99f}, 10), 0.0f);
  EXPECT_EQ(mc::errors_1t1r({9, 11}, 10), 2.0f);
  // 2T2R: bit 1 errs when a.lrs ≤ b.hrs, bit 2 when b.lrs ≤ a.hrs.
  EXPECT_EQ(mc::errors_2t2r({30, 2}, {25, 3}), 0.0f);
  EXPECT_EQ(mc::errors_2t2r({3, 2}, {25, 3}), 1.0f);
  EXPECT_EQ(mc::errors_2t2r({30, 26}, {25, 3}), 1.0f);
  EXPECT_EQ(mc::errors_2t2r({3, 30}, {25, 3}), 2.0f);
}

TEST(Histogram, ConductanceBins) {
  const double lo = std::log(1e-3), width = std::log(1e8) / mc::kHistBins;
  for (int b = 0; b < mc::kHistBins; b += 7) {
    const float g = static_cast<float>(std::exp(lo + (b + 0.5) * width));  // bin centre
    EXPECT_EQ(mc::histogram_bin(g), b) << "g = " << g;
  }
  EXPECT_EQ(mc::histogram_bin(0.0f), 0);
  EXPECT_EQ(mc::histogram_bin(-5.0f), 0);
  EXPECT_EQ(mc::histogram_bin(1e-6f), 0);
  EXPECT_EQ(mc::histogram_bin(1e5f), mc::kHistBins - 1);
  EXPECT_EQ(mc::histogram_bin(1e9f), mc::kHistBins - 1);
  int prev = 0;
  for (float g = 1e-4f; g < 1e6f; g *= 1.001f) {
    const int b = mc::histogram_bin(g);
    ASSERT_GE(b, prev) << "histogram_bin not monotone at " << g;
    prev = b;
  }
}

TEST(Histogram, LifetimeBins) {
  for (int b = 0; b < mc::kLifeBins; ++b) {
    const float c = static_cast<float>(std::pow(10.0, (b + 0.5) / 20.0));
    EXPECT_EQ(mc::lifetime_bin(c), b) << "cycles = " << c;
  }
  EXPECT_EQ(mc::lifetime_bin(0.0f), 0);
  EXPECT_EQ(mc::lifetime_bin(1.0f), 0);
  EXPECT_EQ(mc::lifetime_bin(1e15f), mc::kLifeBins - 1);
  EXPECT_EQ(mc::lifetime_bin(1e30f), mc::kLifeBins - 1);
}

}  // namespace
