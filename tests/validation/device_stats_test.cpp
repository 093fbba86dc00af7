// Statistical validation of the device model through the CPU drivers (kernels/cpu/endurance.cpp) against
// analytic answers of docs/physics.md §1. Fixed seeds; every tolerance is stated in standard errors (SE) of the
// Monte Carlo estimate, in a comment and in the assertion message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "endurance/driver.hpp"
#include "../support/model_fixtures.hpp"

namespace {

using mc::test::endurance_params;
using mc::test::ideal_model;
using mc::test::test_model;
using mc::test::write_verify_params;

double Phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }
double phi(double x) { return std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI); }

/// Composite Simpson rule of f on [a, b] with n (even) intervals.
double simpson(const std::function<double(double)>& f, double a, double b, int n) {
  const double h = (b - a) / n;
  double s = f(a) + f(b);
  for (int i = 1; i < n; ++i) s += f(a + i * h) * (i % 2 ? 4.0 : 2.0);
  return s * h / 3.0;
}

/// E[clamp(X, lo, hi)] for X ~ N(mu, sigma).
double clamped_normal_mean(double mu, double sigma, double lo, double hi) {
  const double a = (lo - mu) / sigma, b = (hi - mu) / sigma;
  return lo * Phi(a) + hi * (1 - Phi(b)) + mu * (Phi(b) - Phi(a)) + sigma * (phi(a) - phi(b));
}

/// E[clamp(G, lo, hi)] for ln G ~ N(ln med, s).
double clamped_lognormal_mean(double med, double s, double lo, double hi) {
  const double m = std::log(med);
  const double a = (std::log(lo) - m) / s, b = (std::log(hi) - m) / s;
  return lo * Phi(a) + hi * (1 - Phi(b)) + med * std::exp(0.5 * s * s) * (Phi(b - s) - Phi(a - s));
}

struct Moments {
  double mean, sd, n;
};
Moments moments(const mc::StateTally& t) {
  const double n = static_cast<double>(t.count);
  const double mean = t.sum / n;
  return {mean, std::sqrt(t.sum_sq / n - mean * mean), n};
}

mc::IntervalTally run(const mc::EnduranceParams& p, std::uint64_t pairs, std::uint64_t c0, std::uint64_t c1) {
  mc::IntervalTally t;
  mc::endurance_interval_cpu(p, 0, pairs, c0, c1, t, mc::RunHooks{});
  return t;
}

// ------------------------------------------------------------------------------------- (a) c2c LRS

// Ideal model (no d2d, no read noise): every checkpoint LRS read is an independent N(k·I, a·sqrt(k·I)) draw,
// one per device. Mean within 4 SE (SE = σ/√n), standard deviation within 4 SE (SE = σ/√(2n)).
void check_lrs_snapshot(const mc::DeviceModel& m, float compliance, double mu, double sigma) {
  const std::uint64_t pairs = 100000;
  const mc::IntervalTally t = run(endurance_params(m, compliance, 10.0f, 1234u), pairs, 0, 3);
  const Moments s = moments(t.lrs);
  ASSERT_EQ(t.lrs.count, 2 * pairs);
  const double se_mean = sigma / std::sqrt(s.n), se_sd = sigma / std::sqrt(2 * s.n);
  EXPECT_LT(std::fabs(s.mean - mu), 4 * se_mean)
      << "LRS mean " << s.mean << " vs median " << mu << ": " << (s.mean - mu) / se_mean << " SE (limit 4)";
  EXPECT_LT(std::fabs(s.sd - sigma), 4 * se_sd)
      << "LRS sd " << s.sd << " vs " << sigma << ": " << (s.sd - sigma) / se_sd << " SE (limit 4)";
}

TEST(DeviceStats, LrsC2cSqrtLaw) {
  // 20 µA → median 30 µS, σ = sqrt(30) µS (clamping at g_min is 5.5 σ away: negligible).
  check_lrs_snapshot(ideal_model(), 20.0f, 30.0, std::sqrt(30.0));
}

