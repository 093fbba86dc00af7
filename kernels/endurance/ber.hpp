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

}  // namespace mc
