// Memristor arrays: a matrix of signed weights stored as device conductances, programmed through the device
// model of kernels/device/rram.hpp and read back (docs/physics.md §5; notes/neural-workloads.md B3). Written once
// for every backend: one chip is one Monte Carlo trial, programmed sequentially device by device (the order
// matters for half-select disturb), so a backend runs one chip per thread.
// Units: conductance µS, voltage V, energy pJ.
#pragma once
#include "common/rng.hpp"
#include "common/streams.hpp"
#include "device/rram.hpp"
#include "endurance/write_verify.hpp"

namespace mc {

enum class ArrayMapping : int {
  kPair = 0,       ///< w ∝ G⁺ − G⁻ on two adjacent columns; the smaller device of a pair at g_lo [Merrikh-Bayat 2018]
  kReference = 1,  ///< w ∝ G − G_ref against one reference column at (g_lo + g_hi)/2
};

enum class ProgramMode : int {
  kOneShot = 0,      ///< one SET at the target's compliance, no verify
  kWriteVerify = 1,  ///< write-and-verify to a tolerance band (kernels/endurance/write_verify.hpp)
};

/// Everything programming and reading a chip needs: plain data the host fills.
struct ArrayParams {
  DeviceModel model;
  ArrayMapping mapping;
  float g_lo, g_hi;      ///< µS, the working range weights are mapped and clipped into (paper: 10–100 µS)
  ProgramMode mode;
  float tolerance;       ///< write-and-verify relative band half-width (> 0); paper 0.30 for the network
  std::uint32_t max_pulses;
  PulseLaw law;
  float start_fraction, step;  ///< incremental law, as in WriteVerifyParams
  // Switching thresholds, drawn once per device: normal, magnitudes in V [Merrikh-Bayat 2018: SET 1.0 ± 0.13 V,
  // RESET −1.2 ± 0.15 V for one crossbar, edges excluded].
  float set_threshold_mean, set_threshold_sigma;
  float reset_threshold_mean, reset_threshold_sigma;
  // Half-select disturb under the V/2 scheme: while a device is tuned with pulses up to v_set / v_reset (V,
  // magnitudes; paper [0.8, 1.5] V SET and [−1.8, −0.8] V RESET), the other devices of its row and column see
  // half of it. One whose threshold lies below that half moves by disturb_fraction of its distance to g_hi (SET)
  // or g_lo (RESET) per half-selecting pulse. disturb_fraction = 0 turns disturb off.
  float v_set, v_reset;
  float disturb_fraction;
  std::uint32_t seed;
};

/// Counts of one chip's programming, exact integers so chips merge bit for bit on any backend.
struct ArrayCounts {
  std::uint64_t set_pulses, reset_pulses, reads, disturbs;
  double energy;  ///< pJ
};

/// The reference conductance (µS) of the reference-column mapping.
MC_HD float reference_conductance(const ArrayParams& p) { return 0.5f * (p.g_lo + p.g_hi); }

/// Map weight w (any unit) with scale (µS per weight unit) onto a pair: the larger device carries |w|·scale above
/// g_lo, the smaller one sits at g_lo [Merrikh-Bayat 2018]; both clipped to [g_lo, g_hi].
MC_HD void map_pair(const ArrayParams& p, float w, float scale, float* g_plus, float* g_minus) {
  const float a = clampf(p.g_lo + (w > 0.0f ? w : -w) * scale, p.g_lo, p.g_hi);
  *g_plus = w > 0.0f ? a : p.g_lo;
  *g_minus = w > 0.0f ? p.g_lo : a;
}

/// Map weight w against the reference column: G = G_ref + w·scale, clipped to [g_lo, g_hi].
MC_HD float map_reference(const ArrayParams& p, float w, float scale) {
  return clampf(reference_conductance(p) + w * scale, p.g_lo, p.g_hi);
}

/// Columns of the array that stores an n_in × n_out weight matrix (rows = n_in).
MC_HD int mapped_columns(ArrayMapping m, int n_out) { return m == ArrayMapping::kPair ? 2 * n_out : n_out + 1; }

/// Target conductances (row-major n_in × mapped_columns) of weights W (row-major n_in × n_out) at `scale`.
MC_HD void map_weights(const ArrayParams& p, const float* W, int n_in, int n_out, float scale, float* target) {
  const int cols = mapped_columns(p.mapping, n_out);
  for (int i = 0; i < n_in; ++i) {
    float* row = target + static_cast<long>(i) * cols;
    for (int k = 0; k < n_out; ++k) {
      const float w = W[static_cast<long>(i) * n_out + k];
      if (p.mapping == ArrayMapping::kPair) map_pair(p, w, scale, &row[2 * k], &row[2 * k + 1]);
      else row[k] = map_reference(p, w, scale);
    }
    if (p.mapping == ArrayMapping::kReference) row[n_out] = reference_conductance(p);
  }
}

/// Effective weights (µS of differential conductance) of an array G back in weight layout n_in × n_out.
MC_HD void unmap_weights(const ArrayParams& p, const float* G, int n_in, int n_out, float* W) {
  const int cols = mapped_columns(p.mapping, n_out);
  for (int i = 0; i < n_in; ++i)
    for (int k = 0; k < n_out; ++k) {
      const float* row = G + static_cast<long>(i) * cols;
      W[static_cast<long>(i) * n_out + k] =
          p.mapping == ArrayMapping::kPair ? row[2 * k] - row[2 * k + 1] : row[k] - row[n_out];
    }
}

struct DeviceThresholds {
  float set, reset;  ///< V, magnitudes
};

/// A device's switching thresholds: one Philox call on stream kArrayThreshold, counter {device, 0, 0}.
MC_HD DeviceThresholds draw_thresholds(const ArrayParams& p, std::uint64_t device) {
  const F32x4 z = normals(philox(RngKey{p.seed, stream::kArrayThreshold}, device, 0, 0));
  return DeviceThresholds{p.set_threshold_mean + p.set_threshold_sigma * z.v[0],
                          p.reset_threshold_mean + p.reset_threshold_sigma * z.v[1]};
}

/// Whether device `device` is formed (known after forming; the draw of kernels/device/rram.hpp), and its stuck
/// conductance otherwise (µS).
MC_HD bool device_formed(const ArrayParams& p, std::uint64_t device, float* stuck_g) {
  const DeviceDraw d = draw_device(p.model, p.seed, device, compliance_for(p.model, p.g_lo));
  *stuck_g = d.stuck_g;
  return d.formed;
}

/// Conductance after `sets` SET and `resets` RESET half-selecting pulses (RESETs first; their order within one
/// neighbour's tuning is not tracked). A device whose threshold exceeds the half voltage is untouched.
MC_HD float half_select_disturb(const ArrayParams& p, const DeviceThresholds& th, float g, std::uint32_t sets,
                                std::uint32_t resets, std::uint64_t* events) {
  if (p.disturb_fraction <= 0.0f) return g;
  const float keep = 1.0f - p.disturb_fraction;
  if (resets > 0 && th.reset < 0.5f * p.v_reset) {
    g = p.g_lo + (g - p.g_lo) * powf(keep, static_cast<float>(resets));
    *events += resets;
  }
  if (sets > 0 && th.set < 0.5f * p.v_set) {
    g = p.g_hi - (p.g_hi - g) * powf(keep, static_cast<float>(sets));
    *events += sets;
  }
  return g;
}

/// Program one array: every device of the rows×cols array to target (µS), in row-major order, each by one-shot
/// SET or write-and-verify (one fresh device; the global device id first_device + k keys its draws, so arrays of
/// one chip and chips of one run take disjoint id ranges). Unformed devices
/// are skipped (found at forming) and stay at their stuck conductance; stuck[k] marks them. While device (i, j)
/// is tuned, the already-tuned devices of row i and column j are half-select disturbed.
MC_HD void program_array(const ArrayParams& p, const float* target, int rows, int cols, std::uint64_t first_device,
                         float* g, std::uint8_t* stuck, ArrayCounts* counts) {
  const std::uint64_t base = first_device;
  WriteVerifyParams wv;
  wv.model = p.model;
  wv.tolerance = p.mode == ProgramMode::kWriteVerify ? p.tolerance : 1e30f;
  wv.max_pulses = p.mode == ProgramMode::kWriteVerify ? p.max_pulses : 1u;
  wv.law = p.law;
  wv.start_fraction = p.start_fraction;
  wv.step = p.step;
  wv.seed = p.seed;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      const long k = static_cast<long>(i) * cols + j;
      const std::uint64_t dev = base + static_cast<std::uint64_t>(k);
      float stuck_g;
      if (!device_formed(p, dev, &stuck_g)) {
        g[k] = stuck_g;
        stuck[k] = 1;
        continue;
      }
      stuck[k] = 0;
      wv.target = target[k];
      const WriteVerifyOutcome o = write_verify(wv, dev);
      g[k] = o.g_final;
      counts->set_pulses += o.set_pulses;
      counts->reset_pulses += o.reset_pulses;
      counts->reads += o.reads;
      counts->energy += o.energy;
      // Earlier devices of row i (j' < j) and column j (i' < i) are already tuned and see every pulse at V/2.
      for (int jj = 0; jj < j; ++jj) {
        const long kk = static_cast<long>(i) * cols + jj;
        if (!stuck[kk])
          g[kk] = half_select_disturb(p, draw_thresholds(p, base + kk), g[kk], o.set_pulses, o.reset_pulses,
                                      &counts->disturbs);
      }
      for (int ii = 0; ii < i; ++ii) {
        const long kk = static_cast<long>(ii) * cols + j;
        if (!stuck[kk])
          g[kk] = half_select_disturb(p, draw_thresholds(p, base + kk), g[kk], o.set_pulses, o.reset_pulses,
                                      &counts->disturbs);
      }
    }
}

