// Bayesian neural networks whose weight samples are memristor conductances (notes/neural-workloads.md part C;
// Bonnet et al., Nat. Commun. 2023; Lin et al., Nat. Mach. Intell. 2023). Written once for every backend: the
// programming of one device to a programming condition, the sampled forward pass of a network stored as
// differential pairs G⁺ − G⁻ with fresh read noise on every MVM, the operation count, and the uncertainty
// decomposition U_p = U_a + U_e.
// Units: conductance µS, current µA, voltage V, energy pJ; weights w = (G⁺ − G⁻)/γ with γ in µS per weight unit.
#pragma once
#include <cstdint>

#include "common/rng.hpp"
#include "common/streams.hpp"
#include "device/rram.hpp"
#include "endurance/write_verify.hpp"

namespace mc {

constexpr int kBnnMaxLayers = 4;    ///< weight layers of a network on the sampled-forward path
constexpr int kBnnMaxWidth = 256;   ///< largest layer (inputs, hidden units or classes)

/// Operations of one sampled inference: every weight is two devices, each a multiply and an add, so
/// 4·Σ n_in·n_out (bias lines not counted) — 2,624 for 32-16-9 [Bonnet 2023].
MC_HD long bnn_operations(const int* sizes, int n_layers) {
  long ops = 0;
  for (int l = 0; l < n_layers; ++l) ops += 4L * sizes[l] * sizes[l + 1];
  return ops;
}

/// Device reads of one sampled inference: both devices of every weight, bias rows included.
MC_HD long bnn_device_reads(const int* sizes, int n_layers) {
  long reads = 0;
  for (int l = 0; l < n_layers; ++l) reads += 2L * (sizes[l] + 1) * sizes[l + 1];
  return reads;
}

/// How a device is programmed to one condition of the (µ, σ) table.
enum class BnnCondition : int {
  kReset = 0,        ///< one RESET: the device's HRS distribution
  kOneShot = 1,      ///< one RESET then one SET at the compliance of the target (no verify)
  kWriteVerify = 2,  ///< write-and-verify to the target within a tolerance (kernels/endurance/write_verify.hpp)
  kMeasured = 3,     ///< a user's measured (µ, σ): the conductance is drawn from N(µ, σ), clamped to [g_min, g_max]
};

struct BnnConditionSpec {
  BnnCondition kind;
  float target;  ///< µS: the target (one-shot, write-verify) or the measured µ
  float sigma;   ///< µS: the measured σ (kMeasured only)
};

struct BnnProgramCounts {
  std::uint64_t set_pulses, reset_pulses, reads;
  double energy;  ///< pJ
};

/// Program fresh device `device` (its d2d draw from kernels/device) to condition c; returns the conductance (µS).
/// Draws: the d2d factors (stream kDeviceToDevice), one Philox call on stream kBayesNnProgram, counter
/// {device, 0, 0}, for the one-shot SET or RESET, and write_verify's own stream for write-and-verify.
/// A device whose forming failed stays at its stuck conductance. p: the device model, seed and write-and-verify
/// settings (its target is ignored: the condition's is used).
MC_HD float bnn_program_device(const WriteVerifyParams& p, const BnnConditionSpec& c, std::uint64_t device,
                               BnnProgramCounts* counts) {
  const DeviceModel& m = p.model;
  const float nominal = c.kind == BnnCondition::kReset || c.kind == BnnCondition::kMeasured ? m.g_min + 1.0f : c.target;
  const float i_c = compliance_for(m, nominal);
  const DeviceDraw d = draw_device(m, p.seed, device, i_c);
  const F32x4 z = normals(philox(RngKey{p.seed, stream::kBayesNnProgram}, device, 0, 0));
  if (c.kind == BnnCondition::kMeasured) return clampf(c.target + c.sigma * z.v[0], m.g_min, m.g_max);
  if (!d.formed) return d.stuck_g;
  if (c.kind == BnnCondition::kReset) {
    counts->reset_pulses += 1;
    counts->energy += reset_energy(m);
    return program_reset(m, d, 0.0f, z.v[0]);
  }
  if (c.kind == BnnCondition::kOneShot) {
    counts->reset_pulses += 1;
    counts->set_pulses += 1;
    counts->energy += reset_energy(m) + set_energy(m, i_c);
    return program_set(m, d, i_c, 0.0f, z.v[0]);
  }
  WriteVerifyParams wv = p;
  wv.target = c.target;
  const WriteVerifyOutcome o = write_verify(wv, device);
  counts->set_pulses += o.set_pulses;
  counts->reset_pulses += o.reset_pulses;
  counts->reads += o.reads;
  counts->energy += o.energy;
  return o.g_final;
}

/// Read-aware weights (Lin et al. 2023: the read noise is the sampler, its width fixed by the devices): a weight µ
/// of a network trained for reads is stored as the pair G⁺ = g_lo + γ·max(µ, 0), G⁻ = g_lo + γ·max(−µ, 0) (the smaller
/// device at g_lo, both within [g_lo, g_hi]), γ = (g_hi − g_lo)/w_max.
struct BnnReadAwareMap {
  float g_lo, g_hi, gamma;
};
MC_HD float bnn_read_aware_target(const BnnReadAwareMap& r, float mu, bool plus) {
  const float v = plus ? (mu > 0.0f ? mu : 0.0f) : (mu < 0.0f ? -mu : 0.0f);
  const float g = r.g_lo + r.gamma * v;
  return g < r.g_hi ? g : r.g_hi;
}
/// One read of weight µ's pair with the device model's read noise (z: two standard normals, u: two uniforms, one
/// per device), in weight units: (read(G⁺) − read(G⁻))/γ. The training of the read-aware network draws its weight
/// samples with this function, so it learns under the noise the chip will sample with.
MC_HD float bnn_read_aware_weight(const DeviceModel& m, const BnnReadAwareMap& r, float mu, const float* z, const float* u) {
  const float gp = bnn_read_aware_target(r, mu, true), gm = bnn_read_aware_target(r, mu, false);
  return (read_conductance(m, gp, z[0], u[0]) - read_conductance(m, gm, z[1], u[1])) / r.gamma;
}

/// A network programmed on device pairs: layer l holds (n_l + 1) × n_{l+1} pairs, row-major, bias row last.
struct BnnDeviceNet {
  int n_layers;
  int sizes[kBnnMaxLayers + 1];
  const float* g_plus[kBnnMaxLayers];
  const float* g_minus[kBnnMaxLayers];
  float gamma;  ///< µS per weight unit
  float bias_input;
  DeviceModel model;
  std::uint32_t seed;
  /// Bit-serial reads of layer l's input (Bonnet's circuit): 0, one analog read of every line; P > 0, the input's
  /// levels lo + q·step (q < 2^P) are applied one bit-plane at a time, plane p driving the lines whose bit p is set
  /// at 2^p·step, plus one offset read with every line at lo and the bias line at bias_input. Every read draws
  /// its devices' read noise afresh.
  int serial_bits[kBnnMaxLayers];
  float serial_lo[kBnnMaxLayers], serial_step[kBnnMaxLayers];
  int act_bits;  ///< hidden activations quantised to 2^act_bits levels over [0, clip] (0: real-valued)
};

/// A hidden unit's activation: ReLU, clipped at `clip` when clip > 0, and rounded to one of 2^bits levels
/// k·clip/(2^bits − 1) when bits > 0 and clip > 0 (Bonnet's 3-bit activations). The training path (with a
/// straight-through gradient) and every sampling path call this one function.
MC_HD float bnn_activation(float v, float clip, int bits) {
  v = v > 0.0f ? v : 0.0f;
  if (clip > 0.0f && v > clip) v = clip;
  if (bits > 0 && clip > 0.0f) {
    const float step = clip / static_cast<float>((1 << bits) - 1);
    v = rintf(v / step) * step;
  }
  return v;
}

/// Read-noise counter of weight (layer l, row i, output k): step (l·2^16 + i)·64 + k/4 (Gaussian: one normal per
/// weight, four weights per Philox call) or k/2 with draw 1 (Laplace: two uniforms per weight, two per call).
MC_HD std::uint64_t bnn_noise_step(int l, int i, int k, int per_call) {
  return ((static_cast<std::uint64_t>(l) << 16) + static_cast<std::uint64_t>(i)) * 128 + static_cast<std::uint64_t>(k / per_call);
}

/// One read of layer l's array by S sampled inferences: lane s drives input line i at x[i][s] (rows 0..n_l, the bias
/// line last) and every device of a driven line is read with fresh noise; the currents, divided by γ, are added to
/// b (n_{l+1} × S). A line no lane drives is skipped (it carries no current). Read noise of a weight's two devices,
/// stream kBayesNnRead, counter {inference, bnn_noise_step, draw}, draw = 2·read (+1 for Laplace), read 0 being the
/// analog (or offset) read and 1 + p bit-plane p:
/// - Gaussian (σ = read_sigma_rel·G per device): the pair's read G⁺ − G⁻ is N(G⁺ − G⁻, σ_rel²·(G⁺² + G⁻²)), drawn
///   as one normal (the sum of two independent normals, exact in distribution);
/// - Laplace (b(I) per device, Lin 2023): each device read separately (two uniforms; the difference of two Laplace
///   variables is not Laplace).
/// The loop over the S samples is innermost so that it vectorizes across samples.
template <ReadNoise N, int S>
MC_HD void bnn_read_array(const BnnDeviceNet& net, int l, int read, const float (*x)[S], std::uint64_t first, float (*b)[S]) {
  const RngKey key{net.seed, stream::kBayesNnRead};
  const float inv_gamma = 1.0f / net.gamma;
  const float sig = net.model.read_sigma_rel;
  const std::uint32_t first_lo = static_cast<std::uint32_t>(first), first_hi = static_cast<std::uint32_t>(first >> 32);
  const std::uint32_t draw = 2u * static_cast<std::uint32_t>(read) + (N == ReadNoise::kLaplace ? 1u : 0u);
  const int n_in = net.sizes[l], n_out = net.sizes[l + 1];
  const float* gp = net.g_plus[l];
  const float* gm = net.g_minus[l];
  for (int i = 0; i <= n_in; ++i) {
    const float* xi = x[i];
    bool driven = false;
    for (int s = 0; s < S; ++s) driven |= xi[s] != 0.0f;
    if (!driven) continue;
    const float* rp = gp + static_cast<long>(i) * n_out;
    const float* rm = gm + static_cast<long>(i) * n_out;
    if constexpr (N == ReadNoise::kNone) {
      for (int k = 0; k < n_out; ++k) {
        const float w = (rp[k] - rm[k]) * inv_gamma;
        for (int s = 0; s < S; ++s) b[k][s] += xi[s] * w;
      }
    } else if constexpr (N == ReadNoise::kGaussian) {
      for (int k0 = 0; k0 < n_out; k0 += 4) {
        float mean[4], sd[4];
        for (int q = 0; q < 4; ++q) {
          const int k = k0 + q < n_out ? k0 + q : n_out - 1;
          mean[q] = (rp[k] - rm[k]) * inv_gamma;
          sd[q] = k0 + q < n_out ? sig * sqrtf(rp[k] * rp[k] + rm[k] * rm[k]) * inv_gamma : 0.0f;
        }
        const std::uint64_t step = bnn_noise_step(l, i, k0, 4);
        float z0[S], z1[S], z2[S], z3[S];  // one array per word: contiguous stores, so the lanes vectorize
        const std::uint32_t step_lo = static_cast<std::uint32_t>(step), step_hi = step_hi_draw(step, draw);
#if !defined(__CUDA_ARCH__)
#pragma GCC ivdep
#endif
        for (int s = 0; s < S; ++s) {
          const std::uint32_t lo = first_lo + static_cast<std::uint32_t>(s);
          const U32x4 r = philox_words(key, lo, first_hi + (lo < first_lo ? 1u : 0u), step_lo, step_hi);
          box_muller(r.v[0], r.v[1], &z0[s], &z1[s]);
          box_muller(r.v[2], r.v[3], &z2[s], &z3[s]);
        }
        const int nq = n_out - k0 < 4 ? n_out - k0 : 4;
        const float* zq[4] = {z0, z1, z2, z3};
        for (int q = 0; q < nq; ++q) {
          const float* z = zq[q];
          float* bk = b[k0 + q];
          for (int s = 0; s < S; ++s) bk[s] += xi[s] * (mean[q] + sd[q] * z[s]);
        }
      }
    } else {
      for (int k0 = 0; k0 < n_out; k0 += 2) {
        const std::uint64_t step = bnn_noise_step(l, i, k0, 2);
        float u[S][4];
        const std::uint32_t step_lo = static_cast<std::uint32_t>(step), step_hi = step_hi_draw(step, draw);
        for (int s = 0; s < S; ++s) {
          const std::uint32_t lo = first_lo + static_cast<std::uint32_t>(s);
          const U32x4 r = philox_words(key, lo, first_hi + (lo < first_lo ? 1u : 0u), step_lo, step_hi);
          for (int q = 0; q < 4; ++q) u[s][q] = u01(r.v[q]);
        }
        const int nq = n_out - k0 < 2 ? n_out - k0 : 2;
        for (int s = 0; s < S; ++s) {
          for (int q = 0; q < nq; ++q) {
            const int k = k0 + q;
            const float p = read_conductance_of<ReadNoise::kLaplace>(net.model, rp[k], 0.0f, u[s][2 * q]);
            const float m = read_conductance_of<ReadNoise::kLaplace>(net.model, rm[k], 0.0f, u[s][2 * q + 1]);
            b[k][s] += xi[s] * (p - m) * inv_gamma;
          }
        }
      }
    }
  }
}

/// S sampled inferences, lane s of input xrow[s] (n_0 values) with inference id first + s, with read noise N drawn fresh on
/// every read: logits (S × n_L). Hidden units go through bnn_activation(clip, net.act_bits). A layer with
/// net.serial_bits[l] = P > 0 is read bit-serially: its input, on the levels lo + q·step, is applied as an offset
/// read (every line at lo, the bias line at bias_input) and P bit-plane reads (plane p drives at 2^p·step the lines
/// whose level q has bit p set), each with fresh noise (bnn_read_array); without noise the sum equals one analog read.
template <ReadNoise N, int S>
MC_HD void bnn_read_forward_block(const BnnDeviceNet& net, const float* const* xrow, std::uint64_t first, float clip, float* logits) {
  float a[kBnnMaxWidth][S], b[kBnnMaxWidth][S], x[kBnnMaxWidth + 1][S];  // unit-major: a unit's S samples are contiguous
  for (int i = 0; i < net.sizes[0]; ++i)
    for (int s = 0; s < S; ++s) a[i][s] = xrow[s][i];
  for (int l = 0; l < net.n_layers; ++l) {
    const int n_in = net.sizes[l], n_out = net.sizes[l + 1];
    for (int k = 0; k < n_out; ++k)
      for (int s = 0; s < S; ++s) b[k][s] = 0.0f;
    const int P = net.serial_bits[l];
    const float lo = P > 0 ? net.serial_lo[l] : 0.0f;
    for (int i = 0; i < n_in; ++i)
      for (int s = 0; s < S; ++s) x[i][s] = P > 0 ? lo : a[i][s];
    for (int s = 0; s < S; ++s) x[n_in][s] = net.bias_input;
    bnn_read_array<N, S>(net, l, 0, x, first, b);
    if (P > 0) {
      const float step = net.serial_step[l], inv_step = 1.0f / step;
      const int top = (1 << P) - 1;
      for (int s = 0; s < S; ++s) x[n_in][s] = 0.0f;  // the bias line is driven in the offset read only
      for (int p = 0; p < P; ++p) {
        const float v = step * static_cast<float>(1 << p);
        for (int i = 0; i < n_in; ++i)
          for (int s = 0; s < S; ++s) {
            int q = static_cast<int>(rintf((a[i][s] - lo) * inv_step));
            q = q < 0 ? 0 : q > top ? top : q;
            x[i][s] = (q >> p) & 1 ? v : 0.0f;
          }
        bnn_read_array<N, S>(net, l, 1 + p, x, first, b);
      }
    }
    const bool last = l + 1 == net.n_layers;
    for (int k = 0; k < n_out; ++k)
      for (int s = 0; s < S; ++s) {
        if (!last) a[k][s] = bnn_activation(b[k][s], clip, net.act_bits);
        else logits[s * n_out + k] = b[k][s];
      }
  }
}

template <int S>
MC_HD void bnn_read_block_dispatch(const BnnDeviceNet& net, const float* const* xrow, std::uint64_t first, float clip, float* logits) {
  if (net.model.read_noise == ReadNoise::kGaussian) bnn_read_forward_block<ReadNoise::kGaussian, S>(net, xrow, first, clip, logits);
  else if (net.model.read_noise == ReadNoise::kLaplace) bnn_read_forward_block<ReadNoise::kLaplace, S>(net, xrow, first, clip, logits);
  else bnn_read_forward_block<ReadNoise::kNone, S>(net, xrow, first, clip, logits);
}

/// One sampled inference (inference id `inference`) with the device model's read noise: logits (n_L).
MC_HD void bnn_read_forward_dispatch(const BnnDeviceNet& net, const float* x, std::uint64_t inference, float clip, float* logits) {
  const float* xrow[1] = {x};
  bnn_read_block_dispatch<1>(net, xrow, inference, clip, logits);
}

/// Softmax of K logits into probabilities (double; the largest logit subtracted first).
MC_HD void bnn_softmax(const float* z, int K, double* p) {
  double mx = z[0];
  for (int k = 1; k < K; ++k) mx = z[k] > mx ? z[k] : mx;
  double s = 0.0;
  for (int k = 0; k < K; ++k) s += (p[k] = exp(static_cast<double>(z[k]) - mx));
  for (int k = 0; k < K; ++k) p[k] /= s;
}

/// Entropy (nats) of a distribution over K classes; 0·log 0 = 0.
MC_HD double bnn_entropy(const double* p, int K) {
  double h = 0.0;
  for (int k = 0; k < K; ++k)
    if (p[k] > 0.0) h -= p[k] * log(p[k]);
  return h;
}

struct BnnUncertainty {
  double predictive;  ///< U_p: entropy of the mean prediction
  double aleatoric;   ///< U_a: mean entropy of the samples
  double epistemic;   ///< U_e = U_p − U_a (the mutual information between the prediction and the weights)
  int predicted;      ///< argmax of the mean prediction (first on ties)
  double confidence;  ///< the mean prediction's largest probability
};

/// The uncertainty of one input from M sampled predictions p (M × K, row-major); K ≤ kBnnMaxWidth.
MC_HD BnnUncertainty bnn_uncertainty(const double* p, int M, int K) {
  double mean[kBnnMaxWidth];
  for (int k = 0; k < K; ++k) mean[k] = 0.0;
  double ua = 0.0;
  for (int m = 0; m < M; ++m) {
    for (int k = 0; k < K; ++k) mean[k] += p[m * K + k];
    ua += bnn_entropy(p + m * K, K);
  }
  for (int k = 0; k < K; ++k) mean[k] /= M;
  BnnUncertainty u;
  u.aleatoric = ua / M;
  u.predictive = bnn_entropy(mean, K);
  u.epistemic = u.predictive - u.aleatoric;
  u.predicted = 0;
  for (int k = 1; k < K; ++k)
    if (mean[k] > mean[u.predicted]) u.predicted = k;
  u.confidence = mean[u.predicted];
  return u;
}

/// The epistemic part computed directly as the mutual information (1/M)·Σ_m Σ_k p_mk·log(p_mk / p̄_k), an
/// independent route to U_p − U_a (the identity the tests check).
MC_HD double bnn_mutual_information(const double* p, int M, int K) {
  double mean[kBnnMaxWidth];
  for (int k = 0; k < K; ++k) mean[k] = 0.0;
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k) mean[k] += p[m * K + k] / M;
  double mi = 0.0;
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k)
      if (p[m * K + k] > 0.0) mi += p[m * K + k] * log(p[m * K + k] / mean[k]);
  return mi / M;
}

}  // namespace mc
