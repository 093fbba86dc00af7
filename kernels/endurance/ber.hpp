// 2T2R bit error rates far below what plain Monte Carlo reaches (1e-7 ... 1e-15), by quadrature over the same
// distributions that device_cycle samples (device/rram.hpp), in double precision. A 2T2R comparison errs when
// the read of the LRS device a is at or below the read of the HRS device b (endurance.hpp, errors_2t2r).
//
// For two fresh devices (formed, before closure onset: wear 0, not stuck):
//   A = clamp(μ_a + σ(μ_a)·z_a),  μ_a = lrs_median(i_c)·e^{σ_dl·w_a}   (LRS c2c normal, d2d log-normal)
//   B = clamp(m_h·e^{σ_dh·w_b + s·u})                                   (HRS: d2d and c2c fold into one log-normal)
//   reads X = A·(1 + σ_r z1), Y = B·(1 + σ_r z2)                         (Gaussian relative read noise)
//   P(X ≤ Y) = E_{w_a, z_a, z1, z2}[ S_B(X / (1 + σ_r z2)) ],  S_B the log-normal survival (0 above g_max).
// w_a and z_a by the trapezoid rule (spectrally accurate for these smooth, Gaussian-weighted integrands), z1
// and z2 by 8-point Gauss-Hermite. Host-side double code (erfc); not a hot loop.
#pragma once
#include <cmath>

#include "device/rram.hpp"

namespace mc {

/// P(N(0,1) > x), accurate in the far tail.
inline double normal_sf(double x) { return 0.5 * std::erfc(x * 0.70710678118654752440); }

/// Probabilists' Gauss-Hermite, 8 points: E[f(z)] ≈ Σ w_i f(x_i) for z ~ N(0, 1).
constexpr double kGh8X[8] = {-4.1445471861258945, -2.8024858612875416, -1.6365190424351079, -0.53907981135137506,
                             0.53907981135137506, 1.6365190424351079,  2.8024858612875416,  4.1445471861258945};
constexpr double kGh8W[8] = {0.00011261453837536762, 0.009635220120788256, 0.11723990766175904, 0.37301225767907731,
                             0.37301225767907731,    0.11723990766175904,  0.009635220120788256, 0.00011261453837536762};

/// P(read of a fresh LRS device ≤ read of a fresh HRS device) at SET compliance i_c (µA): the 2T2R bit error
/// rate of a population whose devices have not started to wear out. Read noise: none or gaussian (laplace is
/// not integrated here; returns NaN).
inline double ber_2t2r_fresh(const DeviceModel& m, float i_c) {
  if (m.read_noise == ReadNoise::kLaplace) return NAN;
  const double sr = m.read_noise == ReadNoise::kGaussian ? m.read_sigma_rel : 0.0;
  const double g_min = m.g_min, g_max = m.g_max;
  const double ln_mh = std::log(static_cast<double>(m.hrs_median));
  const double sb = std::sqrt(static_cast<double>(m.hrs_sigma_ln) * m.hrs_sigma_ln + static_cast<double>(m.hrs_d2d_sigma_ln) * m.hrs_d2d_sigma_ln);
  const double mu0 = lrs_median(m, i_c);
  const double hw = 0.25, hz = 0.05;
  const int nw = m.lrs_d2d_sigma_ln > 0 ? 33 : 0, nz = 200;  // w in [-8.25, 8.25], z in [-10, 10]
  // The probability that Y >= y: a log-normal survival, 0 above g_max (B is clamped there), 1 at or below g_min.
  auto survival = [&](double y) {
    if (y > g_max) return 0.0;
    if (y <= g_min) return 1.0;
    return sb > 0 ? normal_sf((std::log(y) - ln_mh) / sb) : (y <= std::exp(ln_mh) ? 1.0 : 0.0);
  };
  double total = 0.0, wsum = 0.0;
  for (int iw = -nw; iw <= nw; ++iw) {
    const double w = iw * hw, pw = std::exp(-0.5 * w * w);
    const double mu = mu0 * std::exp(static_cast<double>(m.lrs_d2d_sigma_ln) * w);
    const double sig = c2c_sigma(m, static_cast<float>(mu));
    double inner = 0.0, zsum = 0.0;
    for (int iz = -nz; iz <= nz; ++iz) {
      const double z = iz * hz, pz = std::exp(-0.5 * z * z);
      const double a = std::fmin(std::fmax(mu + sig * z, g_min), g_max);
      double s = 0.0;
      if (sr > 0) {
        for (int i = 0; i < 8; ++i)
          for (int j = 0; j < 8; ++j) s += kGh8W[i] * kGh8W[j] * survival(a * (1 + sr * kGh8X[i]) / (1 + sr * kGh8X[j]));
      } else {
        s = survival(a);
      }
      inner += pz * s, zsum += pz;
      if (sig <= 0) break;  // no c2c spread: one point
    }
    total += pw * inner / zsum, wsum += pw;
  }
  return total / wsum;
}

/// Fraction of devices not fresh after `cycles`: unformed, or formed with a lifetime below cycles/closure_onset
/// (window closing, or worn out). A pair of fresh devices errs with ber_2t2r_fresh, any other pair at most
/// always, so BER(cycles) ≤ ber_2t2r_fresh + 2·not_fresh_fraction (both comparisons of a pair hold one device
/// each of the two; d2d factors are independent of lifetimes).
inline double not_fresh_fraction(const DeviceModel& m, double cycles) {
  const double onset = m.closure_onset > 0 ? m.closure_onset : 1e-300;
  const double worn = lifetime_cdf(m, cycles / onset);
  return m.forming_failure_fraction + (1.0 - m.forming_failure_fraction) * worn;
}

/// n-point Gauss-Legendre nodes and weights on [-1, 1] (Newton on the Legendre recurrence); n <= 64.
inline void gauss_legendre(int n, double* x, double* w) {
  for (int i = 0; i < (n + 1) / 2; ++i) {
    double z = std::cos(3.14159265358979323846 * (i + 0.75) / (n + 0.5)), dp = 1;
    for (int it = 0; it < 100; ++it) {
      double p0 = 1, p1 = z;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2 * k - 1) * z * p1 - (k - 1) * p0) / k;
        p0 = p1, p1 = p2;
      }
      const double pn = n == 1 ? z : p1, pm = n == 1 ? 1 : p0;
      dp = n * (z * pn - pm) / (z * z - 1);
      const double dz = pn / dp;
      z -= dz;
      if (std::fabs(dz) < 1e-15) break;
    }
    x[i] = -z, x[n - 1 - i] = z;
    w[i] = w[n - 1 - i] = 2 / ((1 - z * z) * dp * dp);
  }
}