TEST(DeviceStats, LrsC2cRelativeLaw) {
  mc::DeviceModel m = ideal_model();
  m.sigma_law = mc::SigmaLaw::kRelative;
  m.sigma_a = 0.1f;
  check_lrs_snapshot(m, 100.0f, 150.0, 15.0);  // 100 µA → 150 µS, σ = 15 µS
}

TEST(DeviceStats, GaussianReadNoiseAddsVariance) {
  // Read = G·(1 + r·z): Var = σ² + r²·(μ² + σ²). With r = 10 %, μ = 30, σ² = 30: Var = 30 + 0.01·930 = 39.3.
  // Standard deviation within 4 SE (SE ≈ sd/√(2n), the normal-theory value; the read adds a small excess
  // kurtosis, covered by the margin of 4 SE).
  mc::DeviceModel m = ideal_model();
  m.read_noise = mc::ReadNoise::kGaussian;
  m.read_sigma_rel = 0.1f;
  const mc::IntervalTally t = run(endurance_params(m, 20.0f, 10.0f, 4321u), 100000, 0, 2);
  const Moments s = moments(t.lrs);
  const double sd = std::sqrt(30.0 + 0.01 * (900.0 + 30.0));
  const double se_mean = sd / std::sqrt(s.n), se_sd = sd / std::sqrt(2 * s.n);
  EXPECT_LT(std::fabs(s.mean - 30.0), 4 * se_mean) << "mean " << s.mean << ": " << (s.mean - 30) / se_mean << " SE";
  EXPECT_LT(std::fabs(s.sd - sd), 4 * se_sd) << "sd " << s.sd << " vs " << sd << ": " << (s.sd - sd) / se_sd << " SE";
}

// ------------------------------------------------------------------------------------- (b) HRS log-normal

// E[G] = median·exp(s²/2), Var[G] = median²·exp(s²)·(exp(s²) − 1); mean within 4 SE (SE = sd/√n). The CDF at
// three histogram bin edges (near the 10 %, 50 % and 90 % quantiles) within 4 binomial SE, √(P(1−P)/n).
void check_hrs(const mc::DeviceModel& m, double s_total, std::uint32_t seed) {
  const std::uint64_t pairs = 100000;
  const mc::IntervalTally t = run(endurance_params(m, 20.0f, 10.0f, seed), pairs, 0, 2);
  const Moments s = moments(t.hrs);
  const double med = 2.0, s2 = s_total * s_total;
  const double mean = clamped_lognormal_mean(med, s_total, m.g_min, m.g_max);  // clamps: < 1e-6 relative here
  const double sd = med * std::sqrt(std::exp(s2) * (std::exp(s2) - 1));
  const double se = sd / std::sqrt(s.n);
  EXPECT_LT(std::fabs(s.mean - mean), 4 * se)
      << "HRS mean " << s.mean << " vs " << mean << ": " << (s.mean - mean) / se << " SE (limit 4)";

  const double lo_ln = std::log(mc::kHistLo), width = std::log(mc::kHistHi / mc::kHistLo) / mc::kHistBins;
  for (double zq : {-1.2816, 0.0, 1.2816}) {
    const int b = static_cast<int>((std::log(med) + s_total * zq - lo_ln) / width);
    const double edge = std::exp(lo_ln + b * width);
    const double p = Phi((std::log(edge) - std::log(med)) / s_total);
    std::uint64_t below = 0;
    for (int i = 0; i < b; ++i) below += t.hrs.hist[i];
    const double f = static_cast<double>(below) / s.n, se_p = std::sqrt(p * (1 - p) / s.n);
    EXPECT_LT(std::fabs(f - p), 4 * se_p)
        << "P(HRS < " << edge << ") = " << f << " vs " << p << ": " << (f - p) / se_p << " SE (limit 4)";
  }
}

TEST(DeviceStats, HrsLogNormalC2cOnly) { check_hrs(ideal_model(), 0.6, 99u); }

TEST(DeviceStats, HrsLogNormalC2cAndD2d) {
  // One read per device: the d2d factor (σ_ln 0.3) and the c2c draw (σ_ln 0.6) compound to σ_ln √0.45.
  mc::DeviceModel m = ideal_model();
  m.hrs_d2d_sigma_ln = 0.3f;
  check_hrs(m, std::sqrt(0.6 * 0.6 + 0.3 * 0.3), 98u);
}

