// Memristor (RRAM) device physics, written once for every backend (docs/physics.md §1).
// Units everywhere in this header: conductance µS, current µA, voltage V, time s, energy pJ, cycles counted.
#pragma once
#include "common/rng.hpp"
#include "common/streams.hpp"

#include <utility>

namespace mc {

constexpr int kMaxTable = 16;

/// Piecewise-linear y(x) through up to kMaxTable points with increasing x; constant beyond the ends.
struct Table {
  int n;
  float x[kMaxTable];
  float y[kMaxTable];
};

/// One segment of table_eval: segment i replaces y when x lies beyond its start.
MC_HD float table_segment(const Table& t, float x, float y, int i) {
  // Arithmetic blend rather than a select: thirty selects in one loop body defeat g++'s if-conversion.
  const float inside = static_cast<float>(static_cast<int>(i < t.n) & static_cast<int>(x > t.x[i - 1]));
  const float width = t.x[i] - t.x[i - 1];
  const float w = clampf((x - t.x[i - 1]) / (width > 0.0f ? width : 1.0f), 0.0f, 1.0f);  // unused entries stay finite
  const float v = t.y[i - 1] + w * (t.y[i] - t.y[i - 1]);
  return y + inside * (v - y);
}

template <int... I>
MC_HD float table_eval_unrolled(const Table& t, float x, std::integer_sequence<int, I...>) {
  float y = t.y[0];
  ((y = table_segment(t, x, y, I + 1)), ...);
  return y;
}

MC_HD float table_eval(const Table& t, float x) {
  // Branch-free and unrolled in the source (a fold over the segments), so that the loops around it vectorize:
  // the last segment whose start lies below x wins.
  return table_eval_unrolled(t, x, std::make_integer_sequence<int, kMaxTable - 1>{});
}

/// Inverse of a table whose y increases with x.
MC_HD float table_inverse(const Table& t, float y) {
  if (y <= t.y[0]) return t.x[0];
  for (int i = 1; i < t.n; ++i) {
    if (y <= t.y[i]) {
      const float w = (y - t.y[i - 1]) / (t.y[i] - t.y[i - 1]);
      return t.x[i - 1] + w * (t.x[i] - t.x[i - 1]);
    }
  }
  return t.x[t.n - 1];
}

enum class MedianLaw : int { kLinear = 0, kPower = 1, kTable = 2 };
enum class SigmaLaw : int { kSqrt = 0, kPower = 1, kRelative = 2, kTable = 3 };
enum class ReadNoise : int { kNone = 0, kGaussian = 1, kLaplace = 2 };

/// A resolved device technology: plain data, filled by host/scenario from a preset plus overrides.
struct DeviceModel {
  // SET → LRS. Median law G_med(I_c) [Dalgaty 2021, Fig. 2: about linear in the compliance]:
  // linear: k·I; power: k·I^p; table: measured (I µA, G µS) points.
  MedianLaw median_law;
  float median_k;
  float median_p;
  Table median_table;
  // c2c σ(G_med): sqrt: a·sqrt(G·1µS); power: a·G^p; relative: a·G; table: measured (G µS, σ µS).
  SigmaLaw sigma_law;
  float sigma_a;
  float sigma_p;
  Table sigma_table;
  float lrs_d2d_sigma_ln;  ///< log-normal d2d factor on the LRS median
  float g_min, g_max;      ///< physical bounds of any programmed conductance, µS
  // RESET → HRS, log-normal.
  float hrs_median;         ///< µS
  float hrs_sigma_ln;       ///< c2c σ of ln G
  float hrs_d2d_sigma_ln;   ///< d2d factor on the HRS median
  // Reads.
  ReadNoise read_noise;
  float read_sigma_rel;     ///< Gaussian: σ as a fraction of G
  float read_voltage;       ///< V; read current I = G·V (µA)
  float laplace_c[3];       ///< Laplace: b(I) = c0 + c1·I + c2·I² in µA [Lin et al. 2023]
  float laplace_i_min, laplace_i_max;  ///< range of I where the b(I) profile was measured, µA
  // Endurance: Weibull lifetime, window closure before failure, stuck state after it.
  float weibull_shape;
  float weibull_scale;      ///< cycles
  float closure_onset;      ///< fraction of lifetime where the window starts to close, [0, 1)
  float closure_lrs_drop;   ///< fractional LRS-median drop at end of life
  float closure_hrs_rise;   ///< fractional HRS-median rise at end of life
  float closure_spread_growth;  ///< fractional growth of every c2c σ at end of life
  float stuck_lrs_probability;  ///< after failure: stuck at LRS with this probability, else at HRS
  // Forming failures [Merrikh-Bayat 2018: 1–2.5 % stuck inside the working range].
  float forming_failure_fraction;
  float forming_stuck_min, forming_stuck_max;  ///< µS, uniform
  // Pulses and energy.
  float set_voltage, reset_voltage;  ///< V
  float reset_current;               ///< µA
  float pulse_width;                 ///< s
  float read_width;                  ///< s
  // Response to one fixed-amplitude pulse above threshold (in-situ training, kernels/array/array.hpp
  // pulse_step_mean, nonlinear_pulse): soft-bounded power law in the state x = (G − g_min)/(g_max − g_min),
  // ΔG_SET = step_set·(1 − x)^nl_set, ΔG_RESET = −step_reset·x^nl_reset (µS), each times a log-normal device
  // factor (σ step_d2d_sigma_ln, median 1) and a relative cycle-to-cycle normal (σ step_c2c).
  float step_set, step_reset;        ///< µS: the step at the far end of the window (x = 0 for SET, 1 for RESET)
  float step_nl_set, step_nl_reset;  ///< exponents; 0: a constant step
  float step_d2d_sigma_ln;
  float step_c2c;
};

/// Median LRS conductance (µS) reached by a SET with compliance current i_c (µA).
MC_HD float lrs_median(const DeviceModel& m, float i_c) {
  if (m.median_law == MedianLaw::kLinear) return m.median_k * i_c;
  if (m.median_law == MedianLaw::kPower) return m.median_k * fast_pow(i_c, m.median_p);
  return table_eval(m.median_table, i_c);
}

/// Compliance (µA) whose median LRS conductance is g (µS): the inverse of lrs_median.
MC_HD float compliance_for(const DeviceModel& m, float g) {
  if (m.median_law == MedianLaw::kLinear) return g / m.median_k;
  if (m.median_law == MedianLaw::kPower) return fast_pow(g / m.median_k, 1.0f / m.median_p);
  return table_inverse(m.median_table, g);
}

/// Cycle-to-cycle σ (µS) of a SET around median g (µS), for a law fixed at compile time (hot loops).
template <SigmaLaw L>
MC_HD float c2c_sigma_of(const DeviceModel& m, float g) {
  if constexpr (L == SigmaLaw::kSqrt) return m.sigma_a * fast_sqrt(g);
  if constexpr (L == SigmaLaw::kPower) return m.sigma_a * fast_pow(g, m.sigma_p);
  if constexpr (L == SigmaLaw::kRelative) return m.sigma_a * g;
  if constexpr (L == SigmaLaw::kTable) return table_eval(m.sigma_table, g);
  return 0.0f;
}

/// Cycle-to-cycle σ (µS) of a SET around median g (µS).
MC_HD float c2c_sigma(const DeviceModel& m, float g) {
  if (m.sigma_law == SigmaLaw::kSqrt) return c2c_sigma_of<SigmaLaw::kSqrt>(m, g);
  if (m.sigma_law == SigmaLaw::kPower) return c2c_sigma_of<SigmaLaw::kPower>(m, g);
  if (m.sigma_law == SigmaLaw::kRelative) return c2c_sigma_of<SigmaLaw::kRelative>(m, g);
  return c2c_sigma_of<SigmaLaw::kTable>(m, g);
}

/// What is drawn once per device (d2d): median factors, lifetime, failure mode, forming outcome.
struct DeviceDraw {
  float lrs_scale;  ///< multiplies the LRS median
  float hrs_scale;  ///< multiplies the HRS median
  float lifetime;   ///< cycles the device survives (Weibull); it is stuck once the 1-based cycle exceeds it (from ⌊lifetime⌋ + 1)
  float stuck_g;    ///< µS: conductance once failed (from the start when forming failed)
  bool formed;      ///< false: forming failed, stuck at stuck_g from the start
  bool stuck_lrs;   ///< failure mode: stuck in LRS (true) or HRS (false)
};

/// Lifetime (cycles) of a device at Weibull failure fraction v in (0, 1]: L = λ·(−ln(1 − v))^(1/k).
MC_HD float weibull_lifetime(const DeviceModel& m, float v) {
  return m.weibull_scale * fast_pow(fast_neg_log1m(v), 1.0f / m.weibull_shape);
}

/// Draw a device's d2d factors (two Philox calls on stream kDeviceToDevice, counter {device, 0, draw}):
/// r = draw 0: d2d normals (words 0, 1), lifetime (word 2 with f's word 2), failure mode (word 3);
/// f = draw 1: forming (words 0, 1).
/// i_c: the nominal compliance (µA), which sets the LRS a worn-out device is stuck in.
MC_HD DeviceDraw draw_device(const DeviceModel& m, std::uint32_t seed, std::uint64_t device, float i_c) {
  const RngKey key{seed, stream::kDeviceToDevice};
  const U32x4 r = philox(key, device, 0, 0);
  const U32x4 f = philox(key, device, 0, 1);
  float z1, z2;
  box_muller(r.v[0], r.v[1], &z1, &z2);
  DeviceDraw d;
  d.lrs_scale = fast_exp(m.lrs_d2d_sigma_ln * z1);
  d.hrs_scale = fast_exp(m.hrs_d2d_sigma_ln * z2);
  // Weibull by inversion of its CDF F = 1 − exp(−(L/λ)^k) at F = v: L = λ·(−ln(1 − v))^(1/k), v fine near 0
  // (47 bits of r.v[2] and f.v[2]) so that failure fractions down to 2^-47 are reachable, not 2^-24.
  d.lifetime = weibull_lifetime(m, u01_fine(r.v[2], f.v[2]));
  d.stuck_lrs = u01(r.v[3]) < m.stuck_lrs_probability;
  d.formed = !(u01(f.v[0]) < m.forming_failure_fraction);
  // A worn-out device keeps the state it failed in, at that state's end-of-life median.
  const float worn_lrs = lrs_median(m, i_c) * d.lrs_scale * (1.0f - m.closure_lrs_drop);
  const float worn_hrs = m.hrs_median * d.hrs_scale * (1.0f + m.closure_hrs_rise);
  const float worn = clampf(d.stuck_lrs ? worn_lrs : worn_hrs, m.g_min, m.g_max);
  const float unformed = m.forming_stuck_min + u01(f.v[1]) * (m.forming_stuck_max - m.forming_stuck_min);
  d.stuck_g = d.formed ? worn : unformed;
  return d;
}

/// Fraction of formed devices worn out after `cycles`: the Weibull CDF 1 − exp(−(c/λ)^k) that draw_device samples.
MC_HD double lifetime_cdf(const DeviceModel& m, double cycles) {
  return 1.0 - exp(-pow(cycles / m.weibull_scale, static_cast<double>(m.weibull_shape)));
}

/// Wear (window closure) of a device at cycle t: 0 until closure_onset of its lifetime, rising to 1 at the end.
MC_HD float wear_at(const DeviceModel& m, float t, float lifetime) {
  return clampf((t / lifetime - m.closure_onset) / (1.0f - m.closure_onset), 0.0f, 1.0f);
}

/// A device that never formed, or is past its lifetime at cycle t, stays at its stuck conductance.
MC_HD bool stuck_at(const DeviceDraw& d, float t) { return !d.formed || t > d.lifetime; }

/// SET to a fresh-device median med0 (µS, = lrs_median(i_c)·lrs_scale): the new LRS conductance (µS) for a
/// standard normal z, at wear wear_a. The σ law is a template argument so hot loops carry no dispatch.
template <SigmaLaw L>
MC_HD float program_set_median(const DeviceModel& m, float med0, float wear_a, float z) {
  const float med = med0 * (1.0f - m.closure_lrs_drop * wear_a);
  const float sigma = c2c_sigma_of<L>(m, med) * (1.0f + m.closure_spread_growth * wear_a);
  return clampf(med + sigma * z, m.g_min, m.g_max);
}

/// SET with compliance i_c (µA): the new LRS conductance (µS) for a standard normal z.
MC_HD float program_set(const DeviceModel& m, const DeviceDraw& d, float i_c, float wear_a, float z) {
  const float med = lrs_median(m, i_c) * d.lrs_scale * (1.0f - m.closure_lrs_drop * wear_a);
  const float sigma = c2c_sigma(m, med) * (1.0f + m.closure_spread_growth * wear_a);
  return clampf(med + sigma * z, m.g_min, m.g_max);
}

/// RESET: the new HRS conductance (µS) for a standard normal z (log-normal around the median).
MC_HD float program_reset(const DeviceModel& m, const DeviceDraw& d, float wear_a, float z) {
  const float med = m.hrs_median * d.hrs_scale * (1.0f + m.closure_hrs_rise * wear_a);
  const float s = m.hrs_sigma_ln * (1.0f + m.closure_spread_growth * wear_a);
  return clampf(med * fast_exp(s * z), m.g_min, m.g_max);
}

/// A read of conductance g (µS): z is a standard normal (Gaussian noise), u a uniform (Laplace noise).
template <ReadNoise N>
MC_HD float read_conductance_of(const DeviceModel& m, float g, float z, float u) {
  if constexpr (N == ReadNoise::kGaussian) return g * (1.0f + m.read_sigma_rel * z);
  if constexpr (N == ReadNoise::kLaplace) {
    const float i = g * m.read_voltage;  // µA
    const float ic = clampf(i, m.laplace_i_min, m.laplace_i_max);
    const float b = m.laplace_c[0] + ic * (m.laplace_c[1] + ic * m.laplace_c[2]);
    return (i + laplace_from_uniform(u, b)) / m.read_voltage;
  }
  return g;
}

MC_HD float read_conductance(const DeviceModel& m, float g, float z, float u) {
  if (m.read_noise == ReadNoise::kGaussian) return read_conductance_of<ReadNoise::kGaussian>(m, g, z, u);
  if (m.read_noise == ReadNoise::kLaplace) return read_conductance_of<ReadNoise::kLaplace>(m, g, z, u);
  return g;
}

/// Mean LRS conductance (µS) of fresh devices SET at compliance i_c (µA), over d2d and c2c: the c2c spread is
/// symmetric around the median, the d2d factor log-normal, E = median·e^{σ_d2d²/2} (clamping to [g_min, g_max]
/// neglected).
MC_HD float lrs_mean(const DeviceModel& m, float i_c) {
  return lrs_median(m, i_c) * fast_exp(0.5f * m.lrs_d2d_sigma_ln * m.lrs_d2d_sigma_ln);
}

/// Mean HRS conductance (µS) of fresh devices: log-normal c2c times log-normal d2d, E = median·e^{(σ_c2c² +
/// σ_d2d²)/2} (25 % above the median at the defaults 0.6 and 0.3; clamping neglected).
MC_HD float hrs_mean(const DeviceModel& m) {
  return m.hrs_median * fast_exp(0.5f * (m.hrs_sigma_ln * m.hrs_sigma_ln + m.hrs_d2d_sigma_ln * m.hrs_d2d_sigma_ln));
}

/// Energy (pJ) of one SET pulse at compliance i_c (µA): V·I·t.
MC_HD float set_energy(const DeviceModel& m, float i_c) { return m.set_voltage * i_c * m.pulse_width * 1e6f; }
/// Energy (pJ) of one RESET pulse.
MC_HD float reset_energy(const DeviceModel& m) { return m.reset_voltage * m.reset_current * m.pulse_width * 1e6f; }
/// Energy (pJ) of one read of conductance g (µS): V²·G·t.
MC_HD float read_energy(const DeviceModel& m, float g) {
  return m.read_voltage * m.read_voltage * g * m.read_width * 1e6f;
}

/// The part of a device's draw that its cycle loop reads, all floats so it can live in registers or SIMD lanes,
/// with what the loop would otherwise recompute every cycle: the wear ramp as a start and a slope (no division in
/// the loop) and the fresh device's c2c σ (no square root or power before closure onset).
struct CycleDevice {
  float lrs_med0;     ///< µS: fresh LRS median at the loop's compliance (d2d included)
  float hrs_med0;     ///< µS: fresh HRS median (d2d included)
  float wear_start;   ///< cycles: closure_onset·lifetime; wear is 0 up to here
  float wear_slope;   ///< 1/cycles: 1/(lifetime·(1 − closure_onset)); wear = (t − wear_start)·wear_slope, clamped to [0, 1]
  float lrs_sigma0;   ///< µS: c2c σ of a SET around lrs_med0 before wear
  float stuck_after;  ///< cycles: stuck once the 1-based cycle exceeds this (0 when forming failed)
  float stuck_g;      ///< µS
};

MC_HD CycleDevice cycle_device(const DeviceModel& m, const DeviceDraw& d, float i_c) {
  const float med0 = lrs_median(m, i_c) * d.lrs_scale;
  return CycleDevice{med0,
                     m.hrs_median * d.hrs_scale,
                     m.closure_onset * d.lifetime,
                     1.0f / (d.lifetime * (1.0f - m.closure_onset)),
                     c2c_sigma(m, med0),
                     d.formed ? d.lifetime : 0.0f,
                     d.stuck_g};
}

/// SET of a cycle device before wear: program_set_median at wear 0, whose median and σ factors are then exactly
/// 1, so the value is the same to the bit (tested).
MC_HD float program_set_fresh(const DeviceModel& m, const CycleDevice& d, float z) {
  return clampf(d.lrs_med0 + d.lrs_sigma0 * z, m.g_min, m.g_max);
}

/// Wear of a cycle device at 1-based cycle t: wear_at's ramp, from the precomputed start and slope.
MC_HD float cycle_wear(const CycleDevice& d, float t) { return clampf((t - d.wear_start) * d.wear_slope, 0.0f, 1.0f); }

/// One full cycle of a device: SET then read, RESET then read (two writes, two reads, one Philox call on
/// stream kCycle, counter {device, cycle, 0}).
struct CycleReads {
  float lrs;  ///< µS, read after the SET
  float hrs;  ///< µS, read after the RESET
};

/// device_lo/hi: the 64-bit device index as two words; cycle: 0-based.
template <SigmaLaw L, ReadNoise N>
MC_HD CycleReads device_cycle(const DeviceModel& m, const CycleDevice& d, std::uint32_t seed, std::uint32_t device_lo,
                              std::uint32_t device_hi, std::uint64_t cycle) {
  const U32x4 r = philox_words(RngKey{seed, stream::kCycle}, device_lo, device_hi, static_cast<std::uint32_t>(cycle),
                               step_hi_draw(cycle, 0));
  const F32x4 z = normals(r);
  const float t = static_cast<float>(cycle + 1);
  const float a = cycle_wear(d, t);
  const bool stuck = t > d.stuck_after;
#if defined(__CUDA_ARCH__)
  // Before closure onset (a = 0, most cycles of most devices) a GPU thread skips the σ law. The CPU computes
  // every lane the same way instead: a branch here stops g++ vectorizing the loop (10x slower, measured).
  const float g_set = a > 0.0f ? program_set_median<L>(m, d.lrs_med0, a, z.v[0]) : program_set_fresh(m, d, z.v[0]);
#else
  const float g_set = program_set_median<L>(m, d.lrs_med0, a, z.v[0]);
#endif
  const float hrs_med = d.hrs_med0 * (1.0f + m.closure_hrs_rise * a);
  const float hrs_s = m.hrs_sigma_ln * (1.0f + m.closure_spread_growth * a);
  const float g_reset = clampf(hrs_med * fast_exp(hrs_s * z.v[1]), m.g_min, m.g_max);
  // Laplace reads use the uniforms behind z2 and z3 directly; Gaussian reads use the normals.
  return CycleReads{read_conductance_of<N>(m, stuck ? d.stuck_g : g_set, z.v[2], u01(r.v[2])),
                    read_conductance_of<N>(m, stuck ? d.stuck_g : g_reset, z.v[3], u01(r.v[3]))};
}

}  // namespace mc