/// The 2T2R bit error rate at 1-based cycle t, with everything device_cycle samples integrated numerically
/// instead of sampled (no Monte Carlo error, reaches 1e-15): a device is unformed (stuck uniformly in the
/// forming range), worn out (stuck at its end-of-life LRS or HRS median times its d2d factor), wearing
/// (lifetime in [t, t/closure_onset): medians and spreads at wear a, lifetimes by Gauss-Legendre in ln L), or
/// fresh; LRS d2d by the trapezoid rule, HRS d2d folded into its log-normal, read noise by Gauss-Hermite.
/// A comparison errs when the read X of the LRS device is at or below the read Y of the HRS device of the
/// other, independent device: BER = ∫ dF_X(x) S_Y(x), summed over cells of width h in ln x with Simpson's rule
/// for S_Y within a cell. err: |BER(h) − BER(2h)|, the discretization error estimate. Laplace read noise is
/// not integrated (NaN).
struct BerQuadrature {
  double ber;  ///< per comparison (bit), as ber_2t2r in checkpoints.csv
  double err;  ///< numerical error estimate
};

/// The read distributions of one device after t cycles, over every state device_cycle samples (unformed, worn
/// out, wearing, fresh; d2d and c2c) and the read noise: cdf_lrs(x) = P(read ≤ x) of a device SET at compliance
/// i_c (the LRS role), sf_hrs(y) = P(read ≥ y) of a RESET device (the HRS role). Both 2T2R (one device of
/// each role compared) and 1T1R (one device against a reference) error rates integrate these.
class ReadDistributions {
 public:
  ReadDistributions(const DeviceModel& m, float i_c, double t) : m_(m) {
    sr_ = m.read_noise == ReadNoise::kGaussian ? m.read_sigma_rel : 0.0;
    lo_ = m.g_min, hi_ = m.g_max;
    mu0_ = lrs_median(m, i_c), m0_ = m.hrs_median;
    sdl_ = m.lrs_d2d_sigma_ln, sdh_ = m.hrs_d2d_sigma_ln, s_c_ = m.hrs_sigma_ln;
    drop_ = m.closure_lrs_drop, rise_ = m.closure_hrs_rise, grow_ = m.closure_spread_growth;
    const double onset = m.closure_onset, k = m.weibull_shape, lam = m.weibull_scale;
    pu_ = m.forming_failure_fraction;
    const double pl = m.stuck_lrs_probability;
    // States of a formed device at t: wear nodes in ln L over [t, L_max), fresh beyond L_max, stuck below t.
    double gx[kWear], gw[kWear];
    gauss_legendre(kWear, gx, gw);
    const double l_max = onset > 0 ? t / onset : std::max(t, lam * std::pow(50.0, 1.0 / k));
    const double f_t = lifetime_cdf(m, t), f_max = lifetime_cdf(m, l_max);
    double wear_sum = 0;
    for (int i = 0; i < kWear; ++i) {
      const double u = 0.5 * (std::log(l_max) + std::log(t)) + 0.5 * (std::log(l_max) - std::log(t)) * gx[i];
      const double L = std::exp(u), r = std::pow(L / lam, k);
      wear_p_[i] = 0.5 * (std::log(l_max) - std::log(t)) * gw[i] * k * r * std::exp(-r);  // f(L)·L dlnL
      wear_a_[i] = std::fmin(std::fmax((t / L - onset) / (1 - onset), 0.0), 1.0);
      wear_sum += wear_p_[i];
    }
    const double wear_mass = f_max - f_t;
    for (int i = 0; i < kWear; ++i) wear_p_[i] = (1 - pu_) * (wear_sum > 0 ? wear_p_[i] * wear_mass / wear_sum : 0.0);
    p_fresh_ = (1 - pu_) * (1 - f_max), p_sl_ = (1 - pu_) * f_t * pl, p_sh_ = (1 - pu_) * f_t * (1 - pl);
    ln_sl_ = std::log(mu0_ * (1 - drop_)), ln_sh_ = std::log(m0_ * (1 + rise_));
    u_lo_ = m.forming_stuck_min, u_hi_ = m.forming_stuck_max;
    // LRS d2d factors for the trapezoid rule.
    double w_sum = 0;
    for (int j = -kW; j <= kW; ++j) w_sum += (w_p_[j + kW] = sdl_ > 0 || j == 0 ? std::exp(-0.5 * (j * kHw) * (j * kHw)) : 0.0);
    for (int j = 0; j <= 2 * kW; ++j) w_p_[j] /= w_sum, w_f_[j] = std::exp(sdl_ * (j - kW) * kHw);
  }

