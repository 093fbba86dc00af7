// Convergence diagnostics of Vehtari et al. (2021), Bayesian Analysis 16(2) — cited below as "the paper".
// Written from the paper's definitions; where the paper leaves a choice open (biased autocovariances, the last
// positive even autocorrelation, the ESS cap) we take Stan's so that numbers agree with Stan and ArviZ.
#include "workloads/mcmc/diagnostics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace mc {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_shape(const std::vector<double>& x, std::size_t chains, std::size_t draws, std::size_t min_draws,
                 const char* who) {
  if (chains < 1 || draws < min_draws)
    throw std::invalid_argument(std::string(who) + ": needs chains >= 1 and draws >= " + std::to_string(min_draws));
  if (x.size() != chains * draws)
    throw std::invalid_argument(std::string(who) + ": x.size() != chains * draws");
}

/// True when every draw equals the first: variance is exactly zero, which the sums below would only see as
/// rounding noise (sum of N copies of v divided by N need not be v).
bool constant(const std::vector<double>& x) {
  return std::all_of(x.begin(), x.end(), [&](double v) { return v == x.front(); });
}

/// The 2*chains half-chains of draws/2 draws each; an odd middle draw belongs to neither half (paper, split-R-hat).
std::vector<double> split_halves(const std::vector<double>& x, std::size_t chains, std::size_t draws) {
  const std::size_t half = draws / 2;
  std::vector<double> out;
  out.reserve(2 * chains * half);
  for (std::size_t c = 0; c < chains; ++c) {
    const double* y = x.data() + c * draws;
    out.insert(out.end(), y, y + half);
    out.insert(out.end(), y + draws - half, y + draws);
  }
  return out;
}

/// R-hat of chains as given (paper, split-R-hat): sqrt(var+ / W), var+ = (N-1)/N W + B/N.
double rhat_of(const std::vector<double>& x, std::size_t m_chains, std::size_t n) {
  if (constant(x)) return kNaN;
  std::vector<double> mean(m_chains);
  double w = 0;
  for (std::size_t m = 0; m < m_chains; ++m) {
    const double* y = x.data() + m * n;
    mean[m] = std::accumulate(y, y + n, 0.0) / n;
    double ss = 0;
    for (std::size_t i = 0; i < n; ++i) ss += (y[i] - mean[m]) * (y[i] - mean[m]);
    w += ss / (n - 1);
  }
  w /= m_chains;
  const double grand = std::accumulate(mean.begin(), mean.end(), 0.0) / m_chains;
  double b_over_n = 0;  // B/N = sample variance of the chain means
  for (double mu : mean) b_over_n += (mu - grand) * (mu - grand);
  b_over_n /= (m_chains - 1);
  if (w == 0) return std::numeric_limits<double>::infinity();
  return std::sqrt(((n - 1.0) / n * w + b_over_n) / w);
}

/// Quantile with linear interpolation between order statistics (Hyndman-Fan type 7, numpy's default), so
/// q05/q95 and the folding median match ArviZ.
double quantile_sorted(const std::vector<double>& s, double p) {
  const double h = (s.size() - 1) * p;
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  if (lo + 1 >= s.size()) return s.back();
  return s[lo] + (h - lo) * (s[lo + 1] - s[lo]);
}

}  // namespace

double normal_quantile(double p) {
  if (!(p >= 0.0 && p <= 1.0)) return kNaN;
  if (p == 0.0) return -std::numeric_limits<double>::infinity();
  if (p == 1.0) return std::numeric_limits<double>::infinity();
  // Work in the lower half: 1 - p is exact for p in [0.5, 1] (Sterbenz), whereas refining Phi(x) - p near
  // p = 1 would cancel catastrophically.
  if (p > 0.5) return -normal_quantile(1.0 - p);
  // P. J. Acklam's rational approximation, relative error < 1.15e-9.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  // One Halley step on Phi(x) - p (cubic convergence) takes 1e-9 to rounding level; erfc keeps Phi accurate in
  // the lower tail where 1 + erf would underflow.
  const double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  const double u = e * 2.5066282746310002 /* sqrt(2 pi) */ * std::exp(0.5 * x * x);
  return x - u / (1.0 + 0.5 * x * u);
}

std::vector<double> rank_normalize(const std::vector<double>& x) {
  const std::size_t s = x.size();
  std::vector<std::size_t> order(s);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return x[i] < x[j]; });
  std::vector<double> z(s);
  for (std::size_t i = 0; i < s;) {
    std::size_t j = i + 1;
    while (j < s && x[order[j]] == x[order[i]]) ++j;
    const double rank = 0.5 * (i + 1 + j);  // average of 1-based ranks i+1 .. j
    const double zr = normal_quantile((rank - 0.375) / (s + 0.25));  // Blom's offsets, as the paper
    for (std::size_t k = i; k < j; ++k) z[order[k]] = zr;
    i = j;
  }
  return z;
}

double split_rhat(const std::vector<double>& x, std::size_t chains, std::size_t draws) {
  check_shape(x, chains, draws, 4, "split_rhat");
  return rhat_of(split_halves(x, chains, draws), 2 * chains, draws / 2);
}

