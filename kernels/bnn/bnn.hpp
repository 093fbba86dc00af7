// Binarized neural networks on 2T2R arrays (docs/physics.md §4; Bocquet IEDM 2018, Hirtzlin et al. 2020): the parts
// every backend shares. A neuron is XNOR → popcount → compare with an integer threshold (batch norm folded,
// notes/neural-workloads.md fact 10); weights are stored one bit per cell and read back with errors, fixed per
// programmed chip or drawn per read (fact 12); the cell error of two log-normal states read by a sense amplifier
// (2T2R) or against a reference (1T1R) (fact 11).
//
// Packing (both backends): weights word-major, word w of neuron j at w·cols + j (cols = outputs rounded up to
// kBnnColumnBlock, padded with zero words), bit b of word w = input 64·w + b is +1. Binary activations: one row of
// `words` words per image, bit set = +1, padding bits 0 in both, so the dot product is n_in − 2·popcount(a ^ w).
// Byte inputs (the real-valued first layer: pixels k/255, k = 0..255) as kBnnPlanes bit-planes per image, plane b
// of image n at row n, words b·words .. (b+1)·words − 1; 255·Σ x_i w_i = 2·Σ_b 2^b popcount(plane_b & w) − Σ_i k_i
// (exact integers, as a bit-serial input would compute it).
#pragma once
#include <cmath>
#include <cstdint>

#include "common/mc_hd.hpp"
#include "common/rng.hpp"
#include "common/streams.hpp"
#include "bayes/storage.hpp"

