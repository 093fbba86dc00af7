// The in-situ pulse model (kernels/array/array.hpp pulse_step_mean, nonlinear_pulse): a fixed-amplitude pulse
// moves a device by a state-dependent, soft-bounded step, SET and RESET unequal, with device-to-device factors
// and cycle-to-cycle spread. Analytic checks of the noiseless step, the mean step with noise (4 standard errors,
// fixed seeds), thresholds, and the asymmetry of the TiO2 preset (configs/devices/tio2_passive.yaml).
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "array/array.hpp"
#include "scenario/scenario.hpp"
#include "support/array_fixtures.hpp"

namespace mc {
namespace {

using test::tio2_params;

ArrayParams nonlinear_params() {
  ArrayParams p = tio2_params();
  p.model.step_set = 5.0f;
  p.model.step_reset = 8.0f;
  p.model.step_nl_set = 2.0f;
  p.model.step_nl_reset = 1.0f;
  p.model.step_d2d_sigma_ln = 0.0f;
  p.model.step_c2c = 0.0f;
  return p;
}

// A device whose thresholds every pulse of the tests exceeds.
constexpr DeviceThresholds kLow{0.5f, 0.5f};
constexpr PulseStepFactors kUnit{1.0f, 1.0f};

TEST(CrossbarPulse, NoiselessStepFollowsTheSoftBoundedPowerLaw) {
  const ArrayParams p = nonlinear_params();
  const DeviceModel& m = p.model;
  for (float g : {1.0f, 10.0f, 46.0f, 75.5f, 100.0f, 149.0f, 150.0f}) {
    const double x = (g - m.g_min) / double(m.g_max - m.g_min);
    const double up = 5.0 * (1 - x) * (1 - x), down = 8.0 * x;
    EXPECT_NEAR(pulse_step_mean(m, g, true, 1.0f), up, 1e-5 * 5) << g;
    EXPECT_NEAR(pulse_step_mean(m, g, false, 1.0f), -down, 1e-5 * 8) << g;
    // One pulse without noise moves the device by exactly that (inside the window).
    EXPECT_NEAR(nonlinear_pulse(p, kLow, kUnit, g, true, 1.2f, 0.0f), std::min<double>(g + up, m.g_max), 1e-4) << g;
    EXPECT_NEAR(nonlinear_pulse(p, kLow, kUnit, g, false, 1.4f, 0.0f), std::max<double>(g - down, m.g_min), 1e-4) << g;
    // The device factor scales the step.
    EXPECT_NEAR(pulse_step_mean(m, g, true, 1.5f), 1.5 * up, 1e-5 * 7.5) << g;
  }
  // Soft bounds: no SET step at g_max, no RESET step at g_min.
  EXPECT_EQ(pulse_step_mean(m, m.g_max, true, 1.0f), 0.0f);
  EXPECT_EQ(pulse_step_mean(m, m.g_min, false, 1.0f), 0.0f);
  // Exponent 0: the same step everywhere (the earlier fixed-step model, less its clipping to [g_lo, g_hi]).
  DeviceModel lin = m;
  lin.step_nl_set = lin.step_nl_reset = 0.0f;
  for (float g : {1.0f, 50.0f, 150.0f}) {
    EXPECT_EQ(pulse_step_mean(lin, g, true, 1.0f), 5.0f);
    EXPECT_EQ(pulse_step_mean(lin, g, false, 1.0f), -8.0f);
  }
}

TEST(CrossbarPulse, ThresholdsAboveThePulseLeaveTheDeviceAlone) {
  const ArrayParams p = nonlinear_params();
  const DeviceThresholds high{1.3f, 1.5f};
  EXPECT_EQ(nonlinear_pulse(p, high, kUnit, 40.0f, true, 1.2f, 0.7f), 40.0f);
  EXPECT_EQ(nonlinear_pulse(p, high, kUnit, 40.0f, false, 1.4f, -0.3f), 40.0f);
  EXPECT_GT(nonlinear_pulse(p, high, kUnit, 40.0f, true, 1.35f, 0.0f), 40.0f);
  EXPECT_LT(nonlinear_pulse(p, high, kUnit, 40.0f, false, 1.6f, 0.0f), 40.0f);
}

TEST(CrossbarPulse, MeanStepOverDevicesAndCyclesIsTheNoiselessStepTimesTheLogNormalMean) {
  ArrayParams p = nonlinear_params();
  p.model.step_d2d_sigma_ln = 0.3f;
  p.model.step_c2c = 0.3f;
  const int n = 200000;
  const RngKey key{p.seed, stream::kTest};
  for (float g : {20.0f, 60.0f, 110.0f}) {
    double s_up = 0, s2_up = 0, s_dn = 0, s2_dn = 0;
    for (int k = 0; k < n; ++k) {
      const PulseStepFactors f = draw_pulse_step_factors(p, k);
      const F32x4 z = normals(philox(key, k, 0, 0));
      const double up = nonlinear_pulse(p, kLow, f, g, true, 1.2f, z.v[0]) - g;
      const double dn = nonlinear_pulse(p, kLow, f, g, false, 1.4f, z.v[1]) - g;
      s_up += up, s2_up += up * up, s_dn += dn, s2_dn += dn * dn;
    }
    const double e = std::exp(0.5 * 0.3 * 0.3);  // mean of the median-1 log-normal factor
    const double m_up = s_up / n, m_dn = s_dn / n;
    const double se_up = std::sqrt((s2_up / n - m_up * m_up) / n), se_dn = std::sqrt((s2_dn / n - m_dn * m_dn) / n);
    EXPECT_NEAR(m_up, e * pulse_step_mean(p.model, g, true, 1.0f), 4 * se_up) << g;
    EXPECT_NEAR(m_dn, e * pulse_step_mean(p.model, g, false, 1.0f), 4 * se_dn) << g;
    // Relative spread: (1 + c2c·z)·factor has variance e^{2σ²}(1 + c2c²) − e^{σ²}.
    const double rel_var = (s2_up / n - m_up * m_up) / (m_up * m_up / (e * e));
    const double want = std::exp(2 * 0.09) * (1 + 0.09) - std::exp(0.09);
    EXPECT_NEAR(rel_var, want, 0.05 * want) << g;
  }
  // The device factors are independent of each other and keyed by the device alone.
  const PulseStepFactors a = draw_pulse_step_factors(p, 12345), b = draw_pulse_step_factors(p, 12345);
  EXPECT_EQ(a.set, b.set);
  EXPECT_NE(a.set, a.reset);
}

TEST(CrossbarPulse, Tio2PresetIsAsymmetricWithRepeatedPulsesSettlingWhereTheStepsMeet) {
  const Scenario s = parse_scenario(
      "workload: crossbar_mlp\ndevice: {preset: tio2_passive}\ncrossbar_mlp:\n  data: " + std::string(MC_TEST_DATA) +
          "/../data/letters.csv\n",
      "s.yaml");
  const DeviceModel& m = s.device;
  // Low in the window SET moves more than RESET; high in it, RESET more than SET.
  EXPECT_GT(pulse_step_mean(m, 12.0f, true, 1.0f), -pulse_step_mean(m, 12.0f, false, 1.0f));
  EXPECT_LT(pulse_step_mean(m, 95.0f, true, 1.0f), -pulse_step_mean(m, 95.0f, false, 1.0f));
  // The state where the steps are equal (bisection on the analytic steps), and alternating noiseless pulses
  // starting from either end of the window settle within one step of it.
  double lo = m.g_min, hi = m.g_max;
  for (int k = 0; k < 60; ++k) {
    const double mid = 0.5 * (lo + hi);
    (pulse_step_mean(m, float(mid), true, 1.0f) + pulse_step_mean(m, float(mid), false, 1.0f) > 0 ? lo : hi) = mid;
  }
  ArrayParams p = tio2_params();
  p.model = m;
  p.model.step_c2c = 0.0f;
  for (float g : {m.g_min, m.g_max}) {
    for (int k = 0; k < 400; ++k) {
      g = nonlinear_pulse(p, kLow, kUnit, g, true, 1.2f, 0.0f);
      g = nonlinear_pulse(p, kLow, kUnit, g, false, 1.4f, 0.0f);
    }
    EXPECT_NEAR(g, lo, m.step_set) << "settles near the balance point " << lo;
  }
  EXPECT_GT(lo, m.g_min + 0.1 * (m.g_max - m.g_min));
  EXPECT_LT(lo, m.g_max - 0.1 * (m.g_max - m.g_min));
}

}  // namespace
}  // namespace mc