double ess_of_chains(const std::vector<double>& x, std::size_t chains, std::size_t draws) {
  check_shape(x, chains, draws, 2, "ess_of_chains");
  if (constant(x)) return kNaN;
  const std::size_t m_chains = chains, n = draws;
  std::vector<double> mean(m_chains);
  for (std::size_t m = 0; m < m_chains; ++m)
    mean[m] = std::accumulate(x.begin() + m * n, x.begin() + (m + 1) * n, 0.0) / n;
  // Chain-averaged biased (1/N) autocovariance at lag t. Computed lazily, one lag at a time, because Geyer's
  // truncation usually stops after a few dozen lags: O(S) per lag instead of an O(S N) full table.
  auto acov = [&](std::size_t t) {
    double sum = 0;
    for (std::size_t m = 0; m < m_chains; ++m) {
      const double* y = x.data() + m * n;
      for (std::size_t i = 0; i + t < n; ++i) sum += (y[i] - mean[m]) * (y[i + t] - mean[m]);
    }
    return sum / (static_cast<double>(n) * m_chains);
  };
  const double w = acov(0) * n / (n - 1.0);  // W: mean within-chain variance
  double var_plus = (n - 1.0) / n * w;       // the paper's var+ (overestimates the variance)
  if (m_chains > 1) {
    const double grand = std::accumulate(mean.begin(), mean.end(), 0.0) / m_chains;
    double b_over_n = 0;
    for (double mu : mean) b_over_n += (mu - grand) * (mu - grand);
    var_plus += b_over_n / (m_chains - 1);
  }
  // Paper eq. 10: rho_t = 1 - (W - mean_m s_m^2 rho_{t,m}) / var+, where s_m^2 rho_{t,m} is chain m's autocovariance.
  auto rho = [&](std::size_t t) { return 1.0 - (w - acov(t)) / var_plus; };
  std::vector<double> r = {1.0, rho(1)};
  double even = 1.0, odd = r[1];
  std::size_t s = 1;
  // Geyer's initial positive sequence: pairs rho_{2k} + rho_{2k+1} are positive for a reversible chain, so the
  // first negative pair marks where noise dominates. Lags stop at N - 4 (as Stan does) to keep the last pair as
  // a variance-reducing term for antithetic chains.
  while (s + 4 < n && even + odd > 0) {
    even = rho(s + 1);
    odd = rho(s + 2);
    if (even + odd >= 0) {
      r.push_back(even);
      r.push_back(odd);
    }
    s += 2;
  }
  const std::size_t max_s = s;
  r.resize(max_s + 2, 0.0);
  if (even > 0) r[max_s + 1] = even;  // Stan's improved estimate for antithetic chains
  // Initial monotone sequence: pair sums must not increase; clipping them removes noise-driven bumps.
  for (std::size_t k = 1; k + 3 <= max_s; k += 2) {
    if (r[k + 1] + r[k + 2] > r[k - 1] + r[k]) r[k + 1] = r[k + 2] = 0.5 * (r[k - 1] + r[k]);
  }
  const double total = static_cast<double>(n) * m_chains;
  double tau = -1.0 + 2.0 * std::accumulate(r.begin(), r.begin() + max_s + 1, 0.0) + r[max_s + 1];
  // Antithetic chains can make tau tiny; Stan caps ESS at S log10 S, i.e. tau >= 1 / log10 S.
  tau = std::max(tau, 1.0 / std::log10(total));
  return total / tau;
}

Convergence convergence(const ChainDraws& d) {
  check_shape(d.x, d.chains, d.draws, 4, "convergence");
  for (double v : d.x)
    if (!std::isfinite(v)) throw std::invalid_argument("convergence: draws must be finite");
  const std::size_t total = d.x.size(), half = d.draws / 2, m_split = 2 * d.chains;
  Convergence out{};
  out.mean = std::accumulate(d.x.begin(), d.x.end(), 0.0) / total;
  double ss = 0;
  for (double v : d.x) ss += (v - out.mean) * (v - out.mean);
  out.sd = std::sqrt(ss / (total - 1));
  std::vector<double> sorted = d.x;
  std::sort(sorted.begin(), sorted.end());
  out.q05 = quantile_sorted(sorted, 0.05);
  out.q50 = quantile_sorted(sorted, 0.50);
  out.q95 = quantile_sorted(sorted, 0.95);

  const std::vector<double> halves = split_halves(d.x, d.chains, d.draws);
  const std::vector<double> z = rank_normalize(halves);
  // Folding |x - median| turns a difference in scale between chains into a difference in location, which the
  // bulk R-hat cannot see (paper, folded-split-R-hat).
  std::vector<double> folded(total);
  for (std::size_t i = 0; i < total; ++i) folded[i] = std::fabs(d.x[i] - out.q50);
  const std::vector<double> zf = rank_normalize(split_halves(folded, d.chains, d.draws));
  const double rhat_bulk = rhat_of(z, m_split, half), rhat_folded = rhat_of(zf, m_split, half);
  out.rhat = std::isnan(rhat_bulk) || std::isnan(rhat_folded) ? kNaN : std::max(rhat_bulk, rhat_folded);
  out.ess_bulk = ess_of_chains(z, m_split, half);

  // Tail ESS: how well the 5 % and 95 % quantiles are located (paper, tail-ESS), from quantile indicators.
  auto ess_below = [&](double q) {
    std::vector<double> ind(halves.size());
    for (std::size_t i = 0; i < halves.size(); ++i) ind[i] = halves[i] <= q ? 1.0 : 0.0;
    return ess_of_chains(ind, m_split, half);
  };
  const double e05 = ess_below(out.q05), e95 = ess_below(out.q95);
  out.ess_tail = std::isnan(e05) || std::isnan(e95) ? kNaN : std::min(e05, e95);
  out.mcse_mean = out.sd / std::sqrt(ess_of_chains(halves, m_split, half));
  return out;
}

}  // namespace mc
