// Convergence diagnostics for MCMC output (host side): rank-normalized split R-hat, bulk/tail ESS, MCSE.
// Definitions follow Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021), "Rank-normalization, folding, and
// localization: an improved R-hat for assessing convergence of MCMC", Bayesian Analysis 16(2) — the ones
// Stan and ArviZ use, so numbers can be compared with theirs.
#pragma once
#include <cstddef>
#include <vector>

namespace mc {

/// Draws of one scalar parameter: chains x draws, row-major (draw d of chain c at [c * draws + d]).
struct ChainDraws {
  std::size_t chains = 0, draws = 0;
  std::vector<double> x;
};

/// Summary of one parameter. A constant input (zero variance) has rhat, ess_* and mcse_mean = NaN.
struct Convergence {
  double mean, sd;       ///< over all draws (sd with 1/(S-1)), units of x
  double q05, q50, q95;  ///< quantiles over all draws (linear interpolation, numpy's default), units of x
  double rhat;           ///< max(bulk split-R-hat, folded split-R-hat), both rank-normalized; ~1 when converged
  double ess_bulk;       ///< ESS of the rank-normalized split chains, draws; in (0, S log10 S]
  double ess_tail;       ///< min(ESS of I(x <= q05), ESS of I(x <= q95)) over split chains, draws
  double mcse_mean;      ///< sd / sqrt(ESS of the raw split chains), units of x
};

/// Diagnostics of d. Throws std::invalid_argument unless chains >= 1, draws >= 4, x.size() == chains * draws
/// and every draw is finite.
Convergence convergence(const ChainDraws& d);

/// Effective sample size of (already split) chains by Geyer's initial monotone sequence over the multi-chain
/// autocorrelation (paper eq. 10 onward); exposed for tests. Needs chains >= 1, draws >= 2 (else
/// std::invalid_argument); NaN when all draws are equal; capped at S log10 S (S = chains * draws) as Stan does.
double ess_of_chains(const std::vector<double>& x, std::size_t chains, std::size_t draws);

/// Split R-hat of the given chains, each split in two halves first (the middle draw dropped when draws is
/// odd). Needs chains >= 1, draws >= 4 (else std::invalid_argument). NaN when all draws are equal;
/// +inf when every half-chain is constant but they differ.
double split_rhat(const std::vector<double>& x, std::size_t chains, std::size_t draws);

/// Rank-normalization: z = Phi^-1((rank - 3/8) / (S + 1/4)), average 1-based ranks for ties; S = x.size().
/// Draws must not be NaN.
std::vector<double> rank_normalize(const std::vector<double>& x);

/// Inverse standard normal CDF Phi^-1(p), p in [0, 1]; -inf / +inf at 0 / 1, NaN outside. Relative error
/// ~1e-15 (Acklam's rational approximation refined by one Halley step).
double normal_quantile(double p);

}  // namespace mc