namespace mc {

constexpr int kBnnPlanes = 8;         ///< bit-planes of a byte input
constexpr int kBnnColumnBlock = 32;   ///< packed weight columns are a multiple of this
constexpr int kBnnRowBlock = 4;       ///< images per register tile of the CPU kernel without AVX-512 (6 with it)

MC_HD int bnn_words(int n_in) { return (n_in + 63) / 64; }
MC_HD int bnn_columns(int n_out) { return (n_out + kBnnColumnBlock - 1) / kBnnColumnBlock * kBnnColumnBlock; }

/// A hidden neuron's batch norm folded into its integer pre-activation x (notes fact 10): sign(γ(x−μ)/σ + β),
/// sign(0) = +1, is +1 iff x ≥ t (dir > 0) or iff x ≤ t (dir < 0).
struct BnnThreshold {
  std::int32_t t;
  std::int32_t dir;
};

/// Fold batch norm (mean μ, standard deviation σ > 0, scale γ, shift β; all in the units of x) into an integer
/// threshold: τ = μ − βσ/γ; γ > 0: x ≥ ⌈τ⌉; γ < 0: x ≤ ⌊τ⌋; γ = 0: the constant sign(β).
MC_HD BnnThreshold bnn_fold(double mu, double sigma, double gamma, double beta) {
  constexpr double kBig = 2147483647.0;
  if (gamma == 0.0) return BnnThreshold{beta >= 0 ? -2147483647 : 2147483647, 1};
  const double tau = mu - beta * sigma / gamma;
  double t = gamma > 0 ? ceil(tau) : floor(tau);
  t = t > kBig ? kBig : (t < -kBig ? -kBig : t);
  return BnnThreshold{static_cast<std::int32_t>(t), gamma > 0 ? 1 : -1};
}

/// The folded neuron's output bit (1: +1).
MC_HD bool bnn_fire(BnnThreshold th, std::int32_t x) { return th.dir > 0 ? x >= th.t : x <= th.t; }

/// The unfolded reference: sign(γ(x−μ)/σ + β) ≥ 0, in double.
MC_HD bool bnn_fire_unfolded(double x, double mu, double sigma, double gamma, double beta) {
  return gamma * (x - mu) / sigma + beta >= 0.0;
}

/// Sparse flip positions at rate p: the gap to the next flip is geometric, drawn from one uniform u in (0, 1):
/// floor(ln u / ln(1 − p)). `inv_log_q` = 1 / ln(1 − p) (p in (0, 1)). Capped at 2^62.
MC_HD std::uint64_t bnn_geometric_gap(double u, double inv_log_q) {
  const double g = floor(log(u) * inv_log_q);
  return g >= 4.6e18 ? (std::uint64_t{1} << 62) : static_cast<std::uint64_t>(g);
}

/// Visit the flipped positions of `n` bits at rate p, drawn from Philox stream `stream` at counter
/// {entity, step, draw} (two gaps per draw): f(position) for each, in increasing order. Deterministic for the key
/// and counter, whatever the caller's threading.
template <class F>
MC_HD void bnn_flips(double p, std::uint64_t n, RngKey key, std::uint64_t entity, std::uint64_t step, F&& f) {
  if (!(p > 0.0) || n == 0) return;
  if (p >= 1.0) {
    for (std::uint64_t k = 0; k < n; ++k) f(k);
    return;
  }
  const double inv_log_q = 1.0 / log1p(-p);
  std::uint64_t at = 0;
  for (std::uint32_t draw = 0;; ++draw) {
    const U32x4 r = philox(key, entity, step, draw);
    for (int h = 0; h < 2; ++h) {
      at += bnn_geometric_gap(u01_53(r.v[2 * h], r.v[2 * h + 1]), inv_log_q);
      if (at >= n) return;
      f(at);
      ++at;
    }
  }
}

/// A stored bit in two log-normal states (notes fact 11; no device model): ln G_LRS ~ N(Δμ, σL), ln G_HRS ~
/// N(0, σH) (conductances relative to the HRS median). 2T2R: the sense amplifier reads a 1 when the LRS device of
/// the pair conducts more: error iff G_LRS ≤ G_HRS, rate Φ(−Δμ/√(σL² + σH²)). 1T1R: one device, LRS for a 1 and
/// HRS for a 0, read against the reference ln G_ref: error iff a 1 reads below it or a 0 at or above it.
struct BnnLognormalCell {
  float mu_gap, sigma_lrs, sigma_hrs;
  bool two_devices;  ///< 2T2R (else 1T1R)
  float ln_ref;      ///< 1T1R reference, ln of G_ref / G_HRS median
};

/// Whether stored bit `bit` (written as `value`) reads wrong at read `read`: states from kBnnCell, counter
/// {bit, read, 0}.
MC_HD bool bnn_lognormal_error(const BnnLognormalCell& c, std::uint32_t seed, std::uint64_t bit, bool value, std::uint64_t read) {
  const F32x4 z = normals(philox(RngKey{seed, stream::kBnnCell}, bit, read, 0));
  const float ln_l = c.mu_gap + c.sigma_lrs * z.v[0], ln_h = c.sigma_hrs * z.v[1];
  if (c.two_devices) return ln_l <= ln_h;
  return value ? ln_l < c.ln_ref : ln_h >= c.ln_ref;
}

/// Standard normal CDF (double).
MC_HD double bnn_phi(double x) { return 0.5 * erfc(-x * 0.70710678118654752440); }

/// Per-read device errors (bnn.timing: read, errors: device): the probability that one read of a programmed cell
/// `g` (written as `value`) returns the other value, over a fresh draw of its read noise (stored_cell_sense):
/// none: 0 or 1; gaussian, relative σ: 2T2R reads a·(1 + σz₁) > b·(1 + σz₂), a normal difference with mean a − b
/// and variance σ²(a² + b²), so P(read 1) = Φ((a − b)/(σ√(a² + b²))); 1T1R reads a·(1 + σz) ≥ G_ref,
/// P(read 1) = Φ((a − G_ref)/(σa)). Laplace read noise is not integrated (the workload refuses it); returns NaN.
MC_HD double bnn_read_error_probability(const StorageParams& s, StoredCell g, bool value) {
  const DeviceModel& m = s.model;
  double p1;  // P(the read returns 1)
  if (m.read_noise == ReadNoise::kNone || m.read_sigma_rel <= 0.0f) {
    p1 = s.cell == StorageCell::k1T1R ? (g.a >= s.read_threshold ? 1.0 : 0.0) : (g.a > g.b ? 1.0 : 0.0);
  } else if (m.read_noise == ReadNoise::kGaussian) {
    const double a = g.a, sr = m.read_sigma_rel;
    if (s.cell == StorageCell::k1T1R) {
      p1 = a > 0 ? bnn_phi((a - s.read_threshold) / (sr * a)) : (0.0 >= s.read_threshold ? 1.0 : 0.0);
    } else {
      const double b = g.b, sd = sr * sqrt(a * a + b * b);
      p1 = sd > 0 ? bnn_phi((a - b) / sd) : (a > b ? 1.0 : 0.0);
    }
  } else {
    return NAN;
  }
  return value ? 1.0 - p1 : p1;
}

/// Bins of the per-read sampler: bin b holds cells whose read-error probability lies in (2^−(b+1), 2^−b], the
/// last bin every smaller non-zero one (bound 2^−(kBnnReadBins−1)).
constexpr int kBnnReadBins = 64;
MC_HD int bnn_read_bin(double p) {
  if (!(p > 0.0)) return -1;
  int b = static_cast<int>(floor(-log2(p)));  // p in (2^-(b+1), 2^-b] up to rounding at the edges
  b = b < 0 ? 0 : (b > kBnnReadBins - 1 ? kBnnReadBins - 1 : b);
  while (b > 0 && p > ldexp(1.0, -b)) --b;  // never below p: the acceptance p / bound stays <= 1
  return b;
}
MC_HD double bnn_read_bin_bound(int b) { return ldexp(1.0, -b); }

/// Analytic 2T2R bit error rate of the log-normal cell: Φ(−Δμ/√(σL² + σH²)).
MC_HD double bnn_ber_2t2r(double mu_gap, double sigma_lrs, double sigma_hrs) {
  return bnn_phi(-mu_gap / sqrt(sigma_lrs * sigma_lrs + sigma_hrs * sigma_hrs));
}

/// Analytic 1T1R bit error rate with reference ln_ref (equal priors of 0 and 1):
/// ½[Φ((ln G_ref − Δμ)/σL) + Φ((0 − ln G_ref)/σH)].
MC_HD double bnn_ber_1t1r(double mu_gap, double sigma_lrs, double sigma_hrs, double ln_ref) {
  return 0.5 * (bnn_phi((ln_ref - mu_gap) / sigma_lrs) + bnn_phi(-ln_ref / sigma_hrs));
}

/// The reference that minimizes the 1T1R error rate (golden-section search on [0, Δμ], where the rate is
/// unimodal for these two Gaussians in ln G).
MC_HD double bnn_best_reference(double mu_gap, double sigma_lrs, double sigma_hrs) {
  double a = 0.0, b = mu_gap > 0 ? mu_gap : 0.0;
  const double g = 0.61803398874989485;
  for (int it = 0; it < 200 && b - a > 1e-12; ++it) {
    const double c = b - g * (b - a), d = a + g * (b - a);
    if (bnn_ber_1t1r(mu_gap, sigma_lrs, sigma_hrs, c) < bnn_ber_1t1r(mu_gap, sigma_lrs, sigma_hrs, d)) b = d;
    else a = c;
  }
  return 0.5 * (a + b);
}

/// One layer's dot products for a block of images (every backend's contract): out[n·out_stride + j] = the
/// integer pre-activation of neuron j (binary: Σ ±1·±1; planes: 255·Σ x_i w_i) for images [0, images).
struct BnnDotArgs {
  int n_in = 0, n_out = 0;
  int planes = 0;                    ///< 0: binary activations; kBnnPlanes: byte inputs
  const std::uint64_t* act = nullptr;   ///< images × (planes ? planes : 1) × words
  const std::int32_t* act_sum = nullptr;  ///< planes: Σ_i k_i per image
  const std::uint64_t* weights = nullptr; ///< words × bnn_columns(n_out)
  std::int64_t images = 0;
  std::int32_t* out = nullptr;
  int out_stride = 0;
  /// Fused output of a hidden layer (optional): when `bits` is set, the dot writes the next layer's packed
  /// activations, bit j of row n (bits + n·bits_stride words) = fire_sign[j]·x ≥ fire_bound[j] (the folded
  /// threshold), padding bits 0, and `out` is not used (a backend that computes the integers first keeps its own).
  const std::int32_t* fire_sign = nullptr;
  const std::int32_t* fire_bound = nullptr;
  std::uint64_t* bits = nullptr;
  int bits_stride = 0;
};

/// The pre-activation from the packed popcounts of one (image, neuron): binary: n_in − 2·popcount(a ^ w);
/// planes: 2·Σ_b 2^b popcount(plane_b & w) − Σ k (acc holds the weighted sum).
MC_HD std::int32_t bnn_preactivation(const BnnDotArgs& a, std::int64_t acc, std::int64_t image) {
  return a.planes ? static_cast<std::int32_t>(2 * acc - a.act_sum[image]) : static_cast<std::int32_t>(a.n_in - 2 * acc);
}

/// The fused output's bit of neuron j at pre-activation x.
MC_HD bool bnn_fused_fire(const BnnDotArgs& a, int j, std::int32_t x) { return a.fire_sign[j] * x >= a.fire_bound[j]; }

/// The fused output from pre-activations already in `pre` (images × out_stride): how the host packs a layer whose
/// integers it needed (per-read errors, a caller asking for them), and what the kernels' fused paths (AVX-512
/// compare masks, a CUDA warp ballot) are tested against.
inline void bnn_pack_fired(const BnnDotArgs& a, const std::int32_t* pre) {
  const int wn = bnn_words(a.n_out);
  for (std::int64_t n = 0; n < a.images; ++n) {
    const std::int32_t* x = pre + n * a.out_stride;
    std::uint64_t* row = a.bits + n * a.bits_stride;
    for (int w = 0; w < wn; ++w) {
      std::uint64_t word = 0;
      for (int b = 0; b < 64 && 64 * w + b < a.n_out; ++b) word |= static_cast<std::uint64_t>(bnn_fused_fire(a, 64 * w + b, x[64 * w + b])) << b;
      row[w] = word;
    }
  }
}

}  // namespace mc