  /// P(read of a device in the LRS role ≤ x).
  double cdf_lrs(double x) const {
    return over_reads(x, [&](double y) {
      double g = p_fresh_ > 0 ? p_fresh_ * lrs_cdf(y, 0.0) : 0.0;
      for (int q = 0; q < kWear; ++q)
        if (wear_p_[q] > 0) g += wear_p_[q] * lrs_cdf(y, wear_a_[q]);
      return g + (p_sl_ * ln_cdf(y, ln_sl_, sdl_) + p_sh_ * ln_cdf(y, ln_sh_, sdh_) + pu_ * u_cdf(y));
    });
  }
  /// P(read of a device in the HRS role ≥ x).
  double sf_hrs(double x) const {
    return over_reads(x, [&](double y) {
      double g = p_fresh_ > 0 ? p_fresh_ * ln_sf(y, std::log(m0_), std::sqrt(s_c_ * s_c_ + sdh_ * sdh_)) : 0.0;
      for (int q = 0; q < kWear; ++q) {
        if (wear_p_[q] == 0) continue;
        const double sc = s_c_ * (1 + grow_ * wear_a_[q]);
        g += wear_p_[q] * ln_sf(y, std::log(m0_ * (1 + rise_ * wear_a_[q])), std::sqrt(sc * sc + sdh_ * sdh_));
      }
      return g + (p_sl_ * ln_sf(y, ln_sl_, sdl_) + p_sh_ * ln_sf(y, ln_sh_, sdh_) + pu_ * (1 - u_cdf(y)));
    });
  }
  /// The range of ln x that holds every read (for integration grids).
  double ln_low() const { return std::log(std::fmax(std::fmin(lo_, u_lo_ > 0 ? u_lo_ : lo_), 1e-9) * 0.5); }
  double ln_high() const { return std::log(std::fmax(hi_, u_hi_) * 2); }