// ------------------------------------------------------------------------------------- (c) Weibull lifetime

// A formed device is stuck at the checkpoint after cycle c when its lifetime is below c, so
// (stuck_lrs + stuck_hrs)/devices estimates F(c) = 1 − exp(−(c/λ)^k); within 4 binomial SE √(F(1−F)/n).
// One cycle [c−1, c) suffices: the stuck counts depend only on the lifetime draws.
TEST(DeviceStats, WeibullFailureFractionMatchesCdf) {
  mc::DeviceModel m = ideal_model();
  m.weibull_scale = 1000.0f;
  const std::uint64_t pairs = 100000;
  const double n = 2.0 * pairs;
  for (std::uint64_t c : {300ull, 1000ull, 3000ull}) {
    const mc::IntervalTally t = run(endurance_params(m, 20.0f, 10.0f, 555u), pairs, c - 1, c);
    const double F = 1 - std::exp(-std::pow(c / 1000.0, 1.5));
    const double f = (t.stuck_lrs + t.stuck_hrs) / n, se = std::sqrt(F * (1 - F) / n);
    EXPECT_LT(std::fabs(f - F), 4 * se) << "failed fraction at " << c << " cycles " << f << " vs Weibull CDF " << F
                                        << ": " << (f - F) / se << " SE (limit 4)";
    // Failure mode: stuck in LRS with probability ½ among the failed; 4 binomial SE.
    const double k = static_cast<double>(t.stuck_lrs + t.stuck_hrs);
    const double fl = t.stuck_lrs / k, se_l = std::sqrt(0.25 / k);
    EXPECT_LT(std::fabs(fl - 0.5), 4 * se_l) << "stuck-LRS share " << fl << ": " << (fl - 0.5) / se_l << " SE";
    EXPECT_EQ(t.unformed, 0u);
  }
}

TEST(DeviceStats, WeibullLifetimeHistogram) {
  // 1e6 lifetimes, 20 bins per decade. (i) CDF at the bin edges 100, 1000, 10^3.5 within 4 binomial SE;
  // (ii) Pearson χ² over bins with expected count ≥ 5 (tails pooled), p > 1e-4 by the Wilson–Hilferty
  // approximation.
  mc::DeviceModel m = ideal_model();
  m.weibull_scale = 1000.0f;
  const std::uint64_t n = 1000000;
  std::vector<std::uint64_t> hist;
  mc::lifetime_histogram_cpu(endurance_params(m, 20.0f, 10.0f, 777u), 0, n, hist, mc::RunHooks{});
  ASSERT_EQ(hist.size(), static_cast<size_t>(mc::kLifeBins));
  auto cdf = [](double c) { return c <= 0 ? 0.0 : 1 - std::exp(-std::pow(c / 1000.0, 1.5)); };
  for (int edge : {40, 60, 70}) {
    std::uint64_t below = 0;
    for (int b = 0; b < edge; ++b) below += hist[b];
    const double F = cdf(std::pow(10.0, edge / 20.0)), f = below / static_cast<double>(n);
    const double se = std::sqrt(F * (1 - F) / n);
    EXPECT_LT(std::fabs(f - F), 4 * se) << "P(L < 10^" << edge / 20.0 << ") = " << f << " vs " << F << ": "
                                        << (f - F) / se << " SE (limit 4)";
  }
  // χ²: bin 0 holds L < 10^(1/20), the last bin everything beyond its lower edge.
  double chi2 = 0, pool_obs = 0, pool_exp = 0;
  int dof = -1;
  for (int b = 0; b < mc::kLifeBins; ++b) {
    const double lo = b == 0 ? 0.0 : std::pow(10.0, b / 20.0);
    const double hi = b == mc::kLifeBins - 1 ? INFINITY : std::pow(10.0, (b + 1) / 20.0);
    const double e = n * ((std::isinf(hi) ? 1.0 : cdf(hi)) - cdf(lo));
    pool_obs += static_cast<double>(hist[b]);
    pool_exp += e;
    if (pool_exp >= 5.0) {
      chi2 += (pool_obs - pool_exp) * (pool_obs - pool_exp) / pool_exp;
      ++dof;
      pool_obs = pool_exp = 0;
    }
  }
  ASSERT_GT(dof, 20);
  const double z = (std::cbrt(chi2 / dof) - (1 - 2.0 / (9 * dof))) / std::sqrt(2.0 / (9 * dof));
  EXPECT_LT(z, 3.719) << "lifetime histogram χ² = " << chi2 << " on " << dof << " dof: p = " << 1 - Phi(z)
                      << " < 1e-4";
}