/// One fixed-amplitude pulse of amplitude v (V, magnitude) on a selected device for in-situ training (the
/// Manhattan rule: every update is one pulse of one size [Zamanidoost et al. 2015; Merrikh-Bayat 2018]).
/// A device whose threshold exceeds v does not move; otherwise it moves by step·(1 + c2c·z) µS towards g_hi
/// (set = true) or g_lo, and stays inside [g_lo, g_hi]. z: a standard normal.
MC_HD float manhattan_pulse(const ArrayParams& p, const DeviceThresholds& th, float g, bool set, float v, float step,
                            float c2c, float z) {
  const float threshold = set ? th.set : th.reset;
  if (threshold > v) return g;
  const float dg = step * (1.0f + c2c * z);
  return clampf(set ? g + dg : g - dg, p.g_lo, p.g_hi);
}

/// A device's factors on the fixed-amplitude pulse step (log-normal, median 1): one Philox call on stream
/// kArrayPulseStep, counter {device, 0, 0}; words 0 and 1 for SET and RESET.
struct PulseStepFactors {
  float set, reset;
};
MC_HD PulseStepFactors draw_pulse_step_factors(const ArrayParams& p, std::uint64_t device) {
  const F32x4 z = normals(philox(RngKey{p.seed, stream::kArrayPulseStep}, device, 0, 0));
  return PulseStepFactors{fast_exp(p.model.step_d2d_sigma_ln * z.v[0]), fast_exp(p.model.step_d2d_sigma_ln * z.v[1])};
}

