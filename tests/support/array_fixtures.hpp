// Array parameters shared by the array tests: the TiO2 passive devices of configs/devices/tio2_passive.yaml with
// the paper's thresholds and V/2 scheme [Merrikh-Bayat 2018], every field filled by hand.
#pragma once
#include "array/array.hpp"
#include "support/model_fixtures.hpp"

namespace mc::test {

inline ArrayParams tio2_params() {
  ArrayParams p{};
  DeviceModel m = test::test_model();
  m.median_k = 1.0f;
  m.sigma_law = SigmaLaw::kRelative;
  m.sigma_a = 0.08f;
  m.lrs_d2d_sigma_ln = 0.1f;
  m.g_min = 1.0f;
  m.g_max = 150.0f;
  m.hrs_median = 5.0f;
  m.hrs_sigma_ln = 0.4f;
  m.hrs_d2d_sigma_ln = 0.2f;
  m.read_sigma_rel = 0.01f;
  m.read_voltage = 0.2f;
  m.weibull_scale = 1e6f;
  m.forming_failure_fraction = 0.02f;
  p.model = m;
  p.mapping = ArrayMapping::kPair;
  p.g_lo = 10.0f;
  p.g_hi = 100.0f;
  p.mode = ProgramMode::kWriteVerify;
  p.tolerance = 0.30f;
  p.max_pulses = 100;
  p.law = PulseLaw::kRetry;
  p.start_fraction = 0.5f;
  p.step = 2.0f;
  p.set_threshold_mean = 1.0f;
  p.set_threshold_sigma = 0.13f;
  p.reset_threshold_mean = 1.2f;
  p.reset_threshold_sigma = 0.15f;
  p.v_set = 1.5f;
  p.v_reset = 1.8f;
  p.disturb_fraction = 0.0f;
  p.seed = 2018;
  return p;
}

}  // namespace mc::test
