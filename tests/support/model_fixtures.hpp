// Device models shared by the kernel tests: every DeviceModel field filled by hand (no preset loader), so the
// tests do not depend on host/ code. Units as in kernels/device/rram.hpp: µS, µA, V, s, pJ, cycles.
#pragma once
#include <cstdint>

#include "endurance/driver.hpp"

namespace mc::test {

/// HfO2-like defaults of docs/physics.md §1: linear median 1.5 µS/µA, σ = sqrt(G·1µS), log-normal HRS, 1 % Gaussian
/// read noise, Weibull(1.5, 1e8) lifetime with window closure, 1 % forming failures.
inline DeviceModel test_model() {
  DeviceModel m{};  // zero every table entry
  m.median_law = MedianLaw::kLinear;
  m.median_k = 1.5f;
  m.median_p = 1.0f;
  m.median_table.n = 0;
  m.sigma_law = SigmaLaw::kSqrt;
  m.sigma_a = 1.0f;
  m.sigma_p = 0.5f;
  m.sigma_table.n = 0;
  m.lrs_d2d_sigma_ln = 0.05f;
  m.g_min = 0.01f;
  m.g_max = 1000.0f;
  m.hrs_median = 2.0f;
  m.hrs_sigma_ln = 0.6f;
  m.hrs_d2d_sigma_ln = 0.3f;
  m.read_noise = ReadNoise::kGaussian;
  m.read_sigma_rel = 0.01f;
  m.read_voltage = 0.1f;
  m.laplace_c[0] = 0.0141f;
  m.laplace_c[1] = 0.0324f;
  m.laplace_c[2] = -0.0058f;
  m.laplace_i_min = 0.4f;
  m.laplace_i_max = 4.0f;
  m.weibull_shape = 1.5f;
  m.weibull_scale = 1e8f;
  m.closure_onset = 0.5f;
  m.closure_lrs_drop = 0.3f;
  m.closure_hrs_rise = 1.0f;
  m.closure_spread_growth = 1.0f;
  m.stuck_lrs_probability = 0.5f;
  m.forming_failure_fraction = 0.01f;
  m.forming_stuck_min = 10.0f;
  m.forming_stuck_max = 100.0f;
  m.set_voltage = 1.5f;
  m.reset_voltage = 2.5f;
  m.reset_current = 120.0f;
  m.pulse_width = 1e-6f;
  m.read_width = 1e-7f;
  return m;
}

/// test_model() without d2d, read noise, forming failures or window closure, and with a lifetime far beyond
/// any test: SET gives exactly N(k·I, a·sqrt(k·I)) and RESET exactly LogNormal(ln 2 µS, 0.6), for analytic checks.
inline DeviceModel ideal_model() {
  DeviceModel m = test_model();
  m.lrs_d2d_sigma_ln = 0.0f;
  m.hrs_d2d_sigma_ln = 0.0f;
  m.read_noise = ReadNoise::kNone;
  m.forming_failure_fraction = 0.0f;
  m.closure_lrs_drop = 0.0f;
  m.closure_hrs_rise = 0.0f;
  m.closure_spread_growth = 0.0f;
  m.weibull_scale = 1e30f;
  return m;
}

inline EnduranceParams endurance_params(const DeviceModel& m, float compliance, float read_threshold,
                                        std::uint32_t seed) {
  EnduranceParams p;
  p.model = m;
  p.compliance = compliance;
  p.read_threshold = read_threshold;
  p.seed = seed;
  return p;
}

inline WriteVerifyParams write_verify_params(const DeviceModel& m, float target, float tolerance,
                                             std::uint32_t max_pulses, PulseLaw law, std::uint32_t seed) {
  WriteVerifyParams p;
  p.model = m;
  p.target = target;
  p.tolerance = tolerance;
  p.max_pulses = max_pulses;
  p.law = law;
  p.start_fraction = 0.5f;
  p.step = 1.0f;
  p.seed = seed;
  return p;
}

/// test_model() with short lifetimes (λ = 300 cycles, so windows close and devices fail within the run) and
/// 5 % forming failures: every branch of the cycle kernel is exercised.
inline DeviceModel busy_model() {
  DeviceModel m = test_model();
  m.weibull_scale = 300.0f;
  m.forming_failure_fraction = 0.05f;
  return m;
}

inline RunHooks hooks_with(int threads) {
  RunHooks h;
  h.threads = threads;
  return h;
}

/// One CPU interval with a given thread count.
inline IntervalTally interval(const EnduranceParams& p, std::uint64_t pb, std::uint64_t pe, std::uint64_t cb,
                              std::uint64_t ce, int threads) {
  IntervalTally t;
  endurance_interval_cpu(p, pb, pe, cb, ce, t, hooks_with(threads));
  return t;
}

}  // namespace mc::test