 private:
  static constexpr int kWear = 24, kW = 17;
  static constexpr double kHw = 0.5;
  double ln_cdf(double y, double mu, double s) const {  // P(clamp(e^{mu + s z}) <= y)
    if (y < lo_) return 0.0;
    if (y >= hi_) return 1.0;
    return s > 0 ? normal_sf(-(std::log(y) - mu) / s) : (std::log(y) >= mu ? 1.0 : 0.0);
  }
  double ln_sf(double y, double mu, double s) const {  // P(clamp(e^{mu + s z}) >= y)
    if (y > hi_) return 0.0;
    if (y <= lo_) return 1.0;
    return s > 0 ? normal_sf((std::log(y) - mu) / s) : (std::log(y) <= mu ? 1.0 : 0.0);
  }
  double u_cdf(double y) const { return u_hi_ > u_lo_ ? std::fmin(std::fmax((y - u_lo_) / (u_hi_ - u_lo_), 0.0), 1.0) : (y >= u_lo_ ? 1.0 : 0.0); }
  // LRS of a working device at wear a: P(clamp(N(med, sigma)) <= y), LRS d2d by the trapezoid rule.
  double lrs_cdf(double y, double a) const {
    if (y < lo_) return 0.0;
    if (y >= hi_) return 1.0;
    double s = 0;
    for (int j = 0; j <= 2 * kW; ++j) {
      if (w_p_[j] == 0) continue;
      const double med = mu0_ * w_f_[j] * (1 - drop_ * a);
      const double sig = c2c_sigma(m_, static_cast<float>(med)) * (1 + grow_ * a);
      s += w_p_[j] * (sig > 0 ? normal_sf(-(y - med) / sig) : (y >= med ? 1.0 : 0.0));
    }
    return s;
  }
  // A read's distribution over the state mixture and the read noise: E_z[state(x / z)] with z on the Gauss-Hermite nodes.
  template <class F>
  double over_reads(double x, F&& state) const {
    const int nr = sr_ > 0 ? 8 : 1;
    double f = 0;
    for (int i = 0; i < nr; ++i) {
      const double z = sr_ > 0 ? 1 + sr_ * kGh8X[i] : 1.0, wz = sr_ > 0 ? kGh8W[i] : 1.0;
      if (z <= 0) continue;
      f += wz * state(x / z);
    }
    return f;
  }
  const DeviceModel& m_;
  double sr_, lo_, hi_, mu0_, m0_, sdl_, sdh_, s_c_, drop_, rise_, grow_, pu_;
  double wear_a_[kWear], wear_p_[kWear];
  double p_fresh_, p_sl_, p_sh_, ln_sl_, ln_sh_, u_lo_, u_hi_;
  double w_p_[2 * kW + 1], w_f_[2 * kW + 1];
};

inline BerQuadrature ber_2t2r_quadrature(const DeviceModel& m, float i_c, double t, double h = 0.002) {
  if (m.read_noise == ReadNoise::kLaplace) return {NAN, NAN};
  const ReadDistributions d(m, i_c, t);
  // Cells in ln x over [x0, x1]; an even number so that pairs of cells form the 2h grid.
  const double x0 = d.ln_low(), x1 = d.ln_high();
  int cells = static_cast<int>(std::ceil((x1 - x0) / h));
  cells += cells & 1;
  const double hh = (x1 - x0) / cells;
  double fine = 0, coarse = 0;
  double f_prev = d.cdf_lrs(std::exp(x0)), s_prev = d.sf_hrs(std::exp(x0));
  fine = coarse = f_prev * s_prev;  // reads below the grid (none unless g_min is 0)
  for (int c = 0; c < cells; c += 2) {
    const double xa = x0 + c * hh;
    const double f1 = d.cdf_lrs(std::exp(xa + hh)), f2 = d.cdf_lrs(std::exp(xa + 2 * hh));
    const double s_q1 = d.sf_hrs(std::exp(xa + 0.5 * hh)), s1 = d.sf_hrs(std::exp(xa + hh)), s_q3 = d.sf_hrs(std::exp(xa + 1.5 * hh));
    const double s2 = d.sf_hrs(std::exp(xa + 2 * hh));
    fine += (f1 - f_prev) * (s_prev + 4 * s_q1 + s1) / 6 + (f2 - f1) * (s1 + 4 * s_q3 + s2) / 6;
    coarse += (f2 - f_prev) * (s_prev + 4 * s1 + s2) / 6;
    f_prev = f2, s_prev = s2;
  }
  return {fine, std::fabs(fine - coarse)};
}

/// The 1T1R bit error rate at 1-based cycle t against reference conductance g_ref (µS; a read at or above it is
/// a 1), over the same states and read noise as ber_2t2r_quadrature: a stored 1 (LRS) errs when its read falls
/// below g_ref, a stored 0 (HRS) when it reads at or above it; `ones` is the fraction of stored 1s (½: equal
/// priors). Read distributions are continuous except at stuck or clamped values, so P(read < g_ref) is taken as
/// cdf_lrs(g_ref). Laplace read noise: NaN.
struct Ber1t1r {
  double ber;             ///< per stored bit, weighted by `ones`
  double one_wrong;       ///< P(a 1 reads 0)
  double zero_wrong;      ///< P(a 0 reads 1)
};
inline Ber1t1r ber_1t1r_quadrature(const DeviceModel& m, float i_c, double t, double g_ref, double ones = 0.5) {
  if (m.read_noise == ReadNoise::kLaplace) return {NAN, NAN, NAN};
  const ReadDistributions d(m, i_c, t);
  const double p1 = d.cdf_lrs(g_ref), p0 = d.sf_hrs(g_ref);
  return {ones * p1 + (1 - ones) * p0, p1, p0};
}

}  // namespace mc