TEST(DeviceStats, WindowClosureMeanAtCheckpoint) {
  // Ideal model plus window closure (onset ½, LRS drop 0.3, HRS rise 1, spread growth 1) and λ = 1000
  // cycles. At checkpoint c = 800 a device of lifetime L is stuck (LRS 30·0.7 = 21 µS or HRS 2·2 = 4 µS, each
  // with probability ½) when L < c, else wears a = clamp((c/L − ½)/½): LRS ~ N(30(1 − 0.3a), √(30(1 − 0.3a))·(1+a))
  // clamped at g_min, HRS log-normal with median 2(1+a) and σ_ln 0.6(1+a). The expected LRS and HRS means are
  // integrated over L; the sample means must lie within 4 SE (SE = sample sd/√n).
  mc::DeviceModel m = ideal_model();
  m.weibull_scale = 1000.0f;
  m.closure_onset = 0.5f;
  m.closure_lrs_drop = 0.3f;
  m.closure_hrs_rise = 1.0f;
  m.closure_spread_growth = 1.0f;
  const double c = 800;
  const mc::IntervalTally t = run(endurance_params(m, 20.0f, 10.0f, 2468u), 100000, 799, 800);
  // Integrate over the Weibull quantile u: L = λ(−ln u)^(1/k).
  auto expect = [&](bool lrs) {
    return simpson(
        [&](double u) {
          if (u <= 0 || u >= 1) return 0.0;
          const double L = 1000.0 * std::pow(-std::log(u), 1 / 1.5);
          if (L < c) return 0.5 * 21.0 + 0.5 * 4.0;
          const double a = std::min(1.0, std::max(0.0, (c / L - 0.5) / 0.5));
          if (lrs) {
            const double med = 30 * (1 - 0.3 * a);
            return clamped_normal_mean(med, std::sqrt(med) * (1 + a), 0.01, 1000);
          }
          return clamped_lognormal_mean(2 * (1 + a), 0.6 * (1 + a), 0.01, 1000);
        },
        0.0, 1.0, 200000);
  };
  for (bool lrs : {true, false}) {
    const Moments s = moments(lrs ? t.lrs : t.hrs);
    const double want = expect(lrs), se = s.sd / std::sqrt(s.n);
    EXPECT_LT(std::fabs(s.mean - want), 4 * se) << (lrs ? "LRS" : "HRS") << " mean at checkpoint " << s.mean
                                                << " vs " << want << ": " << (s.mean - want) / se << " SE (limit 4)";
  }
}

// ------------------------------------------------------------------------------------- (d) bit errors

