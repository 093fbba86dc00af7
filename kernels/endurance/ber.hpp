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

inline BerQuadrature ber_2t2r_quadrature(const DeviceModel& m, float i_c, double t, double h = 0.002) {
  if (m.read_noise == ReadNoise::kLaplace) return {NAN, NAN};
  const double sr = m.read_noise == ReadNoise::kGaussian ? m.read_sigma_rel : 0.0;
  const double lo = m.g_min, hi = m.g_max;
  const double mu0 = lrs_median(m, i_c), m0 = m.hrs_median;
  const double sdl = m.lrs_d2d_sigma_ln, sdh = m.hrs_d2d_sigma_ln, s_c = m.hrs_sigma_ln;
  const double drop = m.closure_lrs_drop, rise = m.closure_hrs_rise, grow = m.closure_spread_growth, onset = m.closure_onset;
  const double k = m.weibull_shape, lam = m.weibull_scale;
  const double pu = m.forming_failure_fraction, pl = m.stuck_lrs_probability;
  // States of a formed device at t: wear nodes in ln L over [t, L_max), fresh beyond L_max, stuck below t.
  constexpr int kWear = 24;
  double gx[kWear], gw[kWear], wear_a[kWear], wear_p[kWear];
  gauss_legendre(kWear, gx, gw);
  const double l_max = onset > 0 ? t / onset : std::max(t, lam * std::pow(50.0, 1.0 / k));
  const double f_t = lifetime_cdf(m, t), f_max = lifetime_cdf(m, l_max);
  double wear_sum = 0;
  for (int i = 0; i < kWear; ++i) {
    const double u = 0.5 * (std::log(l_max) + std::log(t)) + 0.5 * (std::log(l_max) - std::log(t)) * gx[i];
    const double L = std::exp(u), r = std::pow(L / lam, k);
    wear_p[i] = 0.5 * (std::log(l_max) - std::log(t)) * gw[i] * k * r * std::exp(-r);  // f(L)·L dlnL
    wear_a[i] = std::fmin(std::fmax((t / L - onset) / (1 - onset), 0.0), 1.0);
    wear_sum += wear_p[i];
  }
  const double wear_mass = f_max - f_t;
  for (int i = 0; i < kWear; ++i) wear_p[i] = (1 - pu) * (wear_sum > 0 ? wear_p[i] * wear_mass / wear_sum : 0.0);
  const double p_fresh = (1 - pu) * (1 - f_max), p_sl = (1 - pu) * f_t * pl, p_sh = (1 - pu) * f_t * (1 - pl);
  const double ln_sl = std::log(mu0 * (1 - drop)), ln_sh = std::log(m0 * (1 + rise));
  const double u_lo = m.forming_stuck_min, u_hi = m.forming_stuck_max;
  auto ln_cdf = [&](double y, double mu, double s) {  // P(clamp(e^{mu + s z}) <= y)
    if (y < lo) return 0.0;
    if (y >= hi) return 1.0;
    return s > 0 ? normal_sf(-(std::log(y) - mu) / s) : (std::log(y) >= mu ? 1.0 : 0.0);
  };
  auto ln_sf = [&](double y, double mu, double s) {  // P(clamp(e^{mu + s z}) >= y)
    if (y > hi) return 0.0;
    if (y <= lo) return 1.0;
    return s > 0 ? normal_sf((std::log(y) - mu) / s) : (std::log(y) <= mu ? 1.0 : 0.0);
  };
  auto u_cdf = [&](double y) { return u_hi > u_lo ? std::fmin(std::fmax((y - u_lo) / (u_hi - u_lo), 0.0), 1.0) : (y >= u_lo ? 1.0 : 0.0); };
  // LRS of a working device at wear a: P(clamp(N(med, sigma)) <= y), LRS d2d by the trapezoid rule.
  constexpr int kW = 17;
  constexpr double kHw = 0.5;
  double w_p[2 * kW + 1], w_f[2 * kW + 1], w_sum = 0;
  for (int j = -kW; j <= kW; ++j) w_sum += (w_p[j + kW] = sdl > 0 || j == 0 ? std::exp(-0.5 * (j * kHw) * (j * kHw)) : 0.0);
  for (int j = 0; j <= 2 * kW; ++j) w_p[j] /= w_sum, w_f[j] = std::exp(sdl * (j - kW) * kHw);
  auto lrs_cdf = [&](double y, double a) {
    if (y < lo) return 0.0;
    if (y >= hi) return 1.0;
    double s = 0;
    for (int j = 0; j <= 2 * kW; ++j) {
      if (w_p[j] == 0) continue;
      const double med = mu0 * w_f[j] * (1 - drop * a);
      const double sig = c2c_sigma(m, static_cast<float>(med)) * (1 + grow * a);
      s += w_p[j] * (sig > 0 ? normal_sf(-(y - med) / sig) : (y >= med ? 1.0 : 0.0));
    }
    return s;
  };
  // The LRS-role read X (CDF) and the HRS-role read Y (survival) of one device, over its states and read noise.
  const int nr = sr > 0 ? 8 : 1;
  // A read's distribution over the state mixture and the read noise: E_z[state(x / z)] with z on the Gauss-Hermite nodes.
  auto over_reads = [&](double x, auto&& state) {
    double f = 0;
    for (int i = 0; i < nr; ++i) {
      const double z = sr > 0 ? 1 + sr * kGh8X[i] : 1.0, wz = sr > 0 ? kGh8W[i] : 1.0;
      if (z <= 0) continue;
      f += wz * state(x / z);
    }
    return f;
  };
  auto cdf_x = [&](double x) {
    return over_reads(x, [&](double y) {
      double g = p_fresh > 0 ? p_fresh * lrs_cdf(y, 0.0) : 0.0;
      for (int q = 0; q < kWear; ++q)
        if (wear_p[q] > 0) g += wear_p[q] * lrs_cdf(y, wear_a[q]);
      return g + (p_sl * ln_cdf(y, ln_sl, sdl) + p_sh * ln_cdf(y, ln_sh, sdh) + pu * u_cdf(y));
    });
  };
  auto sf_y = [&](double x) {
    return over_reads(x, [&](double y) {
      double g = p_fresh > 0 ? p_fresh * ln_sf(y, std::log(m0), std::sqrt(s_c * s_c + sdh * sdh)) : 0.0;
      for (int q = 0; q < kWear; ++q) {
        if (wear_p[q] == 0) continue;
        const double sc = s_c * (1 + grow * wear_a[q]);
        g += wear_p[q] * ln_sf(y, std::log(m0 * (1 + rise * wear_a[q])), std::sqrt(sc * sc + sdh * sdh));
      }
      return g + (p_sl * ln_sf(y, ln_sl, sdl) + p_sh * ln_sf(y, ln_sh, sdh) + pu * (1 - u_cdf(y)));
    });
  };
  // Cells in ln x over [x0, x1]; an even number so that pairs of cells form the 2h grid.
  const double x0 = std::log(std::fmax(std::fmin(lo, u_lo > 0 ? u_lo : lo), 1e-9) * 0.5), x1 = std::log(std::fmax(hi, u_hi) * 2);
  int cells = static_cast<int>(std::ceil((x1 - x0) / h));
  cells += cells & 1;
  const double hh = (x1 - x0) / cells;
  double fine = 0, coarse = 0;
  double f_prev = cdf_x(std::exp(x0)), s_prev = sf_y(std::exp(x0));
  fine = coarse = f_prev * s_prev;  // reads below the grid (none unless g_min is 0)
  for (int c = 0; c < cells; c += 2) {
    const double xa = x0 + c * hh;
    const double f1 = cdf_x(std::exp(xa + hh)), f2 = cdf_x(std::exp(xa + 2 * hh));
    const double s_q1 = sf_y(std::exp(xa + 0.5 * hh)), s1 = sf_y(std::exp(xa + hh)), s_q3 = sf_y(std::exp(xa + 1.5 * hh));
    const double s2 = sf_y(std::exp(xa + 2 * hh));
    fine += (f1 - f_prev) * (s_prev + 4 * s_q1 + s1) / 6 + (f2 - f1) * (s1 + 4 * s_q3 + s2) / 6;
    coarse += (f2 - f_prev) * (s_prev + 4 * s1 + s2) / 6;
    f_prev = f2, s_prev = s2;
  }
  return {fine, std::fabs(fine - coarse)};
}

}  // namespace mc