/// Mean conductance change (µS, signed) of one fixed-amplitude pulse on a device at g (µS) whose step factor is
/// `factor`, without cycle-to-cycle noise: SET +step_set·(1 − x)^nl_set, RESET −step_reset·x^nl_reset, with
/// x = (g − g_min)/(g_max − g_min) clamped to [0, 1] (the device's window, device/rram.hpp). The SET step
/// vanishes at g_max and the RESET step at g_min (soft bounds); unequal steps or exponents make the two
/// polarities asymmetric, so a device pulsed up and down alike drifts to where the two steps are equal.
MC_HD float pulse_step_mean(const DeviceModel& m, float g, bool set, float factor) {
  const float x = clampf((g - m.g_min) / (m.g_max - m.g_min), 0.0f, 1.0f);
  // x^0 = 1 for every x, 0 included (a constant step); powf(0, 0) is 1 as well, but say so.
  if (set) return factor * m.step_set * (m.step_nl_set == 0.0f ? 1.0f : powf(1.0f - x, m.step_nl_set));
  return -factor * m.step_reset * (m.step_nl_reset == 0.0f ? 1.0f : powf(x, m.step_nl_reset));
}

/// One fixed-amplitude pulse of amplitude v (V, magnitude) on a selected device with the device's nonlinear,
/// asymmetric step (pulse_step_mean) times (1 + step_c2c·z), z a standard normal; a device whose threshold
/// exceeds v does not move; the result stays in [g_min, g_max] (no verify: the working range [g_lo, g_hi] is not
/// enforced).
MC_HD float nonlinear_pulse(const ArrayParams& p, const DeviceThresholds& th, const PulseStepFactors& f, float g,
                            bool set, float v, float z) {
  if ((set ? th.set : th.reset) > v) return g;
  const float dg = pulse_step_mean(p.model, g, set, set ? f.set : f.reset) * (1.0f + p.model.step_c2c * z);
  return clampf(g + dg, p.model.g_min, p.model.g_max);
}

/// A read of every device of an array: read noise of the device model, one Philox call per device on stream
/// kArrayRead, counter {first_device + k, read, 0}. read = 0 for noise fixed per chip, the read's index for fresh
/// noise.
MC_HD void read_array(const ArrayParams& p, const float* g, long n, std::uint64_t first_device, std::uint64_t read,
                      float* out) {
  const RngKey key{p.seed, stream::kArrayRead};
  const std::uint64_t base = first_device;
  for (long k = 0; k < n; ++k) {
    const U32x4 r = philox(key, base + static_cast<std::uint64_t>(k), read, 0);
    const F32x4 z = normals(r);
    out[k] = read_conductance(p.model, g[k], z.v[0], u01(r.v[3]));
  }
}

}  // namespace mc