// 2T2R: each cycle of a pair programs two bits, each comparing one device's LRS read with the other's HRS read;
// the two bits use independent draws, and cycles are independent, so errors are binomial over 2·pairs·cycles
// bits with P(L ≤ H), L ~ N(30, √30) and ln H ~ N(ln 2, 0.85) (≈ 1e-3). Within 4 binomial SE.
// 1T1R at threshold 15 µS: per device-cycle, errors = [L < 15] + [H ≥ 15]; the total over 2·pairs·cycles
// device-cycles within 4 SE, SE² = N·(pL(1−pL) + pH(1−pH)).
TEST(DeviceStats, BitErrorRates2T2RAnd1T1R) {
  mc::DeviceModel m = ideal_model();
  m.hrs_sigma_ln = 0.85f;
  const double mu = 30, sigma = std::sqrt(30.0), med = 2, s = 0.85, thr = 15;
  const std::uint64_t pairs = 200000, cycles = 5;
  const mc::IntervalTally t = run(endurance_params(m, 20.0f, static_cast<float>(thr), 8642u), pairs, 0, cycles);

  const double p2 = simpson([&](double z) { return phi(z) * Phi((med * std::exp(s * z) - mu) / sigma); }, -12, 12, 4000);
  const double bits = 2.0 * pairs * cycles;
  const double ber = t.errors_2t2r / bits, se2 = std::sqrt(p2 * (1 - p2) / bits);
  EXPECT_GT(p2, 5e-4);
  EXPECT_LT(p2, 2e-3);
  EXPECT_LT(std::fabs(ber - p2), 4 * se2) << "2T2R BER " << ber << " vs P(L<=H) " << p2 << ": " << (ber - p2) / se2
                                          << " SE (limit 4); errors " << t.errors_2t2r;

  const double pl = Phi((thr - mu) / sigma), ph = 1 - Phi((std::log(thr) - std::log(med)) / s);
  const double dc = 2.0 * pairs * cycles;  // device-cycles, two reads each
  const double want = dc * (pl + ph), se1 = std::sqrt(dc * (pl * (1 - pl) + ph * (1 - ph)));
  EXPECT_LT(std::fabs(t.errors_1t1r - want), 4 * se1)
      << "1T1R errors " << t.errors_1t1r << " vs " << want << " (P(L<thr) " << pl << " + P(H>=thr) " << ph
      << "): " << (t.errors_1t1r - want) / se1 << " SE (limit 4)";
}

TEST(DeviceStats, ReadEnergyIsSumOfReads) {
  // read_energy = V²·t·Σ reads; with no read noise E[Σ] = N·(E[L] + E[H]) over N device-cycles. Within 4 SE,
  // SE = √(N·(Var L + Var H))·V²·t.
  const mc::DeviceModel m = ideal_model();
  const std::uint64_t pairs = 50000, cycles = 4;
  const mc::IntervalTally t = run(endurance_params(m, 20.0f, 10.0f, 1357u), pairs, 0, cycles);
  const double n = 2.0 * pairs * cycles, k = 0.1 * 0.1 * 1e-7 * 1e6;  // pJ per µS read
  const double eh = 2 * std::exp(0.18), vh = 4 * std::exp(0.36) * (std::exp(0.36) - 1);
  const double want = k * n * (30 + eh), se = k * std::sqrt(n * (30 + vh));
  EXPECT_LT(std::fabs(t.read_energy - want), 4 * se)
      << "read energy " << t.read_energy << " pJ vs " << want << ": " << (t.read_energy - want) / se << " SE";
}

// ------------------------------------------------------------------------------------- (e) write-verify

// Retry law, ideal model, target T = 50 µS, tolerance 5 %: each SET lands in the band with probability
// p = P(|G − T| ≤ 0.05·T), G ~ N(T, √T), so the SET count is geometric (truncated at max_pulses/2 = 200 SETs,
// where (1−p)^200 < 1e-28): mean (1 − (1−p)^K)/p within 4 SE, SE = √(1−p)/(p√n). P(one SET) = p within
// 4 binomial SE.
TEST(WriteVerify, RetryLawIsGeometric) {
  const mc::WriteVerifyParams wp = write_verify_params(ideal_model(), 50.0f, 0.05f, 400, mc::PulseLaw::kRetry, 11u);
  const std::uint64_t n = 100000;
  std::vector<mc::WriteVerifyOutcome> out;
  mc::write_verify_cpu(wp, 0, n, out, mc::RunHooks{});
  ASSERT_EQ(out.size(), n);
  const double p = 2 * Phi(0.05 * 50 / std::sqrt(50.0)) - 1;  // 0.2763
  const double K = 200, want = (1 - std::pow(1 - p, K)) / p;
  double sum = 0, first = 0;
  std::uint64_t converged = 0, bad_band = 0, bad_counts = 0, bad_energy = 0;
  const mc::DeviceModel& m = wp.model;
  for (const mc::WriteVerifyOutcome& o : out) {
    sum += o.set_pulses;
    first += o.set_pulses == 1;
    converged += o.converged;
    bad_band += std::fabs(o.g_final - 50.0f) > 0.05f * 50.0f * (1 + 1e-6f);
    bad_counts += o.reset_pulses + 1 != o.set_pulses || o.reads != o.set_pulses;
    const double pulse_e = o.set_pulses * mc::set_energy(m, 50.0f / 1.5f) + o.reset_pulses * mc::reset_energy(m);
    bad_energy += !(o.energy >= pulse_e * (1 - 1e-5) && o.energy < pulse_e * 1.01);  // reads add ~1e-5 relative
  }
  const double mean = sum / n, se = std::sqrt(1 - p) / p / std::sqrt(static_cast<double>(n));
  EXPECT_EQ(converged, n);
  EXPECT_EQ(bad_band, 0u) << "converged devices outside the ±5 % band";
  EXPECT_EQ(bad_counts, 0u) << "retry law: every retry is RESET + SET, one read per SET";
  EXPECT_EQ(bad_energy, 0u);
  EXPECT_LT(std::fabs(mean - want), 4 * se)
      << "mean SET pulses " << mean << " vs 1/p = " << want << ": " << (mean - want) / se << " SE (limit 4)";
  const double f1 = first / n, se1 = std::sqrt(p * (1 - p) / n);
  EXPECT_LT(std::fabs(f1 - p), 4 * se1) << "P(one SET) " << f1 << " vs " << p << ": " << (f1 - p) / se1 << " SE";
}

