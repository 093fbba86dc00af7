// The endurance workload's per-element code: a 2T2R pair of devices cycled SET/RESET, reads classified
// against a 1T1R threshold and against each other (the sense amplifier of a 2T2R cell).
#pragma once
#include "device/rram.hpp"

namespace mc {

/// Log-spaced conductance histogram used for percentiles and CDFs: kHistBins bins from kHistLo to kHistHi µS
/// (0.45 % per bin); values outside land in the first or last bin. Counts are integers, so histograms from
/// batches, threads and backends merge exactly.
constexpr int kHistBins = 4096;
constexpr float kHistLo = 1e-3f;
constexpr float kHistHi = 1e5f;

MC_HD int histogram_bin(float g) {
  const float lo_ln = -6.907755279f;             // ln 1e-3
  const float scale = kHistBins / 18.42068074f;  // bins per unit ln over 8 decades
  const float x = g > kHistLo ? (fast_log(g) - lo_ln) * scale : 0.0f;
  const int b = static_cast<int>(x);
  return b < 0 ? 0 : (b >= kHistBins ? kHistBins - 1 : b);
}

/// Lifetime histogram: 20 bins per decade from 1 to 1e14 cycles.
constexpr int kLifeBins = 280;
constexpr float kLifeBinsPerDecade = 20.0f;

MC_HD int lifetime_bin(float cycles) {
  const float x = cycles > 1.0f ? fast_log(cycles) * (kLifeBinsPerDecade / 2.302585093f) : 0.0f;
  const int b = static_cast<int>(x);
  return b < 0 ? 0 : (b >= kLifeBins ? kLifeBins - 1 : b);
}

/// How a device stands at a checkpoint after t_end cycles: never formed, worn out (stuck in LRS or HRS), or
/// working. Each field is 0 or 1, so backends sum them into exact counts.
struct FailureState {
  unsigned unformed, stuck_lrs, stuck_hrs;
};

MC_HD FailureState failure_state(const DeviceDraw& d, float t_end) {
  const bool worn = d.formed && t_end > d.lifetime;  // the rule device_cycle applies (stuck once t > lifetime)
  return FailureState{d.formed ? 0u : 1u, worn && d.stuck_lrs ? 1u : 0u, worn && !d.stuck_lrs ? 1u : 0u};
}

/// Everything a kernel needs, as plain data.
struct EnduranceParams {
  DeviceModel model;
  float compliance;      ///< µA
  float read_threshold;  ///< µS: a 1T1R read at or above it is a 1, below it a 0
  std::uint32_t seed;
};

// Error counts are returned as small floats (0, 1, 2): exact, and the form g++ vectorizes; hot loops sum them
// over at most 2^20 events before moving the sum into an integer.

/// 1 when a < b, else 0, from the sign bit of a − b (distinct floats never subtract to zero under IEEE gradual
/// underflow, and equal ones give +0): no compare-and-select, which g++ cannot if-convert four times in a loop.
MC_HD float less_than(float a, float b) { return static_cast<float>(static_cast<int>(float_bits(a - b) >> 31)); }

/// 1T1R errors of one device-cycle: LRS read below threshold, HRS read at or above it (0, 1 or 2).
MC_HD float errors_1t1r(CycleReads r, float threshold) {
  return less_than(r.lrs, threshold) + (1.0f - less_than(r.hrs, threshold));
}

/// 2T2R errors of one pair-cycle (0, 1 or 2). A cycle programs two complementary bits: device a in LRS
/// against b in HRS, then b in LRS against a in HRS; the sense amplifier errs when LRS reads ≤ HRS.
MC_HD float errors_2t2r(CycleReads a, CycleReads b) {
  return (1.0f - less_than(b.hrs, a.lrs)) + (1.0f - less_than(a.hrs, b.lrs));
}

}  // namespace mc