TEST(WriteVerify, RetryLawWithFormingFailures) {
  // Full test model (d2d, 1 % read noise). Formed devices all converge (the retry law re-draws every SET and
  // 200 SETs are allowed). Unformed ones (1 %) stay at g ~ U[10, 100] µS; each of their 200 SETs is verified
  // by a fresh read g·(1 + 0.01 z), so such a device fails with probability (1 − q(g))^200, where
  // q(g) = P(47.5 ≤ g(1 + 0.01 z) ≤ 52.5). Expected non-converged fraction
  // f = 0.01 · (1/90) ∫ (1 − q(g))^200 dg (≈ 0.0092), within 4 binomial SE.
  const mc::WriteVerifyParams wp = write_verify_params(test_model(), 50.0f, 0.05f, 400, mc::PulseLaw::kRetry, 12u);
  const std::uint64_t n = 200000;
  std::vector<mc::WriteVerifyOutcome> out;
  mc::write_verify_cpu(wp, 0, n, out, mc::RunHooks{});
  std::uint64_t failed = 0;
  for (const auto& o : out) failed += !o.converged;
  const double q = 0.01 / 90.0 * simpson(
                                     [](double g) {
                                       const double in = Phi((52.5 / g - 1) / 0.01) - Phi((47.5 / g - 1) / 0.01);
                                       return std::pow(1 - in, 200);
                                     },
                                     10.0, 100.0, 90000);
  const double f = failed / static_cast<double>(n), se = std::sqrt(q * (1 - q) / n);
  EXPECT_LT(std::fabs(f - q), 4 * se) << "non-converged fraction " << f << " vs " << q << ": " << (f - q) / se
                                      << " SE (limit 4)";
}

TEST(WriteVerify, IncrementalLawConverges) {
  // Incremental law from half the target compliance in 1 µA steps (1.5 µS of median per step), restarting
  // after an overshoot: with 300 pulses nearly every device converges (> 99 %), and every converged device
  // ends inside the band.
  const mc::WriteVerifyParams wp =
      write_verify_params(ideal_model(), 50.0f, 0.05f, 300, mc::PulseLaw::kIncremental, 13u);
  const std::uint64_t n = 100000;
  std::vector<mc::WriteVerifyOutcome> out;
  mc::write_verify_cpu(wp, 0, n, out, mc::RunHooks{});
  std::uint64_t converged = 0, bad_band = 0;
  double pulses = 0;
  for (const auto& o : out) {
    converged += o.converged;
    pulses += o.set_pulses + o.reset_pulses;
    if (o.converged) bad_band += std::fabs(o.g_final - 50.0f) > 0.05f * 50.0f * (1 + 1e-6f);
  }
  EXPECT_GT(converged, 0.99 * n) << "converged " << converged << " of " << n << " (mean pulses " << pulses / n << ")";
  EXPECT_EQ(bad_band, 0u);
}

}  // namespace
